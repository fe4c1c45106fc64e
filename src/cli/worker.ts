// `seal worker DIR TASK [--threads N]`: runs one task of the comparison in DIR by id, with its
// inputs read from DIR/plan.json. The local launcher starts one per task; a cluster job can too.
import { setNumThreads } from '../backend/index.js';
import { CompareLayout } from '../io/compare-dir.js';
import { rebuildReport } from '../compare/compare.js';
import { findTask, readPlan, recordFailure, runTask } from '../compare/worker.js';
import { ConfigError, EXIT_RESUMABLE } from '../errors.js';
import { writeReports } from './report.js';
import { STOP_SIGNALS, StopOnSignal } from './stop.js';
import { parseThreads } from './checks.js';
import { SWITCH, parseArgv, text } from './args.js';

export const WORKER_USAGE = `usage: seal worker DIR TASK [--threads N]
       seal worker DIR TASK --failed REASON

Runs task TASK of the comparison in DIR (its plan.json lists the tasks and their inputs).
Training resumes where it stopped; finished evaluations are skipped. \`seal status DIR\`
shows which tasks are done. SIGTERM or SIGUSR2 stops a training task after the current batch
with a resume point there, any other task at once; the worker then exits with status ${EXIT_RESUMABLE}.
With --failed, records that TASK failed for REASON (with the last error line of its log), as a
cluster job's script does when its worker fails.
`;

export async function workerCommand(argv: string[]): Promise<number> {
  const flags = { threads: text(), failed: text(), help: SWITCH };
  const { values, positionals } = parseArgv(argv, flags, { command: 'worker', positionals: Infinity });
  if (values.help) {
    process.stdout.write(WORKER_USAGE);
    return 0;
  }
  const [dir, id] = positionals;
  if (dir === undefined || id === undefined || positionals.length > 2)
    throw new ConfigError('seal worker needs DIR and TASK', WORKER_USAGE.split('\n')[0]);
  const threads = values.threads !== undefined ? parseThreads(values.threads) : null;
  const failed = values.failed ?? null;
  if (threads !== null) setNumThreads(threads);
  const layout = new CompareLayout(dir);
  const plan = readPlan(layout);
  if (failed !== null) {
    recordFailure(layout, findTask(plan, id, layout.planFile).id, failed);
    return 0;
  }
  const line = (text: string) => process.stdout.write(`${text}\n`);
  // Only training has a resume point to stop at; the others write whole files and start over.
  // Slurm sends SIGTERM to the whole job while its batch script forwards one too: a repeated
  // signal must not cut short the batch being finished.
  const stop = new StopOnSignal(STOP_SIGNALS, line, {
    immediate: findTask(plan, id, layout.planFile).kind !== 'train',
    repeatExits: false,
  });
  try {
    await runTask(layout, plan, id, {
      line,
      report: async () => {
        const files = await writeReports(dir, rebuildReport(dir));
        process.stdout.write(`report: ${files.html}\n`);
      },
      stopRequested: stop.requested,
    });
  } finally {
    stop.dispose();
  }
  return 0;
}
