// The local launcher: runs a plan's ready tasks N at a time, each as a worker child (the command
// it is given: worker-protocol.ts) with its share of the cores and its output in
// DIR/logs/<task>.out|.err. Tasks whose done file exists are skipped; a failing task is recorded
// (DIR/tasks/<task>.failed.json) and only the tasks that depend on it are held back.
import { EXIT_RESUMABLE } from '../errors.js';
import type { CompareLayout } from '../io/compare-dir.js';
import type { Plan, Task } from './plan.js';
import { failureText, readFailure, startWorker, type WorkerCommand, type WorkerFailure } from './worker-protocol.js';

export interface TaskEvents {
  start(task: Task): void;
  line(task: Task, text: string): void;
  end(task: Task, outcome: { ok: boolean; seconds: number; error?: string }): void;
}

export interface Failure {
  task: string;
  log: string;
  error: string;
  /** Stopped by a signal (at a resume point, or killed), not by an error of its own: running again continues it. */
  interrupted: boolean;
}

/** A child that exits with EXIT_RESUMABLE stopped on request; one ended by a signal was stopped from outside. */
const interruptedBy = (code: number | null, signal: NodeJS.Signals | null): boolean =>
  code === EXIT_RESUMABLE || signal !== null;

/** Ready tasks first by kind: training is the long path, so it starts before evaluations. */
const RANK: Record<Task['kind'], number> = { train: 0, evaluate: 1, report: 2 };

export function isDone(layout: CompareLayout, id: string): boolean {
  return layout.isDone(id);
}

/** How a caller stops a running comparison: `stop` lets running tasks reach a resume point, `kill` ends them now. */
export interface StopSignals {
  stop?: AbortSignal;
  kill?: AbortSignal;
}

function runChild(
  layout: CompareLayout,
  task: Task,
  o: { threads: number; command: WorkerCommand; events: TaskEvents } & StopSignals,
): Promise<{ ok: boolean; error: string; interrupted: boolean }> {
  return new Promise((resolve) => {
    let failure: WorkerFailure | null = null;
    // In the coordinator's process group: what kills the group (kill -9 of a job, a terminal
    // closed) kills the workers too, and Ctrl-C reaches each worker as a stop request itself.
    const child = startWorker(o.command, layout.dir, task.id, o.threads, layout.openLogs(task.id), {
      line: (text) => o.events.line(task, text),
      failed: (f) => {
        failure = f;
      },
    });
    const stop = () => child.kill('SIGTERM');
    const kill = () => child.kill('SIGKILL');
    o.stop?.addEventListener('abort', stop);
    o.kill?.addEventListener('abort', kill);
    child.on('error', (e) => resolve({ ok: false, error: e.message, interrupted: false }));
    child.on('close', (code, signal) => {
      o.stop?.removeEventListener('abort', stop);
      o.kill?.removeEventListener('abort', kill);
      if (code === 0) return resolve({ ok: true, error: '', interrupted: false });
      // A message that the exit overtook is in the task's failure file.
      const said = failure ?? readFailure(layout, task.id);
      const what = said
        ? failureText(said)
        : `the worker ended without saying why (its log: ${layout.log(task.id, 'err')})`;
      resolve({ ok: false, error: `${signal ?? `exit ${code}`}: ${what}`, interrupted: interruptedBy(code, signal) });
    });
  });
}

/** Runs every task not yet done; returns the failures (their dependents did not run). */
export async function runLocal(
  layout: CompareLayout,
  plan: Plan,
  o: { jobs: number; threads: number; command: WorkerCommand; events: TaskEvents } & StopSignals,
): Promise<Failure[]> {
  const done = new Set(plan.tasks.filter((t) => isDone(layout, t.id)).map((t) => t.id));
  const failed = new Set<string>();
  const failures: Failure[] = [];
  const running = new Set<string>();
  const ready = () =>
    plan.tasks
      .filter((t) => !done.has(t.id) && !failed.has(t.id) && !running.has(t.id) && t.deps.every((d) => done.has(d)))
      .sort((a, b) => RANK[a.kind] - RANK[b.kind]);
  await new Promise<void>((finish) => {
    const pump = () => {
      for (const t of o.stop?.aborted === true ? [] : ready()) {
        if (running.size >= o.jobs) break;
        running.add(t.id);
        o.events.start(t);
        const t0 = performance.now();
        void runChild(layout, t, o).then(({ ok, error, interrupted }) => {
          running.delete(t.id);
          const seconds = (performance.now() - t0) / 1000;
          if (ok && isDone(layout, t.id)) {
            done.add(t.id);
          } else {
            failed.add(t.id);
            const msg = ok ? 'the worker exited without writing its done file' : error;
            failures.push({ task: t.id, log: layout.log(t.id, 'err'), error: msg, interrupted });
            layout.writeTaskFile(t.id, 'failed', {
              task: t.id,
              finished: new Date().toISOString(),
              error: msg,
              log: layout.log(t.id, 'err'),
              interrupted,
            });
          }
          o.events.end(t, { ok: ok && done.has(t.id), seconds, ...(ok ? {} : { error }) });
          pump();
        });
      }
      if (running.size === 0) finish();
    };
    pump();
  });
  return failures;
}
