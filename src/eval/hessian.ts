// Hessian-vector products by double backward (Pearlmutter: Hv = ∇(∇L · v)) of a loss written as
// a sum of terms, and the two estimates built on them: the top eigenvalue by power iteration
// and the trace by Hutchinson's estimator. sharpness.ts applies them to a network's training loss.
import {
  dispose,
  enableGrad,
  Generator,
  grad,
  randint,
  randn,
  tidy,
  withHessianConvolutions,
  zerosLike,
  type Tensor,
} from '../backend/index.js';
import { ConfigError } from '../errors.js';

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
