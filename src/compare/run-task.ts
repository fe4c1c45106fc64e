// One task of a comparison's plan, run in this process: what `seal worker DIR TASK` does for
// the local launcher (and for a cluster scheduler). Every task can be killed at any point
// and run again: training resumes from its run folder, a forked run folder appears whole or
// not at all, evaluations skip the results already written, and the task's done file is
// written last.
import { hostname } from 'node:os';
import { ConfigError, StoppedError } from '../errors.js';
import { taskOutputs } from './outputs.js';
import { loadModelCheckpoint } from '../eval/model-checkpoint.js';
import { evaluateCheckpoint, requestId } from '../eval/run.js';
import { readResumeProgress } from '../io/checkpoint-file.js';
import type { CompareLayout } from '../io/compare-dir.js';
import { ensureDir, forkRun } from '../io/run-dir.js';
import { describePosition, train, type TrainResult } from '../train/iterative.js';
import type { EpochRow } from '../train/summary.js';
import { failureText, readFailure } from './worker-protocol.js';
import { checkPlan, type EvaluateTask, type Plan, type Task, type TrainTask } from './plan.js';

export interface WorkerOptions {
  /** A line of progress for the task's log (and the launcher's display). */
  line(text: string): void;
  /** Writes the report files (the report task). */
  report(): Promise<void>;
  /** Asked during training: true stops it at a resume point, and the task throws StoppedError. */
  stopRequested?(): boolean;
}

export function readPlan(layout: CompareLayout): Plan {
  return checkPlan(layout.readPlanJson(), layout.planFile);
}

export function findTask(plan: Plan, id: string, file: string): Task {
  const task = plan.tasks.find((t) => t.id === id);
  if (!task)
    throw new ConfigError(`no task '${id}' in ${file}`, `its tasks are ${plan.tasks.map((t) => t.id).join(', ')}`);
  return task;
}

/** Where a task's result lies: its run folder, its evaluation folder, or the report. */
export function resultOf(layout: CompareLayout, task: Task): string {
  if (task.kind === 'train') return layout.path(task.run);
  if (task.kind === 'evaluate') return layout.path(task.outDir);
  return layout.reportHtml;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);

async function trainTask(layout: CompareLayout, task: TrainTask, o: WorkerOptions): Promise<void> {
  const runDir = layout.run(task.run);
  const run = runDir.dir;
  const onEpoch = (r: EpochRow) =>
    o.line(
      `gen ${r.generation} epoch ${r.epoch + 1} ${r.phase}: train loss ${r.trainLoss.toFixed(4)}, test top-1 ${pct(r.testTop1)} (${r.seconds.toFixed(1)} s)`,
    );
  // The plan's config was resolved when the plan was made (and checked against its settings when read).
  const config = { ...task.config, out: run, threads: null };
  const stop = o.stopRequested ? { stopRequested: () => o.stopRequested?.() === true } : {};
  // Thrown rather than returned, so that runTask does not write the done file.
  const settle = (r: TrainResult) => {
    r.model.dispose();
    if (r.stopped === null) return;
    throw new StoppedError(
      `task ${task.id} stopped ${describePosition(r.stopped)}, at a resume point in ${run}`,
      `run the task again to continue: seal worker ${layout.dir} ${task.id}`,
    );
  };
  if (!runDir.hasConfig()) {
    if (task.fork === null) {
      ensureDir(layout.path(`${task.run}/..`));
      settle(
        await train(
          { resolved: config },
          {
            untilGeneration: task.untilGeneration,
            onEpoch,
            ...stop,
          },
        ),
      );
      return;
    }
    const from = layout.run(task.fork.from);
    const progress = readResumeProgress(from.resumeFile);
    forkRun(from.dir, run, task.fork.generation, { ...config }, progress, config.epochs);
    o.line(`starts from ${task.fork.from} after generation ${task.fork.generation}`);
  }
  settle(await train([], { resume: run, untilGeneration: task.untilGeneration, onEpoch, ...stop }));
}

async function evaluateTask(
  layout: CompareLayout,
  task: EvaluateTask,
  device: string,
  o: WorkerOptions,
): Promise<void> {
  const todo = task.evals.filter((e) => !layout.hasEvalResult(task.outDir, task.generation, requestId(e)));
  if (todo.length === 0) return;
  ensureDir(layout.path(task.outDir));
  const ckpt = await loadModelCheckpoint(layout.path(task.checkpoint), device);
  try {
    await evaluateCheckpoint(ckpt, todo, {
      device,
      onResult: (r, seconds, id) => {
        layout.writeEvalResult(task.outDir, task.generation, id, r);
        o.line(`${id} done (${seconds.toFixed(1)} s)`);
      },
    });
  } finally {
    ckpt.model.dispose();
  }
}

/** Records that a task failed: `reason`, and what its worker said failed (worker-protocol.ts), if it said. */
export function recordFailure(layout: CompareLayout, id: string, reason: string): void {
  const log = layout.log(id, 'err');
  const failure = readFailure(layout, id);
  const said = failure ? failureText(failure) : '';
  layout.writeTaskFile(id, 'failed', {
    task: id,
    finished: new Date().toISOString(),
    error: said ? `${reason}: ${said}` : reason,
    log,
  });
}

/** Runs one task; its started/done files record when (a failure is recorded by whoever saw it). */
export async function runTask(layout: CompareLayout, plan: Plan, id: string, o: WorkerOptions): Promise<void> {
  const task = findTask(plan, id, layout.planFile);
  const missing = task.deps.filter((d) => !layout.isDone(d));
  if (missing.length > 0)
    throw new ConfigError(
      `task ${id} cannot run yet: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not done`,
      'run those first (the launcher does this in order)',
    );
  layout.removeTaskFile(id, 'failed');
  layout.removeTaskFile(id, 'error');
  const started = new Date().toISOString();
  layout.writeTaskFile(id, 'started', { task: id, started, pid: process.pid, host: hostname() });
  const t0 = performance.now();
  if (task.kind === 'train') await trainTask(layout, task, o);
  else if (task.kind === 'evaluate') await evaluateTask(layout, task, String(plan.settings.train.device ?? 'cpu'), o);
  else await o.report();
  layout.writeTaskFile(id, 'done', {
    task: id,
    started,
    finished: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    host: hostname(),
    outputs: taskOutputs(layout, task),
  });
}
