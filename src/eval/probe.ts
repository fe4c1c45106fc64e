// The linear-probe protocol on frozen features (standardise, choose λ on a stratified hold-out,
// refit, test) over the logistic regression of logistic.ts.
import { dispose, randperm, tensor, tidy, type Tensor } from '../backend/index.js';
import { heldOutCount } from '../data/image-folder.js';
import { streamGenerator } from '../data/seed.js';
import { ConfigError } from '../errors.js';
import {
  accuracy,
  fitLogistic,
  logisticLogits,
  withFitThreads,
  type LogisticFit,
  type LogisticFitOptions,
} from './logistic.js';

/** Per-feature mean and standard deviation (population) of training features. */
export interface Standardizer {
  mean: Tensor;
  std: Tensor;
}

/**
 * The training set's per-feature mean and std [1, D], in float64. A constant feature (std 0,
 * e.g. a dead ReLU channel) gets std 1, so it maps to 0 instead of to NaN or ±∞.
 */
export function fitStandardizer(x: Tensor): Standardizer {
  return tidy(() => {
    const xd = x.to('float64');
    const std = xd.var(0, 0, true).sqrt();
    return { mean: xd.mean(0, true), std: std.add(std.le(1e-12).to('float64')) };
  });
}

/** (x − mean) / std, in float64. */
export function standardize(x: Tensor, s: Standardizer): Tensor {
  return tidy(() => x.to('float64').sub(s.mean).div(s.std));
}

/** Features with their int64 labels (a FeatureSet fits). */
export interface LabelledFeatures {
  features: Tensor;
  labels: Tensor;
}

/** Options of logisticProbe. */
export interface ProbeOptions {
  /** Candidate λ values; default 1e-6..1 by decades. */
  l2Grid?: number[];
  /** Share of each class held out to choose λ; default 0.2. */
  validationFraction?: number;
  /** Seed of the hold-out; default 0. */
  seed?: number;
  maxIterations?: number;
  tolerance?: number;
  history?: number;
}

/** What a probe measured, and every setting it used (JSON-serialisable). */
export interface ProbeResult {
  testAccuracy: number;
  trainAccuracy: number;
  /** The chosen λ. */
  l2: number;
  /** The final fit on all training features. */
  fit: { iterations: number; converged: boolean; gradientRatio: number; loss: number; preconditioned: boolean };
  /** Validation accuracy of every λ, fitted on the other (1 − validationFraction) of the training set. */
  grid: { l2: number; validationAccuracy: number; iterations: number; converged: boolean }[];
  counts: { train: number; validation: number; test: number; features: number; classes: number };
  settings: Required<ProbeOptions> & { objective: string; standardize: string; solver: string };
}

/** The probe's default λ candidates: decades from 1e-6 to 1. */
export const DEFAULT_L2_GRID = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];

/**
 * A fixed seeded stratified hold-out: of each class's n items, round(n·fraction) (at least 1
 * when n >= 2, never all) go to validation, picked by a permutation seeded from (seed, class).
 */
export function stratifiedHoldOut(
  labels: Int32Array,
  numClasses: number,
  fraction: number,
  seed: number,
): { fit: number[]; validation: number[] } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => byClass[l]?.push(i));
  const inVal = new Uint8Array(labels.length);
  byClass.forEach((idx, c) => {
    const k = heldOutCount(idx.length, fraction);
    if (k === 0) return;
    const perm = randperm(idx.length, { generator: streamGenerator(seed, 'probe-validation', c) });
    const order = perm.toArray() as BigInt64Array;
    perm.dispose();
    for (let j = 0; j < k; j++) inVal[idx[Number(order[j])]!] = 1;
  });
  const fit: number[] = [],
    validation: number[] = [];
  inVal.forEach((v, i) => (v ? validation : fit).push(i));
  return { fit, validation };
}

const rows = (t: Tensor, idx: number[]): Tensor =>
  tidy(() =>
    t.indexSelect(0, tensor(BigInt64Array.from(idx, BigInt), [idx.length], { dtype: 'int64', device: t.device })),
  );

/** Standardises on `train`, fits, and returns the fit with accuracies on `evalSets` (all float64). */
function fitStandardized(
  train: LabelledFeatures,
  evalSets: LabelledFeatures[],
  classes: number,
  o: LogisticFitOptions,
): { fit: LogisticFit; accuracies: number[] } {
  const st = fitStandardizer(train.features);
  try {
    const xs = standardize(train.features, st);
    const fit = fitLogistic(xs, train.labels, classes, o);
    xs.dispose();
    const accuracies = evalSets.map((e) =>
      tidy(() => accuracy(logisticLogits(fit, standardize(e.features, st)), e.labels)),
    );
    return { fit, accuracies };
  } finally {
    dispose(st);
  }
}

