#!/usr/bin/env node
// The `seal` command line.
import { backendInfo, getNumThreads, setNumThreads } from '../index.js';
import { SealError } from '../errors.js';
import { trainCommand } from './train.js';
import { cancelCommand } from './cancel.js';
import { compareCommand } from './compare.js';
import { reportCommand } from './report.js';
import { evalCommand } from './eval.js';
import { statusCommand } from './status.js';
import { workerCommand } from './worker.js';
import { parseThreads } from './checks.js';

const USAGE = `seal: iterative training of image classifiers (SEAL, LLF, normal) on libtorch

usage: seal <command> [options]

commands:
  train [options]      train generations with one method (seal train --help)
  compare [options]    methods x seeds, every generation evaluated, one report (seal compare --help)
  eval KIND [options]  evaluate a checkpoint: transfer, fewshot, depth, sharpness, or all (seal eval --help)
  status DIR           every task of a comparison: done, running, waiting, failed (with its log)
  worker DIR TASK      run one task of a comparison's plan (what \`seal compare\` starts per task)
  cancel DIR           cancel the Slurm jobs of a comparison (--launcher slurm)
  report DIR           rebuild a comparison's report from its files
  info [--threads N]   show the libtorch build, threads and devices seal runs on
  help                 show this text
`;

/** The BLAS line of `seal info`: library, kernel set, and who chose it. */
function describeBlas(b: ReturnType<typeof backendInfo>): string {
  if (b.blasCore === null) return 'not OpenBLAS (no openblas_get_corename in the process)';
  const c = b.openblasCoreType;
  const why = c.user !== null ? `OPENBLAS_CORETYPE=${c.user} set by the user`
    : c.chosen !== null ? `OPENBLAS_CORETYPE=${c.chosen} set by seal: OpenBLAS picked ${c.reported ?? '?'}, the CPU supports wider vectors`
      : 'OpenBLAS\'s own pick';
  const library = /^OpenBLAS\s+\S+/.exec(b.blasConfig ?? '')?.[0] ?? 'OpenBLAS';
  return `${library}, kernel ${b.blasCore} (${why}); ${b.blasConfig ?? ''}`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd = 'help', ...rest] = argv;
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd === 'train') return trainCommand(rest);
  if (cmd === 'compare') return compareCommand(rest);
  if (cmd === 'report') return reportCommand(rest);
  if (cmd === 'eval') return evalCommand(rest);
  if (cmd === 'status') return statusCommand(rest);
  if (cmd === 'worker') return workerCommand(rest);
  if (cmd === 'cancel') return cancelCommand(rest);
  if (cmd === 'info') {
    const i = rest.indexOf('--threads');
    if (i >= 0) setNumThreads(parseThreads(rest[i + 1]));
    const b = backendInfo();
    process.stdout.write(`libtorch ${b.torchVersion}; ${getNumThreads()} CPU threads; CUDA: ${b.cudaAvailable ? `${b.cudaDevices} device(s)` : b.builtWithCuda ? 'built with CUDA, no device found' : 'not in this build'}\n`);
    process.stdout.write(`BLAS: ${describeBlas(b)}\n`);
    return 0;
  }
  process.stderr.write(`seal: unknown command '${cmd}'\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  if (e instanceof SealError) {
    process.stderr.write(`\nseal: ${e.message}\n`);
    process.exitCode = e.name === 'ConfigError' ? 2 : e.name === 'DivergenceError' ? 3 : 1;
  } else {
    throw e;
  }
});
