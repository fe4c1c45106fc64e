// The Slurm launcher: submits a comparison's unfinished tasks with sbatch (one job array per
// group of alike tasks, dependencies by --dependency=afterok), records every submission in
// DIR/slurm/jobs.json as soon as sbatch answers, and reads the queue back with squeue.
// Submitting again is idempotent: done tasks are skipped, tasks whose job is still queued or
// running are not submitted twice, failed or vanished ones are submitted again.
import type { WorkerCommand } from './worker-protocol.js';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError, EXIT_RESUMABLE, SealError } from '../errors.js';
import type { CompareLayout } from '../io/compare-dir.js';
import { ensureDir } from '../io/run-dir.js';
import type { Plan } from './plan.js';
import {
  batchScript,
  dependencyOf,
  groupTasks,
  sbatchCommandLine,
  slurmLogDir,
  type JobGroup,
  type SlurmOptions,
} from './slurm.js';

/** What DIR/slurm/jobs.json keeps: the latest job of every submitted task. */
export interface JobRecord {
  job: string;
  script: string;
  submitted: string;
}
export interface JobsFile {
  format: 'seal-slurm-jobs-1';
  tasks: Record<string, JobRecord>;
}

export function readJobs(layout: CompareLayout): JobsFile {
  const file = layout.jobsFile;
  try {
    const j = layout.readJobsJson() as JobsFile | null;
    if (j === null) return { format: 'seal-slurm-jobs-1', tasks: {} };
    if (j.format !== 'seal-slurm-jobs-1' || typeof j.tasks !== 'object') throw new Error('not a jobs file');
    return j;
  } catch (e) {
    throw new ConfigError(
      `${file} is damaged (${(e as Error).message})`,
      'check `squeue --me` for its jobs, cancel them, delete the file and submit again',
    );
  }
}

/** Runs a Slurm command; a missing command or a refusal becomes one error with the scheduler's own words. */
export function slurmCommand(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SealError(
      'SLURM',
      `${what}: ${missing ? `${cmd} is not installed or not on the PATH` : r.error.message}`,
      missing
        ? 'run on a machine with the Slurm client tools (a login node), or try a local cluster: sudo bash scripts/slurm-local.sh start'
        : undefined,
    );
  }
  if (r.status !== 0) {
    const said = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new SealError(
      'SLURM',
      `${what}: ${cmd} ${args.join(' ')} failed (exit ${r.status}): ${said || 'no message'}`,
      hintFor(said),
    );
  }
  return r.stdout;
}

function hintFor(said: string): string | undefined {
  if (/partition/i.test(said)) return 'check --partition against `sinfo -s`';
  if (/account|qos/i.test(said)) return 'check --account / --qos with `sacctmgr show assoc user=$USER`';
  if (/unable to contact|connect|controller/i.test(said))
    return 'the Slurm controller is unreachable: check `sinfo`, or start a local one with sudo bash scripts/slurm-local.sh start';
  if (/gres|gpu/i.test(said)) return 'check --gpus-per-task against what the partition offers (`sinfo -o "%P %G"`)';
  if (/time limit|invalid time/i.test(said))
    return "give --time as minutes or D-HH:MM:SS, within the partition's limit";
  return "the message above is sbatch's own; fix the option it names, or pass sbatch options through --sbatch-arg";
}

/** State of every job of this user that squeue knows (array elements expanded; finished ones for MinJobAge), by job id. */
export function queueStates(): Map<string, string> {
  const out = slurmCommand('squeue', ['--me', '-h', '-r', '-t', 'all', '-o', '%i|%T|%r'], 'reading the queue');
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (id) m.set(id, reason && reason !== 'None' && state === 'PENDING' ? `${state} (${reason})` : (state ?? ''));
  }
  return m;
}

const FINISHED = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|BOOT_FAIL|DEADLINE|PREEMPTED)/;

/**
 * Task id → its recorded job and that job's state, from squeue, else from sacct where the cluster
 * keeps accounting (null state when neither knows the job any more).
 */
