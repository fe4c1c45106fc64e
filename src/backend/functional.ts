// Functional ops that take several tensors or are neural-network layers.
import { native } from './native.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

const asT = (h: unknown): Tensor => h as Tensor;
const two = (v: number | [number, number]): number[] => (typeof v === 'number' ? [v, v] : v);

export const cat = (ts: Tensor[], dim = 0): Tensor => asT(native.cat(ts, dim));
export const stack = (ts: Tensor[], dim = 0): Tensor => asT(native.stack(ts, dim));
export const where = (cond: Tensor, a: Tensor, b: Tensor): Tensor => asT(native.where(cond, a, b));
export const maximum = (a: Tensor, b: Tensor): Tensor => asT(native.maximum(a, b));
export const minimum = (a: Tensor, b: Tensor): Tensor => asT(native.minimum(a, b));
export const matmul = (a: Tensor, b: Tensor): Tensor => asT(native.matmul(a, b));
/** Pairwise p-norm distances between the rows of a [.., P, M] and b [.., R, M] → [.., P, R]. */
export const cdist = (a: Tensor, b: Tensor, p = 2): Tensor => asT(native.cdist(a, b, p));
export const oneHot = (labels: Tensor, classes: number): Tensor => asT(native.oneHot(labels, classes));
/** Pads the last dims: [left, right, top, bottom, …] as torch.nn.functional.pad. */
export const pad = (
  x: Tensor,
  pads: number[],
  mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant',
  value = 0,
): Tensor => asT(native.pad(x, pads, mode, mode === 'constant' ? value : null));

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}
/** x [B, Cin, H, W], weight [Cout, Cin/groups, kh, kw] → [B, Cout, H', W'] */
export const conv2d = (x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor =>
  asT(native.conv2d(x, weight, bias, two(o.stride ?? 1), two(o.padding ?? 0), two(o.dilation ?? 1), o.groups ?? 1));

export interface BatchNormOptions {
  training: boolean;
  momentum?: number;
  eps?: number;
}
/** x [B, C, …]; in training mode uses batch statistics and updates the running ones in place. */
export const batchNorm = (
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: BatchNormOptions,
): Tensor =>
  asT(native.batchNorm(x, weight, bias, runningMean, runningVar, o.training, o.momentum ?? 0.1, o.eps ?? 1e-5));

export const relu = (x: Tensor): Tensor => asT(native.relu(x));
export interface Pool2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceilMode?: boolean;
}
export const maxPool2d = (x: Tensor, kernel: number | [number, number], o: Pool2dOptions = {}): Tensor =>
  asT(
    native.maxPool2d(
      x,
      two(kernel),
      two(o.stride ?? kernel),
      two(o.padding ?? 0),
      two(o.dilation ?? 1),
      o.ceilMode ?? false,
    ),
  );
export const avgPool2d = (
  x: Tensor,
  kernel: number | [number, number],
  o: Omit<Pool2dOptions, 'dilation' | 'ceilMode'> = {},
): Tensor => asT(native.avgPool2d(x, two(kernel), two(o.stride ?? kernel), two(o.padding ?? 0)));
export const adaptiveAvgPool2d = (x: Tensor, out: number | [number, number]): Tensor =>
  asT(native.adaptiveAvgPool2d(x, two(out)));
/** Resizes x [B, C, H, W] to [B, C, h, w], as torch.nn.functional.interpolate (align_corners=False). */
export const interpolate = (x: Tensor, size: [number, number], mode: 'bilinear' | 'nearest' = 'bilinear'): Tensor =>
  asT(native.interpolate(x, size, mode, false));
/** x [.., in] · weightᵀ [out, in] + bias */
export const linear = (x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor =>
  asT(native.linear(x, weight, bias));

export interface CrossEntropyOptions {
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
  ignoreIndex?: number;
  weight?: Tensor;
}
/**
 * Softmax cross-entropy of logits [B, C] against int64 labels [B], with optional label
 * smoothing: (1-ε)·(−log p_y) + ε·mean_c(−log p_c), as torch.nn.functional.cross_entropy.
 */
export const crossEntropy = (logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor =>
  asT(
    native.crossEntropy(
      logits,
      target,
      o.weight ?? null,
      o.reduction ?? 'mean',
      o.ignoreIndex ?? -100,
      o.labelSmoothing ?? 0,
    ),
  );
export const nllLoss = (logProbs: Tensor, target: Tensor, reduction: 'mean' | 'sum' | 'none' = 'mean'): Tensor =>
  asT(native.nllLoss(logProbs, target, reduction));

/**
 * One torch.optim.SGD step over a parameter group, in place: coupled weight decay, momentum
 * buffers created from the first gradient (slots holding null), lr may be negative (ascent).
 * Returns the slots with any newly created buffers filled in.
 */
export function sgdStep(
  params: Tensor[],
  buffers: (Tensor | null)[],
  o: { lr: number; momentum: number; dampening?: number; weightDecay: number; nesterov?: boolean },
): (Tensor | null)[] {
  const created = native.sgdStep(
    params,
    buffers,
    o.lr,
    o.momentum,
    o.dampening ?? 0,
    o.weightDecay,
    o.nesterov ?? false,
  );
  return buffers.map((b, i) => {
    const c = created[i] as Tensor | null;
    return b ?? (c === null ? null : keep(c));
  });
}
