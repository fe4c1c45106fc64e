// A comparison as a task graph, made from its settings alone (a pure function), written to
// DIR/plan.json before anything runs. Every method whose generation 0 is plain training
// (all of seal's methods) starts from one shared generation 0 per seed: same seed, init and
// batches give the same weights, so training it once per method is wasted work. Each task's
// inputs are in the plan (JSON), so any worker, local or on a cluster, runs it by id alone.
import { dirname } from 'node:path';
import { resolveConfig } from '../config/resolve.js';
import type { MethodName, ResolvedConfig, RunConfig } from '../config/schema.js';
import { ConfigError, PlanError } from '../errors.js';
import { evaluationOf } from '../eval/registry.js';
import { evalKindOf } from '../eval/instances.js';
import type { EvalRequest } from '../eval/run.js';
import { LATER_GENERATION_KEYS, METHOD_ENTRIES } from '../methods/registry.js';
import { planPaths, runName } from '../io/compare-dir.js';

/** The config keys a comparison sets per run: never in its shared settings or an arm's. */
export type PerRunKey = 'method' | 'seed' | 'out' | 'threads';
export const PER_RUN_KEYS: readonly PerRunKey[] = ['method', 'seed', 'out', 'threads'];

/**
 * Training settings as given, each value checked (config/resolve.ts checkSettings) but not
 * merged over the defaults: an arm's settings go over the shared ones, and each task's config
 * is resolved from them once, when the plan is made, so that k = E/4 follows an arm's own E.
 */
export type TrainSettings = Readonly<Partial<Omit<RunConfig, PerRunKey>>>;

/** One arm of a comparison: a name, a method and the settings it overrides. */
export interface Arm {
  name: string;
  method: string;
  overrides: TrainSettings;
}

export interface CompareSettings {
  /** The arms' names (each a method name when the comparison is by --methods). */
  methods: string[];
  /** Arms with their own settings; absent when every arm is a plain method of that name. */
  arms?: Arm[];
  /** The arm every other is compared with (default: normal, when present). */
  baseline?: string;
  seeds: number[];
  generations: number;
  /** The evaluations' ids (a kind, or KIND:TARGET: eval/instances.ts). */
  evals: string[];
  /** Training settings shared by every run. */
  train: TrainSettings;
  /** Every option of each evaluation by id, defaults filled in. */
  evalOptions: Record<string, Record<string, unknown>>;
  /** The grid whose cells the arms are (`seal sweep`); absent for other comparisons and older sweeps. */
  grid?: GridSettings;
}

/** A sweep's grid: one method's settings (config keys) over their values, against a baseline arm. */
export interface GridSettings {
  method: string;
  baseline: string;
  axes: { key: string; values: unknown[] }[];
}

/** A training task's config as plan.json holds it: resolved, so that a worker resolves nothing again. */
export type TaskConfig = Omit<ResolvedConfig, 'out' | 'threads'>;

/**
 * A task's config, resolved from its arm's settings once, when the plan is made. A refusal of
 * settings that do not go together (k > E) names the arm when the arm set any of them.
 */
function taskConfig(arm: Arm, values: Record<string, unknown>): TaskConfig {
  try {
    const { out: _out, threads: _threads, ...config } = resolveConfig([{ source: 'compare settings', values }]);
    return config;
  } catch (e) {
    if (!(e instanceof ConfigError) || Object.keys(arm.overrides).length === 0) throw e;
    throw new ConfigError(`arm '${arm.name}': ${e.message.split('\nhint: ')[0]}`, e.hint);
  }
}

export interface TrainTask {
  id: string;
  kind: 'train';
  deps: string[];
  /** Run folder, relative to the comparison folder. */
  run: string;
  /** The run's config, resolved when the plan was made (every key but out and threads, which the worker sets). */
  config: TaskConfig;
  /** Train generations [.., untilGeneration); the config's count still sets the schedule. */
  untilGeneration: number;
  /** Start as a copy of this run folder's state after `generation`, instead of from scratch. */
  fork: { from: string; generation: number } | null;
}
export interface EvaluateTask {
  id: string;
  kind: 'evaluate';
  deps: string[];
  checkpoint: string;
  generation: number;
  /** Result files go to `${outDir}/gen-<g>.<kind>.json`. */
  outDir: string;
  /** `id` (KIND:TARGET, eval/instances.ts) only where it is not the kind, so that plans without targets keep their bytes. */
  evals: EvalRequest[];
}
export interface ReportTask {
  id: string;
  kind: 'report';
  deps: string[];
}
export type Task = TrainTask | EvaluateTask | ReportTask;