export function recordedJobs(
  layout: CompareLayout,
  queue: Map<string, string>,
): Map<string, { job: string; state: string | null }> {
  const recs = Object.entries(readJobs(layout).tasks);
  const unknown = recs.filter(([, r]) => !queue.has(r.job)).map(([, r]) => r.job);
  const accounted = new Map<string, string>();
  if (unknown.length > 0) {
    const r = spawnSync('sacct', ['-n', '-P', '-o', 'JobID,State,ExitCode', '-j', unknown.join(',')], {
      encoding: 'utf8',
    });
    if (r.status === 0) {
      for (const line of r.stdout.split('\n')) {
        const [id, state, exit] = line.trim().split('|');
        if (id && state) accounted.set(id, exit && exit !== '0:0' ? `${state} (exit ${exit})` : state);
      }
    }
  }
  return new Map(
    recs.map(([task, r]) => [task, { job: r.job, state: queue.get(r.job) ?? accounted.get(r.job) ?? null }]),
  );
}

/** Task id → its job's queue state, for the tasks whose recorded job is still queued or running. */
export function activeJobs(
  layout: CompareLayout,
  queue: Map<string, string>,
): Map<string, { job: string; state: string }> {
  const active = new Map<string, { job: string; state: string }>();
  for (const [task, rec] of Object.entries(readJobs(layout).tasks)) {
    const state = queue.get(rec.job);
    if (state !== undefined && !FINISHED.test(state)) active.set(task, { job: rec.job, state });
  }
  return active;
}

export interface Submission {
  group: JobGroup;
  script: string;
  job: string | null;
  dependency: string | null;
}

/**
 * Submits (or with dryRun only writes) the batch scripts for every task that is neither done nor
 * queued. Each job id is recorded the moment sbatch returns it, so a refusal half-way leaves a
 * record of exactly what was submitted.
 */
export function submitSlurm(
  layout: CompareLayout,
  plan: Plan,
  o: SlurmOptions,
  opts: { dryRun: boolean; isDone(task: string): boolean; worker: WorkerCommand },
): Submission[] {
  const dir = resolve(layout.dir);
  const active = opts.dryRun ? new Map<string, { job: string; state: string }>() : activeJobs(layout, queueStates());
  const todo = new Set(plan.tasks.filter((t) => !opts.isDone(t.id) && !active.has(t.id)).map((t) => t.id));
  const groups = groupTasks(plan, todo);
  ensureDir(layout.slurmDir);
  ensureDir(layout.slurmLogDir);
  const jobs = readJobs(layout);
  // Job ids of this round's submissions (placeholders in a dry run), for the later arrays' dependencies.
  const assigned = new Map<string, string>();
  const arraySizes = new Map<string, number>();
  const jobOf = (task: string): string | null => active.get(task)?.job ?? assigned.get(task) ?? null;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out: Submission[] = [];
  for (const group of groups) {
    // A task waits for its dependencies that are queued now (listed active) or submitted above.
    const waitsFor = plan.tasks
      .filter((t) => group.tasks.includes(t.id))
      .flatMap((t) => t.deps)
      .filter((d) => !opts.isDone(d));
    const dependency = dependencyOf([...new Set(waitsFor)], jobOf, (a) => arraySizes.get(a) ?? -1);
    const script = layout.writeScript(
      `${stamp}-${group.name}.sh`,
      batchScript(group, o, { dir, worker: opts.worker, resumableExit: EXIT_RESUMABLE }),
    );
    if (opts.dryRun) {
      group.tasks.forEach((t, i) => assigned.set(t, `<${group.name}>_${i}`));
      arraySizes.set(`<${group.name}>`, group.tasks.length);
      out.push({ group, script, job: null, dependency });
      continue;
    }
    // sbatch takes these as argv words, not through a shell: no quoting, any character.
    const args = [
      '--parsable',
      ...sbatchCommandLine(group, o, slurmLogDir(dir)),
      ...(dependency ? [`--dependency=${dependency}`] : []),
      script,
    ];
    const answer = slurmCommand('sbatch', args, `submitting ${group.tasks.length} task(s) (${group.name})`).trim();
    const arrayId = answer.split(';')[0] as string;
    const submitted = new Date().toISOString();
    group.tasks.forEach((t, i) => {
      jobs.tasks[t] = { job: `${arrayId}_${i}`, script, submitted };
      assigned.set(t, `${arrayId}_${i}`);
    });
    arraySizes.set(arrayId, group.tasks.length);
    layout.writeJobs(jobs);
    out.push({ group, script, job: arrayId, dependency });
  }
  return out;
}

/** Cancels every recorded job of the comparison that is still queued or running; returns their ids. */
export function cancelSlurm(layout: CompareLayout): string[] {
  const ids = [...activeJobs(layout, queueStates()).values()].map((a) => a.job);
  if (ids.length > 0) slurmCommand('scancel', ids, "cancelling the comparison's jobs");
  return ids;
}
