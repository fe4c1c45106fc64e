// `seal compare`: methods x seeds, every generation evaluated, one report.
import { existsSync, readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { parseEvalList, type EvalChoice } from '../eval/instances.js';
import { isPublishedKind, PUBLISHED } from '../data/published/index.js';
import { parseDatasetSpec } from '../data/registry.js';
import { checkRegularFile, MAX_JSON_BYTES } from '../io/regular-file.js';
import { DEFAULTS } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import {
  jobsAndThreads,
  planOf,
  preparePlan,
  type CompareOptions,
  type Planned,
  type Prepared,
  runPrepared,
} from '../compare/run-comparison.js';
import type { Arm, Plan, TrainSettings } from '../compare/plan.js';
import type { SlurmOptions } from '../compare/slurm.js';
import { CompareProgress } from './compare-progress.js';
import { planPrior } from '../compare/estimate.js';
import type { StopSignals } from '../compare/launcher.js';
import { setNumThreads } from '../backend/index.js';
import { compareOnSlurm, SLURM_FLAGS, SLURM_USAGE, slurmOptionsOf } from './compare-slurm.js';
import { sealWorker, type WorkerCommand } from '../compare/worker-protocol.js';
import { EVALUATORS } from '../eval/registry.js';
import {
  CONFIG_FLAGS,
  SWITCH,
  commandFlags,
  commandHelp,
  configLayers,
  optionHelp,
  parseArgv,
  withConfigFlags,
} from './args.js';
import { writeReports, printHeadline } from './report.js';
import { checkDevice, checkPrecision, checkThreads, warnNoAscent } from './checks.js';
import { COMMAND_OPTIONS, DEFAULT_MAX_TASKS, MAX_ARMS, type CommandValues } from './command-options.js';
import { parseOptionValue } from '../config/options.js';
import { checkCreatable } from '../io/dirs.js';
import { lockComparison } from './lock.js';
import { checkSettings, type ConfigLayer } from '../config/resolve.js';

/** Ready-made settings: `default` fits in minutes on 2 cores, `large` in about an hour, `converged` in about half an hour, `paper` in GPU-days. */
interface Preset {
  methods: string[];
  seeds: number[];
  evals: string[];
  train: TrainSettings;
}
export const PRESETS: Record<(typeof COMMAND_OPTIONS.comparePreset.doc.values)[number], Preset> = {
  default: {
    methods: ['normal', 'llf', 'seal'],
    seeds: [0, 1, 2],
    evals: ['transfer', 'fewshot', 'depth', 'sharpness'],
    train: {
      dataset: 'fashion-mnist',
      model: 'resnet18',
      width: 0.25,
      generations: 3,
      epochs: 6,
      batchSize: 64,
      limitTrain: 5000,
      limitTest: 2000,
      evalInterval: 2,
    },
  },
  // The paper's gains come from generations long enough to fit the training set: 1,000 images
  // without augmentation reach 100% training accuracy by about epoch 25 of 40 (measured), and
  // every generation is evaluated.
  converged: {
    methods: ['normal', 'llf', 'seal'],
    seeds: [0, 1, 2, 3, 4],
    evals: ['transfer', 'fewshot', 'depth', 'sharpness'],
    train: {
      dataset: 'fashion-mnist',
      model: 'resnet18',
      width: 0.25,
      generations: 6,
      epochs: 40,
      batchSize: 64,
      limitTrain: 1000,
      limitTest: 2000,
      cropPadding: 0,
      flip: false,
      evalInterval: 10,
    },
  },
  // The reference protocol (method.md): ResNet-18 on Tiny-ImageNet at 64 px, 10 generations x 160
  // epochs, batch 32, every other setting at its default. Days of GPU time: meant for a cluster.
  paper: {
    methods: ['normal', 'llf', 'seal'],
    seeds: [0, 1, 2],
    evals: ['transfer', 'fewshot', 'depth', 'sharpness'],
    train: { model: 'resnet18', width: 1, generations: 10, epochs: 160, batchSize: 32 },
  },
  large: {
    methods: ['normal', 'llf', 'seal'],
    seeds: [0, 1, 2, 3, 4],
    evals: ['transfer', 'fewshot', 'depth', 'sharpness'],
    train: {
      dataset: 'fashion-mnist',
      model: 'resnet18',
      width: 0.5,
      generations: 4,
      epochs: 8,
      batchSize: 64,
      limitTrain: 20000,
      limitTest: 5000,
      evalInterval: 2,
    },
  },
};

export const COMPARE_USAGE = `usage: seal compare [--preset default|large|paper] [--methods normal,llf,seal] [--seeds 0,1,2]
                    [--eval ${Object.keys(EVALUATORS).join(',')}] [--jobs N] [--threads N]
                    [--arm 'NAME=METHOD [training options]']... [--plan ARMS.json] [--baseline ARM]
                    [--launcher local|slurm] [training options] --out DIR

Plans the work as tasks (DIR/plan.json: generation 0 once per seed, shared by the methods; each
method's later generations; one evaluation task per checkpoint; the report), runs them --jobs at
a time, and writes DIR/report.html,
report.md and report.json: accuracy per generation with 95% intervals over seeds, paired
differences (every arm against the baseline and LLF), transfer, few-shot, prediction depth and
sharpness, and, first, the paper's four claims judged from these numbers.
Arms: --arm 'seal-S0.1=seal --ascent-lr-multiplier -0.1' adds an arm with its own settings (repeatable;
--methods a,b adds one plain arm per method); --plan FILE.json lists them as {"arms": [{"name", "method",
"settings"}]}. Every arm is compared with --baseline (default normal) and with llf when present, paired
by seed; arms whose generation 0 is the same training share it.
Targets: transfer and fewshot run on mnist unless given targets by name, each its own evaluation:
--eval transfer:cub=PATH,aircraft=PATH,fewshot:eurosat=PATH,depth (DATASET=PATH: a folder as its
publisher's archive extracts, \`seal data --help\`; or a built-in target: transfer:opencv-digits).
Published datasets are decoded at their protocol's input (resize 256 or 257, centre crop 224). The
--plan file may hold the same list: {"eval": ["transfer:cub=PATH", ...]}.
Running the same command again continues a stopped comparison; finished work is skipped.
--preset default (the README's main job) runs in minutes on 2 cores; --preset large in about an hour;
--preset paper is the reference protocol (ResNet-18, Tiny-ImageNet at 64 px, 10 x 160 epochs, batch 32;
needs --dataset tiny-imagenet:PATH), for a cluster: --dry-run estimates its hours from a measured throughput.
--jobs N runs N tasks side by side, each with 1/N of the threads. \`seal status DIR\` shows every
task's state; \`seal worker DIR TASK\` runs one task (its log is DIR/logs/TASK.out|.err).

${SLURM_USAGE}
options of seal compare (bounds in parentheses):
${commandHelp('compare')}

training options (as seal train; the preset's values unless given):
${optionHelp(DEFAULTS)}
`;

/** `--arm 'NAME=METHOD --flag value ...'` (or just METHOD): an arm and the settings it overrides. */
export function parseArm(spec: string): Arm {
  const [head, ...rest] = spec.trim().split(/\s+/);
  if (!head)
    throw new ConfigError(
      "--arm needs NAME=METHOD [training options], e.g. --arm 'seal-S0.1=seal --ascent-lr-multiplier -0.1'",
    );
  // The name may hold '=' itself (a sweep's cells are named METHOD,SETTING=v,...): the method follows the last one.
  const [name, method] = head.includes('=')
    ? [head.slice(0, head.lastIndexOf('=')), head.slice(head.lastIndexOf('=') + 1)]
    : [head, head];
  let overrides: TrainSettings;
  try {
    const parsed = parseArgv(rest, CONFIG_FLAGS, { command: 'train', unknown: 'collect' });
    refuseResume(parsed.given);
    overrides = layerSettings(configLayers(parsed, CONFIG_FLAGS));
  } catch (e) {
    throw new ConfigError(
      `--arm '${spec}': ${(e as Error).message.split('\nhint: ')[0]}`,
      'after NAME=METHOD come training options, as for seal train',
    );
  }
  return { name: name as string, method: method as string, overrides };
}

/**
 * The worker command of this seal: the node and the script of the running command, with its
 * node options (but a debugger's, whose port the workers cannot all take), so that workers run
 * as the coordinator was started.
 */
const thisWorker = (): WorkerCommand => ({
  file: process.execPath,
  prefix: [...process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a)), process.argv[1] as string, 'worker'],
});

