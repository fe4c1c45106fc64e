// N-way K-shot episodes on frozen features (method.md §6.3; the BSCD-FSL protocol: 5-way,
// 15 queries per class, 600 episodes, mean ± 95% CI). Features of the target's test split are
// computed once; every episode only indexes into them, and episodes are evaluated in batches
// ([E, ...] tensors), so 600 episodes take well under a second per classifier on the CPU.
// Classifiers: nearest centroid by cosine similarity, and L2 logistic regression fitted on the
// support set (sklearn's LogisticRegression(C=1) objective on L2-normalised features, as in
// Tian et al. 2020, "Rethinking few-shot image classification").
import { cat, Generator, ones, oneHot, randperm, tensor, tidy, zeros, type Tensor } from '../backend/index.js';
import type { DatasetSplits } from '../data/types.js';
import { ConfigError } from '../errors.js';
import { deriveSeed } from '../rng.js';
import { disposeFeatures, extractFeatures, type FeatureCache } from './features.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';
import { meanInterval, type MeanInterval } from './stats.js';
import {
  checkpointInfo,
  describeAdaptation,
  targetInfo,
  type Adaptation,
  type CheckpointInfo,
  type TargetInfo,
} from './transfer.js';

/** The episode classifiers, in the order results list them. */
export const FEW_SHOT_CLASSIFIERS = ['nearest-centroid', 'logistic'] as const;
/** One of FEW_SHOT_CLASSIFIERS. */
export type FewShotClassifier = (typeof FEW_SHOT_CLASSIFIERS)[number];

/** Options of fewShot; every default is the protocol's. */
export interface FewShotOptions {
  /** N, classes per episode; default 5. */
  ways?: number;
  /** K values, support images per class; default [1, 5]. */
  shots?: number[];
  /** Query images per class; default 15. */
  queries?: number;
  /** Default 600. */
  episodes?: number;
  /** Episode e draws from a generator seeded by (seed, 'episode', e); default 0. */
  seed?: number;
  classifiers?: FewShotClassifier[];
  /** λ of the logistic classifier's mean loss; default null: 1/(N·K), i.e. sklearn's C = 1. */
  logisticL2?: number | null;
  /** Accelerated gradient steps of the logistic classifier; default 100. */
  logisticIterations?: number;
  /** Episodes evaluated per batch; default 100. */
  chunk?: number;
  /** Keep every episode's accuracy in the result; default false. */
  perEpisode?: boolean;
}

/** One episode: the classes drawn (way j is class classes[j]) and example indices per way. */
export interface Episode {
  classes: number[];
  support: number[][];
  query: number[][];
}

/** Accuracy over episodes of one classifier at one K. */
export interface FewShotCell {
  classifier: FewShotClassifier;
  ways: number;
  shots: number;
  queries: number;
  episodes: number;
  accuracy: MeanInterval;
  /** logistic only: the largest final ‖∇f‖/‖∇f(0)‖ over the episodes (how far from converged). */
  gradientRatio?: number;
  accuracies?: number[];
}

/** Every (K, classifier) cell, the settings used and the data's size (JSON-serialisable). */
export interface FewShotResult {
  cells: FewShotCell[];
  settings: Required<Omit<FewShotOptions, 'logisticL2'>> & { logisticL2: number | null; features: string };
  counts: { examples: number; classes: number; features: number };
  seconds: number;
}

/** Indices of each class's examples, in order. */
export function indicesByClass(labels: Int32Array, numClasses: number): number[][] {
  const by: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => by[l]?.push(i));
  return by;
}

const draw = (n: number, gen: Generator): number[] => {
  const t = randperm(n, { generator: gen });
  const v = Array.from(t.toArray() as BigInt64Array, Number);
  t.dispose();
  return v;
};

/**
 * Episode `episode` under `seed`: N classes by a random permutation, then per class a random
 * permutation of its examples, whose first K are the support and next Q the queries. The draw
 * depends only on (seed, episode), so it is the same for every classifier; for a larger K the
 * support extends the smaller K's.
 */
export function sampleEpisode(
  byClass: number[][],
  ways: number,
  shots: number,
  queries: number,
  seed: number,
  episode: number,
): Episode {
  const gen = new Generator(deriveSeed(seed, 'episode', episode));
  const classes = draw(byClass.length, gen).slice(0, ways);
  const support: number[][] = [],
    query: number[][] = [];
  for (const c of classes) {
    const idx = byClass[c]!;
    const order = draw(idx.length, gen).map((j) => idx[j]!);
    support.push(order.slice(0, shots));
    query.push(order.slice(shots, shots + queries));
  }
  return { classes, support, query };
}

