// Runs a PyTorch oracle script with Debian's Python (the one that has torch).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const PYTHON = process.env['SEAL_PYTHON'] ?? '/usr/bin/python3';

/** Runs test/oracle/<script> with args; returns stdout, throws with stderr on failure. */
export function runPython(script: string, args: string[]): string {
  const r = spawnSync(PYTHON, [`test/oracle/${script}`, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`${PYTHON} test/oracle/${script} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}
