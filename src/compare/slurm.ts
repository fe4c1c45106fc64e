// The Slurm launcher's pure part: which tasks of a plan go into which job array, the batch
// script of an array, and its --dependency. Alike tasks that wait for the same tasks form one
// array (a seed's generation 0 for every seed; a seed's method runs; a run's evaluations), so a
// comparison is a handful of submissions whatever its size, and every array element waits for
// exactly what its task needs.
import type { WorkerCommand } from './worker-protocol.js';
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

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
const isControl = (c: string): boolean => c < ' ' || c === '\x7f';

/**
 * A word for a POSIX shell, quoted when it needs to be. Control characters go in as $'\ooo'
 * rather than raw: a line break inside the script could end the `#SBATCH` block early, and sbatch
 * refuses a script holding a carriage return before a line break.
 */
export const shellWord = (s: string): string => {
  if (PLAIN.test(s)) return s;
  const inner = [...s].map((c) =>
    c === "'" ? `'\\''` : isControl(c) ? `'$'\\${c.charCodeAt(0).toString(8).padStart(3, '0')}''` : c,
  );
  return `'${inner.join('')}'`;
};

/**
 * A word of an `#SBATCH` line, quoted the way sbatch reads those lines (not a shell: inside or
 * outside quotes a backslash escapes the next character, and an unquoted '#' starts a comment).
 * Null for a word no line can hold (one with a line break or other control character): it goes
 * on sbatch's command line instead.
 */
export function sbatchWord(s: string): string | null {
  if ([...s].some(isControl)) return null;
  if (PLAIN.test(s)) return s;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, `'\\''`)}'`;
}

/**
 * The --output pattern for the Slurm logs in `logDir`. slurmstepd expands '%' symbols in the
 * whole path ('%%' is a plain '%'); in a path with a backslash it expands none and drops every
 * backslash that is not doubled, so there all arrays share one log file.
 */
export function slurmOutput(logDir: string): string {
  if (logDir.includes('\\')) return `${logDir.replace(/\\/g, '\\\\')}/slurm.out`;
  return `${logDir.replace(/%/g, '%%')}/%x-%A_%a.out`;
}

/** The sbatch options of an array of `n` tasks (without --dependency, which is given at submission), unquoted. */
export function sbatchOptions(group: JobGroup, o: SlurmOptions, logDir: string): string[] {
  const n = group.tasks.length;
  const lines = [
    `--job-name=seal-${group.name}`,
    `--array=0-${n - 1}${o.maxParallel > 0 && o.maxParallel < n ? `%${o.maxParallel}` : ''}`,
    `--output=${slurmOutput(logDir)}`,
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
  return lines;
}

/** The `#SBATCH` line of an option, its value quoted; null where no such line can hold it. */
function directive(opt: string): string | null {
  const eq = /^--[A-Za-z0-9-]+=/.exec(opt);
  const w = eq ? sbatchWord(opt.slice(eq[0].length)) : sbatchWord(opt);
  return w === null ? null : `#SBATCH ${eq ? eq[0] : ''}${w}`;
}

/** The `#SBATCH` lines of an array: every option of sbatchOptions that such a line can hold. */
export function sbatchDirectives(group: JobGroup, o: SlurmOptions, logDir: string): string[] {
  return sbatchOptions(group, o, logDir).flatMap((opt) => directive(opt) ?? []);
}

/** The options of sbatchOptions that no `#SBATCH` line can hold, for sbatch's command line. */
export function sbatchCommandLine(group: JobGroup, o: SlurmOptions, logDir: string): string[] {
  return sbatchOptions(group, o, logDir).filter((opt) => directive(opt) === null);
}

/** Where an array's Slurm logs go, for a comparison in `dir`. */
export const slurmLogDir = (dir: string): string => `${dir}/logs/slurm`;

/**
 * The batch script of one array. Element i runs task i with `seal worker`, its output appended
 * to DIR/logs/<task>.out|.err. Slurm's warning signal (USR2, to the batch shell only) and
 * SIGTERM are passed on to the worker, which stops at a batch with a resume point and exits
 * with `resumableExit`; the script then requeues its own element, up to `maxRequeues` times.
 * Any other failure is recorded in DIR/tasks/<task>.failed.json by `seal worker --failed`.
 * The options of sbatchCommandLine are not in it: they go on sbatch's command line.
 */
export function batchScript(
  group: JobGroup,
  o: SlurmOptions,
  ctx: { dir: string; worker: WorkerCommand; resumableExit: number },
): string {
  const q = shellWord;
  const worker = `${[ctx.worker.file, ...ctx.worker.prefix].map(q).join(' ')} "$dir" "$task"`;
  const logDir = slurmLogDir(ctx.dir);
  const elsewhere = sbatchCommandLine(group, o, logDir);
  // Paths in comments as JSON strings: a line break in one would end the comment.
  const given =
    elsewhere.length > 0
      ? `\n# given on sbatch's command line, as no #SBATCH line can hold them: ${JSON.stringify(elsewhere)}`
      : '';
  return `#!/bin/bash
${sbatchDirectives(group, o, logDir).join('\n')}${given}
# seal compare: ${group.tasks.length} task(s) of ${JSON.stringify(`${ctx.dir}/plan.json`)}
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
