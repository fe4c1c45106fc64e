// The options of the commands themselves (what is not a training setting of config/schema.ts
// nor an evaluation's option of eval/registry.ts): each written once, with its kind, bounds,
// default and the commands that take it. The flag tables, --help and the README's options
// table are made from these three sources.
import { METHOD_NAMES, MAX_THREADS } from '../config/schema.js';
import type { KindValues, OptionDoc, OptionKind } from '../config/options.js';

export type CommandName = 'train' | 'compare' | 'sweep' | 'eval' | 'worker' | 'status' | 'info';

/** A command's option: `flag` when it differs from the table key; `shown`: the default as help shows it. */
export interface CommandOption<K extends OptionKind | 'switch' = OptionKind | 'switch'> {
  flag?: string;
  commands: readonly CommandName[];
  doc: K extends OptionKind ? OptionDoc<K> : { kind: 'switch'; help: string };
  repeat?: true;
  shown?: string;
}

/** Seeds of one comparison at most (each seed trains every arm). */
export const MAX_SEEDS = 1000;
/** Arms of one comparison at most, and values of one sweep axis. */
export const MAX_ARMS = 200;
/** Tasks of one plan unless --max-tasks raises it deliberately. */
export const DEFAULT_MAX_TASKS = 1000;

const opt = <const O extends CommandOption>(o: O): O => o;
const threads = opt({
  commands: ['compare', 'eval', 'worker', 'info'],
  doc: { kind: 'int', min: 1, max: MAX_THREADS, help: 'CPU threads (at most 4 per core)' },
  shown: 'all cores',
});
const seeds = (commands: CommandName[]) =>
  opt({
    flag: 'seeds',
    commands,
    doc: {
      kind: 'ints',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      maxItems: MAX_SEEDS,
      help: 'seeds, e.g. 0,1,2 or 0-4 (each trains every arm once)',
    },
    shown: "the preset's",
  });

