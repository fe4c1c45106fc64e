// The evaluations `seal eval` and `seal compare` run on a checkpoint, each in one place: its
// options (with defaults, and the smaller sizes a comparison runs them at), how to run it, the
// one-line summary of a result, and the report metrics (and histogram) a result gives.
import { ConfigError, OptionError } from '../errors.js';
import { helpLine, type OptionSpec, type OptionValues } from '../config/options.js';
import { MAX_BATCH, MAX_EPOCHS, MAX_IMAGES } from '../config/schema.js';
import { targetDatasetName } from './targets.js';
import type { EvalContext } from './context.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';
import { predictionDepth, type PredictionDepthResult } from './prediction-depth.js';
import { sharpness, type SharpnessResult } from './sharpness.js';
import { fewShotEval, FEW_SHOT_CLASSIFIERS, type FewShotClassifier, type FewShotEvalResult } from './few-shot.js';
import { fineTune, linearProbe, type FineTuneResult, type LinearProbeResult } from './transfer.js';

export type Specs = Record<string, OptionSpec>;

/** What every run is given besides its own options. */
export interface RunSettings {
  device: string;
}

/** What a report metric is; its name is unique within a report. */
export interface MetricInfo {
  name: string;
  label: string;
  higherIsBetter: boolean;
  unit: '%' | '';
}

/** One number of the report from one result. */
export interface MetricOf {
  info: MetricInfo;
  value: number;
}

/** Counts per depth 0..probes of a result, for the report's histogram. */
export interface HistogramOf {
  split: 'test' | 'train';
  probes: string[];
  counts: number[];
}

/**
 * An evaluation of a checkpoint. `R` is its result; `seal eval` writes it with the checkpoint's
 * identity added, and the report reads it back from that JSON.
 */
export interface Evaluation<S extends Specs = Specs, R extends object = object> {
  help: string;
  options: S;
  /**
   * The options a comparison sets beyond the defaults: sized so the default comparison fits in
   * minutes on 2 cores. Recorded, defaults filled in, in compare.json and plan.json.
   */
  compareOptions: Partial<OptionValues<S>>;
  /** Announces the image sets whose features it will ask `ctx.features` for (so one pass covers them all). */
  need?(o: OptionValues<S> & RunSettings, ctx: EvalContext): Promise<void>;
  run(ckpt: LoadedCheckpoint, o: OptionValues<S> & RunSettings, ctx: EvalContext): Promise<R>;
  summary(result: R): string;
  metrics(result: R): MetricOf[];
  histogram?(result: R): HistogramOf | null;
}

/** Ties an evaluation's option types to its `run` and its result type to the readers. */
const evaluation = <S extends Specs, R extends object>(e: Evaluation<S, R>): Evaluation<S, R> => e;

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

// Bounds of the evaluations' counts (with MAX_EPOCHS, MAX_BATCH, MAX_IMAGES of the run config):
// far beyond the protocols' values (5-way, 1/5 shots, 15 queries, 600 episodes, k = 30), small
// enough that a typo such as 1e9 is refused before any work starts.
const MAX_WAYS = 1000;
const MAX_SHOTS = 10_000;
const MAX_EPISODES = 100_000;
const MAX_NEIGHBOURS = 10_000;
const MAX_ITERATIONS = 10_000;

const targetOptions = {
  target: {
    kind: 'string',
    default: 'mnist',
    help: 'target: mnist, fashion-mnist, opencv-digits, sklearn-digits, or KIND:PATH (e.g. folder:PATH)',
  },
  'limit-train': {
    kind: 'int',
    min: 0,
    max: MAX_IMAGES,
    default: 0,
    help: 'stratified subset of the target training split (0 = all)',
  },
  'limit-test': {
    kind: 'int',
    min: 0,
    max: MAX_IMAGES,
    default: 0,
    help: 'stratified subset of the target test split (0 = all)',
  },
} as const satisfies Specs;

/** The target with optional seeded stratified subsets of its splits. */
const target = (o: { target: string; seed: number; 'limit-train': number; 'limit-test': number }, ctx: EvalContext) =>
  ctx.target(o.target, {
    seed: o.seed,
    ...(o['limit-train'] > 0 ? { limitTrain: o['limit-train'] } : {}),
    ...(o['limit-test'] > 0 ? { limitTest: o['limit-test'] } : {}),
  });

/** Test top-1 of either protocol; a result that names no protocol is read as a probe. */
const transferAccuracy = (r: LinearProbeResult | FineTuneResult): number =>
  r.protocol === 'fine-tune' ? r.testTop1 : r.testAccuracy;

