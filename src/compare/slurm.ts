// The Slurm launcher's pure part: which tasks of a plan go into which job array, the batch
// script of an array, and its --dependency. Alike tasks that wait for the same tasks form one
// array (a seed's generation 0 for every seed; a seed's method runs; a run's evaluations), so a
// comparison is a handful of submissions whatever its size, and every array element waits for
// exactly what its task needs.
import type { Plan, Task } from './plan.js';

/** What a cluster asks of a job; every field but the last three maps to the sbatch option of its name. */
export interface SlurmOptions {
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  cpusPerTask: number;
  mem?: string;
  account?: string;
  qos?: string;
  constraint?: string;
  /** Any other sbatch option, as written on its command line (e.g. '--exclusive'). */
  sbatchArgs: string[];
  /** Elements of one array running at once (`--array=0-N%P`); 0 = no limit. */
  maxParallel: number;
  /** Times a task may be requeued (after a warning signal or preemption) before it counts as failed. */
  maxRequeues: number;
  /** Seconds before the time limit at which Slurm sends the warning signal. */
  signalSeconds: number;
}

/** One job array: tasks of one kind waiting for the same tasks (outside the array). */
export interface JobGroup {
  name: string;
  kind: Task['kind'];
  tasks: string[];
  deps: string[];
}

/**
 * The plan's tasks in `todo` grouped into arrays, in dependency order (an array comes after the
 * arrays of the tasks it waits for). Dependencies already done are left out.
 */
export function groupTasks(plan: Plan, todo: Set<string>): JobGroup[] {
  const groups = new Map<string, JobGroup>();
  for (const t of plan.tasks) {
    if (!todo.has(t.id)) continue;
    const deps = t.deps.filter((d) => todo.has(d)).sort();
    const key = `${t.kind}|${deps.join(',')}`;
    const g = groups.get(key);
    if (g) g.tasks.push(t.id);
    else groups.set(key, { name: '', kind: t.kind, tasks: [t.id], deps });
  }
  // The plan lists every task after its dependencies, so first appearance is a valid order.
  return [...groups.values()].map((g) => ({ ...g, name: groupName(g.tasks, g.deps) }));
}

/** The tasks' common name (the longest shared prefix, cut at a '-'), plus what they wait for. */
function groupName(tasks: string[], deps: string[]): string {
  let prefix = tasks[0] as string;
  for (const t of tasks) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  if (tasks.length > 1 || prefix !== tasks[0]) prefix = prefix.slice(0, Math.max(prefix.lastIndexOf('-'), 0)) || prefix;
  const bare = tasks.length > 1 && !prefix.includes('-') && deps.length > 0;
  return bare
    ? `${prefix}-after-${deps.length === 1 ? (deps[0] as string).replace(/^train-/, '') : `${deps.length}-tasks`}`
    : prefix;
}

/**
 * `afterok:` on the array elements (`ARRAY_INDEX`) that run `deps`, a whole array by its id when
 * every one of its `arraySize` elements is waited for; null when nothing is waited for.
 */
export function dependencyOf(
  deps: string[],
  jobOf: (task: string) => string | null,
  arraySize: (array: string) => number,
): string | null {
  const byArray = new Map<string, Set<string>>();
  for (const d of deps) {
    const j = jobOf(d);
    if (j === null) continue;
    const array = j.slice(0, j.lastIndexOf('_'));
    byArray.set(array, (byArray.get(array) ?? new Set()).add(j));
  }
  const ids = [...byArray].flatMap(([array, els]) => (els.size === arraySize(array) ? [array] : [...els]));
  return ids.length === 0 ? null : `afterok:${ids.join(':')}`;
}

