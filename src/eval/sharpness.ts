// Sharpness of the training loss: the top Hessian eigenvalue by power iteration and the Hessian
// trace by Hutchinson's estimator, both from Hessian-vector products by double backward (Pearlmutter:
// Hv = ∇(∇L · v)). The SEAL reference lists PyHessian 0.1 in its requirements (method.md §6.5); this
// follows PyHessian's recipe (model in eval mode, plain cross-entropy, Rayleigh-quotient power
// iteration stopped on a relative change below `tolerance`, Rademacher probes for the trace).
// Deliberate differences: the subset and every random vector are seeded, and the trace uses a
// fixed number of samples and reports its standard error instead of stopping on a tolerance.
//
// BatchNorm runs in eval mode (running statistics): the loss is then a fixed function of the
// weights, the same function the test accuracy measures; it is a plain mean over images, so the
// subset's HVP is exactly the size-weighted sum of its batches' HVPs; and the running statistics
// are left untouched. (In train mode each batch's loss would depend on how the subset was cut.)
import { crossEntropy, noGrad, tidy, type Tensor } from '../backend/index.js';
import { deriveSeed } from '../rng.js';
import { BatchLoader } from '../data/loader.js';
import { stratifiedSubset } from '../data/image-set.js';
import type { ImageSet } from '../data/types.js';
import { ConfigError } from '../errors.js';
import type { Classifier } from '../models/types.js';
import type { SourceData } from '../io/checkpoint-file.js';
import { adaptImages } from './adapt.js';
import {
  hessianOperator,
  hessianTrace,
  topHessianEigenvalue,
  type EigenvalueResult,
  type Objective,
  type TraceResult,
} from './hessian.js';

/** Settings of a sharpness run (all JSON). */
export interface SharpnessConfig {
  /** Training images in the fixed subset (seeded, stratified). */
  sampleSize: number;
  /** Images per forward pass; the loss is still the mean over the whole subset. */
  batchSize: number;
  /** Seed of the subset, the power-iteration start and the Rademacher vectors. */
  seed: number;
  maxIterations: number;
  tolerance: number;
  traceSamples: number;
  /** Label smoothing of the loss; 0 (plain cross-entropy, as PyHessian) by default. */
  labelSmoothing: number;
  /** Device of the batches; the model must be there. */
  device: string;
}

/** Defaults: PyHessian's power-iteration settings (100 iterations, tolerance 1e-3) on 512 images. */
export const SHARPNESS_DEFAULTS: SharpnessConfig = {
  sampleSize: 512,
  batchSize: 128,
  seed: 0,
  maxIterations: 100,
  tolerance: 1e-3,
  traceSamples: 50,
  labelSmoothing: 0,
  device: 'cpu',
};

export interface SharpnessResult {
  topEigenvalue: EigenvalueResult;
  trace: TraceResult;
  /** Number of scalar parameters (the Hessian is this size squared). */
  parameterCount: number;
  /** The mean loss on the subset at these weights. */
  loss: number;
  settings: SharpnessConfig & { sampleCount: number };
}

/**
 * Top Hessian eigenvalue and Hessian trace of `model`'s training loss (eval-mode BatchNorm) on a
 * seeded subset of its training set `train` (the images it was trained on: see predictionDepth for
 * runs made with limitTrain); `source` gives the input shape and normalisation.
 * @example const s = sharpness(ckpt.model, data.train, ckpt.source, { maxIterations: 20, traceSamples: 20 });
 */
export function sharpness(
  model: Classifier,
  train: ImageSet,
  source: SourceData,
  config: Partial<SharpnessConfig> = {},
): SharpnessResult {
  const cfg: SharpnessConfig = { ...SHARPNESS_DEFAULTS, ...config };
  for (const key of ['sampleSize', 'batchSize', 'maxIterations'] as const) {
    if (!Number.isInteger(cfg[key]) || cfg[key] < 1)
      throw new ConfigError(`sharpness: ${key} must be a positive integer; got ${cfg[key]}`);
  }
  if (!(cfg.tolerance >= 0)) throw new ConfigError(`sharpness: tolerance must be >= 0; got ${cfg.tolerance}`);
  const subset = adaptImages(stratifiedSubset(train, cfg.sampleSize, cfg.seed), source);
  const loader = new BatchLoader(subset, {
    batchSize: cfg.batchSize,
    mean: source.mean,
    std: source.std,
    device: cfg.device,
  });
  const batches = [...loader.epoch(0)];
  const wasTraining = model.training;
  model.eval();
  try {
    const params = model.parameters();
    const objective: Objective = {
      params,
      terms: batches.length,
      // Each batch's mean loss weighted by its share, so the terms sum to the subset's mean loss.
      term: (i) => {
        const { x, y } = batches[i] as { x: Tensor; y: Tensor };
        return crossEntropy(model.forward(x), y, { labelSmoothing: cfg.labelSmoothing }).mul(
          (y.shape[0] as number) / subset.count,
        );
      },
    };
    let loss = 0;
    for (let i = 0; i < batches.length; i++) loss += noGrad(() => tidy(() => objective.term(i).item()));
    // One operator for both estimates: the graphs built for the first product serve them all.
    const op = hessianOperator(objective);
    let topEigenvalue: EigenvalueResult, trace: TraceResult;
    try {
      topEigenvalue = topHessianEigenvalue(op, {
        maxIterations: cfg.maxIterations,
        tolerance: cfg.tolerance,
        seed: deriveSeed(cfg.seed, 'power-iteration'),
      });
      trace = hessianTrace(op, { samples: cfg.traceSamples, seed: deriveSeed(cfg.seed, 'hutchinson') });
    } finally {
      op.dispose();
    }
    return {
      topEigenvalue,
      trace,
      loss,
      parameterCount: params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
      settings: { ...cfg, sampleCount: subset.count },
    };
  } finally {
    model.train(wasTraining);
    for (const { x, y } of batches) {
      x.dispose();
      y.dispose();
    }
  }
}