/**
 * The --eval items with each target's path made absolute (a worker may start elsewhere), and
 * each target checked before any training: a published layout is listed (every file it names
 * must exist), any other path must exist.
 */
async function checkedEvals(items: string[]): Promise<EvalChoice[]> {
  const out: EvalChoice[] = [];
  for (const e of parseEvalList(items)) {
    const spec = e.target?.includes(':') === true ? parseDatasetSpec(e.target) : null;
    if (spec === null || !('kind' in spec)) {
      out.push(e.target === undefined ? e.kind : { kind: e.kind, target: e.target });
      continue;
    }
    const kind = spec.kind;
    const path = resolvePath(spec.path);
    if (!existsSync(path))
      throw new ConfigError(`--eval ${e.id}: ${path} does not exist`, `give the folder ${kind} was extracted to`);
    if (isPublishedKind(kind)) await PUBLISHED[kind].plan(path, {});
    out.push({ kind: e.kind, target: `${kind}:${path}` });
  }
  return out;
}

/** --resume belongs to seal train: a comparison continues by running the same command again. */
function refuseResume(given: readonly string[]): void {
  if (given.includes('resume'))
    throw new ConfigError(
      '--resume is an option of seal train, not of a comparison',
      'a stopped comparison continues when the same seal compare command is run again: finished tasks are kept, stopped training resumes',
    );
}