/** seal-plan-2: training tasks hold resolved configs (seal-plan-1 held the values given). */
export const PLAN_FORMAT = 'seal-plan-2';
export interface Plan {
  format: typeof PLAN_FORMAT;
  settings: CompareSettings;
  tasks: Task[];
}

/** The comparison's arms: its own list, or one plain arm per method. */
export function armsOf(s: CompareSettings): Arm[] {
  return s.arms ?? s.methods.map((m) => ({ name: m, method: m, overrides: {} }));
}

/** An arm's training settings (without seed, out and threads). */
export const armConfig = (s: CompareSettings, arm: Arm): Record<string, unknown> => ({
  ...s.train,
  ...arm.overrides,
  method: arm.method,
});

/**
 * The generation-0 groups: arms whose generation 0 is the same training share one run per seed,
 * named gen0-s<seed> for the first group and gen0-<k>-s<seed> for the k-th after it. Null for
 * an arm that trains its own generation 0.
 */
export function generationZeroGroups(s: CompareSettings): Map<string, string | null> {
  const keys: string[] = [];
  const out = new Map<string, string | null>();
  for (const arm of armsOf(s)) {
    const cfg = armConfig(s, arm);
    if (METHOD_ENTRIES[arm.method as MethodName]?.ownGenerationZero === true) {
      out.set(arm.name, null);
      continue;
    }
    const plain = Object.fromEntries(
      Object.entries(cfg)
        .filter(([k]) => !LATER_GENERATION_KEYS.includes(k))
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    const key = JSON.stringify(plain);
    let k = keys.indexOf(key);
    if (k < 0) {
      keys.push(key);
      k = keys.length - 1;
    }
    out.set(arm.name, k === 0 ? 'gen0' : `gen0-${k}`);
  }
  return out;
}

/** The shared generation 0's settings: the arm's, less those that act from generation 1 on, as normal training. */
function gen0Config(s: CompareSettings, arm: Arm): Record<string, unknown> {
  const own = Object.fromEntries(Object.entries(arm.overrides).filter(([k]) => !LATER_GENERATION_KEYS.includes(k)));
  return { ...s.train, ...own, method: 'normal' };
}

/** The run folder (relative) holding generation `g` of (arm, seed). */
export function generationRun(s: CompareSettings, arm: string, seed: number, g: number): string {
  const group = g === 0 ? (generationZeroGroups(s).get(arm) ?? null) : null;
  return planPaths.run(group !== null ? `${group}-s${seed}` : runName(arm, seed));
}

/** Where the result of evaluation `kind` of generation `g` of (arm, seed) is (relative). */
export function evalFile(s: CompareSettings, arm: string, seed: number, g: number, kind: string): string {
  return planPaths.evalResult(planPaths.runNameOf(generationRun(s, arm, seed, g)), g, kind);
}

function evaluateTask(s: CompareSettings, run: string, g: number, dep: string): EvaluateTask {
  const name = planPaths.runNameOf(run);
  return {
    id: `eval-${name}-g${g}`,
    kind: 'evaluate',
    deps: [dep],
    checkpoint: planPaths.checkpoint(run, g),
    generation: g,
    outDir: planPaths.evals(name),
    evals: s.evals.map((id) => {
      const kind = evalKindOf(id);
      return { kind, ...(id !== kind ? { id } : {}), options: s.evalOptions[id] ?? {} };
    }),
  };
}

/** The longest file name a name's longest task id ends up in: NAME_MAX of Linux and macOS. */
const NAME_MAX = 255;
/**
 * What seal puts around a task id in a file name, at most: the Slurm log
 * `seal-<id>-<job id>_<index>.out` (job ids up to 10 digits, array indices up to 7) and the batch
 * script `<24-character stamp>-<id>.sh` add 28 bytes; a task file being written,
 * `<id>.started.json.tmp-<pid>` (pids up to 7 digits), adds 25. A Slurm array named after
 * several tasks has a name no longer than its longest task id.
 */
const TASK_ID_SUFFIX = 28;

/** An arm's name for a message: a long one cut short, control characters escaped. */
const shown = (name: string): string => JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name).slice(1, -1);

