#!/usr/bin/env node
// The `seal` command line.
import { backendInfo, getNumThreads, setNumThreads } from '../index.js';

const USAGE = `seal: iterative training of image classifiers (SEAL, LLF, normal) on libtorch

usage: seal <command> [options]

commands:
  info [--threads N]   show the libtorch build, threads and devices seal runs on
  help                 show this text
`;

function main(argv: string[]): number {
  const [cmd = 'help', ...rest] = argv;
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cmd === 'info') {
    const i = rest.indexOf('--threads');
    if (i >= 0) {
      const n = Number(rest[i + 1]);
      if (!Number.isInteger(n) || n < 1) {
        process.stderr.write(`seal info: --threads expects a positive integer, got '${rest[i + 1] ?? ''}'\n`);
        return 2;
      }
      setNumThreads(n);
    }
    const b = backendInfo();
    process.stdout.write(`libtorch ${b.torchVersion}; ${getNumThreads()} CPU threads; CUDA: ${b.cudaAvailable ? `${b.cudaDevices} device(s)` : b.builtWithCuda ? 'built with CUDA, no device found' : 'not in this build'}\n`);
    return 0;
  }
  process.stderr.write(`seal: unknown command '${cmd}'\n\n${USAGE}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