/**
 * `--plan FILE.json`: {"arms": [{"name", "method", "settings": {configKey: value}}], "eval": [items]}:
 * arms, evaluations as --eval lists them (eval/instances.ts), or both.
 */
function readPlanFile(file: string): { arms: Arm[]; eval?: string[] } {
  checkRegularFile(file, '--plan', MAX_JSON_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(
      `--plan ${file}: cannot read it as JSON (${(e as Error).message})`,
      'expected {"arms": [{"name": "seal-S0.1", "method": "seal", "settings": {"ascentLrMultiplier": -0.1}}]}',
    );
  }
  const { arms, eval: evals } = (raw ?? {}) as { arms?: unknown; eval?: unknown };
  if (evals !== undefined && (!Array.isArray(evals) || !evals.every((e) => typeof e === 'string' && e !== '')))
    throw new ConfigError(
      `--plan ${file}: "eval" should be a list of evaluations as --eval takes them; found ${JSON.stringify(evals).slice(0, 200)}`,
      'e.g. "eval": ["transfer:cub=/data/CUB_200_2011", "fewshot:eurosat=/data/EuroSAT", "depth"]',
    );
  const listed = evals === undefined ? {} : { eval: evals as string[] };
  if (arms === undefined && evals !== undefined) return { arms: [], ...listed };
  if (!Array.isArray(arms) || arms.length === 0)
    throw new ConfigError(
      `--plan ${file}: expected an object with a non-empty "arms" list (or an "eval" list)`,
      'e.g. {"arms": [{"name": "normal", "method": "normal"}, {"name": "seal-S0.1", "method": "seal", "settings": {"ascentLrMultiplier": -0.1}}]}',
    );
  const parsed = arms.map((a: unknown, i: number) => {
    const x = a as { name?: unknown; method?: unknown; settings?: unknown };
    if (
      typeof x?.method !== 'string' ||
      (x.name !== undefined && typeof x.name !== 'string') ||
      (x.settings !== undefined && (typeof x.settings !== 'object' || x.settings === null || Array.isArray(x.settings)))
    ) {
      throw new ConfigError(
        `--plan ${file}: arm ${i + 1} needs "method" (a string), and "name" (a string) and "settings" (an object) if given; found ${JSON.stringify(a)}`,
      );
    }
    return {
      name: (x.name as string | undefined) ?? x.method,
      method: x.method,
      // Checked with the comparison's settings, each refusal naming the arm.
      overrides: (x.settings ?? {}) as TrainSettings,
    };
  });
  return { arms: parsed, ...listed };
}

/**
 * Plans the comparison, refusing more arms or tasks than the bounds before any file is written:
 * a grid or seed list typed one digit too long would otherwise plan (and print) thousands of tasks.
 */
function boundedPlan(o: CompareOptions, maxTasks: number): Planned {
  const arms = o.methods.length + (o.arms?.length ?? 0);
  if (arms > MAX_ARMS)
    throw new ConfigError(
      `the comparison has ${arms} arms; at most ${MAX_ARMS} are allowed`,
      'split it into several comparisons (a sweep: fewer grid values)',
    );
  const planned = planOf(o);
  const tasks = planned.plan.tasks.length;
  if (tasks > maxTasks)
    throw new ConfigError(
      `the comparison plans ${tasks} tasks, more than --max-tasks ${maxTasks}`,
      `fewer seeds, arms or grid values; or raise the bound deliberately: --max-tasks ${tasks}`,
    );
  return planned;
}

/**
 * Ctrl-C, SIGTERM or SIGUSR2 (a scheduler's warning): the workers are asked to stop at a resume
 * point and no task starts; the same signal again ends them at once. Either way the command
 * exits with 75 and running it again continues.
 */