/** Refuses a protocol the data cannot supply, naming the class, K, the queries and the count. */
function checkProtocol(
  byClass: number[][],
  classNames: readonly string[] | undefined,
  ways: number,
  shots: number[],
  queries: number,
): void {
  if (!Number.isInteger(ways) || ways < 2)
    throw new ConfigError(`few-shot ways must be a whole number >= 2; got ${ways}`);
  if (ways > byClass.length) {
    throw new ConfigError(
      `${ways}-way episodes need ${ways} classes, but the features have ${byClass.length}`,
      `use ways <= ${byClass.length}`,
    );
  }
  for (const k of shots)
    if (!Number.isInteger(k) || k < 1) throw new ConfigError(`few-shot shots must be whole numbers >= 1; got ${k}`);
  if (!Number.isInteger(queries) || queries < 1)
    throw new ConfigError(`few-shot queries must be a whole number >= 1; got ${queries}`);
  const k = Math.max(...shots);
  byClass.forEach((idx, c) => {
    if (idx.length < k + queries) {
      const name = classNames?.[c] !== undefined ? `'${classNames[c]}' (${c})` : `${c}`;
      throw new ConfigError(
        `few-shot episodes with K = ${k} shots and ${queries} queries need ${k + queries} examples of every class, but class ${name} has ${idx.length}`,
        `lower K or the queries to at most ${idx.length} together, or use a target with more test images per class`,
      );
    }
  });
}

/** Accuracy per episode [E] of nearest-centroid (cosine) classification. */
function nearestCentroid(support: Tensor, query: Tensor, target: Tensor): Tensor {
  return tidy(() => {
    const centroids = support.mean(2); // [E, N, D]
    const unit = centroids.div(centroids.norm(2, 2, true).clamp(1e-12));
    const sims = query.matmul(unit.transpose(1, 2)); // [E, N·Q, N]
    return sims.argmax(2).eq(target).to('float64').mean(1);
  });
}

/**
 * Accuracy per episode [E] of logistic regression fitted on each episode's support set, all
 * episodes at once: Nesterov's accelerated gradient with step 1/L and momentum (1−√(λ/L))/(1+√(λ/L)),
 * where L = 1 + λ bounds the Hessian for unit-norm features plus a bias input of 1.
 */
function logistic(
  support: Tensor,
  query: Tensor,
  target: Tensor,
  l2: number,
  iterations: number,
): { acc: Tensor; ratio: number } {
  return tidy(() => {
    const [e, ways, shots, d] = support.shape as [number, number, number, number];
    const n = ways * shots,
      device = support.device;
    const aug = (x: Tensor) => cat([x, ones([...x.shape.slice(0, 2), 1], { device })], 2); // bias input
    const xs = aug(support.reshape([e, n, d])); // [E, N·K, D+1]
    const y = oneHot(
      tensor(
        BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.floor(i / shots))),
        [n],
        { dtype: 'int64', device },
      ),
      ways,
    ).to('float32'); // [N·K, N]
    const mask = cat([ones([d, 1], { device }), zeros([1, 1], { device })], 0); // no penalty on the bias row
    const grad = (th: Tensor) =>
      xs.transpose(1, 2).matmul(xs.matmul(th).softmax(2).sub(y)).div(n).add(th.mul(mask).mul(l2));
    const lip = 1 + l2,
      q = Math.sqrt(l2 / lip),
      beta = (1 - q) / (1 + q);
    let theta = zeros([e, d + 1, ways], { device }),
      look = theta.clone();
    const g0 = grad(theta).norm(2, [1, 2]);
    for (let t = 0; t < iterations; t++) {
      const next = tidy(() => look.sub(grad(look).div(lip)));
      const ahead = tidy(() => next.add(next.sub(theta).mul(beta)));
      theta.dispose();
      look.dispose(); // freed now, not at the end of the episode batch
      theta = next;
      look = ahead;
    }
    const ratio = grad(theta).norm(2, [1, 2]).div(g0.clamp(1e-30)).max().item();
    const acc = aug(query).matmul(theta).argmax(2).eq(target).to('float64').mean(1);
    return { acc, ratio };
  });
}

/**
 * Few-shot accuracy of frozen features [M, D] with int64 labels [M] in 0..numClasses-1: for each
 * K and classifier, the mean accuracy over the episodes with a 95% CI (stats.ts).
 * @example const r = fewShot(fs.features, fs.labels, 10); r.cells[0].accuracy.mean
 */
