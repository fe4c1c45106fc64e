// `seal worker DIR TASK [--threads N]`: runs one task of the comparison in DIR by id, with its
// inputs read from DIR/plan.json. The local launcher starts one per task; a cluster job can too.
import { setNumThreads } from '../backend/index.js';
import { CompareLayout } from '../io/compare-dir.js';
import { checkPathName } from '../io/path-name.js';
import { rebuildReport } from '../compare/run-comparison.js';
import { findTask, readPlan, recordFailure, resultOf, runTask } from '../compare/run-task.js';
import type { Plan, Task } from '../compare/plan.js';
import { WorkerReporter, type WorkerMessage } from '../compare/worker-protocol.js';
import { ConfigError, describeFailure, EXIT_RESUMABLE } from '../errors.js';
import { lockTask } from './lock.js';
import { writeReports } from './report.js';
import { STOP_SIGNALS, StopOnSignal } from './stop.js';
import { checkThreads } from './checks.js';
import type { CommandValues } from './command-options.js';
import { SWITCH, asFlags, commandFlags, parseArgv } from './args.js';

export const WORKER_USAGE = `usage: seal worker DIR TASK [--threads N]
       seal worker DIR TASK --failed REASON

Runs task TASK of the comparison in DIR (its plan.json lists the tasks and their inputs).
Training resumes where it stopped; finished evaluations are skipped; a task already done is
left as it is. One worker at a time runs a task: another is refused while it runs (the lock
DIR/tasks/TASK.lock; one left by a killed worker on this machine is taken over). \`seal status DIR\`
shows which tasks are done. SIGTERM, SIGUSR2 or SIGINT (Ctrl-C) stops a training task after the
current batch with a resume point there, any other task at once; the worker then exits with
status ${EXIT_RESUMABLE}.
With --failed, records that TASK failed for REASON (with what its worker said failed), as a
cluster job's script does when its worker fails.
`;

export async function workerCommand(argv: string[]): Promise<number> {
  const parsed = parseArgv(
    argv,
    { ...commandFlags('worker'), help: SWITCH },
    { command: 'worker', positionals: Infinity },
  );
  const values = parsed.values as CommandValues<'worker'> & { help?: true };
  const positionals = parsed.positionals;
  if (values.help) {
    process.stdout.write(WORKER_USAGE);
    return 0;
  }
  const [dir, id] = positionals;
  if (dir === undefined || id === undefined || positionals.length > 2)
    throw new ConfigError('seal worker needs DIR and TASK', WORKER_USAGE.split('\n')[0]);
  const threads = values.threads ?? null;
  if (threads !== null) checkThreads(threads, '--threads');
  const failed = values.failed ?? null;
  if (threads !== null) setNumThreads(threads);
  checkPathName(dir, 'the folder');
  const layout = new CompareLayout(dir);
  const plan = readPlan(layout);
  const task = findTask(plan, id, layout.planFile);
  if (layout.isDone(task.id)) return alreadyDone(layout, task);
  if (failed !== null) {
    recordFailure(layout, task.id, failed);
    return 0;
  }
  // Started by the local launcher, the worker has an IPC channel to it (worker-protocol.ts).
  const send = process.send ? (m: WorkerMessage) => void process.send?.(m) : null;
  const reporter = new WorkerReporter(layout, task.id, send, (text) => process.stdout.write(`${text}\n`));
  try {
    return await runLocked(layout, plan, task, reporter);
  } catch (e) {
    reporter.failed(describeFailure(asFlags(e)));
    throw e;
  }
}

/** Runs a task under its lock; a stop request ends it at a resume point. */
async function runLocked(layout: CompareLayout, plan: Plan, task: Task, reporter: WorkerReporter): Promise<number> {
  const { dir } = layout;
  const id = task.id;
  using _lock = lockTask(layout, task.id);
  // Another worker may have finished it between the look above and taking the lock.
  if (layout.isDone(task.id)) return alreadyDone(layout, task);
  const line = (text: string) => reporter.line(text);
  // Only training has a resume point to stop at; the others write whole files and start over.
  // Slurm sends SIGTERM to the whole job while its batch script forwards one too: a repeated
  // signal must not cut short the batch being finished.
  // SIGINT too: Ctrl-C at a terminal reaches the workers of a comparison with its coordinator.
  const stop = new StopOnSignal([...STOP_SIGNALS, 'SIGINT'], line, {
    immediate: task.kind !== 'train',
    repeatExits: false,
  });
  try {
    await runTask(layout, plan, id, {
      line,
      report: async () => {
        const files = await writeReports(dir, rebuildReport(dir, plan));
        line(`report: ${files.html}`);
      },
      stopRequested: stop.requested,
    });
  } finally {
    stop.dispose();
  }
  return 0;
}

/** A finished task is left as it is: running it again would rewrite its results and its done file. */
function alreadyDone(layout: CompareLayout, task: Task): number {
  process.stdout.write(
    `task ${task.id} is already done (${layout.taskFile(task.id, 'done')}); its result is in ${resultOf(layout, task)}; nothing to do\n`,
  );
  return 0;
}
