// Prediction depth (Baldock, Maennel & Neyshabur, "Deep Learning Through the Lens of Example
// Difficulty", NeurIPS 2021), as the SEAL paper reports it (docs/method.md §6.4).
//
// Probes: a k-NN classifier (k = 30, as Baldock) on the global-average-pooled output of the stem
// and of every residual block (ResNet-18: stem, layer1.0, …, layer4.1 = 9 probes). The support
// set is a seeded stratified subset of the training set with its labels.
// Depth of an example: the smallest probe index L such that the k-NN prediction at L and at every
// later probe equals the network's own final prediction. When even the last probe disagrees the
// depth is P, the number of probes (one past the last probe), so every example gets a depth in 0..P.
// Test points are classified against the support set; training points are the support points
// themselves, each classified with itself left out (Baldock's `rm_top1`).
// Embeddings are pooled rather than flattened (method.md §6.4 allows either): pooling keeps a
// probe's dimension at its channel count, so a 5000-point support stays cheap on a CPU.
import type { DatasetSplits, ImageSet } from '../data/types.js';
import { stratifiedSubset } from '../data/image-set.js';
import { ConfigError } from '../errors.js';
import type { Classifier } from '../models/types.js';
import type { SourceData } from '../io/checkpoint-file.js';
import { disposeFeatures, extractFeatures, type FeatureSet } from './features.js';
import { knnPredict, labelArray } from './knn.js';

/** Settings of a prediction-depth run (all JSON). */
export interface PredictionDepthConfig {
  /** Neighbours per k-NN probe. */
  k: number;
  /** Training images in the support set (a seeded stratified subset; all when larger than the set). */
  supportSize: number;
  /** Test images to measure (a seeded stratified subset), or null for the whole test set. */
  testSize: number | null;
  /** Seed of both subsets. */
  seed: number;
  /** Images per forward pass when extracting the probe embeddings. */
  batchSize: number;
  /** Device of the forward passes ('cpu', 'cuda'); the model must be there. The k-NN search runs on the CPU. */
  device: string;
}

/** Defaults: Baldock's k = 30 and a 5000-image support set. */
export const PD_DEFAULTS: PredictionDepthConfig = {
  k: 30,
  supportSize: 5000,
  testSize: null,
  seed: 0,
  batchSize: 256,
  device: 'cpu',
};

/** Depths and probe accuracies of one set of examples. */
export interface DepthSummary {
  count: number;
  /** Depth of every example, in 0..numProbes. */
  depths: number[];
  mean: number;
  /** histogram[d] = how many examples have depth d, for d = 0..numProbes. */
  histogram: number[];
  /** Per probe: fraction of k-NN predictions equal to the label. */
  probeAccuracy: number[];
  /** Per probe: fraction of k-NN predictions equal to the network's prediction. */
  probeAgreement: number[];
  /** Fraction of network predictions equal to the label. */
  networkAccuracy: number;
}

export interface PredictionDepthResult {
  /** Probe names in depth order, e.g. ['stem', 'layer1.0', …, 'layer4.1']. */
  probes: string[];
  numProbes: number;
  /** The settings used, with the subset sizes actually drawn. */
  settings: PredictionDepthConfig & { supportCount: number; testCount: number };
  test: DepthSummary;
  /** The support points, each left out of its own k-NN vote. */
  train: DepthSummary;
}

/**
 * Depth of each example from per-probe predictions [P][N] and the network's predictions [N].
 * @example depthsFromPredictions([[0, 1], [1, 1]], [1, 1]) // Int32Array [1, 0]
 */
export function depthsFromPredictions(probePreds: ArrayLike<number>[], finalPred: ArrayLike<number>): Int32Array {
  const p = probePreds.length;
  const depths = new Int32Array(finalPred.length);
  for (let i = 0; i < finalPred.length; i++) {
    // Walk back from the last probe while the probes agree; the first disagreement fixes the depth.
    let d = p;
    while (d > 0 && probePreds[d - 1]?.[i] === finalPred[i]) d--;
    depths[i] = d;
  }
  return depths;
}