/**
 * Arm names become folder and file names (runs/NAME-s<seed>, tasks/eval-NAME-s<seed>-g<g>.*.json,
 * the Slurm logs): checked before anything is written, so a bad name fails at once rather than
 * after tasks have run. The length allowed depends on the longest seed and generation.
 */
export function checkArmNames(s: CompareSettings): void {
  const seedDigits = Math.max(...s.seeds.map((x) => String(x).length), 1);
  const lastGen = String(Math.max(s.generations - 1, 0));
  // Around the name in its longest task id: eval-NAME-s<seed>-g<g>, or train-NAME-s<seed> without evaluations.
  const around =
    s.evals.length > 0 ? 'eval-'.length + 2 + seedDigits + 2 + lastGen.length : 'train-'.length + 2 + seedDigits;
  const limit = NAME_MAX - TASK_ID_SUFFIX - around;
  const example =
    s.evals.length > 0
      ? `logs/slurm/seal-eval-NAME-s${'9'.repeat(seedDigits)}-g${lastGen}-<job>_<index>.out`
      : `logs/slurm/seal-train-NAME-s${'9'.repeat(seedDigits)}-<job>_<index>.out`;
  for (const arm of armsOf(s)) {
    const name = arm.name;
    const bad =
      typeof name !== 'string' || name === ''
        ? 'it is empty'
        : name === '.' || name === '..'
          ? `'${name}' is not a folder name`
          : name.includes('/')
            ? "it holds a '/'"
            : name.includes('\0')
              ? 'it holds a NUL character'
              : [...name].some((c) => c < ' ' || c === '\x7f')
                ? 'it holds a control character'
                : null;
    if (bad !== null)
      throw new ConfigError(
        `arm '${shown(String(name))}': ${bad}; an arm's name names its run folders and task files`,
        "name it with letters, digits and _ . + = , - (e.g. --arm 'seal-S0.1=seal --ascent-lr-multiplier -0.1')",
      );
    const bytes = Buffer.byteLength(name);
    if (bytes > limit)
      throw new ConfigError(
        `arm '${shown(name)}': its name is ${bytes} bytes long; it names files such as ${example}, and a file name holds at most ${NAME_MAX} bytes, so with these seeds and ${s.generations} generations an arm's name is at most ${limit} bytes`,
        'give the arm a shorter name (--arm SHORT=METHOD ..., or "name" in --plan)',
      );
  }
}

/** The task graph of a comparison: shared generation-0 runs, method runs, evaluations, the report. */
export function buildPlan(s: CompareSettings): Plan {
  checkArmNames(s);
  const tasks: Task[] = [];
  const G = s.generations;
  const arms = armsOf(s);
  const groups = generationZeroGroups(s);
  for (const seed of s.seeds) {
    const planned = new Set<string>();
    for (const arm of arms) {
      const group = groups.get(arm.name) ?? null;
      const gen0 = group === null ? null : `${group}-s${seed}`;
      if (gen0 !== null && !planned.has(gen0)) {
        planned.add(gen0);
        // Plain training for one generation is normal training: the folder says so, and resumes as such.
        tasks.push({
          id: `train-${gen0}`,
          kind: 'train',
          deps: [],
          run: planPaths.run(gen0),
          config: taskConfig(arm, { ...gen0Config(s, arm), generations: G, seed }),
          untilGeneration: 1,
          fork: null,
        });
        if (s.evals.length > 0) tasks.push(evaluateTask(s, planPaths.run(gen0), 0, `train-${gen0}`));
      }
      const run = planPaths.run(runName(arm.name, seed));
      const id = `train-${runName(arm.name, seed)}`;
      tasks.push({
        id,
        kind: 'train',
        deps: gen0 ? [`train-${gen0}`] : [],
        run,
        config: taskConfig(arm, { ...armConfig(s, arm), generations: G, seed }),
        untilGeneration: G,
        fork: gen0 ? { from: planPaths.run(gen0), generation: 0 } : null,
      });
      if (s.evals.length === 0) continue;
      for (let g = gen0 ? 1 : 0; g < G; g++) tasks.push(evaluateTask(s, run, g, id));
    }
  }
  tasks.push({ id: 'report', kind: 'report', deps: tasks.map((t) => t.id) });
  return { format: PLAN_FORMAT, settings: s, tasks };
}

