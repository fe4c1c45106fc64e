// The outputs of finished tasks: recorded when a task finishes, checked before they are used.
// A checkpoint or result deleted or changed since its task finished makes that task, and every
// task that used it, run again on the next `seal compare`; `seal report` refuses to report
// from them and `seal status` shows them as damaged.
import { evalResultName, type CompareLayout } from '../io/compare-dir.js';
import { describeOutputs, filesUnder, outputProblem, type OutputFile } from '../io/output-files.js';
import { requestId } from '../eval/run.js';
import type { Plan, Task } from './plan.js';

/** What a finished task leaves for the tasks after it (the report task: nothing to check). */
export function taskOutputs(layout: CompareLayout, task: Task): OutputFile[] {
  if (task.kind === 'train') return describeOutputs(layout.dir, filesUnder(layout.dir, task.run));
  if (task.kind === 'evaluate')
    return describeOutputs(
      layout.dir,
      task.evals.map((e) => `${task.outDir}/${evalResultName(task.generation, requestId(e))}`),
    );
  return [];
}

export interface DamagedOutput {
  task: string;
  file: string;
  problem: 'missing' | 'changed';
}

/** Finished tasks whose recorded outputs are missing or changed (by size, or also by content with `contents`). */
export function damagedOutputs(layout: CompareLayout, plan: Plan, contents: boolean): DamagedOutput[] {
  const out: DamagedOutput[] = [];
  for (const t of plan.tasks) {
    const done = layout.readTaskFile<{ outputs?: OutputFile[] }>(t.id, 'done');
    for (const o of done?.outputs ?? []) {
      const problem = outputProblem(layout.dir, o, contents);
      if (problem !== null) out.push({ task: t.id, file: o.file, problem });
    }
  }
  return out;
}

/** `ids` and every task that depends on one of them, directly or not, in plan order. */
export function withDependents(plan: Plan, ids: Set<string>): string[] {
  const hit = new Set(ids);
  for (let grew = true; grew;) {
    grew = false;
    for (const t of plan.tasks)
      if (!hit.has(t.id) && t.deps.some((d) => hit.has(d))) {
        hit.add(t.id);
        grew = true;
      }
  }
  return plan.tasks.filter((t) => hit.has(t.id)).map((t) => t.id);
}

export interface Redo {
  damaged: DamagedOutput[];
  /** Tasks that run again: the damaged ones and those after them. */
  tasks: string[];
  /** Where the outputs they had were moved (nothing is deleted), or null. */
  movedTo: string | null;
}

/**
 * Makes every finished task with damaged outputs, and every task that depends on one, run again:
 * their done files are removed and what they wrote is moved under DIR/damaged/<time>/, so that
 * training starts over instead of resuming from a state it can no longer trust.
 */
export function redoDamaged(layout: CompareLayout, plan: Plan): Redo {
  const damaged = damagedOutputs(layout, plan, true);
  if (damaged.length === 0) return { damaged, tasks: [], movedTo: null };
  const tasks = withDependents(plan, new Set(damaged.map((d) => d.task)));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let moved = false;
  for (const id of tasks) {
    const t = plan.tasks.find((x) => x.id === id) as Task;
    const paths =
      t.kind === 'train'
        ? [t.run]
        : t.kind === 'evaluate'
          ? t.evals.map((e) => `${t.outDir}/${evalResultName(t.generation, requestId(e))}`)
          : [];
    for (const p of paths) moved = layout.moveAside(p, stamp) || moved;
    layout.removeTaskFile(id, 'done');
    layout.removeTaskFile(id, 'started');
  }
  return { damaged, tasks, movedTo: moved ? layout.damagedDir(stamp) : null };
}
