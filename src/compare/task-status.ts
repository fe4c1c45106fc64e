// Every task's state, read from the comparison folder alone (plan, task files, run metrics,
// evaluation results), so `seal status DIR` works while another process runs the comparison,
// after it, and after a kill.
import { hostname } from 'node:os';
import type { CompareLayout } from '../io/compare-dir.js';
import { processRuns } from '../io/run-dir.js';
import { outputProblem, type OutputFile } from '../io/output-files.js';
import { requestId } from '../eval/run.js';
import type { Plan, Task } from './plan.js';

/** `damaged`: done, but an output it recorded is missing or has another size now. */
export type State = 'done' | 'damaged' | 'running' | 'failed' | 'stopped' | 'ready' | 'waiting';
export interface TaskStatus {
  task: Task;
  state: State;
  detail: string;
  seconds: number | null;
  log: string | null;
}

/** Where a task stands inside: the last epoch its run wrote, or the evaluations written. */
export function taskPhase(layout: CompareLayout, task: Task): string {
  if (task.kind === 'train') {
    const rows = layout.run(task.run).readMetrics();
    const last = rows.length > 0 ? (rows[rows.length - 1] as { generation: number; epoch: number }) : null;
    const epochs = task.config.epochs;
    return last === null
      ? 'starting'
      : `gen ${last.generation} epoch ${last.epoch + 1}${epochs > 0 ? `/${epochs}` : ''} written`;
  }
  if (task.kind === 'evaluate') {
    const written = task.evals
      .filter((e) => layout.hasEvalResult(task.outDir, task.generation, requestId(e)))
      .map(requestId);
    return `${written.length}/${task.evals.length} evaluations written${written.length > 0 ? ` (${written.join(', ')})` : ''}`;
  }
  return '';
}

/**
 * `outputs`: also look whether each done task's recorded outputs are still there, at their size
 * (`seal status`); the coordinator's own progress, redrawn every second, knows they are.
 */
export function taskStatuses(layout: CompareLayout, plan: Plan, o: { outputs?: boolean } = {}): TaskStatus[] {
  const done = new Set(plan.tasks.filter((t) => layout.isDone(t.id)).map((t) => t.id));
  return plan.tasks.map((task): TaskStatus => {
    const d = layout.readTaskFile<{ seconds: number; outputs?: OutputFile[] }>(task.id, 'done');
    if (d) {
      for (const out of o.outputs === true ? (d.outputs ?? []) : []) {
        const problem = outputProblem(layout.dir, out, false);
        if (problem !== null)
          return {
            task,
            state: 'damaged',
            detail: `${out.file} is ${problem}; running the same \`seal compare\` command again redoes this task and those that used it`,
            seconds: d.seconds,
            log: null,
          };
      }
      return { task, state: 'done', detail: '', seconds: d.seconds, log: null };
    }
    const f = layout.readTaskFile<{ error: string; log: string; interrupted?: boolean }>(task.id, 'failed');
    // A worker stopped by a signal did nothing wrong: it continues from its resume point when run again.
    if (f?.interrupted === true)
      return {
        task,
        state: 'stopped',
        detail: `interrupted (${f.error.split(':')[0]}); ${taskPhase(layout, task)}; running the same command again continues it`,
        seconds: null,
        log: f.log,
      };
    if (f) return { task, state: 'failed', detail: f.error, seconds: null, log: f.log };
    const s = layout.readTaskFile<{ pid: number; host: string; started: string }>(task.id, 'started');
    if (s) {
      const here = s.host === hostname();
      const seconds = (Date.now() - Date.parse(s.started)) / 1000;
      if (here && !processRuns(s.pid))
        return {
          task,
          state: 'stopped',
          detail: `its worker (pid ${s.pid}) ended without finishing; ${taskPhase(layout, task)}`,
          seconds: null,
          log: layout.log(task.id, 'err'),
        };
      return {
        task,
        state: 'running',
        detail: `${taskPhase(layout, task)} (pid ${s.pid}${here ? '' : ` on ${s.host}`})`,
        seconds,
        log: null,
      };
    }
    const missing = task.deps.filter((x) => !done.has(x));
    return missing.length === 0
      ? { task, state: 'ready', detail: '', seconds: null, log: null }
      : {
          task,
          state: 'waiting',
          detail: `for ${missing.length > 2 ? `${missing.slice(0, 2).join(', ')} and ${missing.length - 2} more` : missing.join(', ')}`,
          seconds: null,
          log: null,
        };
  });
}

/** Seconds of done tasks by class (shared generation 0, method training, evaluation, report), for ETAs. */
export const taskClass = (t: Task): string =>
  t.kind === 'train' ? (t.untilGeneration === 1 && t.fork === null ? 'train-gen0' : 'train') : t.kind;

/** What a task takes before any has finished: one training epoch of one task, measured at the start. */
export interface Prior {
  secondsPerEpoch: number;
  epochs: number;
}

/**
 * Seconds of a task from the prior alone: a training task's epochs at the measured rate; an
 * evaluation about one epoch (a pass over its data with a frozen network and a probe; rough).
 */
export function priorSeconds(task: Task, prior: Prior): number {
  if (task.kind === 'train') {
    const generations = task.untilGeneration - (task.fork ? task.fork.generation + 1 : 0);
    return generations * prior.epochs * prior.secondsPerEpoch;
  }
  return task.kind === 'report' ? 2 : prior.secondsPerEpoch;
}

/**
 * Estimated seconds of a task from the measured ones: the mean of its class, or for a method's
 * training the generation-0 mean times the generations it trains; null when nothing tells.
 */
export function estimate(task: Task, measured: Map<string, number[]>, generations: number): number | null {
  const mean = (k: string) => {
    const xs = measured.get(k);
    return xs && xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  const own = mean(taskClass(task));
  if (own !== null) return own;
  if (task.kind === 'train') {
    const g0 = mean('train-gen0');
    return g0 === null ? null : g0 * (task.fork ? generations - 1 - task.fork.generation : generations);
  }
  if (task.kind === 'report') return 2;
  return null;
}