const transfer = evaluation({
  help: 'transfer to a target: linear probe (logistic regression on frozen features) or fine-tuning',
  options: {
    target: targetOptions.target,
    mode: {
      kind: 'enum',
      values: ['probe', 'finetune'],
      default: 'probe',
      help: 'probe: frozen features + L2 logistic regression; finetune: new head, whole network trained',
    },
    'limit-train': targetOptions['limit-train'],
    'limit-test': targetOptions['limit-test'],
    epochs: { kind: 'int', min: 1, max: MAX_EPOCHS, default: 10, help: 'finetune: epochs' },
    lr: { kind: 'number', default: 0.01, help: 'finetune: learning rate' },
    'batch-size': { kind: 'int', min: 1, max: MAX_BATCH, default: 64, help: 'finetune: batch size' },
    seed: { kind: 'int', min: 0, default: 0, help: 'seed of the subsets, the validation split and the new head' },
  },
  compareOptions: { target: 'mnist', mode: 'probe', 'limit-train': 5000, 'limit-test': 5000 },
  async need(o, ctx) {
    if (o.mode !== 'probe') return;
    const t = await target(o, ctx);
    ctx.features.need(t.train);
    ctx.features.need(t.test);
  },
  async run(ckpt, o, ctx): Promise<LinearProbeResult | FineTuneResult> {
    const t = await target(o, ctx);
    if (o.mode === 'probe') return linearProbe(ckpt, t, { seed: o.seed, device: o.device, features: ctx.features });
    const { result, model } = await fineTune(ckpt, t, {
      epochs: o.epochs,
      lr: o.lr,
      batchSize: o['batch-size'],
      seed: o.seed,
      device: o.device,
    });
    model.dispose();
    return result;
  },
  summary: (r) => `transfer (${r.protocol}) to ${r.target.spec}: test top-1 ${pct(transferAccuracy(r))}`,
  metrics: (r) => [
    {
      info: {
        name: `transfer_${targetDatasetName(r.target.spec)}`,
        label: `${r.protocol === 'fine-tune' ? 'Fine-tuning' : 'Linear probe'} on ${targetDatasetName(r.target.spec)}`,
        higherIsBetter: true,
        unit: '%',
      },
      value: transferAccuracy(r),
    },
  ],
});

const isClassifier = (c: string): c is FewShotClassifier => FEW_SHOT_CLASSIFIERS.some((k) => k === c);

const fewshot = evaluation({
  help: "N-way K-shot episodes on a target's test split, nearest centroid and logistic regression on frozen features",
  options: {
    target: targetOptions.target,
    ways: { kind: 'int', min: 2, max: MAX_WAYS, default: 5, help: 'classes per episode (N)' },
    shots: {
      kind: 'ints',
      min: 1,
      max: MAX_SHOTS,
      maxItems: 20,
      default: [1, 5],
      help: 'support images per class (K), comma-separated',
    },
    queries: { kind: 'int', min: 1, max: MAX_SHOTS, default: 15, help: 'query images per class' },
    episodes: { kind: 'int', min: 1, max: MAX_EPISODES, default: 600, help: 'episodes per (K, classifier)' },
    classifiers: {
      kind: 'string',
      default: FEW_SHOT_CLASSIFIERS.join(','),
      help: 'comma-separated: nearest-centroid, logistic',
    },
    'limit-train': { ...targetOptions['limit-train'], help: 'unused by few-shot (episodes come from the test split)' },
    'limit-test': targetOptions['limit-test'],
    seed: { kind: 'int', min: 0, default: 0, help: 'seed of the episodes' },
  },
  compareOptions: { target: 'mnist', shots: [1, 5], episodes: 600, classifiers: 'nearest-centroid' },
  async need(o, ctx) {
    ctx.features.need((await target(o, ctx)).test);
  },
  async run(ckpt, o, ctx): Promise<FewShotEvalResult> {
    const names = o.classifiers.split(',').map((c) => c.trim());
    const bad = names.find((c) => !isClassifier(c));
    if (bad !== undefined)
      throw new OptionError(
        'classifiers',
        `unknown classifier '${bad}'`,
        `choose from ${FEW_SHOT_CLASSIFIERS.join(', ')}`,
      );
    return fewShotEval(ckpt, await target(o, ctx), {
      classifiers: names.filter(isClassifier),
      features: ctx.features,
      ways: o.ways,
      shots: o.shots,
      queries: o.queries,
      episodes: o.episodes,
      seed: o.seed,
      device: o.device,
    });
  },
  summary: (r) =>
    r.cells
      .map(
        (c) =>
          `${c.ways}-way ${c.shots}-shot ${c.classifier}: ${pct(c.accuracy.mean)} ± ${(100 * c.accuracy.halfWidth).toFixed(2)}`,
      )
      .join('\n'),
  metrics: (r) => {
    // Results written before few-shot recorded its target carry no target.
    const spec = 'target' in r ? targetDatasetName(r.target.spec) : 'target';
    return r.cells.map((c) => ({
      info: {
        name: `fewshot_${spec}_${c.ways}w${c.shots}s_${c.classifier}`,
        label: `${c.ways}-way ${c.shots}-shot on ${spec} (${c.classifier})`,
        higherIsBetter: true,
        unit: '%',
      },
      value: c.accuracy.mean,
    }));
  },
});

