// Progress of a whole comparison: on a terminal a live block (tasks done / running / waiting,
// each running task's last line, elapsed and ETA); on a pipe each task's start and end plus a
// summary line every 30 s. `seal status DIR` prints the same block from the files alone.
import type { TaskEvents } from '../compare/launcher.js';
import type { CompareLayout } from '../io/compare-dir.js';
import type { Plan, Task } from '../compare/plan.js';
import {
  estimate,
  priorSeconds,
  taskClass,
  taskStatuses,
  type Prior,
  type TaskStatus,
} from '../compare/task-status.js';

export const fmtTime = (s: number | null): string => {
  if (s === null || !Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
};

export function countLine(statuses: TaskStatus[]): string {
  const n = (s: TaskStatus['state']) => statuses.filter((x) => x.state === s).length;
  const parts = [
    `${n('done')}/${statuses.length} tasks done`,
    `${n('running')} running`,
    `${n('ready') + n('waiting')} waiting`,
  ];
  if (n('failed') > 0) parts.push(`${n('failed')} failed`);
  if (n('stopped') > 0) parts.push(`${n('stopped')} stopped`);
  if (n('damaged') > 0) parts.push(`${n('damaged')} damaged`);
  return parts.join(', ');
}

export interface Eta {
  seconds: number | null;
  /** How the estimate was made, so a reader knows how far to trust it. */
  basis: string;
}

/**
 * Seconds left: estimated work of every unfinished task, spread over `jobs` slots. A task class
 * with finished tasks is estimated from them; one without, from the prior (the throughput
 * measured at the start), scaled by how finished tasks compared with their prior.
 */
export function eta(statuses: TaskStatus[], generations: number, jobs: number, prior: Prior | null = null): Eta {
  const measured = new Map<string, number[]>();
  let actual = 0;
  let predicted = 0;
  for (const s of statuses) {
    if (s.state !== 'done' || s.seconds === null) continue;
    measured.set(taskClass(s.task), [...(measured.get(taskClass(s.task)) ?? []), s.seconds]);
    if (prior && s.task.kind !== 'report') {
      actual += s.seconds;
      predicted += priorSeconds(s.task, prior);
    }
  }
  const finished = statuses.filter((s) => s.state === 'done').length;
  const scale = predicted > 0 ? actual / predicted : 1;
  let left = 0;
  let fromPrior = false;
  for (const s of statuses) {
    if (s.state === 'done') continue;
    let e = estimate(s.task, measured, generations);
    if (e === null && prior) {
      e = priorSeconds(s.task, prior) * scale;
      fromPrior = true;
    }
    if (e === null) return { seconds: null, basis: 'known once a task has finished' };
    left += Math.max(0, e - (s.state === 'running' ? (s.seconds ?? 0) : 0));
  }
  const tasks = (n: number) => `${n} finished task${n === 1 ? '' : 's'}`;
  const basis = !fromPrior
    ? `from ${tasks(finished)}`
    : predicted > 0
      ? `rough: the throughput measured at the start, corrected by ${tasks(finished)}`
      : 'rough: from the throughput measured at the start';
  return { seconds: left / Math.max(1, jobs), basis };
}

/** The ETA as the progress line and `seal status` show it. */
export const etaText = (e: Eta): string => `ETA ${fmtTime(e.seconds)} (${e.basis})`;

/** Plans of more tasks than this get no line per started or finished task, only summaries (and failures). */
export const TASK_LINES = 60;

export class CompareProgress implements TaskEvents {
  private readonly tty: boolean;
  private readonly perTask: boolean;
  private readonly t0 = performance.now();
  private readonly last = new Map<string, string>();
  /** Started by this launcher: running even before its worker has written its started file. */
  private readonly active = new Set<string>();
  private drawn = 0;
  private readonly prior: Prior | null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly layout: CompareLayout,
    private readonly plan: Plan,
    private readonly jobs: number,
  ) {
    this.tty = out.isTTY === true;
    this.perTask = plan.tasks.length <= TASK_LINES;
    this.prior = layout.readThroughput<Prior>();
    if (!this.perTask)
      out.write(
        `(${plan.tasks.length} tasks: progress is summarised${this.tty ? '' : ' every 30 s'}, failures are listed; \`seal status ${layout.dir}\` shows the tasks)\n`,
      );
    const every = this.tty ? 1000 : 30_000;
    // The first line says from the start how long the whole will take (and how sure that is).
    if (!this.tty) out.write(`${this.summary()}\n`);
    this.timer = setInterval(() => (this.tty ? this.draw() : this.out.write(`${this.summary()}\n`)), every);
    this.timer.unref();
  }

  private statuses(): TaskStatus[] {
    return taskStatuses(this.layout, this.plan).map((s) =>
      this.active.has(s.task.id) &&
      (s.state === 'ready' || s.state === 'waiting' || s.state === 'stopped' || s.state === 'failed')
        ? { ...s, state: 'running', detail: 'starting', seconds: 0 }
        : s,
    );
  }

  private summary(st = this.statuses()): string {
    return `[compare] ${countLine(st)}; elapsed ${fmtTime((performance.now() - this.t0) / 1000)}, ${etaText(eta(st, this.plan.settings.generations, this.jobs, this.prior))}`;
  }

  private draw(): void {
    const st = this.statuses();
    const lines = [
      this.summary(st),
      ...st
        .filter((s) => s.state === 'running')
        .map(
          (s) =>
            `  ${s.task.id.padEnd(24)} ${fmtTime(s.seconds).padStart(6)}  ${(this.last.get(s.task.id) ?? s.detail).slice(0, 90)}`,
        ),
    ];
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.out.write(`${up}\x1b[J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  /** Prints a line above the live block (or plainly on a pipe). */
  private note(text: string): void {
    if (!this.tty) {
      this.out.write(`${text}\n`);
      return;
    }
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
    this.drawn = 0;
    this.out.write(`${up}${text}\n`);
    this.draw();
  }

  start(task: Task): void {
    this.active.add(task.id);
    if (this.perTask) this.note(`[start] ${task.id}`);
  }
  line(task: Task, text: string): void {
    this.last.set(task.id, text);
  }
  end(task: Task, o: { ok: boolean; seconds: number; error?: string }): void {
    this.last.delete(task.id);
    this.active.delete(task.id);
    if (o.ok && !this.perTask) return;
    this.note(
      o.ok
        ? `[done]  ${task.id} (${o.seconds.toFixed(1)} s)`
        : `[FAILED] ${task.id} after ${o.seconds.toFixed(1)} s: ${o.error ?? ''} (log: ${this.layout.log(task.id, 'err')})`,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty) this.draw();
    else this.out.write(`${this.summary()}\n`);
  }
}
