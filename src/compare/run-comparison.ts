// `seal compare` as a library call: methods × seeds, every generation evaluated, one report,
// planned as a task graph (plan.ts) and run by the local launcher. Re-running with the same
// settings continues; different settings in the same folder are refused rather than mixed.
import { cpus } from 'node:os';
import { checkSettings } from '../config/resolve.js';
import { DEFAULTS } from '../config/schema.js';
import { ConfigError, OptionError, PlanError, SealError, StoppedError } from '../errors.js';
import { CompareLayout } from '../io/compare-dir.js';
import type { Report } from '../report/types.js';
import { buildReport } from './aggregate.js';
import { evaluationOf } from '../eval/registry.js';
import { evalInstances, type EvalChoice } from '../eval/instances.js';
import { runLocal, type StopSignals, type TaskEvents } from './launcher.js';
import {
  buildPlan,
  evalOptionsOf,
  settingsDiff,
  type Arm,
  type CompareSettings,
  type GridSettings,
  type Plan,
  type TrainSettings,
  PER_RUN_KEYS,
} from './plan.js';
import { readPlan } from './run-task.js';
import { sealWorker, type WorkerCommand } from './worker-protocol.js';
import { damagedOutputs, redoDamaged, withDependents, type Redo } from './outputs.js';

export interface CompareOptions {
  out: string;
  /** Plain arms, one per method (named after it). */
  methods: string[];
  /** Arms with their own settings, after the plain ones. */
  arms?: Arm[];
  /** The arm the others are compared with; default normal (when it is an arm). */
  baseline?: string;
  seeds: number[];
  /** The evaluations of every checkpoint: kinds, or kinds with a target ({ kind: 'transfer', target: 'cub:PATH' }). */
  evals: EvalChoice[];
  /** Training settings shared by every run, as given (method, seed, out and threads are set per run):
   * each task's config is resolved from them, its arm's settings and its method when the plan is made. */
  train: TrainSettings;
  /** Parallel tasks; the cores are split evenly between them. Default: on the CPU one task per
   * core (measured here: 2 runs x 1 thread finish 1.45x sooner than 1 run x 2 threads for
   * narrow ResNets), on a GPU one at a time. */
  jobs?: number;
  threads?: number;
  /** The command that runs a task; default the installed `seal worker`. */
  worker?: WorkerCommand;
  /** The grid whose cells the arms are, recorded for the report (`seal sweep`). */
  grid?: GridSettings;
}

/**
 * The comparison's settings, every value checked (each option by its name: the CLI names its
 * flag); nothing is resolved here: buildPlan resolves each task's config once.
 */
export function settingsOf(o: CompareOptions): CompareSettings {
  for (const k of PER_RUN_KEYS) {
    if (k in o.train)
      throw new OptionError(
        k,
        'is set per run, not in the shared training settings',
        "give the comparison's methods, seeds, out or threads instead",
      );
  }
  const evals = evalInstances(o.evals);
  const arms: Arm[] = [...o.methods.map((m) => ({ name: m, method: m, overrides: {} })), ...(o.arms ?? [])];
  if (arms.length === 0 || o.seeds.length === 0)
    throw new ConfigError('compare needs at least one method (or arm) and one seed');
  const names = arms.map((a) => a.name);
  const dup = names.find((m, i) => names.indexOf(m) !== i) ?? o.seeds.find((s, i) => o.seeds.indexOf(s) !== i);
  if (dup !== undefined)
    throw new ConfigError(
      `compare: '${dup}' is listed twice`,
      'give each method, arm and seed once (name arms apart: --arm NAME=METHOD ...)',
    );
  // The shared settings first, so that a bad value is named as the option, not as an arm's.
  const train = checkSettings({ source: 'options', values: o.train });
  for (const arm of arms) checkArm(arm);
  if (o.baseline !== undefined && !names.includes(o.baseline)) {
    throw new OptionError(
      'baseline',
      `'${o.baseline}' is not an arm of this comparison`,
      `choose one of ${names.join(', ')}`,
    );
  }
  const plain = arms.every((a) => a.name === a.method && Object.keys(a.overrides).length === 0);
  return {
    methods: names,
    ...(plain ? {} : { arms }),
    ...(o.baseline !== undefined ? { baseline: o.baseline } : {}),
    seeds: o.seeds,
    generations: train.generations ?? DEFAULTS.generations,
    evals: evals.map((e) => e.id),
    train,
    evalOptions: Object.fromEntries(
      evals.map((e) => [
        e.id,
        evalOptionsOf(e.kind, { ...evaluationOf(e.kind).compareOptions, ...(e.target ? { target: e.target } : {}) }),
      ]),
    ),
    ...(o.grid !== undefined ? { grid: o.grid } : {}),
  };
}