function stopOnSignals(): { signals: StopSignals; dispose(): void } {
  const stop = new AbortController();
  const kill = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      process.stderr.write(
        `\nseal: ${sig}: stopping: running training tasks finish their batch and write a resume point, no task starts (${sig} again stops them at once)\n`,
      );
      stop.abort();
    } else if (!kill.signal.aborted) {
      process.stderr.write(`\nseal: ${sig} again: stopping the running tasks now\n`);
      kill.abort();
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGUSR2'];
  for (const s of signals) process.on(s, handler);
  return {
    signals: { stop: stop.signal, kill: kill.signal },
    dispose: () => {
      for (const s of signals) process.off(s, handler);
    },
  };
}

/** Says what preparePlan mended: a plan.json written again, damaged outputs whose tasks run again. */
function noteRepair({ repaired, redo }: Pick<Prepared, 'repaired' | 'redo'>): void {
  if (repaired !== null)
    process.stderr.write(
      `seal: ${repaired}; wrote plan.json again from compare.json, whose settings are this command's (finished tasks are kept)\n`,
    );
  if (redo === null) return;
  const shown = redo.damaged.slice(0, 5).map((d) => `  ${d.file} is ${d.problem} (task ${d.task})\n`);
  const more = redo.damaged.length > 5 ? `  … and ${redo.damaged.length - 5} more\n` : '';
  process.stderr.write(
    `seal: warning: outputs of finished tasks were deleted or changed since they finished:\n${shown.join('')}${more}` +
      `  ${redo.tasks.length} task${redo.tasks.length === 1 ? '' : 's'} run again (those and the tasks that used them)` +
      `${redo.movedTo ? `; what they had written was moved to ${redo.movedTo}` : ''}\n`,
  );
}

/** The k = 0 warning of seal train, once for each training of the plan that has it (as the plan resolved it). */
function warnNoAscentOf(plan: Plan): void {
  const seen = new Set<string>();
  for (const t of plan.tasks) {
    if (t.kind !== 'train') continue;
    const key = `${t.config.method} ${t.config.epochs} ${t.config.ascentEpochs}`;
    if (seen.has(key)) continue;
    seen.add(key);
    warnNoAscent(t.config);
  }
}

/** The settings of every layer, each value checked and named as given (flag or --config key), the later ones winning. */
const layerSettings = (layers: ConfigLayer[]): TrainSettings => Object.assign({}, ...layers.map(checkSettings));

/** seal compare's own flags (cli/command-options.ts), over the training options (its --out and --threads are its own). */
const COMPARE_FLAGS = withConfigFlags({
  ...commandFlags('compare'),
  // --eval none: a comparison of accuracy alone.
  eval: {
    kind: 'value',
    parse: (raw: string, name: string) => (raw === 'none' ? [] : parseOptionValue(name, COMMAND_OPTIONS.eval.doc, raw)),
  },
  help: SWITCH,
});

/** One `seal compare` command, every value checked: the comparison, and the launcher it runs on. */
export interface CompareSpec {
  options: CompareOptions;
  /** The Slurm launcher's settings; null for the local launcher. */
  slurm: { options: SlurmOptions; wait: boolean; dryRun: boolean } | null;
  maxTasks: number;
}

export async function compareCommand(argv: string[]): Promise<number> {
  const spec = await compareSpecOf(argv);
  return spec === null ? 0 : runCompare(spec);
}