/**
 * Linear-probe protocol on frozen features: standardise with the training mean/std, choose λ
 * from `l2Grid` by accuracy on a fixed stratified hold-out of the training features (ties go to
 * the larger λ; fits warm-start from the previous, larger λ), then refit on all training
 * features and report test accuracy.
 * @example const r = logisticProbe(trainFeatures, testFeatures, 10); r.testAccuracy
 */
export function logisticProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  o: ProbeOptions = {},
): ProbeResult {
  // The standardisation and accuracies too: their reductions also split by thread count.
  return withFitThreads(1, () => probeHere(train, test, numClasses, o));
}

function probeHere(train: LabelledFeatures, test: LabelledFeatures, numClasses: number, o: ProbeOptions): ProbeResult {
  const settings = {
    l2Grid: [...(o.l2Grid ?? DEFAULT_L2_GRID)].sort((a, b) => b - a),
    validationFraction: o.validationFraction ?? 0.2,
    seed: o.seed ?? 0,
    maxIterations: o.maxIterations ?? 1000,
    tolerance: o.tolerance ?? 1e-4,
    history: o.history ?? 10,
  };
  if (settings.l2Grid.length === 0)
    throw new ConfigError('the L2 grid of the linear probe is empty', 'pass at least one value, e.g. l2Grid: [1e-4]');
  const labels = Int32Array.from(train.labels.toArray() as BigInt64Array, Number);
  if (new Set(labels).size < 2)
    throw new ConfigError(
      `a linear probe needs at least 2 classes in the training features; got ${new Set(labels).size}`,
    );
  const solver = { maxIterations: settings.maxIterations, tolerance: settings.tolerance, history: settings.history };
  const split = stratifiedHoldOut(labels, numClasses, settings.validationFraction, settings.seed);
  const grid: ProbeResult['grid'] = [];
  let chosen = settings.l2Grid[0]!;
  if (settings.l2Grid.length > 1) {
    if (split.validation.length === 0) {
      throw new ConfigError(
        `no validation features to choose the L2 strength: ${labels.length} training features, validationFraction ${settings.validationFraction}`,
        'use a single-value l2Grid, or more training data / a larger validationFraction',
      );
    }
    const part = { features: rows(train.features, split.fit), labels: rows(train.labels, split.fit) };
    const val = { features: rows(train.features, split.validation), labels: rows(train.labels, split.validation) };
    let warm: Tensor | null = null;
    try {
      for (const l2 of settings.l2Grid) {
        const { fit, accuracies } = fitStandardized(part, [val], numClasses, {
          ...solver,
          l2,
          ...(warm ? { init: warm } : {}),
        });
        warm?.dispose();
        warm = fit.theta;
        grid.push({ l2, validationAccuracy: accuracies[0]!, iterations: fit.iterations, converged: fit.converged });
      }
    } finally {
      warm?.dispose();
      dispose([part, val]);
    }
    // Strictly better only: among equals, the first (largest) λ is kept.
    chosen = grid.reduce((best, r) => (r.validationAccuracy > best.validationAccuracy ? r : best)).l2;
  }
  const { fit, accuracies } = fitStandardized(train, [test, train], numClasses, { ...solver, l2: chosen });
  fit.theta.dispose();
  return {
    testAccuracy: accuracies[0]!,
    trainAccuracy: accuracies[1]!,
    l2: chosen,
    fit: {
      iterations: fit.iterations,
      converged: fit.converged,
      gradientRatio: fit.gradientRatio,
      loss: fit.loss,
      preconditioned: fit.preconditioned,
    },
    grid,
    counts: {
      train: labels.length,
      validation: split.validation.length,
      test: test.labels.shape[0] as number,
      features: train.features.shape[1] as number,
      classes: numClasses,
    },
    settings: {
      ...settings,
      objective: 'mean softmax cross-entropy + (l2/2)·‖W‖² (bias unpenalised)',
      standardize: 'per-feature (x − mean)/std of the training features (population std; constant features → 0)',
      solver:
        'L-BFGS preconditioned by the Cholesky factor of XᵀX/N + λI, Armijo backtracking, float64; stop at ‖∇f‖ <= tolerance·‖∇f(0)‖',
    },
  };
}