/** Settings every arm shares, which an arm may not set. */
const SHARED_KEYS: readonly string[] = [...PER_RUN_KEYS, 'generations'];

/** An arm's name fits a folder, and its method and each of its settings are valid; every error names the arm. */
function checkArm(arm: Arm): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+=,-]*$/.test(arm.name)) {
    throw new ConfigError(
      `arm '${arm.name}': a name is letters, digits and _ . + = , - (it names the arm's run folders)`,
      "e.g. --arm 'seal-S0.1=seal --ascent-lr-multiplier -0.1'",
    );
  }
  const shared = Object.keys(arm.overrides).find((k) => SHARED_KEYS.includes(k));
  if (shared)
    throw new ConfigError(
      `arm '${arm.name}': ${shared} is shared by every arm and cannot be set per arm`,
      'set it for the whole comparison',
    );
  checkSettings({ source: `arm '${arm.name}'`, values: { ...arm.overrides, method: arm.method } });
}

/**
 * Writes compare.json and plan.json for new settings; refuses a folder that holds other settings.
 * A folder with the same settings whose plan.json is missing or damaged gets it written again
 * (`repaired` says what was wrong): the plan follows from the settings alone.
 */
export interface Prepared {
  layout: CompareLayout;
  plan: Plan;
  /** What was wrong with a plan.json written again, or null. */
  repaired: string | null;
  /** Finished tasks whose outputs were missing or changed, made to run again with those after them. */
  redo: Redo | null;
}

/** A comparison's settings and the plan they give, before anything is written. */
export interface Planned {
  settings: CompareSettings;
  plan: Plan;
}

export function planOf(o: CompareOptions): Planned {
  const settings = settingsOf(o);
  return { settings, plan: buildPlan(settings) };
}

/** `planned`: planOf(o), when the caller has made it already (to check the plan's size first). */
export function preparePlan(o: CompareOptions, { settings, plan }: Planned = planOf(o)): Prepared {
  const layout = new CompareLayout(o.out);
  if (!layout.hasPlan() && !layout.hasSettings()) {
    layout.create(settings, plan);
    return { layout, plan, repaired: null, redo: null };
  }
  let damage: string | null = null;
  let theirs: CompareSettings;
  try {
    theirs = readPlan(layout).settings;
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    damage = firstLine(e);
    theirs = settingsOfFolder(layout);
  }
  // A sweep made before sweeps recorded their grid is the same sweep.
  const diff = settingsDiff(theirs, settings).filter((d) => !(d.startsWith('grid:') && theirs.grid === undefined));
  if (diff.length > 0) {
    throw new ConfigError(
      `${o.out} holds a comparison with other settings (${diff.map((d) => d.split(':')[0]).join(', ')} differ):\n  ${diff.join('\n  ')}`,
      'run the same command as before to continue it, or choose another --out folder',
    );
  }
  if (damage !== null) layout.writePlan(plan);
  const redo = redoDamaged(layout, plan);
  return { layout, plan, repaired: damage, redo: redo.tasks.length > 0 ? redo : null };
}

const firstLine = (e: unknown): string => (e as Error).message.split('\nhint: ')[0] as string;

/** compare.json's settings, checked by building their plan: what a damaged plan.json is rebuilt from. */
function settingsOfFolder(layout: CompareLayout): CompareSettings {
  const lost = (why: string): SealError =>
    new SealError(
      'PLAN',
      `${layout.dir}: plan.json cannot be used and ${why}`,
      `start the comparison again in a new --out folder; \`seal report ${layout.dir}\` still reads what is there`,
    );
  let settings: CompareSettings;
  try {
    settings = layout.readSettings<CompareSettings>();
  } catch (e) {
    throw lost(`compare.json cannot be read either (${firstLine(e)})`);
  }
  try {
    buildPlan(settings);
  } catch (e) {
    throw lost(`compare.json does not give a plan (made by an older version of seal, or damaged: ${firstLine(e)})`);
  }
  return settings;
}

/** What `seal status DIR --repair` did. */
export interface PlanRepair {
  file: string;
  /** What was wrong with plan.json; null when it was sound and was left as it is. */
  damage: string | null;
  tasks: number;
  done: number;
}

/** Writes plan.json again from compare.json when it is missing or damaged; finished tasks keep their files. */
export function repairPlan(dir: string): PlanRepair {
  const layout = new CompareLayout(dir);
  let damage: string | null = null;
  let plan: Plan;
  try {
    plan = readPlan(layout);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    damage = firstLine(e);
    plan = buildPlan(settingsOfFolder(layout));
    layout.writePlan(plan);
  }
  const done = plan.tasks.filter((t) => layout.isDone(t.id)).length;
  return { file: layout.planFile, damage, tasks: plan.tasks.length, done };
}