/** Mean, histogram and accuracies of a set of depths (P = probePreds.length). */
export function summariseDepths(
  depths: ArrayLike<number>,
  probePreds: ArrayLike<number>[],
  finalPred: ArrayLike<number>,
  labels: ArrayLike<number>,
): DepthSummary {
  const n = depths.length,
    p = probePreds.length;
  const histogram = new Array<number>(p + 1).fill(0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    histogram[depths[i] as number]! += 1;
    sum += depths[i] as number;
  }
  const frac = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let hit = 0;
    for (let i = 0; i < n; i++) if (a[i] === b[i]) hit++;
    return n === 0 ? 0 : hit / n;
  };
  return {
    count: n,
    depths: Array.from(depths),
    mean: n === 0 ? 0 : sum / n,
    histogram,
    probeAccuracy: probePreds.map((pp) => frac(pp, labels)),
    probeAgreement: probePreds.map((pp) => frac(pp, finalPred)),
    networkAccuracy: frac(finalPred, labels),
  };
}

/** Names of the probes `extractFeatures(…, { probes: true })` returns (ResNet: the stem, then layer<s>.<b>). */
export function probeNames(model: Classifier): string[] {
  return model.intermediateNames();
}

/**
 * Prediction depth from probe embeddings already extracted (support and test FeatureSets made
 * with `probes: true` by the same model). Training depths use leave-one-out on the support set.
 */
export function depthsFromFeatures(
  support: FeatureSet,
  test: FeatureSet,
  k: number,
): { test: DepthSummary; train: DepthSummary } {
  if (support.probes.length === 0 || support.probes.length !== test.probes.length) {
    throw new RangeError(
      `prediction depth needs probe embeddings (extractFeatures with probes: true); got ${support.probes.length} support and ${test.probes.length} test probes`,
    );
  }
  const supportLabels = labelArray(support.labels);
  const measure = (set: FeatureSet, leaveOneOut: boolean): DepthSummary => {
    const preds = set.probes.map((emb, l) => knnPredict(emb, support.probes[l]!, supportLabels, { k, leaveOneOut }));
    const final = labelArray(set.predictions);
    return summariseDepths(depthsFromPredictions(preds, final), preds, final, labelArray(set.labels));
  };
  return { test: measure(test, false), train: measure(support, true) };
}

/**
 * Prediction depth of `model` on test images and on a support subset of its training images.
 * `data` must be the model's source data, its `train` split the images the model was trained on (for
 * a run made with limitTrain: loadDataset(config.dataset, { seed: config.seed, limitTrain: config.limitTrain }),
 * or the "training" depths are measured on unseen images); `source` gives the input shape and normalisation.
 * @example
 * const ckpt = await loadModelCheckpoint('run/checkpoints/gen-0.safetensors');
 * const pd = predictionDepth(ckpt.model, data, ckpt.source, { supportSize: 5000, testSize: 2000 });
 * pd.test.mean // e.g. 2.7 of 9 probes
 */
export function predictionDepth(
  model: Classifier,
  data: Pick<DatasetSplits, 'train' | 'test'>,
  source: SourceData,
  config: Partial<PredictionDepthConfig> = {},
): PredictionDepthResult {
  const cfg: PredictionDepthConfig = { ...PD_DEFAULTS, ...config };
  for (const key of ['k', 'supportSize', 'batchSize'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 1)
      throw new ConfigError(`prediction depth: ${key} must be a positive integer; got ${cfg[key]}`);
  }
  if (cfg.testSize !== null && (!Number.isInteger(cfg.testSize) || cfg.testSize < 1)) {
    throw new ConfigError(
      `prediction depth: testSize must be a positive integer or null (the whole test set); got ${cfg.testSize}`,
    );
  }
  const supportSet: ImageSet = stratifiedSubset(data.train, cfg.supportSize, cfg.seed);
  const testSet: ImageSet = cfg.testSize === null ? data.test : stratifiedSubset(data.test, cfg.testSize, cfg.seed);
  if (cfg.k >= supportSet.count) {
    throw new ConfigError(
      `prediction depth: k = ${cfg.k} needs more than ${cfg.k} support images; the support set has ${supportSet.count}`,
      'lower k or raise supportSize',
    );
  }
  const opts = { batchSize: cfg.batchSize, device: cfg.device, probes: true };
  const support = extractFeatures(model, supportSet, source, opts);
  let test: FeatureSet | null = null;
  try {
    test = extractFeatures(model, testSet, source, opts);
    const names = probeNames(model);
    if (names.length !== support.probes.length)
      throw new Error(`prediction depth: ${names.length} probe names for ${support.probes.length} probe embeddings`);
    const depths = depthsFromFeatures(support, test, cfg.k);
    return {
      probes: names,
      numProbes: names.length,
      settings: { ...cfg, supportCount: supportSet.count, testCount: testSet.count },
      ...depths,
    };
  } finally {
    disposeFeatures(support);
    if (test !== null) disposeFeatures(test);
  }
}