/** Every evaluation option with its default filled in, so the plan records what ran. */
export function evalOptionsOf(kind: string, given: Record<string, unknown>): Record<string, unknown> {
  const ev = evaluationOf(kind);
  const unknown = Object.keys(given).filter((k) => !(k in ev.options));
  if (unknown.length > 0)
    throw new ConfigError(
      `evaluation ${kind}: unknown option ${unknown.join(', ')}`,
      `its options are ${Object.keys(ev.options).join(', ')}`,
    );
  return Object.fromEntries(Object.entries(ev.options).map(([k, o]) => [k, k in given ? given[k] : o.default]));
}

/** The keys whose values differ between two settings (for "holds other settings" errors). */
export function settingsDiff(a: CompareSettings, b: CompareSettings): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof CompareSettings)[];
  const out: string[] = [];
  for (const k of keys) {
    if (k === 'train' || k === 'evalOptions') {
      const x = (a[k] ?? {}) as Record<string, unknown>,
        y = (b[k] ?? {}) as Record<string, unknown>;
      for (const sub of [...new Set([...Object.keys(x), ...Object.keys(y)])]) {
        if (JSON.stringify(x[sub]) !== JSON.stringify(y[sub]))
          out.push(`${k}.${sub}: ${JSON.stringify(x[sub]) ?? 'unset'} vs ${JSON.stringify(y[sub]) ?? 'unset'}`);
      }
    } else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) {
      out.push(`${k}: ${JSON.stringify(a[k]) ?? 'unset'} vs ${JSON.stringify(b[k]) ?? 'unset'}`);
    }
  }
  return out;
}

/**
 * Checks that a plan read from disk is the one its settings give: a hand-edited plan.json (or
 * one written by another version of seal) is refused, naming the first task that differs.
 */
export function checkPlan(plan: unknown, file: string): Plan {
  const p = plan as Partial<Plan> | null;
  const format = p !== null && typeof p === 'object' ? (p as { format?: unknown }).format : undefined;
  if (typeof format === 'string' && format.startsWith('seal-plan-') && format !== PLAN_FORMAT)
    throw new PlanError(
      `${file} was written by another version of seal (format ${format}, this one reads ${PLAN_FORMAT})`,
      dirname(file),
    );
  if (
    p === null ||
    typeof p !== 'object' ||
    p.format !== PLAN_FORMAT ||
    typeof p.settings !== 'object' ||
    !Array.isArray(p.tasks)
  ) {
    throw new PlanError(
      `${file} is not a seal plan (expected "format": "${PLAN_FORMAT}" with "settings" and "tasks")`,
      dirname(file),
    );
  }
  let expected: Plan;
  try {
    expected = buildPlan(p.settings as CompareSettings);
  } catch (e) {
    throw new PlanError(
      `${file}: its settings are not valid: ${(e as Error).message.split('\nhint: ')[0]}`,
      dirname(file),
    );
  }
  const byId = new Map(p.tasks.map((t) => [(t as Task).id, t]));
  for (const t of expected.tasks) {
    const got = byId.get(t.id);
    if (JSON.stringify(got) !== JSON.stringify(t)) {
      throw new PlanError(
        `${file}: task ${t.id} ${got === undefined ? 'is missing' : "differs from what the plan's settings give"} (the file was edited or damaged)`,
        dirname(file),
      );
    }
  }
  if (p.tasks.length !== expected.tasks.length) {
    const extra = p.tasks.map((t) => (t as Task).id).filter((id) => !expected.tasks.some((t) => t.id === id));
    throw new PlanError(`${file}: tasks ${extra.join(', ')} are not part of the plan its settings give`, dirname(file));
  }
  return expected;
}
