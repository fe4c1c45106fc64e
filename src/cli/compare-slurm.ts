// `seal compare --launcher slurm`: submit the plan's unfinished tasks, print what was
// submitted (or with --dry-run the batch scripts), and with --wait follow the jobs to the end.
import type { WorkerCommand } from '../compare/worker-protocol.js';
import type { CompareLayout } from '../io/compare-dir.js';
import type { Plan } from '../compare/plan.js';
import { activeJobs, queueStates, submitSlurm } from '../compare/slurm-run.js';
import type { SlurmOptions } from '../compare/slurm.js';
import { taskStatuses } from '../compare/task-status.js';
import { ConfigError, SealError } from '../errors.js';
import type { Report } from '../report/types.js';
import { cudaAvailable, setNumThreads } from '../backend/index.js';
import { knownSource, planConfig, planThroughput, trainingImages } from '../compare/estimate.js';
import { countLine } from './compare-progress.js';
import type { CommandValues } from './command-options.js';

/** The Slurm options among seal compare's own flags. */
export const SLURM_FLAGS = [
  'partition',
  'time',
  'gpus-per-task',
  'cpus-per-task',
  'mem',
  'account',
  'qos',
  'constraint',
  'max-parallel',
  'max-requeues',
  'signal-seconds',
  'sbatch-arg',
  'wait',
  'dry-run',
] as const satisfies readonly (keyof CommandValues<'compare'>)[];

export const SLURM_USAGE = `cluster (--launcher slurm): submits the tasks with sbatch as job arrays with dependencies and returns;
  the options marked slurm below go with it. Submitting again skips done tasks and tasks still queued,
  and resubmits failed ones. \`seal status DIR\` merges the queue; \`seal cancel DIR\` cancels the comparison's jobs.
`;

/** The sbatch settings among seal compare's flags, already typed and bounded by the option table. */
export function slurmOptionsOf(v: CommandValues<'compare'>): SlurmOptions {
  const sbatchArgs = v['sbatch-arg'] ?? [];
  for (const a of sbatchArgs) {
    if (!a.startsWith('-'))
      throw new ConfigError(
        `--sbatch-arg: expected an sbatch option such as --exclusive, got '${a}'`,
        'write it with = so the value stays attached: --sbatch-arg=--nice=10',
      );
  }
  const str = (k: 'partition' | 'time' | 'mem' | 'account' | 'qos' | 'constraint') => {
    const x = v[k];
    return x !== undefined && x !== '' ? { [k]: x } : {};
  };
  return {
    ...str('partition'),
    ...str('time'),
    ...str('mem'),
    ...str('account'),
    ...str('qos'),
    ...str('constraint'),
    ...(v['gpus-per-task'] !== undefined ? { gpusPerTask: v['gpus-per-task'] } : {}),
    cpusPerTask: v['cpus-per-task'] ?? 1,
    maxParallel: v['max-parallel'] ?? 0,
    maxRequeues: v['max-requeues'] ?? 3,
    signalSeconds: v['signal-seconds'] ?? 120,
    sbatchArgs,
  };
}

const isDoneIn = (layout: CompareLayout) => (task: string) => layout.isDone(task);

/** Submits; returns the report when --wait saw it written, else null. */
export async function compareOnSlurm(
  layout: CompareLayout,
  plan: Plan,
  o: SlurmOptions,
  flags: { wait: boolean; dryRun: boolean; worker: WorkerCommand; pollSeconds?: number },
): Promise<Report | null> {
  const isDone = isDoneIn(layout);
  const subs = submitSlurm(layout, plan, o, { dryRun: flags.dryRun, isDone, worker: flags.worker });
  for (const s of subs) {
    const what = `${s.group.tasks.length} task${s.group.tasks.length === 1 ? '' : 's'} (${s.group.name})`;
    const after = s.dependency ? ` after ${s.dependency}` : '';
    process.stdout.write(
      flags.dryRun ? `would submit ${what}${after}: ${s.script}\n` : `submitted ${what} as job ${s.job}${after}\n`,
    );
  }
  if (flags.dryRun) {
    for (const s of subs) process.stdout.write(`\n--- ${s.script}\n${layout.readScript(s.script)}`);
    process.stdout.write(`\n${estimateLine(plan, o)}\n`);
    return null;
  }
  if (subs.length === 0) process.stdout.write(`nothing to submit: ${countLine(taskStatuses(layout, plan))}\n`);
  process.stdout.write(`\`seal status ${layout.dir}\` shows every task; \`seal cancel ${layout.dir}\` cancels them\n`);
  if (!flags.wait) return null;
  return follow(layout, plan, flags.pollSeconds ?? 10);
}

/** The training time of the plan from a throughput measured here, in device-hours. */
function estimateLine(plan: Plan, o: SlurmOptions): string {
  const cfg = planConfig(plan);
  const src = knownSource(cfg.dataset, cfg.limitTrain);
  if (!src)
    return `estimate: not available for ${cfg.dataset} (its size is known only once read); the plan has ${plan.tasks.length} tasks`;
  const images = trainingImages(plan, src.train);
  if (cfg.device.startsWith('cuda') && !cudaAvailable()) {
    return (
      `estimate: ${(images / 1e6).toFixed(1)} million training images in all; this machine has no GPU to measure the throughput on ` +
      '(run the same --dry-run on a GPU node for GPU-hours: `srun --gpus=1 seal compare ... --dry-run`)'
    );
  }
  setNumThreads(o.cpusPerTask);
  const t = planThroughput(cfg, src);
  const hours = images / t.imagesPerSecond / 3600;
  const unit = cfg.device.startsWith('cuda')
    ? 'GPU-hours'
    : `CPU-hours (at ${o.cpusPerTask} thread${o.cpusPerTask === 1 ? '' : 's'} per task)`;
  return (
    `estimate: ${hours.toFixed(hours < 10 ? 1 : 0)} ${unit} of training: ${(images / 1e6).toFixed(1)} million images (every generation of every training task x ` +
    `${cfg.epochs} epochs x ${src.train} images) at ${t.imagesPerSecond.toFixed(0)} images/s, measured here on ${t.device} over ${t.steps} SGD steps of ` +
    `${cfg.model} (width ${cfg.width}, batch ${t.batchSize}, ${t.image}); evaluations and data loading are not counted`
  );
}

/** Polls the files and the queue until the report is written or nothing is left queued. */
async function follow(layout: CompareLayout, plan: Plan, pollSeconds: number): Promise<Report> {
  let last = '';
  for (;;) {
    const st = taskStatuses(layout, plan);
    const line = countLine(st);
    if (line !== last) {
      process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
      last = line;
    }
    if (isDoneIn(layout)('report') && layout.hasReport()) return layout.readReport<Report>();
    if (activeJobs(layout, queueStates()).size === 0) {
      // The report job may have just ended: read the files once more before calling it stopped.
      if (isDoneIn(layout)('report') && layout.hasReport()) continue;
      const failed = taskStatuses(layout, plan).filter((s) => s.state === 'failed' || s.state === 'stopped');
      throw new SealError(
        'COMPARE_TASK',
        `no job of the comparison is queued any more, and it is not finished: ${countLine(taskStatuses(layout, plan))}` +
          failed.map((f) => `\n  ${f.task.id}: ${f.detail}${f.log ? `\n    log: ${f.log}` : ''}`).join(''),
        'fix the cause and run the same `seal compare --launcher slurm` command again: it submits only what is missing',
      );
    }
    await new Promise((r) => setTimeout(r, pollSeconds * 1000));
  }
}
