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
import {
  crossEntropy,
  enableGrad,
  grad,
  withHessianConvolutions,
  noGrad,
  randint,
  randn,
  tidy,
  zerosLike,
  dispose,
  Generator,
  type Tensor,
} from '../backend/index.js';
import { deriveSeed } from '../rng.js';
import { BatchLoader } from '../data/loader.js';
import { stratifiedSubset } from '../data/image-set.js';
import type { ImageSet } from '../data/types.js';
import { ConfigError } from '../errors.js';
import type { Classifier } from '../models/types.js';
import type { SourceData } from '../io/checkpoint.js';
import { adaptImages } from './adapt.js';

/**
 * A scalar loss over `params`, written as a sum of terms (e.g. one per batch, each scaled by its
 * share of the data) so its gradient graphs can be built and freed one term at a time.
 * @example const quad: Objective = { params: [w], terms: 1, term: () => w.matmul(A.matmul(w)).mul(0.5) };
 */
export interface Objective {
  params: Tensor[];
  /** Number of terms; the loss is term(0) + … + term(terms - 1). */
  terms: number;
  /** Builds term i, a scalar with an autograd graph to `params`. */
  term(i: number): Tensor;
}

/** Σ_j sum(a_j · b_j) over a list of tensors, in float64 on the JS side. */
export function dotAll(a: Tensor[], b: Tensor[]): number {
  let s = 0;
  for (let j = 0; j < a.length; j++)
    s += tidy(() =>
      (a[j] as Tensor)
        .mul(b[j] as Tensor)
        .sum()
        .item(),
    );
  return s;
}

/**
 * H·v for the Hessian H of `obj`'s loss w.r.t. its params; `v` and the result have the params'
 * shapes. The result tensors are new and the caller's to dispose.
 */
export function hessianVectorProduct(obj: Objective, v: Tensor[]): Tensor[] {
  const op = hessianOperator(obj, { retainGraphs: false });
  try {
    return op.apply(v);
  } finally {
    op.dispose();
  }
}

/** Repeated H·v products of one objective. */
export interface HessianOperator {
  params: Tensor[];
  /** H·v; the result tensors are new and the caller's to dispose. */
  apply(v: Tensor[]): Tensor[];
  /** Frees the retained gradient graphs (when there are any). */
  dispose(): void;
}

/**
 * H·v as an operator. With `retainGraphs` (the default) each term's forward pass and
 * create_graph gradient ∇L_i are built once, on the first product, and kept, so every later
 * product runs only the second backward of ∇L_i·v: the forward pass and the first backward
 * are deterministic, so the products are the same numbers as rebuilding them each time, at
 * about half the cost, for the memory of every term's double-backward graph at once. Without
 * it, each product builds and frees one term's graph at a time.
 * @example const op = hessianOperator(obj); const hv = op.apply(v); ... op.dispose();
 */
export function hessianOperator(obj: Objective, o: { retainGraphs?: boolean } = {}): HessianOperator {
  const retainGraphs = o.retainGraphs ?? true;
  const gradients: ((Tensor | null)[] | undefined)[] = [];
  const firstGradient = (i: number): (Tensor | null)[] => {
    const kept = gradients[i];
    if (kept !== undefined) return kept;
    const g = tidy(() =>
      enableGrad(() =>
        withHessianConvolutions(() => grad(obj.term(i), obj.params, { createGraph: true, allowUnused: true })),
      ),
    );
    if (retainGraphs) gradients[i] = g;
    return g;
  };
  const termProduct = (i: number, v: Tensor[]): Tensor[] => {
    const g = firstGradient(i);
    try {
      return tidy(() =>
        enableGrad(() => {
          let gv: Tensor | null = null; // ∇L·v, a scalar whose gradient is H·v
          for (let j = 0; j < g.length; j++) {
            const gj = g[j];
            if (gj === null || gj === undefined) continue;
            const t = gj.mul(v[j] as Tensor).sum();
            gv = gv === null ? t : gv.add(t);
          }
          // A term linear in every parameter has no second derivative: its H·v is zero.
          const h = gv?.requiresGrad
            ? grad(gv, obj.params, { allowUnused: true, retainGraph: retainGraphs })
            : obj.params.map(() => null);
          return h.map((t, j) => t?.detach() ?? zerosLike(obj.params[j] as Tensor));
        }),
      );
    } finally {
      if (!retainGraphs) dispose(g);
    }
  };
  return {
    params: obj.params,
    apply: (v) => {
      let acc: Tensor[] | null = null;
      for (let i = 0; i < obj.terms; i++) {
        const hv = termProduct(i, v);
        if (acc === null) {
          acc = hv;
          continue;
        }
        const prev: Tensor[] = acc;
        acc = prev.map((a, j) => tidy(() => a.add(hv[j] as Tensor)));
        dispose([prev, hv]);
      }
      return acc ?? obj.params.map((p) => zerosLike(p));
    },
    dispose: () => {
      for (const g of gradients.splice(0)) dispose(g);
    },
  };
}

