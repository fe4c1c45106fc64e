// compare_default: wall time of `seal compare --preset default` with this code against the
// pipeline before the task graph (one process per (method, seed) run and per evaluation, every
// method training its own generation 0), built from BASELINE_COMMIT in a temporary worktree.
// Both run in one bench invocation on the same machine with the same jobs and threads.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The last commit before `seal compare` became a task graph. */
export const BASELINE_COMMIT = 'c6881d9';

function timed(cli: string, cwd: string, out: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'compare', '--preset', 'default', '--out', out], {
    cwd,
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) throw new Error(`seal compare in ${cwd} failed (exit ${r.status}):\n${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** Seconds the evaluation tasks of a finished comparison took, summed. */
function evalSeconds(out: string): number {
  const dir = join(out, 'tasks');
  return readdirSync(dir)
    .filter((f) => f.startsWith('eval-') && f.endsWith('.done.json'))
    .reduce((s, f) => s + (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { seconds: number }).seconds, 0);
}

export function compareDefault(root: string, threads: number, log: (s: string) => void): Record<string, number> {
  const tmp = mkdtempSync(join(tmpdir(), 'seal-bench-compare-'));
  const base = join(tmp, 'baseline');
  try {
    execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', base, BASELINE_COMMIT], { stdio: 'ignore' });
    symlinkSync(join(root, 'node_modules'), join(base, 'node_modules'));
    log(`compare_default: building the baseline (${BASELINE_COMMIT}) in ${base}`);
    // npm's own node-gyp builds the addon, as `npm ci` does.
    execFileSync('npm', ['run', 'build'], { cwd: base, stdio: 'ignore' });
    const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
    const cli = (dir: string) => join(dir, 'dist', 'src', 'cli', 'main.js');
    log('compare_default: seal compare --preset default, baseline then new');
    const baselineS = timed(cli(base), base, join(tmp, 'old'), env);
    const newS = timed(cli(root), root, join(tmp, 'new'), env);
    const jobs = cpus().length; // seal compare's default: one task per core
    const share = evalSeconds(join(tmp, 'new')) / (newS * jobs);
    return {
      new_s: Math.round(newS),
      baseline_s: Math.round(baselineS),
      ratio: Math.round((newS / baselineS) * 1000) / 1000,
      eval_share: Math.round(share * 1000) / 1000,
    };
  } finally {
    if (existsSync(base)) spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', base], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  }
}