/** How many tasks run side by side (`jobs`) and how many threads each gets: its share of the cores. */
export function jobsAndThreads(o: CompareOptions): { jobs: number; threads: number } {
  const cores = o.threads ?? cpus().length;
  const onGpu = String(o.train.device ?? 'cpu').startsWith('cuda');
  const jobs = Math.max(1, Math.min(o.jobs ?? (onGpu ? 1 : cores), cores));
  return { jobs, threads: Math.max(1, Math.floor(cores / jobs)) };
}

/**
 * Runs (or finishes) the comparison `o` in `o.out`; returns the report its report task wrote.
 * `signals.stop` stops it: running tasks stop at a resume point, no task starts, and it throws
 * a StoppedError; `signals.kill` ends the running tasks at once.
 */
export async function compare(o: CompareOptions, events: TaskEvents, signals: StopSignals = {}): Promise<Report> {
  return runPrepared(o, preparePlan(o), events, signals);
}

/** compare() of a comparison whose plan the caller has prepared already (preparePlan). */
export async function runPrepared(
  o: CompareOptions,
  { layout, plan }: Prepared,
  events: TaskEvents,
  signals: StopSignals = {},
): Promise<Report> {
  const command = o.worker ?? sealWorker();
  const failures = await runLocal(layout, plan, { ...jobsAndThreads(o), command, events, ...signals });
  if (signals.stop?.aborted === true) {
    const left = plan.tasks.filter((t) => !layout.isDone(t.id)).length;
    throw new StoppedError(
      `the comparison was stopped: ${failures.length} running task${failures.length === 1 ? '' : 's'} stopped, ${left} of ${plan.tasks.length} not done`,
      'run the same `seal compare` command again: finished tasks are kept and stopped training resumes from its resume point',
    );
  }
  if (failures.length > 0 && failures.every((f) => f.interrupted)) {
    throw new StoppedError(
      `the comparison was interrupted: ${failures.length} task${failures.length === 1 ? '' : 's'} stopped (${failures.map((f) => f.task).join(', ')})`,
      `run the same \`seal compare\` command again: finished tasks are kept and stopped training resumes from its resume point`,
    );
  }
  if (failures.length > 0) {
    const waiting = plan.tasks.filter((t) => !layout.isDone(t.id) && !failures.some((f) => f.task === t.id)).length;
    throw new SealError(
      'COMPARE_TASK',
      `${failures.length} task${failures.length === 1 ? '' : 's'} failed (${waiting} that depend on ${failures.length === 1 ? 'it' : 'them'} did not run):\n` +
        failures
          .map((f) => `  ${f.task}: ${f.error}\n    log: ${f.log}\n    retry: seal worker ${layout.dir} ${f.task}`)
          .join('\n'),
      'fix the cause and run the same `seal compare` command again: finished tasks are kept',
    );
  }
  return layout.readReport<Report>();
}

/**
 * Refuses to report from finished tasks whose outputs were deleted or changed since. A folder
 * without a sound plan (made by an older version) has no record of them to check against.
 */
function checkOutputs(layout: CompareLayout, known?: Plan): void {
  let plan: Plan;
  try {
    plan = known ?? readPlan(layout);
  } catch (e) {
    if (e instanceof PlanError) return;
    throw e;
  }
  const damaged = damagedOutputs(layout, plan, true);
  if (damaged.length === 0) return;
  const redo = withDependents(plan, new Set(damaged.map((d) => d.task)));
  throw new SealError(
    'OUTPUTS',
    `${layout.dir}: outputs of finished tasks were deleted or changed since they finished:\n` +
      damaged
        .slice(0, 10)
        .map((d) => `  ${d.file} is ${d.problem} (task ${d.task})`)
        .join('\n') +
      (damaged.length > 10 ? `\n  … and ${damaged.length - 10} more` : ''),
    `run the same \`seal compare\` command again: it runs those ${redo.length} tasks again (the damaged ones and those that used them), and keeps the rest`,
  );
}

/** Rebuilds report.json from the files of a finished (or partial) comparison (`plan`: its plan, read and checked already). */
export function rebuildReport(dir: string, plan?: Plan): Report {
  const layout = new CompareLayout(dir);
  checkOutputs(layout, plan);
  const report = buildReport(layout, layout.readSettings<CompareSettings>());
  layout.writeReport(report);
  return report;
}