/** `seal compare`'s words as a CompareSpec; null after printing the usage for --help. */
export async function compareSpecOf(argv: string[]): Promise<CompareSpec | null> {
  // Flags outside the table are collected as training options, so that checkSettings names the nearest one.
  const parsed = parseArgv(argv, COMPARE_FLAGS, { command: 'compare', unknown: 'collect' });
  const v = parsed.values as CommandValues<'compare'> & { help?: true };
  if (v.help) {
    process.stdout.write(COMPARE_USAGE);
    return null;
  }
  refuseResume(parsed.given);
  const presetName = v.preset ?? 'default';
  const preset = PRESETS[presetName as keyof typeof PRESETS];
  const out = v.out;
  if (!out) throw new ConfigError('seal compare needs --out DIR (where runs, evaluations and the report go)');
  const given = layerSettings(configLayers(parsed, COMPARE_FLAGS));
  const train: { -readonly [K in keyof TrainSettings]: TrainSettings[K] } = { ...preset.train, ...given };
  if (presetName === 'paper' && !String(train.dataset ?? '').startsWith('tiny-imagenet:')) {
    throw new ConfigError(
      '--preset paper trains on Tiny-ImageNet: give --dataset tiny-imagenet:PATH',
      'PATH is the unpacked tiny-imagenet-200 folder (train/, val/, wnids.txt)',
    );
  }
  const launcher = v.launcher ?? 'local';
  const slurmOnly = SLURM_FLAGS.filter((f) => v[f] !== undefined);
  if (launcher === 'local' && slurmOnly.length > 0)
    throw new ConfigError(`--${slurmOnly[0]} is an option of the Slurm launcher`, 'add --launcher slurm');
  const threads = v.threads;
  if (threads !== undefined) checkThreads(threads, '--threads');
  if (launcher === 'local' && train.device !== undefined) checkDevice(String(train.device));
  if (launcher === 'local') checkPrecision(String(train.precision ?? 'fp32'), String(train.device ?? 'cpu'));
  checkCreatable(out, '--out');
  const file = v.plan !== undefined ? readPlanFile(v.plan) : { arms: [] };
  if (file.eval !== undefined && v.eval !== undefined)
    throw new ConfigError(
      `--eval and the "eval" list of --plan ${v.plan} both give the evaluations`,
      'give one of them',
    );
  const arms = [...(v.arm ?? []).map(parseArm), ...file.arms];
  let slurm: CompareSpec['slurm'] = null;
  if (launcher === 'slurm') {
    const options = slurmOptionsOf(v);
    // A task per GPU trains on it, unless the device was chosen.
    if ((options.gpusPerTask ?? 0) > 0 && train.device === undefined) train.device = 'cuda';
    if (v.jobs !== undefined || v.threads !== undefined)
      throw new ConfigError(
        '--jobs and --threads are for the local launcher',
        "on Slurm give each task its cores with --cpus-per-task and the array's parallelism with --max-parallel",
      );
    slurm = { options, wait: v.wait === true, dryRun: v['dry-run'] === true };
  }
  return {
    options: {
      out,
      train,
      worker: thisWorker(),
      methods: v.methods ?? (arms.length > 0 ? [] : preset.methods),
      ...(arms.length > 0 ? { arms } : {}),
      ...(v.baseline !== undefined ? { baseline: v.baseline } : {}),
      seeds: v.seeds ?? preset.seeds,
      evals: await checkedEvals(v.eval ?? file.eval ?? preset.evals),
      ...(v.jobs !== undefined ? { jobs: v.jobs } : {}),
      ...(threads !== undefined ? { threads } : {}),
    },
    slurm,
    maxTasks: v['max-tasks'] ?? DEFAULT_MAX_TASKS,
  };
}

/** Runs a comparison: plans it (or continues its plan), runs its tasks, writes and summarises its report. */
export async function runCompare(spec: CompareSpec): Promise<number> {
  const options = spec.options;
  const { out } = options;
  // Held until the command ends: a second coordinator would launch the same tasks again.
  using _lock = lockComparison(out);
  const t0 = performance.now();
  const prepared = preparePlan(options, boundedPlan(options, spec.maxTasks));
  const { layout, plan } = prepared;
  noteRepair(prepared);
  warnNoAscentOf(plan);
  if (spec.slurm !== null) {
    process.stdout.write(`plan: ${plan.tasks.length} tasks (${layout.planFile})\n`);
    const poll = process.env.SEAL_SLURM_POLL_SECONDS;
    const report = await compareOnSlurm(layout, plan, spec.slurm.options, {
      wait: spec.slurm.wait,
      dryRun: spec.slurm.dryRun,
      worker: options.worker ?? sealWorker(),
      ...(poll ? { pollSeconds: Number(poll) } : {}),
    });
    if (report) {
      const files = await writeReports(out, report);
      printHeadline(report);
      process.stdout.write(`\nreport: ${files.html}\n`);
    }
    return 0;
  }
  const { jobs, threads: perTask } = jobsAndThreads(options);
  process.stdout.write(
    `plan: ${plan.tasks.length} tasks (${layout.planFile}); ${jobs} at a time with ${perTask} thread${perTask === 1 ? '' : 's'} each; \`seal status ${out}\` shows them\n`,
  );
  if (layout.readThroughput() === null && plan.tasks.some((t) => t.kind === 'train' && !layout.isDone(t.id))) {
    setNumThreads(perTask);
    const prior = planPrior(plan);
    if (prior) layout.writeThroughput(prior);
  }
  const progress = new CompareProgress(process.stdout, layout, plan, jobs);
  let report;
  const stopping = stopOnSignals();
  try {
    report = await runPrepared(options, prepared, progress, stopping.signals);
  } finally {
    stopping.dispose();
    progress.stop();
  }
  const files = await writeReports(out, report);
  printHeadline(report);
  process.stdout.write(`\nreport: ${files.html}\n(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  return 0;
}
