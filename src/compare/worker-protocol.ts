// How a task's worker tells whoever started it what is happening, in one place. A worker sends
// structured messages: its progress lines, and on failure what failed (the error's message, its
// hint and the exit status). The local launcher receives them over Node's IPC channel, which it
// opens for the worker; a failure is also written to DIR/tasks/<task>.error.json, which is how it
// reaches a launcher with no channel to its workers (a Slurm job's script records it with
// `seal worker --failed`). No launcher reads a worker's error output to learn what happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CompareLayout } from '../io/compare-dir.js';

/** What failed in a worker. */
export interface WorkerFailure {
  message: string;
  hint: string | null;
  /** The worker's exit status. */
  exit: number;
}

export type WorkerMessage = { type: 'line'; text: string } | ({ type: 'failed' } & WorkerFailure);

/**
 * The command that runs one task, given to the launchers (they do not look for one): `file`
 * with `prefix`, then DIR TASK and the worker's options (`seal worker`'s).
 */
export interface WorkerCommand {
  file: string;
  prefix: string[];
}

/** The installed seal's worker, for library callers that give none (the CLI gives its own). */
export const sealWorker = (): WorkerCommand => ({
  file: process.execPath,
  prefix: [fileURLToPath(new URL('../cli/main.js', import.meta.url)), 'worker'],
});

/** The failure an object holds (a message, or a failure file), or null when it holds none. */
function failureIn(m: Record<string, unknown>): WorkerFailure | null {
  const { message, hint, exit } = m;
  return typeof message === 'string' && (hint === null || typeof hint === 'string') && Number.isInteger(exit)
    ? { message, hint, exit: exit as number }
    : null;
}

/** A message as sent, or null for anything else on the channel. */
export function readMessage(m: unknown): WorkerMessage | null {
  if (m === null || typeof m !== 'object') return null;
  const x = m as Record<string, unknown>;
  if (x['type'] === 'line' && typeof x['text'] === 'string') return { type: 'line', text: x['text'] };
  const f = x['type'] === 'failed' ? failureIn(x) : null;
  return f === null ? null : { type: 'failed', ...f };
}

/** The worker's side: `send` is the IPC channel's, when the worker has one. */
export class WorkerReporter {
  constructor(
    private readonly layout: CompareLayout,
    private readonly task: string,
    private readonly send: ((m: WorkerMessage) => void) | null,
    private readonly print: (text: string) => void,
  ) {}

  line(text: string): void {
    this.print(text);
    this.send?.({ type: 'line', text });
  }

  /** Records what failed, for every launcher. */
  failed(f: WorkerFailure): void {
    this.layout.writeTaskFile(this.task, 'error', { task: this.task, ...f });
    this.send?.({ type: 'failed', ...f });
  }
}

/** What a task's failure file says, or null when its worker left none. */
export function readFailure(layout: CompareLayout, task: string): WorkerFailure | null {
  const f = layout.readTaskFile<Record<string, unknown>>(task, 'error');
  return f === null ? null : failureIn(f);
}

/** One line for a failure: its message, and its hint when it has one. */
export const failureText = (f: WorkerFailure): string => (f.hint ? `${f.message} (hint: ${f.hint})` : f.message);

/**
 * The launcher's side: starts a task's worker with an IPC channel, its stdout and stderr to
 * the task's logs, and hands on its messages. The worker stays in the caller's process group.
 */
export function startWorker(
  command: WorkerCommand,
  dir: string,
  task: string,
  threads: number,
  logs: ReturnType<CompareLayout['openLogs']>,
  on: { line(text: string): void; failed(f: WorkerFailure): void },
): ChildProcess {
  const child = spawn(command.file, [...command.prefix, dir, task, '--threads', String(threads)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.pipe(logs.out);
  child.stderr?.pipe(logs.err);
  child.on('message', (m) => {
    const msg = readMessage(m);
    if (msg?.type === 'line') on.line(msg.text);
    else if (msg?.type === 'failed') on.failed(msg);
  });
  return child;
}
