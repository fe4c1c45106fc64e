// `seal status DIR`: where every task of a comparison stands, from its files (and, for a
// comparison submitted to Slurm, the queue).
import { CompareLayout } from '../io/compare-dir.js';
import { checkPathName } from '../io/path-name.js';
import { readPlan } from '../compare/run-task.js';
import { taskStatuses } from '../compare/task-status.js';
import { activeJobs, queueStates, recordedJobs } from '../compare/slurm-run.js';
import { ConfigError } from '../errors.js';
import { commandFlags, parseArgv } from './args.js';
import type { CommandValues } from './command-options.js';
import { lockComparison } from './lock.js';
import { repairPlan } from '../compare/run-comparison.js';
import { countLine, eta, etaText, fmtTime } from './compare-progress.js';
import type { Prior } from '../compare/task-status.js';

/** Tasks listed one per line at most; past it, only those that are not done or waiting, and counts. */
export const STATUS_LINES = 40;

export async function statusCommand(argv: string[]): Promise<number> {
  const parsed = parseArgv(argv, commandFlags('status'), { command: 'status', positionals: Infinity });
  const [dir, ...more] = parsed.positionals;
  if (dir === undefined || more.length > 0)
    throw new ConfigError('usage: seal status DIR [--repair]', 'DIR is the --out folder of a `seal compare` run');
  checkPathName(dir, 'the folder');
  if ((parsed.values as CommandValues<'status'>).repair) return repair(dir);
  const layout = new CompareLayout(dir);
  const plan = readPlan(layout);
  const st = taskStatuses(layout, plan, { outputs: true });
  const queued = queueOf(layout);
  const running = Math.max(1, st.filter((s) => s.state === 'running').length);
  process.stdout.write(
    `${dir}: ${countLine(st)}; ${etaText(eta(st, plan.settings.generations, running, layout.readThroughput<Prior>()))}\n`,
  );
  const shown =
    st.length <= STATUS_LINES
      ? st
      : st.filter((s) => s.state !== 'done' && s.state !== 'waiting' && s.state !== 'ready');
  for (const s of shown.slice(0, STATUS_LINES)) {
    const time = s.state === 'done' || s.state === 'running' ? fmtTime(s.seconds) : '';
    const extra = s.log && s.state !== 'done' ? `  (log: ${s.log})` : '';
    const job = s.state === 'done' ? undefined : queued.jobs.get(s.task.id);
    // The queue knows better than a dead pid: a requeued task waits for its next start.
    const state = job?.active && s.state !== 'running' ? 'queued' : s.state;
    const where = job?.state ? `  [job ${job.job}: ${job.state}]` : '';
    process.stdout.write(
      `  ${state.padEnd(8)} ${s.task.id.padEnd(24)} ${time.padStart(7)}  ${s.detail}${where}${extra}\n`,
    );
  }
  const left = st.length - Math.min(shown.length, STATUS_LINES);
  if (left > 0)
    process.stdout.write(
      `  … and ${left} more (${countLine(st.filter((s) => !shown.slice(0, STATUS_LINES).includes(s)))})\n`,
    );
  if (queued.note) process.stdout.write(`\n${queued.note}\n`);
  const failed = st.filter(
    (s) => (s.state === 'failed' || s.state === 'stopped') && !queued.jobs.get(s.task.id)?.active,
  );
  if (failed.length > 0)
    process.stdout.write(
      `\nretry: run the same \`seal compare\` command again, or one task with \`seal worker ${dir} ${failed[0]?.task.id}\`\n`,
    );
  return 0;
}

function repair(dir: string): number {
  const layout = new CompareLayout(dir);
  if (!layout.hasSettings() && !layout.hasPlan())
    throw new ConfigError(
      `${dir} is not a comparison folder (it has neither compare.json nor plan.json)`,
      'give the --out folder of a `seal compare` run',
    );
  // A coordinator that runs now would read the plan while it is written.
  using _lock = lockComparison(dir);
  const r = repairPlan(dir);
  process.stdout.write(
    r.damage === null
      ? `${r.file} is sound (${r.tasks} tasks, ${r.done} done): nothing to repair\n`
      : `${r.damage}\nwrote ${r.file} again from compare.json: ${r.tasks} tasks, ${r.done} of them done and kept; run the same \`seal compare\` command to continue\n`,
  );
  return 0;
}

/** The comparison's Slurm jobs and their states, when it was submitted to Slurm. */
function queueOf(layout: CompareLayout): {
  jobs: Map<string, { job: string; state: string | null; active: boolean }>;
  note: string | null;
} {
  if (!layout.hasSlurmJobs()) return { jobs: new Map(), note: null };
  try {
    const queue = queueStates();
    const active = activeJobs(layout, queue);
    return {
      jobs: new Map([...recordedJobs(layout, queue)].map(([t, j]) => [t, { ...j, active: active.has(t) }])),
      note: null,
    };
  } catch (e) {
    return {
      jobs: new Map(),
      note: `the Slurm queue could not be read, so this is from the files alone: ${(e as Error).message}`,
    };
  }
}
