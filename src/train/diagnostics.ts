// What an epoch did, for metrics.jsonl: how far each side of the split moved, and the training
// loss before and after the ascent. These are measurements only: they draw from no random stream
// the training uses, run the model in eval mode without gradients (BatchNorm statistics and
// autograd untouched), and sum in float64 in JS, so an epoch resumed at a batch reports the same
// values as one run in one go, whatever the thread count or device.
import type { TypedArray } from '../backend/index.js';
import { stratifiedSubset } from '../data/image-set.js';
import { BatchLoader } from '../data/loader.js';
import type { DatasetSplits } from '../data/types.js';
import type { Module } from '../nn/module.js';
import { deriveSeed } from '../rng.js';
import { evaluate } from './evaluate.js';
import type { TrainingMethod } from '../methods/hooks.js';
import type { NamedParam, Split } from './split.js';
import type { EpochRow } from './summary.js';

/** Images in the probe, the fixed subset of the training set the probe loss is measured on. */
export const PROBE_IMAGES = 512;

/** What an epoch's measurements need from its start; a resume point inside an epoch keeps it.
 * `weights`: every parameter's values, by name; `probeLoss`: the probe loss measured there, if any. */
export interface EpochStart {
  weights: Map<string, TypedArray>;
  probeLoss: number | null;
}

export function snapshotWeights(params: NamedParam[]): Map<string, TypedArray> {
  return new Map(params.map(([n, p]) => [n, p.toArray()]));
}

/**
 * ‖w − w0‖ / ‖w0‖ over `params` concatenated, w0 their values in `start`. Null when the side has
 * no parameters, or `start` lacks one (a resume point written before this was measured).
 * @example relativeDisplacement(split.early, start.weights) // 3.1e-4 for an ascent epoch at S = -0.01
 */
export function relativeDisplacement(params: NamedParam[], start: Map<string, TypedArray>): number | null {
  let moved = 0,
    size = 0;
  for (const [n, p] of params) {
    const w0 = start.get(n) as ArrayLike<number> | undefined;
    const w = p.toArray() as ArrayLike<number>;
    if (w0 === undefined || w0.length !== w.length) return null;
    for (let i = 0; i < w.length; i++) {
      const a = w0[i]!,
        d = w[i]! - a;
      moved += d * d;
      size += a * a;
    }
  }
  return size > 0 ? Math.sqrt(moved / size) : null;
}

/** The generation's ascent epochs, from the method's (pure) epoch plans. */
export function ascentEpochs(method: TrainingMethod, generation: number, epochs: number): number[] {
  return Array.from({ length: epochs }, (_, e) => e).filter(
    (e) => method.planEpoch({ generation, epoch: e }).phase === 'ascent',
  );
}

/** The probe: a stratified subset of the training set, in dataset order, unaugmented. Its own
 * seed stream ('probe'), so it is the same for every method and generation of a seed. */
export function probeLoader(data: DatasetSplits, seed: number, batchSize: number, device: string): BatchLoader {
  const set = stratifiedSubset(data.train, PROBE_IMAGES, deriveSeed(seed, 'probe'));
  return new BatchLoader(set, { batchSize, mean: data.mean, std: data.std, device });
}

/** Mean plain cross-entropy (no label smoothing) on the probe, in eval mode. */
export const probeLoss = (model: Module, probe: BatchLoader): number => evaluate(model, probe).loss;

/** The row's measurements at the end of an epoch. */
export function epochMeasures(
  split: Split,
  start: EpochStart,
  after: number | null,
): Pick<EpochRow, 'displacement' | 'probeLossBefore' | 'probeLossAfter'> {
  return {
    displacement: {
      early: relativeDisplacement(split.early, start.weights),
      late: relativeDisplacement(split.late, start.weights),
    },
    probeLossBefore: start.probeLoss,
    probeLossAfter: after,
  };
}