export function fewShot(
  features: Tensor,
  labels: Tensor,
  numClasses: number,
  o: FewShotOptions & { classNames?: readonly string[] } = {},
): FewShotResult {
  const t0 = performance.now();
  const s = {
    ways: o.ways ?? 5,
    shots: o.shots ?? [1, 5],
    queries: o.queries ?? 15,
    episodes: o.episodes ?? 600,
    seed: o.seed ?? 0,
    classifiers: o.classifiers ?? [...FEW_SHOT_CLASSIFIERS],
    logisticL2: o.logisticL2 ?? null,
    logisticIterations: o.logisticIterations ?? 100,
    chunk: o.chunk ?? 100,
    perEpisode: o.perEpisode ?? false,
  };
  if (!Number.isInteger(s.episodes) || s.episodes < 1)
    throw new ConfigError(`few-shot episodes must be a whole number >= 1; got ${s.episodes}`);
  const byClass = indicesByClass(Int32Array.from(labels.toArray() as BigInt64Array, Number), numClasses);
  checkProtocol(byClass, o.classNames, s.ways, s.shots, s.queries);
  // L2-normalised once: cosine similarity becomes a dot product, and the logistic step size is known.
  const unit = tidy(() => {
    const f = features.to('float32');
    return f.div(f.norm(2, 1, true).clamp(1e-12));
  });
  const [, d] = unit.shape as [number, number];
  const cells: FewShotCell[] = [];
  try {
    for (const k of s.shots) {
      const acc = new Map<FewShotClassifier, number[]>(s.classifiers.map((c) => [c, []]));
      let ratio = 0;
      const l2 = s.logisticL2 ?? 1 / (s.ways * k);
      for (let start = 0; start < s.episodes; start += s.chunk) {
        const eps = Array.from({ length: Math.min(s.chunk, s.episodes - start) }, (_, i) =>
          sampleEpisode(byClass, s.ways, k, s.queries, s.seed, start + i),
        );
        tidy(() => {
          const pick = (rows: number[]) =>
            unit.indexSelect(
              0,
              tensor(BigInt64Array.from(rows, BigInt), [rows.length], { dtype: 'int64', device: unit.device }),
            );
          const support = pick(eps.flatMap((ep) => ep.support.flat())).reshape([eps.length, s.ways, k, d]);
          const query = pick(eps.flatMap((ep) => ep.query.flat())).reshape([eps.length, s.ways * s.queries, d]);
          // Queries are way-major, so query i belongs to way floor(i / Q).
          const target = tensor(
            BigInt64Array.from({ length: s.ways * s.queries }, (_, i) => BigInt(Math.floor(i / s.queries))),
            [1, s.ways * s.queries],
            { dtype: 'int64', device: unit.device },
          );
          for (const c of s.classifiers) {
            let a: Tensor;
            if (c === 'nearest-centroid') {
              a = nearestCentroid(support, query, target);
            } else {
              const r = logistic(support, query, target, l2, s.logisticIterations);
              a = r.acc;
              ratio = Math.max(ratio, r.ratio);
            }
            acc.get(c)!.push(...(a.toArray() as Float64Array));
          }
        });
      }
      for (const c of s.classifiers) {
        const xs = acc.get(c)!;
        cells.push({
          classifier: c,
          ways: s.ways,
          shots: k,
          queries: s.queries,
          episodes: s.episodes,
          accuracy: meanInterval(xs),
          ...(c === 'logistic' ? { gradientRatio: ratio } : {}),
          ...(s.perEpisode ? { accuracies: xs } : {}),
        });
      }
    }
  } finally {
    unit.dispose();
  }
  return {
    cells,
    settings: { ...s, features: 'L2-normalised penultimate features' },
    counts: { examples: labels.shape[0] as number, classes: numClasses, features: d },
    seconds: (performance.now() - t0) / 1000,
  };
}

/** fewShot on a checkpoint's features of a target's test split, with what was evaluated. */
export interface FewShotEvalResult extends FewShotResult {
  protocol: 'few-shot';
  checkpoint: CheckpointInfo;
  target: TargetInfo;
  adaptation: Adaptation;
  featureSeconds: number;
}

/**
 * Few-shot evaluation of a checkpoint: features of `target.test` computed once, then fewShot.
 * @example const r = fewShotEval(ckpt, await loadTarget('mnist'), { shots: [1, 5] });
 */
export function fewShotEval(
  ckpt: LoadedCheckpoint,
  target: DatasetSplits,
  o: FewShotOptions & { batchSize?: number; device?: string; features?: FeatureCache } = {},
): FewShotEvalResult {
  const t0 = performance.now();
  const fs =
    o.features?.get(target.test) ??
    extractFeatures(ckpt.model, target.test, ckpt.source, { batchSize: o.batchSize ?? 256, device: o.device ?? 'cpu' });
  try {
    const featureSeconds = (performance.now() - t0) / 1000;
    const { features: _shared, ...options } = o;
    const r = fewShot(fs.features, fs.labels, target.test.numClasses, {
      ...options,
      classNames: target.test.classNames,
    });
    return {
      protocol: 'few-shot',
      checkpoint: checkpointInfo(ckpt),
      target: targetInfo(target),
      adaptation: describeAdaptation(target.test, ckpt.source, ckpt.model.anyInputSize),
      ...r,
      featureSeconds,
    };
  } finally {
    disposeFeatures(fs);
  }
}