const depth = evaluation({
  help: 'prediction depth (Baldock et al. 2021): k-NN probes on the stem and every residual block',
  options: {
    k: { kind: 'int', min: 1, max: MAX_NEIGHBOURS, default: 30, help: 'neighbours of each k-NN probe' },
    support: {
      kind: 'int',
      min: 2,
      max: MAX_IMAGES,
      default: 5000,
      help: 'training images in the support set (seeded stratified subset)',
    },
    'test-size': { kind: 'int', min: 1, max: MAX_IMAGES, default: 2000, help: 'test images whose depth is measured' },
    seed: { kind: 'int', min: 0, default: 0, help: 'seed of the subsets' },
  },
  compareOptions: { support: 2000, 'test-size': 1000, k: 30 },
  async run(ckpt, o, ctx): Promise<PredictionDepthResult> {
    const data = await ctx.runData();
    return predictionDepth(ckpt.model, data, ckpt.source, {
      k: o.k,
      supportSize: o.support,
      testSize: o['test-size'],
      seed: o.seed,
      device: o.device,
    });
  },
  summary: (r) =>
    `prediction depth: test ${r.test.mean.toFixed(3)}, train ${r.train.mean.toFixed(3)} (of ${r.numProbes} probes); network accuracy ${pct(r.test.networkAccuracy)}`,
  metrics: (r) => [
    {
      info: { name: 'depth_test', label: 'Mean prediction depth, test images', higherIsBetter: false, unit: '' },
      value: r.test.mean,
    },
    {
      info: { name: 'depth_train', label: 'Mean prediction depth, training images', higherIsBetter: false, unit: '' },
      value: r.train.mean,
    },
  ],
  histogram: (r) => ({ split: 'test', probes: r.probes, counts: r.test.histogram }),
});

const sharp = evaluation({
  help: 'largest Hessian eigenvalue (power iteration) and Hessian trace (Hutchinson) of the training loss',
  options: {
    samples: { kind: 'int', min: 1, max: MAX_IMAGES, default: 512, help: 'training images in the fixed subset' },
    iterations: { kind: 'int', min: 1, max: MAX_ITERATIONS, default: 20, help: 'maximum power iterations' },
    tolerance: {
      kind: 'number',
      min: 0,
      default: 1e-3,
      help: 'relative change of the eigenvalue that stops the power iteration',
    },
    'trace-samples': {
      kind: 'int',
      min: 2,
      max: MAX_ITERATIONS,
      default: 20,
      help: 'Rademacher vectors of the trace estimate',
    },
    seed: { kind: 'int', min: 0, default: 0, help: 'seed of the subset and the random vectors' },
  },
  compareOptions: { samples: 256, iterations: 10, 'trace-samples': 10 },
  async run(ckpt, o, ctx): Promise<SharpnessResult> {
    const data = await ctx.runData();
    return sharpness(ckpt.model, data.train, ckpt.source, {
      sampleSize: o.samples,
      maxIterations: o.iterations,
      tolerance: o.tolerance,
      traceSamples: o['trace-samples'],
      seed: o.seed,
      device: o.device,
    });
  },
  summary: (r) =>
    `sharpness: top eigenvalue ${r.topEigenvalue.eigenvalue.toPrecision(4)}, trace ${r.trace.trace.toPrecision(4)} ± ${r.trace.standardError.toPrecision(2)}`,
  metrics: (r) => [
    {
      info: {
        name: 'sharpness_top',
        label: 'Top Hessian eigenvalue of the training loss',
        higherIsBetter: false,
        unit: '',
      },
      value: r.topEigenvalue.eigenvalue,
    },
    {
      info: { name: 'sharpness_trace', label: 'Hessian trace of the training loss', higherIsBetter: false, unit: '' },
      value: r.trace.trace,
    },
  ],
});

/** Every evaluation by name, in the order usage texts and `seal eval all` list them. */
export const EVALUATORS: Readonly<Record<string, Evaluation>> = { transfer, fewshot, depth, sharpness: sharp };

/** The evaluation called `kind`, or undefined (never one of Object's own properties). */
export function findEvaluation(kind: string): Evaluation | undefined {
  return Object.hasOwn(EVALUATORS, kind) ? EVALUATORS[kind] : undefined;
}

/** The evaluation called `kind`, or a ConfigError that lists them. */
export function evaluationOf(kind: string): Evaluation {
  const ev = findEvaluation(kind);
  if (!ev) throw new ConfigError(`unknown evaluation '${kind}'`, `choose from ${Object.keys(EVALUATORS).join(', ')}`);
  return ev;
}

/** The `--name  help [default]` lines of an evaluation's options, for usage texts. */
export function optionLines(ev: Evaluation, indent = '      '): string {
  return Object.entries(ev.options)
    .map(([n, o]) => helpLine(n, o, String(o.default), indent, 16))
    .join('\n');
}
