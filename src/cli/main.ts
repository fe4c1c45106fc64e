#!/usr/bin/env node
// The `seal` command line.
import { backendInfo, getNumThreads, setNumThreads } from '../index.js';
import { describeFailure } from '../errors.js';
import { trainCommand } from './train.js';
import { cancelCommand } from './cancel.js';
import { compareCommand } from './compare.js';
import { sweepCommand } from './sweep.js';
import { reportCommand } from './report.js';
import { evalCommand } from './eval.js';
import { statusCommand } from './status.js';
import { workerCommand } from './worker.js';
import { dataCommand } from './data.js';
import { checkThreads } from './checks.js';
import type { CommandValues } from './command-options.js';
import { asFlags, commandFlags, parseArgv } from './args.js';
import { EVALUATORS } from '../eval/registry.js';
import { optionsMarkdown } from './options-doc.js';

const USAGE = `seal: iterative training of image classifiers (SEAL, LLF, normal) on libtorch

usage: seal <command> [options]

commands:
  train [options]      train generations with one method (seal train --help)
  compare [options]    methods x seeds, every generation evaluated, one report (seal compare --help)
  sweep [options]      a grid over one or two settings of a method against a baseline (seal sweep --help)
  eval KIND [options]  evaluate a checkpoint: ${Object.keys(EVALUATORS).join(', ')}, or all (seal eval --help)
  status DIR           every task of a comparison: done, running, waiting, failed (with its log)
  worker DIR TASK      run one task of a comparison's plan (what \`seal compare\` starts per task)
  cancel DIR           cancel the Slurm jobs of a comparison (--launcher slurm)
  report DIR           rebuild a comparison's report from its files
  data check NAME PATH check a dataset in its publisher's layout against its published counts (seal data --help)
  info [--threads N]   show the libtorch build, threads and devices seal runs on
  help [options]       show this text, or every option of every command as a Markdown table

exit status: 0 done; 1 a file or folder could not be read, written or used; 2 the command line
asks for something impossible (an option, a value, a dataset name); 3 training diverged;
70 an internal error (a bug in seal: please report it).
`;

const USAGES: Record<string, string> = {
  status:
    'usage: seal status DIR [--repair]\n\nEvery task of the comparison in DIR (the --out folder of `seal compare`): done, running,\nwaiting or failed, with its log; past a screenful, the tasks that are not done or waiting and\na count of the rest. --repair writes a missing or damaged plan.json again from compare.json,\nkeeping every finished task.\n',
  cancel:
    'usage: seal cancel DIR\n\nCancels the Slurm jobs of the comparison in DIR (--launcher slurm) that are queued or running.\n',
  report:
    'usage: seal report DIR\n\nRebuilds DIR/report.json, report.md and report.html from the files of a comparison.\n',
  info: 'usage: seal info [--threads N]\n\nShows the libtorch build, the CPU threads (N of them with --threads) and the devices seal runs on.\n',
};

/** The BLAS line of `seal info`: library, kernel set, and who chose it. */
function describeBlas(b: ReturnType<typeof backendInfo>): string {
  if (b.blasCore === null) return 'not OpenBLAS (no openblas_get_corename in the process)';
  const c = b.openblasCoreType;
  const why =
    c.user !== null
      ? `OPENBLAS_CORETYPE=${c.user} set by the user`
      : c.chosen !== null
        ? `OPENBLAS_CORETYPE=${c.chosen} set by seal: OpenBLAS picked ${c.reported ?? '?'}, the CPU supports wider vectors`
        : "OpenBLAS's own pick";
  const library = /^OpenBLAS\s+\S+/.exec(b.blasConfig ?? '')?.[0] ?? 'OpenBLAS';
  return `${library}, kernel ${b.blasCore} (${why}); ${b.blasConfig ?? ''}`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd = 'help', ...rest] = argv;
  if (cmd === 'help' && rest[0] === 'options') {
    process.stdout.write(`${optionsMarkdown()}\n`);
    return 0;
  }
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (USAGES[cmd] !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(USAGES[cmd] as string);
    return 0;
  }
  if (cmd === 'train') return trainCommand(rest);
  if (cmd === 'compare') return compareCommand(rest);
  if (cmd === 'sweep') return sweepCommand(rest);
  if (cmd === 'report') return reportCommand(rest);
  if (cmd === 'eval') return evalCommand(rest);
  if (cmd === 'status') return statusCommand(rest);
  if (cmd === 'worker') return workerCommand(rest);
  if (cmd === 'cancel') return cancelCommand(rest);
  if (cmd === 'data') return dataCommand(rest);
  if (cmd === 'info') {
    const { threads } = parseArgv(rest, commandFlags('info'), { command: 'info' }).values as CommandValues<'info'>;
    if (threads !== undefined) {
      checkThreads(threads, '--threads');
      setNumThreads(threads);
    }
    const b = backendInfo();
    process.stdout.write(
      `libtorch ${b.torchVersion}; ${getNumThreads()} CPU threads; CUDA: ${b.cudaAvailable ? `${b.cudaDevices} device(s)` : b.builtWithCuda ? 'built with CUDA, no device found' : 'not in this build'}\n`,
    );
    process.stdout.write(`BLAS: ${describeBlas(b)}\n`);
    return 0;
  }
  process.stderr.write(`seal: unknown command '${cmd}'\n\n${USAGE}`);
  return 2;
}

/**
 * The one place an error reaches the user: seal's own errors as their message; a system error
 * nobody wrapped as its one line; anything else as one line asking for a bug report. Never a
 * stack trace, unless SEAL_DEBUG=1 asks for it.
 */
function fail(e: unknown): void {
  if (process.env.SEAL_DEBUG === '1') process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  const f = describeFailure(asFlags(e));
  process.stderr.write(`\nseal: ${f.message}${f.hint !== null ? `\nhint: ${f.hint}` : ''}\n`);
  process.exitCode = f.exit;
}

// Warnings that code below the CLI raises (process.emitWarning) in seal's words, not Node's.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  process.stderr.write(`seal: warning: ${w.message}\n`);
});
// A reader that stops early (`seal status DIR | head`) is not an error: stop writing, quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  else fail(e);
});
// An error thrown in a callback outside the command's promise ends the process the same way.
process.on('uncaughtException', (e) => {
  fail(e);
  process.exit();
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, fail);
