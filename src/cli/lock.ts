// The command line's side of the locks of io/lock-file.ts: who asks (the command, the Slurm job), the
// line on stderr when a dead holder's lock is taken over, and release on every way out that
// still runs JavaScript: process.exit (a stop signal, an uncaught error) skips finally blocks.
import { CompareLayout } from '../io/compare-dir.js';
import { takeLock, type LockRequest } from '../io/lock-file.js';

function hold(file: string, request: Omit<LockRequest, 'notice'>): Disposable {
  const lock = takeLock(file, { ...request, notice: (text) => process.stderr.write(`seal: warning: ${text}\n`) });
  const release = () => lock.release();
  process.once('exit', release);
  return {
    [Symbol.dispose]() {
      process.off('exit', release);
      lock.release();
    },
  };
}

/** The comparison folder `dir`, for the coordinator that launches its tasks (seal compare, seal sweep). */
export function lockComparison(dir: string): Disposable {
  return hold(new CompareLayout(dir).lockFile, {
    what: `the comparison folder ${dir}`,
    command: `seal ${process.argv[2] ?? 'compare'}`,
    busyHint: `wait for it to finish (\`seal status ${dir}\` shows its tasks), or give another --out folder`,
  });
}

/** One task of a comparison, for the worker that runs it. */
export function lockTask(layout: CompareLayout, task: string): Disposable {
  // Slurm keeps the job id when it requeues a job, maybe onto another node: the lock that the
  // earlier start left there is then known to be stale.
  const job = process.env.SLURM_JOB_ID;
  return hold(layout.taskLock(task), {
    what: `task ${task} of ${layout.dir}`,
    command: 'seal worker',
    ...(job ? { job } : {}),
    busyHint: `wait for it to finish (\`seal status ${layout.dir}\` shows it)`,
  });
}