/** The operator of an objective, or the given operator; `owned` says whether to dispose it. */
function asOperator(obj: Objective | HessianOperator): { op: HessianOperator; owned: boolean } {
  return 'apply' in obj ? { op: obj, owned: false } : { op: hessianOperator(obj), owned: true };
}

export interface PowerIterationOptions {
  /** Most Hessian-vector products. */
  maxIterations: number;
  /** Stop once |λ_t − λ_{t−1}| ≤ tolerance · |λ_{t−1}|. */
  tolerance: number;
  /** Seed of the random start vector. */
  seed: number;
}

export interface EigenvalueResult {
  /** The Rayleigh quotient vᵀHv at the last iterate (‖v‖ = 1). */
  eigenvalue: number;
  iterations: number;
  converged: boolean;
  /** The estimate after each iteration. */
  history: number[];
}

/**
 * The Hessian eigenvalue of largest magnitude by power iteration (for a network near a minimum,
 * the top positive one; if a negative eigenvalue dominated, it would be returned with its sign).
 * @example topHessianEigenvalue(obj, { maxIterations: 100, tolerance: 1e-3, seed: 0 }).eigenvalue
 */
export function topHessianEigenvalue(obj: Objective | HessianOperator, o: PowerIterationOptions): EigenvalueResult {
  const { op, owned } = asOperator(obj);
  const gen = new Generator(o.seed);
  let v = normalise(obj.params.map((p) => randn(p.shape, { generator: gen, dtype: p.dtype, device: p.device })));
  const history: number[] = [];
  let converged = false;
  try {
    for (let it = 0; it < o.maxIterations && !converged; it++) {
      const hv = op.apply(v);
      const estimate = dotAll(v, hv);
      const prev = history[history.length - 1];
      history.push(estimate);
      dispose(v);
      v = normalise(hv);
      if (prev !== undefined && Math.abs(estimate - prev) <= o.tolerance * Math.abs(prev)) converged = true;
      // H·v = 0: v lies in the null space, and no further iteration can leave it.
      if (estimate === 0 && dotAll(v, v) === 0) converged = true;
    }
  } finally {
    dispose(v);
    if (owned) op.dispose();
  }
  return { eigenvalue: history[history.length - 1] ?? 0, iterations: history.length, converged, history };
}

/** v / ‖v‖ over the whole list (v itself when it is zero); disposes v. */
function normalise(v: Tensor[]): Tensor[] {
  const norm = Math.sqrt(dotAll(v, v));
  if (norm === 0) return v;
  const out = v.map((t) => t.div(norm));
  dispose(v);
  return out;
}

export interface TraceResult {
  /** Mean of vᵀHv over the Rademacher samples. */
  trace: number;
  /** Sample standard deviation / √samples. */
  standardError: number;
  samples: number;
  /** vᵀHv of each sample. */
  estimates: number[];
}

/**
 * Hutchinson's estimate of tr(H): E[vᵀHv] for v with independent ±1 entries (seeded).
 * @example const { trace, standardError } = hessianTrace(obj, { samples: 50, seed: 0 });
 */
export function hessianTrace(obj: Objective | HessianOperator, o: { samples: number; seed: number }): TraceResult {
  if (!Number.isInteger(o.samples) || o.samples < 2)
    throw new ConfigError(`Hessian trace: samples must be an integer >= 2 (for a standard error); got ${o.samples}`);
  const { op, owned } = asOperator(obj);
  const gen = new Generator(o.seed);
  const estimates: number[] = [];
  try {
    for (let m = 0; m < o.samples; m++) {
      const v = obj.params.map((p) =>
        tidy(() => randint(0, 2, p.shape, { generator: gen, device: p.device }).to(p.dtype).mul(2).sub(1)),
      );
      try {
        const hv = op.apply(v);
        estimates.push(dotAll(v, hv));
        dispose(hv);
      } finally {
        dispose(v);
      }
    }
  } finally {
    if (owned) op.dispose();
  }
  const mean = estimates.reduce((a, b) => a + b, 0) / o.samples;
  const variance = estimates.reduce((a, e) => a + (e - mean) ** 2, 0) / (o.samples - 1);
  return { trace: mean, standardError: Math.sqrt(variance / o.samples), samples: o.samples, estimates };
}

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