export const COMMAND_OPTIONS = {
  config: opt({
    commands: ['train'],
    doc: { kind: 'string', help: 'a JSON file of config keys (under the flags)' },
    shown: 'none',
  }),
  resume: opt({
    commands: ['train'],
    doc: { kind: 'string', help: 'continue the stopped or killed run in DIR from its resume point' },
    shown: 'none',
  }),
  printSplit: opt({
    flag: 'print-split',
    commands: ['train'],
    doc: { kind: 'switch', help: 'list every parameter with its side of the split, and the totals' },
  }),
  inChannels: opt({
    flag: 'in-channels',
    commands: ['train'],
    doc: { kind: 'int', min: 1, max: 1024, help: "--print-split: input channels (default: the dataset's)" },
    shown: "the dataset's",
  }),
  numClasses: opt({
    flag: 'num-classes',
    commands: ['train'],
    doc: { kind: 'int', min: 1, max: 1_000_000, help: "--print-split: classes (default: the dataset's)" },
    shown: "the dataset's",
  }),
  comparePreset: opt({
    flag: 'preset',
    commands: ['compare'],
    doc: {
      kind: 'enum',
      values: ['default', 'large', 'converged', 'paper'],
      help: 'ready-made settings: default (minutes on 2 cores), large (about an hour), converged (generations that fit the training set, about half an hour), paper (the reference protocol, GPU-days)',
    },
    shown: 'default',
  }),
  out: opt({
    commands: ['compare'],
    doc: { kind: 'string', help: 'the results folder (plan, runs, evaluations, report)' },
    shown: 'required',
  }),
  threads,
  jobs: opt({
    commands: ['compare'],
    doc: { kind: 'int', min: 1, max: 256, help: 'tasks at a time, each with its share of the threads' },
    shown: 'one per core',
  }),
  methods: opt({
    commands: ['compare'],
    doc: {
      kind: 'strings',
      maxItems: METHOD_NAMES.length,
      values: METHOD_NAMES,
      help: `one plain arm per method: ${METHOD_NAMES.join(', ')}`,
    },
    shown: "the preset's",
  }),
  seeds: seeds(['compare']),
  eval: opt({
    commands: ['compare'],
    doc: {
      kind: 'strings',
      maxItems: 20,
      help: 'evaluations of every checkpoint (transfer, fewshot, depth, sharpness), or none; targets by name: KIND:TARGET or KIND:DATASET=PATH, more after a comma (transfer:cub=PATH,aircraft=PATH,fewshot:eurosat=PATH)',
    },
    shown: "the preset's",
  }),
  arm: opt({
    commands: ['compare'],
    repeat: true,
    doc: { kind: 'string', help: "an arm with its own settings: 'NAME=METHOD [training options]' (repeatable)" },
    shown: 'none',
  }),
  plan: opt({
    commands: ['compare'],
    doc: { kind: 'string', help: 'a JSON file of arms: {"arms": [{"name", "method", "settings"}]}' },
    shown: 'none',
  }),
  baseline: opt({
    commands: ['compare', 'sweep'],
    doc: { kind: 'string', help: 'the arm every other is compared with' },
    shown: 'normal',
  }),
  maxTasks: opt({
    flag: 'max-tasks',
    commands: ['compare'],
    doc: {
      kind: 'int',
      min: 1,
      max: 1_000_000,
      help: 'refuse a plan of more tasks (raise it deliberately for a large study)',
    },
    shown: String(DEFAULT_MAX_TASKS),
  }),
  launcher: opt({
    commands: ['compare'],
    doc: {
      kind: 'enum',
      values: ['local', 'slurm'],
      help: 'local: tasks run here; slurm: submitted with sbatch as job arrays',
    },
    shown: 'local',
  }),
  wait: opt({
    commands: ['compare'],
    doc: { kind: 'switch', help: 'slurm: follow the jobs to the end and print the headline table' },
  }),
  dryRun: opt({
    flag: 'dry-run',
    commands: ['compare'],
    doc: { kind: 'switch', help: 'slurm: write the batch scripts and print them, submit nothing' },
  }),
  partition: opt({
    commands: ['compare'],
    doc: { kind: 'string', help: "slurm: sbatch's --partition" },
    shown: "the cluster's",
  }),
  time: opt({ commands: ['compare'], doc: { kind: 'string', help: "slurm: sbatch's --time" }, shown: "the cluster's" }),
  mem: opt({ commands: ['compare'], doc: { kind: 'string', help: "slurm: sbatch's --mem" }, shown: "the cluster's" }),
  account: opt({
    commands: ['compare'],
    doc: { kind: 'string', help: "slurm: sbatch's --account" },
    shown: "the cluster's",
  }),
  qos: opt({ commands: ['compare'], doc: { kind: 'string', help: "slurm: sbatch's --qos" }, shown: "the cluster's" }),
  constraint: opt({
    commands: ['compare'],
    doc: { kind: 'string', help: "slurm: sbatch's --constraint" },
    shown: 'none',
  }),
  gpusPerTask: opt({
    flag: 'gpus-per-task',
    commands: ['compare'],
    doc: { kind: 'int', min: 0, max: 64, help: 'slurm: one task per GPU (sets --device cuda unless given)' },
    shown: '0',
  }),
  cpusPerTask: opt({
    flag: 'cpus-per-task',
    commands: ['compare'],
    doc: { kind: 'int', min: 1, max: MAX_THREADS, help: 'slurm: cores of each task, used as its thread count' },
    shown: '1',
  }),
  maxParallel: opt({
    flag: 'max-parallel',
    commands: ['compare'],
    doc: { kind: 'int', min: 1, max: 1_000_000, help: 'slurm: elements of one array running at once' },
    shown: 'no limit',
  }),
  maxRequeues: opt({
    flag: 'max-requeues',
    commands: ['compare'],
    doc: {
      kind: 'int',
      min: 0,
      max: 1000,
      help: 'slurm: requeues of a task after a warning signal or preemption before it fails',
    },
    shown: '3',
  }),
  signalSeconds: opt({
    flag: 'signal-seconds',
    commands: ['compare'],
    doc: {
      kind: 'int',
      min: 1,
      max: 86_400,
      help: "slurm: Slurm's warning signal (USR2) this long before the time limit",
    },
    shown: '120',
  }),
  sbatchArg: opt({
    flag: 'sbatch-arg',
    commands: ['compare'],
    repeat: true,
    doc: { kind: 'string', help: 'slurm: any other sbatch option, e.g. --sbatch-arg=--exclusive (repeatable)' },
    shown: 'none',
  }),
  grid: opt({
    commands: ['sweep'],
    repeat: true,
    doc: {
      kind: 'string',
      help: `SETTING=v1,v2,...: a setting and its values (one or two of them, at most ${MAX_ARMS} values each)`,
    },
    shown: "the preset's",
  }),
  method: opt({
    commands: ['sweep'],
    doc: { kind: 'enum', values: METHOD_NAMES, help: 'the method whose settings the grid varies' },
    shown: "the preset's",
  }),
  sweepPreset: opt({
    flag: 'preset',
    commands: ['sweep'],
    doc: {
      kind: 'enum',
      values: ['ascent'],
      help: 'ascent: S = -0.01,-0.1,-1 x k = 1,2 for seal against normal on 6 seeds',
    },
    shown: 'none',
  }),
  failed: opt({
    commands: ['worker'],
    doc: {
      kind: 'string',
      help: "record that the task failed for this reason (a cluster job's script does, when its worker fails)",
    },
    shown: 'none',
  }),
  repair: opt({
    commands: ['status'],
    doc: {
      kind: 'switch',
      help: 'write a missing or damaged plan.json again from compare.json (finished tasks are kept)',
    },
  }),
  checkpoint: opt({
    commands: ['eval'],
    doc: { kind: 'string', help: 'the checkpoint: a checkpoints/gen-<g>.safetensors of a run' },
    shown: 'required',
  }),
  evalOut: opt({
    flag: 'out',
    commands: ['eval'],
    doc: { kind: 'string', help: 'the result file (JSON); standard output without it' },
    shown: 'stdout',
  }),
  outDir: opt({
    flag: 'out-dir',
    commands: ['eval'],
    doc: { kind: 'string', help: 'seal eval all: the folder of the results, one file per evaluation' },
    shown: 'stdout',
  }),
  device: opt({
    commands: ['eval'],
    doc: {
      kind: 'string',
      pattern: /^(cpu|cuda(:\d+)?)$/,
      expected: "'cpu', 'cuda' or 'cuda:N'",
      help: 'cpu, cuda or cuda:N',
    },
    shown: 'cpu',
  }),
  kinds: opt({
    commands: ['eval'],
    doc: { kind: 'strings', maxItems: 10, help: 'seal eval all: the evaluations to run' },
    shown: 'all',
  }),
} satisfies Record<string, CommandOption>;

type Table = typeof COMMAND_OPTIONS;
type KindOf<O> = O extends { doc: { kind: infer K } } ? K : never;
/** The parsed value of an option, inferred from its entry: true for a switch, a list for a repeatable one. */
type ValueOfOption<O> =
  KindOf<O> extends 'switch'
    ? true
    : O extends { repeat: true }
      ? KindValues[KindOf<O> & OptionKind][]
      : KindValues[KindOf<O> & OptionKind];
type FlagName<K extends keyof Table> = Table[K] extends { flag: infer F extends string } ? F : K;
/** The values of `C`'s own flags, keyed by flag name, as parseArgv returns them. */
export type CommandValues<C extends CommandName> = {
  [K in keyof Table as C extends Table[K]['commands'][number] ? FlagName<K> : never]?: ValueOfOption<Table[K]>;
};
