// `seal status DIR`: where every task of a comparison stands, from its files (and, for a
// comparison submitted to Slurm, the queue).
import { CompareLayout } from '../io/compare-dir.js';
import { checkPathName } from '../io/path-name.js';
import { readPlan } from '../compare/run-task.js';
import { taskStatuses } from '../compare/task-status.js';
import { activeJobs, queueStates, recordedJobs } from '../compare/slurm-run.js';
import { ConfigError } from '../errors.js';
import { onlyPositional } from './args.js';
import { countLine, eta, fmtTime } from './compare-progress.js';

export async function statusCommand(argv: string[]): Promise<number> {
  const dir = onlyPositional(argv, 'status');
  if (dir === undefined)
    throw new ConfigError('usage: seal status DIR', 'DIR is the --out folder of a `seal compare` run');
  checkPathName(dir, 'the folder');
  const layout = new CompareLayout(dir);
  const plan = readPlan(layout);
  const st = taskStatuses(layout, plan);
  const queued = queueOf(layout);
  const running = Math.max(1, st.filter((s) => s.state === 'running').length);
  process.stdout.write(`${dir}: ${countLine(st)}; ETA ${fmtTime(eta(st, plan.settings.generations, running))}\n`);
  for (const s of st) {
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