/** A word for a POSIX shell, quoted when it needs to be. */
export const shellWord = (s: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

/** The `#SBATCH` lines of an array of `n` tasks (without --dependency, which is given at submission). */
export function sbatchDirectives(group: JobGroup, o: SlurmOptions, logDir: string): string[] {
  const n = group.tasks.length;
  const lines = [
    `--job-name=seal-${group.name}`,
    `--array=0-${n - 1}${o.maxParallel > 0 && o.maxParallel < n ? `%${o.maxParallel}` : ''}`,
    `--output=${logDir}/%x-%A_%a.out`,
    '--open-mode=append',
    '--requeue',
    `--signal=B:USR2@${o.signalSeconds}`,
    // A task whose dependency failed would otherwise wait forever (DependencyNeverSatisfied).
    '--kill-on-invalid-dep=yes',
    `--cpus-per-task=${o.cpusPerTask}`,
  ];
  if (o.partition) lines.push(`--partition=${o.partition}`);
  if (o.time) lines.push(`--time=${o.time}`);
  if (o.gpusPerTask && o.gpusPerTask > 0 && group.kind !== 'report') lines.push(`--gpus-per-task=${o.gpusPerTask}`);
  if (o.mem) lines.push(`--mem=${o.mem}`);
  if (o.account) lines.push(`--account=${o.account}`);
  if (o.qos) lines.push(`--qos=${o.qos}`);
  if (o.constraint) lines.push(`--constraint=${o.constraint}`);
  lines.push(...o.sbatchArgs);
  return lines.map((l) => `#SBATCH ${l}`);
}

/**
 * The batch script of one array. Element i runs task i with `seal worker`, its output appended
 * to DIR/logs/<task>.out|.err. Slurm's warning signal (USR2, to the batch shell only) and
 * SIGTERM are passed on to the worker, which stops at a batch with a resume point and exits
 * with `resumableExit`; the script then requeues its own element, up to `maxRequeues` times.
 * Any other failure is recorded in DIR/tasks/<task>.failed.json by `seal worker --failed`.
 */
export function batchScript(
  group: JobGroup,
  o: SlurmOptions,
  ctx: { dir: string; node: string; cli: string; resumableExit: number },
): string {
  const q = shellWord;
  const worker = `${q(ctx.node)} ${q(ctx.cli)} worker "$dir" "$task"`;
  return `#!/bin/bash
${sbatchDirectives(group, o, `${ctx.dir}/logs/slurm`).join('\n')}
# seal compare: ${group.tasks.length} task(s) of ${ctx.dir}/plan.json
set -u
tasks=(${group.tasks.map(q).join(' ')})
task=\${tasks[\${SLURM_ARRAY_TASK_ID:-0}]}
dir=${q(ctx.dir)}
job="\${SLURM_ARRAY_JOB_ID:-\${SLURM_JOB_ID:-local}}_\${SLURM_ARRAY_TASK_ID:-0}"
restarts=\${SLURM_RESTART_COUNT:-0}
mkdir -p "$dir/logs"
echo "[$(date -Is)] slurm job $job on $(hostname), start $((restarts + 1))" >> "$dir/logs/$task.out"
${worker} --threads "\${SLURM_CPUS_PER_TASK:-1}" >> "$dir/logs/$task.out" 2>> "$dir/logs/$task.err" &
child=$!
signalled=0
trap 'signalled=1; kill -USR2 "$child" 2>/dev/null' USR2
trap 'signalled=1; kill -TERM "$child" 2>/dev/null' TERM
# wait returns early when a trapped signal arrives; wait again until the worker has exited.
while kill -0 "$child" 2>/dev/null; do wait "$child"; done
wait "$child"; rc=$?
if [ "$rc" -eq ${ctx.resumableExit} ] || { [ "$signalled" -eq 1 ] && [ "$rc" -ne 0 ]; }; then
  if [ "$restarts" -ge ${o.maxRequeues} ]; then
    ${worker} --failed "stopped by a signal after $restarts requeue(s); the limit is ${o.maxRequeues} (--max-requeues)" >> "$dir/logs/$task.err" 2>&1
    exit 1
  fi
  echo "[$(date -Is)] stopped at a resume point (exit $rc); requeueing $job" >> "$dir/logs/$task.out"
  scontrol requeue "$job" >> "$dir/logs/$task.err" 2>&1
  exit 0
fi
if [ "$rc" -ne 0 ]; then
  ${worker} --failed "exit code $rc (slurm job $job)" >> "$dir/logs/$task.err" 2>&1
fi
exit "$rc"
`;
}
