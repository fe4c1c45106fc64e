// Differential tests: every seal op against PyTorch 1.13 (Debian's python3-torch, run by
// test/oracle/ops.py), forward values and gradients, plus seal-only finite-difference
// checks, a double-backward (Hessian-vector product) check, SGD against torch.optim.SGD and
// seeded generators against torch.Generator.
//
// All cases are built first (inputs drawn from a seeded Generator, seal's outputs and
// gradients computed inside tidy()), then sent to ONE python process, then compared in the
// tests below. Gradients are d/d(input) of sum(out * g) for a random upstream gradient g.
//
// Tolerances (|seal - torch| <= atol + rtol * |torch|, elementwise):
//  - EXACT (0, 0): integer/bool results (indices, comparisons, casts, one-hot, random
//    integers), data movement (reshape, permute, cat, pad, ...) and random draws: both sides
//    run the same libtorch kernels on the same bits, so nothing may differ.
//  - ELEM (rtol 1e-5, atol 1e-6) float32 elementwise ops and their gradients: one or two
//    float32 roundings per element; a correct op lands within a few ulps (often bit-equal).
//  - RED (rtol 1e-5, atol 1e-5) float32 reductions and anything whose gradient sums over a
//    broadcast dim (sum/mean/var/norm/softmax/losses/pooling/batch norm): seal runs libtorch
//    with 2 intra-op threads, the oracle with 1, so partial sums are added in another order;
//    for the <= ~100-term sums used here that moves results by O(n * 6e-8 * |terms|) ~ 1e-6.
//  - GEMM (rtol 1e-4, atol 1e-4) float32 matmul/linear/conv2d/cdist: blocked GEMM and oneDNN
//    convolutions pick their blocking and accumulation order by thread count, and their sums
//    run over up to ~100 products of O(1) values; 1e-4 is ~100x the expected reordering error
//    yet still far below any real mistake (a wrong index or a missing term moves results by O(0.1-1)).
//  - F64 (rtol 1e-10, atol 1e-12): the same ops in float64.
// Observed on the 2-core CPU box (SEAL_DIFF_VERBOSE=1 prints every comparison's max |diff|):
// all but ~17 of ~640 comparisons are bit-identical; the largest float32 difference is
// 3.8e-6 (conv2d weight gradients, GEMM class), the largest RED-class one 4.8e-7 (batch norm
// gradients), so every tolerance keeps a margin of >= 20x while a real bug (the mutations
// tried while writing this file: momentum +1%, label smoothing x1.05, input x1.0001 into
// softmax, wrong var correction, ceil mode, dtype, seed, lr or weight decay) fails loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Generator,
  Tensor,
  type DType,
  tensor,
  randn,
  rand,
  randint,
  randperm,
  uniform,
  normal,
  manualSeed,
  cat,
  stack,
  where,
  maximum,
  minimum,
  matmul,
  cdist,
  oneHot,
  pad,
  conv2d,
  batchNorm,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  interpolate,
  linear,
  crossEntropy,
  nllLoss,
  sgdStep,
  grad,
  noGrad,
  withAutocast,
  tidy,
  dispose,
  liveTensors,
  getNumThreads,
  setNumThreads,
} from '../src/index.js';
import {
  runOracle,
  assertClose,
  maxAbsDiff,
  numbers,
  type OracleCase,
  type OracleResult,
  type OracleTensor,
  type Tolerance,
} from './support/oracle.js';
import { cpuBf16Blocker, readCpuFeatures } from '../src/backend/index.js';

const EXACT: Tolerance = { rtol: 0, atol: 0 };
const ELEM: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const RED: Tolerance = { rtol: 1e-5, atol: 1e-5 };
const GEMM: Tolerance = { rtol: 1e-4, atol: 1e-4 };
// bfloat16 results (autocast): 8 significant bits, so one rounding step apart is ~0.4%; the
// float32 accumulation inside the kernels may split by thread count, as for GEMM.
const BF16: Tolerance = { rtol: 1e-2, atol: 1e-2 };
const F64: Tolerance = { rtol: 1e-10, atol: 1e-12 };

const startLive = liveTensors();
const G = new Generator(1); // every random input and upstream gradient comes from here

// ---------------------------------------------------------------------------------------
// Inputs: plain arrays (so the same values go to seal and to torch)

interface In {
  shape: number[];
  dtype: DType;
  data: number[];
  grad: boolean;
  channelsLast?: boolean;
}

function capture(t: Tensor, grad: boolean): In {
  const r = { shape: t.shape, dtype: t.dtype, data: numbers(t.toArray()), grad };
  t.dispose();
  return r;
}
const isFloat = (d: DType | string): boolean =>
  d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';

/** N(0,1) * scale + shift */
function rn(shape: number[], o: { dtype?: DType; grad?: boolean; scale?: number; shift?: number } = {}): In {
  const dtype = o.dtype ?? 'float32';
  return tidy(() =>
    capture(
      randn(shape, { generator: G, dtype })
        .mul(o.scale ?? 1)
        .add(o.shift ?? 0),
      o.grad ?? true,
    ),
  );
}
/** U[lo, hi) */
function un(shape: number[], lo: number, hi: number, o: { dtype?: DType; grad?: boolean } = {}): In {
  return capture(uniform(shape, lo, hi, { generator: G, dtype: o.dtype ?? 'float32' }), o.grad ?? true);
}
/** int64 in [lo, hi) */
const ix = (lo: number, hi: number, shape: number[]): In => capture(randint(lo, hi, shape, { generator: G }), false);
/** Small integers as floats (for comparisons with ties and for exact casts). */
const smallInts = (shape: number[], lo = -2, hi = 3, dtype: DType = 'float32'): In =>
  tidy(() => capture(randint(lo, hi, shape, { generator: G }).to(dtype), false));
const boolMask = (shape: number[]): In => tidy(() => capture(rand(shape, { generator: G }).lt(0.5), false));
const literal = (data: number[], shape: number[], dtype: DType = 'float32', grad = false): In => ({
  data,
  shape,
  dtype,
  grad,
});

function toTensor(i: In): Tensor {
  let t: Tensor;
  switch (i.dtype) {
    case 'float32':
      t = tensor(Float32Array.from(i.data), i.shape);
      break;
    case 'float64':
      t = tensor(Float64Array.from(i.data), i.shape);
      break;
    case 'int64':
      t = tensor(
        BigInt64Array.from(i.data, (v) => BigInt(v)),
        i.shape,
      );
      break;
    case 'bool':
      t = tensor(Uint8Array.from(i.data), i.shape, { dtype: 'bool' });
      break;
    default:
      t = tensor(Float64Array.from(i.data), i.shape, { dtype: i.dtype });
  }
  if (i.channelsLast) t.setMemoryFormat_('channels_last');
  if (i.grad) t.requiresGrad_(true);
  return t;
}

// ---------------------------------------------------------------------------------------
// seal's side of each op, keyed like the oracle's table

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- op parameters
type P = any; // op parameters: free-form, mirrored by the oracle's table
const operand = (x: Tensor[], p: P): Tensor | number => (p.scalar !== undefined ? (p.scalar as number) : x[1]!);

const SEAL: Record<string, (x: Tensor[], p: P) => Tensor | Tensor[]> = {
  add: (x, p) => x[0]!.add(operand(x, p)),
  sub: (x, p) => x[0]!.sub(operand(x, p)),
  mul: (x, p) => x[0]!.mul(operand(x, p)),
  div: (x, p) => x[0]!.div(operand(x, p)),
  pow: (x, p) => x[0]!.pow(operand(x, p)),
  neg: (x) => x[0]!.neg(),
  exp: (x) => x[0]!.exp(),
  log: (x) => x[0]!.log(),
  sqrt: (x) => x[0]!.sqrt(),
  rsqrt: (x) => x[0]!.rsqrt(),
  abs: (x) => x[0]!.abs(),
  square: (x) => x[0]!.square(),
  sigmoid: (x) => x[0]!.sigmoid(),
  tanh: (x) => x[0]!.tanh(),
  relu: (x) => x[0]!.relu(),
  clamp: (x, p) => x[0]!.clamp(p.min ?? null, p.max ?? null),
  eq: (x, p) => x[0]!.eq(operand(x, p)),
  ne: (x, p) => x[0]!.ne(operand(x, p)),
  lt: (x, p) => x[0]!.lt(operand(x, p)),
  le: (x, p) => x[0]!.le(operand(x, p)),
  gt: (x, p) => x[0]!.gt(operand(x, p)),
  ge: (x, p) => x[0]!.ge(operand(x, p)),
  where: (x) => where(x[0]!, x[1]!, x[2]!),
  maximum: (x) => maximum(x[0]!, x[1]!),
  minimum: (x) => minimum(x[0]!, x[1]!),
  sum: (x, p) => x[0]!.sum(p.dims ?? null, p.keepdim ?? false),
  mean: (x, p) => x[0]!.mean(p.dims ?? null, p.keepdim ?? false),
  var: (x, p) => x[0]!.var(p.dims ?? null, p.correction ?? 1, p.keepdim ?? false),
  max: (x) => x[0]!.max(),
  min: (x) => x[0]!.min(),
  maxAlong: (x, p) => x[0]!.maxAlong(p.dim, p.keepdim ?? false),
  minAlong: (x, p) => x[0]!.minAlong(p.dim, p.keepdim ?? false),
  argmax: (x, p) => x[0]!.argmax(p.dim ?? null, p.keepdim ?? false),
  topk: (x, p) => x[0]!.topk(p.k, p.dim ?? -1, p.largest ?? true, true),
  sort: (x, p) => x[0]!.sort(p.dim ?? -1, p.descending ?? false),
  softmax: (x, p) => x[0]!.softmax(p.dim),
  logSoftmax: (x, p) => x[0]!.logSoftmax(p.dim),
  logsumexp: (x, p) => x[0]!.logsumexp(p.dims, p.keepdim ?? false),
  norm: (x, p) => x[0]!.norm(p.p, p.dims ?? null, p.keepdim ?? false),
  cdist: (x, p) => cdist(x[0]!, x[1]!, p.p),
  matmul: (x) => matmul(x[0]!, x[1]!),
  linear: (x) => linear(x[0]!, x[1]!, x[2] ?? null),
  conv2d: (x, p) => conv2d(x[0]!, x[1]!, x[2] ?? null, p),
  batchNorm: (x, p) => {
    const rest = x.slice(1);
    const [w, b] = p.affine === false ? [null, null] : [rest.shift()!, rest.shift()!];
    const [rm, rv] = p.stats === false ? [null, null] : [rest.shift()!, rest.shift()!];
    const y = batchNorm(x[0]!, w, b, rm, rv, { training: p.training, momentum: p.momentum ?? 0.1, eps: p.eps ?? 1e-5 });
    return rm && rv ? [y, rm, rv] : [y];
  },
  maxPool2d: (x, p) => maxPool2d(x[0]!, p.kernel, p),
  avgPool2d: (x, p) => avgPool2d(x[0]!, p.kernel, p),
  adaptiveAvgPool2d: (x, p) => adaptiveAvgPool2d(x[0]!, p.out),
  interpolate: (x, p) => interpolate(x[0]!, p.size, p.mode),
  crossEntropy: (x, p) => crossEntropy(x[0]!, x[1]!, { ...p, ...(x[2] ? { weight: x[2] } : {}) }),
  nllLoss: (x, p) => nllLoss(x[0]!, x[1]!, p.reduction ?? 'mean'),
  reshape: (x, p) => x[0]!.reshape(p.shape),
  flatten: (x, p) => x[0]!.flatten(p.start ?? 0, p.end ?? -1),
  permute: (x, p) => x[0]!.permute(p.dims),
  transpose: (x, p) => x[0]!.transpose(p.d0, p.d1),
  expand: (x, p) => x[0]!.expand(p.shape),
  squeeze: (x, p) => x[0]!.squeeze(p.dim),
  unsqueeze: (x, p) => x[0]!.unsqueeze(p.dim),
  cat: (x, p) => cat(x, p.dim ?? 0),
  stack: (x, p) => stack(x, p.dim ?? 0),
  indexSelect: (x, p) => x[0]!.indexSelect(p.dim, x[1]!),
  gather: (x, p) => x[0]!.gather(p.dim, x[1]!),
  narrow: (x, p) => x[0]!.narrow(p.dim, p.start, p.length),
  flip: (x, p) => x[0]!.flip(p.dims),
  pad: (x, p) => pad(x[0]!, p.pads, p.mode ?? 'constant', p.value ?? 0),
  oneHot: (x, p) => oneHot(x[0]!, p.classes),
  to: (x, p) => x[0]!.to(p.dtype as DType),
};

// ---------------------------------------------------------------------------------------
// Cases: seal's results are computed here; the oracle's arrive later

interface Computed {
  outputs: OracleTensor[];
  grads: (OracleTensor | null)[] | null;
  gradOut?: { shape: number[]; data: number[] };
}
interface Case {
  group: string;
  name: string;
  op: string;
  params: P;
  inputs: In[];
  tol: Tolerance;
  gradTol: Tolerance;
  seal: Computed | { error: unknown };
  oracle?: OracleResult;
}

const asOracle = (t: Tensor): OracleTensor => ({
  shape: t.shape,
  dtype: t.dtype,
  data: numbers(t.toArray()),
  ...(t.ndim === 4 ? { layout: [t.isContiguous(), t.isContiguous('channels_last')] as [boolean, boolean] } : {}),
});

function computeSeal(op: string, inputs: In[], params: P): Computed {
  return tidy(() => {
    const fn = SEAL[op];
    if (!fn) throw new Error(`no seal implementation for ${op}`);
    const xs = inputs.map(toTensor);
    const r = params.autocast
      ? withAutocast(params.autocast as 'bfloat16', 'cpu', () => fn(xs, params))
      : fn(xs, params);
    const outs = Array.isArray(r) ? r : [r];
    const outputs = outs.map(asOracle); // before backward: batch norm's running stats are final here
    if (!xs.some((x) => x.requiresGrad)) return { outputs, grads: null };
    const y = outs[0]!;
    const g = randn(y.shape, { generator: G, dtype: y.dtype });
    y.mul(g).sum().backward();
    const grads = xs.map((x) => {
      const gx = x.requiresGrad ? x.grad : null;
      return gx ? asOracle(gx) : null;
    });
    return { outputs, grads, gradOut: { shape: y.shape, data: numbers(g.toArray()) } };
  });
}

const cases: Case[] = [];
let currentGroup = '';
function group(name: string, body: () => void): void {
  currentGroup = name;
  body();
}

/** Adds a case: `inputs` are the op's tensors; gradients are taken for those with grad: true. */
function def(
  name: string,
  op: string,
  inputs: In[],
  params: P = {},
  tol: Tolerance = ELEM,
  gradTol: Tolerance = tol,
): void {
  let seal: Case['seal'];
  try {
    seal = computeSeal(op, inputs, params);
  } catch (e) {
    seal = { error: e };
  }
  cases.push({ group: currentGroup, name: `${op}: ${name}`, op, params, inputs, tol, gradTol, seal });
}

const BIN = ['add', 'sub', 'mul', 'div'] as const;
group('binary arithmetic (tensor and scalar operands, broadcasting)', () => {
  for (const op of BIN) {
    const den = op === 'div';
    const b = (shape: number[]): In => (den ? un(shape, 0.5, 2) : rn(shape));
    def('same shape', op, [rn([3, 4]), b([3, 4])]);
    def('broadcast [2,3,4] with [4]', op, [rn([2, 3, 4]), b([4])], {}, ELEM, RED);
    def('broadcast [2,1,4] with [3,1]', op, [rn([2, 1, 4]), b([3, 1])], {}, ELEM, RED);
    def('broadcast [4] with [2,3,4] (first operand grows)', op, [rn([4]), b([2, 3, 4])], {}, ELEM, RED);
    def('scalar 2.5', op, [rn([3, 4])], { scalar: 2.5 });
    def('scalar -0.75', op, [rn([5])], { scalar: -0.75 });
    def(
      'float64 broadcast [1,4]',
      op,
      [
        rn([3, 4], { dtype: 'float64' }),
        den ? un([1, 4], 0.5, 2, { dtype: 'float64' }) : rn([1, 4], { dtype: 'float64' }),
      ],
      {},
      F64,
    );
  }
  def('negative denominators', 'div', [rn([3, 4]), un([3, 4], -2, -0.5)]);
  def('tensor exponent', 'pow', [un([3, 4], 0.5, 2), rn([3, 4])]);
  def('tensor exponent, broadcast', 'pow', [un([2, 3], 0.5, 2), rn([3])], {}, ELEM, RED);
  def('scalar 2', 'pow', [rn([3, 4])], { scalar: 2 });
  def('scalar 3 with negative bases', 'pow', [rn([3, 4])], { scalar: 3 });
  def('scalar 0.5', 'pow', [un([3, 4], 0.5, 2)], { scalar: 0.5 });
  def('scalar -1.5', 'pow', [un([3, 4], 0.5, 2)], { scalar: -1.5 });
  def(
    'float64 tensor exponent',
    'pow',
    [un([6], 0.5, 2, { dtype: 'float64' }), rn([6], { dtype: 'float64' })],
    {},
    F64,
  );
});

group('unary elementwise', () => {
  const positive = new Set(['log', 'sqrt', 'rsqrt']);
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'square', 'sigmoid', 'tanh', 'relu']) {
    const mk = (shape: number[], dtype: DType = 'float32'): In =>
      positive.has(op) ? un(shape, 0.2, 3, { dtype }) : rn(shape, { dtype, scale: 2 });
    def('float32 [3,5]', op, [mk([3, 5])]);
    def('float32 [37] (vectorized body and tail)', op, [mk([37])]);
    def('float64 [4,3]', op, [mk([4, 3], 'float64')], {}, F64);
    // Special values, forward only: zeros, infinities, NaN, tiny and huge numbers.
    def('special values', op, [
      literal([0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-30, 88.5, -100, 1e30, -1e-20], [12]),
    ]);
  }
  def('min only', 'clamp', [rn([4, 5])], { min: -0.3 });
  def('max only', 'clamp', [rn([4, 5])], { max: 0.4 });
  def('min and max', 'clamp', [rn([4, 5])], { min: -0.5, max: 0.25 });
  def('float64 min and max', 'clamp', [rn([4, 5], { dtype: 'float64' })], { min: -0.5, max: 0.25 }, F64);
  def('special values', 'clamp', [literal([0, Infinity, -Infinity, NaN, 2, -2], [6])], { min: -1, max: 1 });
});

group('comparisons, where, maximum/minimum', () => {
  for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
    def('tensor, with ties', op, [smallInts([3, 4]), smallInts([3, 4])], {}, EXACT);
    def('broadcast [3,4] with [4]', op, [smallInts([3, 4]), smallInts([4])], {}, EXACT);
    def('scalar 0', op, [smallInts([3, 4])], { scalar: 0 }, EXACT);
    def('scalar 0.5, random floats', op, [rn([10], { grad: false })], { scalar: 0.5 }, EXACT);
    def('float64 tensors', op, [smallInts([6], -2, 3, 'float64'), smallInts([6], -2, 3, 'float64')], {}, EXACT);
  }
  def('same shapes', 'where', [boolMask([3, 4]), rn([3, 4]), rn([3, 4])]);
  def('broadcast cond [3,1], a [3,4], b [4]', 'where', [boolMask([3, 1]), rn([3, 4]), rn([4])], {}, ELEM, RED);
  for (const op of ['maximum', 'minimum']) {
    def('same shape', op, [rn([3, 4]), rn([3, 4])]);
    def('broadcast [3,4] with [4]', op, [rn([3, 4]), rn([4])], {}, ELEM, RED);
    // Ties: torch splits the gradient in half between equal operands.
    const a = rn([8]);
    const b: In = { ...rn([8]), data: a.data.map((v, i) => (i % 2 === 0 ? v : v + 0.25)) };
    def('ties', op, [a, b]);
  }
});

group('reductions: sum, mean, var', () => {
  for (const op of ['sum', 'mean', 'var']) {
    def('all dims', op, [rn([3, 4, 5])], {}, RED);
    def('dim 1', op, [rn([3, 4, 5])], { dims: [1] }, RED);
    def('dims [0,2] keepdim', op, [rn([3, 4, 5])], { dims: [0, 2], keepdim: true }, RED);
    def('dim -1 keepdim', op, [rn([3, 4, 5])], { dims: [-1], keepdim: true }, RED);
    def('float64 dims [0,1]', op, [rn([3, 4, 5], { dtype: 'float64' })], { dims: [0, 1] }, F64);
  }
  def('correction 0 along dim 2', 'var', [rn([3, 4, 5])], { dims: [2], correction: 0 }, RED);
  def('correction 0, all dims', 'var', [rn([3, 4])], { correction: 0 }, RED);
});

group('reductions: max, min, argmax, topk, sort', () => {
  def('overall', 'max', [rn([3, 4, 5])]);
  def('overall', 'min', [rn([3, 4, 5])]);
  def('dim 1', 'maxAlong', [rn([3, 4, 5])], { dim: 1 });
  def('dim -1 keepdim', 'maxAlong', [rn([3, 4, 5])], { dim: -1, keepdim: true });
  def('dim 0', 'minAlong', [rn([3, 4, 5])], { dim: 0 });
  def('dim 2 keepdim', 'minAlong', [rn([3, 4, 5])], { dim: 2, keepdim: true });
  def('flattened', 'argmax', [rn([3, 4, 5], { grad: false })], {}, EXACT);
  def('dim 1', 'argmax', [rn([3, 4, 5], { grad: false })], { dim: 1 }, EXACT);
  def('dim 2 keepdim', 'argmax', [rn([3, 4, 5], { grad: false })], { dim: 2, keepdim: true }, EXACT);
  def('k 3 along last dim', 'topk', [rn([4, 7])], { k: 3 });
  def('k 2 smallest along dim 0', 'topk', [rn([5, 3])], { k: 2, dim: 0, largest: false });
  def('ascending, last dim', 'sort', [rn([4, 6])]);
  def('descending, dim 0', 'sort', [rn([5, 3])], { dim: 0, descending: true });
  def('float64 descending', 'sort', [rn([9], { dtype: 'float64' })], { descending: true }, F64);
});

group('softmax, logSoftmax, logsumexp, norm, cdist', () => {
  def('dim 1', 'softmax', [rn([3, 5, 2], { scale: 3 })], { dim: 1 }, RED);
  def('dim -1', 'softmax', [rn([4, 6], { scale: 3 })], { dim: -1 }, RED);
  def('dim 1', 'logSoftmax', [rn([3, 5, 2], { scale: 3 })], { dim: 1 }, RED);
  def('dim 0', 'logSoftmax', [rn([4, 6], { scale: 3 })], { dim: 0 }, RED);
  def('float64 dim -1', 'logSoftmax', [rn([4, 6], { dtype: 'float64', scale: 3 })], { dim: -1 }, F64);
  def('dim 1', 'logsumexp', [rn([3, 5, 2], { scale: 3 })], { dims: [1] }, RED);
  def('dims [0,2] keepdim', 'logsumexp', [rn([3, 5, 2], { scale: 3 })], { dims: [0, 2], keepdim: true }, RED);
  def('large values (stability)', 'logsumexp', [rn([4, 6], { scale: 3, shift: 80 })], { dims: [1] }, RED);
  def('p=2, all dims', 'norm', [rn([3, 4, 5])], { p: 2 }, RED);
  def('p=2, dim 1', 'norm', [rn([3, 4, 5])], { p: 2, dims: [1] }, RED);
  def('p=2, dims [0,2] keepdim', 'norm', [rn([3, 4, 5])], { p: 2, dims: [0, 2], keepdim: true }, RED);
  def('p=1, dim -1 keepdim', 'norm', [rn([3, 4, 5])], { p: 1, dims: [-1], keepdim: true }, RED);
  def('p=1, dims [0,1]', 'norm', [rn([3, 4, 5])], { p: 1, dims: [0, 1] }, RED);
  def('p=1, all dims', 'norm', [rn([3, 4])], { p: 1 }, RED);
  def('float64 p=2 dim 0', 'norm', [rn([5, 3], { dtype: 'float64' })], { p: 2, dims: [0] }, F64);
  def('p=2 [5,3] x [4,3]', 'cdist', [rn([5, 3]), rn([4, 3])], { p: 2 }, GEMM);
  def('p=1 [5,3] x [4,3]', 'cdist', [rn([5, 3]), rn([4, 3])], { p: 1 }, GEMM);
  def('p=2 batched [2,5,3] x [2,4,3]', 'cdist', [rn([2, 5, 3]), rn([2, 4, 3])], { p: 2 }, GEMM);
  def('float64 p=2', 'cdist', [rn([6, 4], { dtype: 'float64' }), rn([3, 4], { dtype: 'float64' })], { p: 2 }, F64);
});

group('matmul and linear', () => {
  def('2-D [4,5]x[5,3]', 'matmul', [rn([4, 5]), rn([5, 3])], {}, GEMM);
  def('batched [2,4,5]x[2,5,3]', 'matmul', [rn([2, 4, 5]), rn([2, 5, 3])], {}, GEMM);
  def('batch broadcast [2,4,5]x[5,3]', 'matmul', [rn([2, 4, 5]), rn([5, 3])], {}, GEMM);
  def('batch broadcast [3,1,4,5]x[2,5,3]', 'matmul', [rn([3, 1, 4, 5]), rn([2, 5, 3])], {}, GEMM);
  def('vector-matrix [5]x[5,3]', 'matmul', [rn([5]), rn([5, 3])], {}, GEMM);
  def('matrix-vector [4,5]x[5]', 'matmul', [rn([4, 5]), rn([5])], {}, GEMM);
  def('float64 batched', 'matmul', [rn([2, 4, 5], { dtype: 'float64' }), rn([2, 5, 3], { dtype: 'float64' })], {}, F64);
  def('with bias', 'linear', [rn([4, 5]), rn([3, 5]), rn([3])], {}, GEMM);
  def('without bias', 'linear', [rn([4, 5]), rn([3, 5])], {}, GEMM);
  def('3-D input with bias', 'linear', [rn([2, 4, 5]), rn([3, 5]), rn([3])], {}, GEMM);
  def(
    'float64 with bias',
    'linear',
    [rn([4, 5], { dtype: 'float64' }), rn([3, 5], { dtype: 'float64' }), rn([3], { dtype: 'float64' })],
    {},
    F64,
  );
});

group('conv2d', () => {
  def('3x3, bias', 'conv2d', [rn([2, 3, 7, 7]), rn([4, 3, 3, 3]), rn([4])], {}, GEMM);
  def('3x3, no bias', 'conv2d', [rn([2, 3, 7, 7]), rn([4, 3, 3, 3])], {}, GEMM);
  def('stride 2, padding 1', 'conv2d', [rn([2, 3, 7, 7]), rn([4, 3, 3, 3]), rn([4])], { stride: 2, padding: 1 }, GEMM);
  def(
    'dilation 2, padding 2',
    'conv2d',
    [rn([2, 3, 7, 7]), rn([4, 3, 3, 3]), rn([4])],
    { dilation: 2, padding: 2 },
    GEMM,
  );
  def(
    'asymmetric stride [1,2], padding [2,0], kernel 3x2',
    'conv2d',
    [rn([2, 3, 6, 7]), rn([4, 3, 3, 2]), rn([4])],
    { stride: [1, 2], padding: [2, 0] },
    GEMM,
  );
  def('groups 2, bias', 'conv2d', [rn([2, 4, 6, 6]), rn([6, 2, 3, 3]), rn([6])], { groups: 2, padding: 1 }, GEMM);
  def('depthwise (groups 4), no bias', 'conv2d', [rn([2, 4, 6, 6]), rn([4, 1, 3, 3])], { groups: 4, stride: 2 }, GEMM);
  def('1x1', 'conv2d', [rn([2, 5, 4, 4]), rn([3, 5, 1, 1]), rn([3])], {}, GEMM);
  // Strided 1x1 convolutions run as stride-1 ones on a sampled input (native/nn.cc).
  def('1x1 stride 2, bias', 'conv2d', [rn([3, 4, 7, 7]), rn([8, 4, 1, 1]), rn([8])], { stride: 2 }, GEMM);
  def(
    '1x1 stride [3,2], padding 1',
    'conv2d',
    [rn([2, 3, 8, 7]), rn([5, 3, 1, 1])],
    { stride: [3, 2], padding: 1 },
    GEMM,
  );
  def(
    '1x1 stride 2, groups 2',
    'conv2d',
    [rn([2, 4, 6, 6]), rn([6, 2, 1, 1]), rn([6])],
    { stride: 2, groups: 2 },
    GEMM,
  );
  def('1x1 stride 2, unbatched [4,7,7]', 'conv2d', [rn([4, 7, 7]), rn([8, 4, 1, 1])], { stride: 2 }, GEMM);
  def(
    'float64 stride 2 padding 1 groups 2',
    'conv2d',
    [rn([2, 4, 6, 6], { dtype: 'float64' }), rn([4, 2, 3, 3], { dtype: 'float64' }), rn([4], { dtype: 'float64' })],
    { stride: 2, padding: 1, groups: 2 },
    F64,
  );
});

group('batchNorm', () => {
  const stats = (c: number): In[] => [rn([c], { grad: false, scale: 0.1 }), un([c], 0.5, 1.5, { grad: false })];
  // Outputs: y, then the running mean and variance after the call (updated in place in training).
  def(
    'train 4-D, momentum 0.1',
    'batchNorm',
    [rn([4, 3, 5, 5], { scale: 2, shift: 1 }), un([3], 0.5, 1.5), rn([3]), ...stats(3)],
    { training: true },
    RED,
  );
  def(
    'train 4-D, momentum 0.3, eps 1e-3',
    'batchNorm',
    [rn([3, 2, 4, 4], { scale: 2, shift: -1 }), un([2], 0.5, 1.5), rn([2]), ...stats(2)],
    { training: true, momentum: 0.3, eps: 1e-3 },
    RED,
  );
  def(
    'train 2-D [8,4]',
    'batchNorm',
    [rn([8, 4], { scale: 3 }), un([4], 0.5, 1.5), rn([4]), ...stats(4)],
    { training: true },
    RED,
  );
  def('train without affine', 'batchNorm', [rn([4, 3, 3, 3]), ...stats(3)], { training: true, affine: false }, RED);
  def(
    'train without running stats',
    'batchNorm',
    [rn([4, 3, 3, 3]), un([3], 0.5, 1.5), rn([3])],
    { training: true, stats: false },
    RED,
  );
  def(
    'eval 4-D',
    'batchNorm',
    [rn([4, 3, 5, 5], { scale: 2, shift: 1 }), un([3], 0.5, 1.5), rn([3]), ...stats(3)],
    { training: false },
    RED,
  );
  def(
    'eval 2-D',
    'batchNorm',
    [rn([8, 4], { scale: 3 }), un([4], 0.5, 1.5), rn([4]), ...stats(4)],
    { training: false },
    RED,
  );
  def(
    'float64 train',
    'batchNorm',
    [
      rn([4, 3, 3, 3], { dtype: 'float64' }),
      un([3], 0.5, 1.5, { dtype: 'float64' }),
      rn([3], { dtype: 'float64' }),
      rn([3], { dtype: 'float64', grad: false }),
      un([3], 0.5, 1.5, { dtype: 'float64', grad: false }),
    ],
    { training: true, momentum: 0.2 },
    F64,
  );
});

group('pooling', () => {
  def('kernel 2 (stride = kernel)', 'maxPool2d', [rn([2, 3, 6, 6])], { kernel: 2 });
  def('kernel 3, stride 2, padding 1', 'maxPool2d', [rn([2, 3, 7, 7])], { kernel: 3, stride: 2, padding: 1 });
  def('kernel [3,2], stride [2,1], padding [1,0]', 'maxPool2d', [rn([2, 2, 7, 6])], {
    kernel: [3, 2],
    stride: [2, 1],
    padding: [1, 0],
  });
  def('dilation 2', 'maxPool2d', [rn([1, 2, 7, 7])], { kernel: 2, stride: 1, dilation: 2 });
  def('ceil mode', 'maxPool2d', [rn([1, 2, 7, 7])], { kernel: 2, ceilMode: true });
  def('kernel 2', 'avgPool2d', [rn([2, 3, 6, 6])], { kernel: 2 }, RED);
  def(
    'kernel 3, stride 2, padding 1 (padding counted)',
    'avgPool2d',
    [rn([2, 3, 7, 7])],
    { kernel: 3, stride: 2, padding: 1 },
    RED,
  );
  def('kernel [3,2], stride [1,2]', 'avgPool2d', [rn([2, 2, 7, 6])], { kernel: [3, 2], stride: [1, 2] }, RED);
  def('7x5 -> 3x3 (uneven windows)', 'adaptiveAvgPool2d', [rn([2, 3, 7, 5])], { out: 3 }, RED);
  def('7x5 -> [2,4]', 'adaptiveAvgPool2d', [rn([2, 3, 7, 5])], { out: [2, 4] }, RED);
  def('global (1)', 'adaptiveAvgPool2d', [rn([2, 3, 4, 4])], { out: 1 }, RED);
  def('identity size', 'adaptiveAvgPool2d', [rn([1, 2, 3, 5])], { out: [3, 5] }, RED);
  def('bilinear 8x8 -> 28x28 (upsample)', 'interpolate', [rn([2, 1, 8, 8])], { size: [28, 28], mode: 'bilinear' }, RED);
  def(
    'bilinear 64x48 -> 28x28 (downsample)',
    'interpolate',
    [rn([1, 3, 12, 9])],
    { size: [5, 7], mode: 'bilinear' },
    RED,
  );
  def('nearest 5x5 -> 9x7', 'interpolate', [rn([1, 2, 5, 5])], { size: [9, 7], mode: 'nearest' }, RED);
});

// channels_last (NHWC) tensors: seal lays them out with setMemoryFormat_, torch with
// .contiguous(memory_format=torch.channels_last); values, gradients and the layouts of the
// results must agree.
const cl = (i: In): In => ({ ...i, channelsLast: true });
group('channels_last (NHWC)', () => {
  def(
    'conv2d 3x3, bias, x and w NHWC',
    'conv2d',
    [cl(rn([2, 3, 7, 7])), cl(rn([4, 3, 3, 3])), rn([4])],
    { padding: 1 },
    GEMM,
  );
  def(
    'conv2d stride 2, padding 1, no bias, x and w NHWC',
    'conv2d',
    [cl(rn([2, 4, 8, 8])), cl(rn([6, 4, 3, 3]))],
    { stride: 2, padding: 1 },
    GEMM,
  );
  def(
    'conv2d 1x1 stride 2 (a shortcut), x and w NHWC',
    'conv2d',
    [cl(rn([2, 4, 6, 6])), cl(rn([8, 4, 1, 1]))],
    { stride: 2 },
    GEMM,
  );
  def(
    'conv2d 1x1 stride 2, padding 1, 2 input channels, bias, x and w NHWC',
    'conv2d',
    [cl(rn([4, 2, 9, 9])), cl(rn([4, 2, 1, 1])), rn([4])],
    { stride: 2, padding: 1 },
    GEMM,
  );
  def(
    'conv2d 1x1 stride 2, 16 input channels (libtorch kernel), x and w NHWC',
    'conv2d',
    [cl(rn([2, 16, 6, 6])), cl(rn([8, 16, 1, 1]))],
    { stride: 2 },
    GEMM,
  );
  def(
    'conv2d gray input [2,1,7,7] with an NHWC weight (x is dense in both)',
    'conv2d',
    [rn([2, 1, 7, 7]), cl(rn([4, 1, 3, 3]))],
    { padding: 1 },
    GEMM,
  );
  def('conv2d NCHW x, NHWC weight', 'conv2d', [rn([2, 3, 6, 6]), cl(rn([4, 3, 3, 3])), rn([4])], { padding: 1 }, GEMM);
  def('conv2d NHWC x, NCHW weight', 'conv2d', [cl(rn([2, 3, 6, 6])), rn([4, 3, 3, 3]), rn([4])], { padding: 1 }, GEMM);
  def(
    'conv2d groups 2, x and w NHWC',
    'conv2d',
    [cl(rn([2, 4, 6, 6])), cl(rn([6, 2, 3, 3])), rn([6])],
    { groups: 2, padding: 1 },
    GEMM,
  );
  const stats = (c: number): In[] => [rn([c], { grad: false, scale: 0.1 }), un([c], 0.5, 1.5, { grad: false })];
  def(
    'batchNorm train, x NHWC',
    'batchNorm',
    [cl(rn([4, 3, 5, 5], { scale: 2, shift: 1 })), un([3], 0.5, 1.5), rn([3]), ...stats(3)],
    { training: true },
    RED,
  );
  def(
    'batchNorm train 8 channels, x NHWC',
    'batchNorm',
    [cl(rn([3, 8, 4, 4], { scale: 2, shift: -1 })), un([8], 0.5, 1.5), rn([8]), ...stats(8)],
    { training: true, momentum: 0.3 },
    RED,
  );
  def(
    'batchNorm eval, x NHWC',
    'batchNorm',
    [cl(rn([4, 3, 5, 5], { scale: 2, shift: 1 })), un([3], 0.5, 1.5), rn([3]), ...stats(3)],
    { training: false },
    RED,
  );
  def('maxPool2d kernel 2, x NHWC', 'maxPool2d', [cl(rn([2, 3, 6, 6]))], { kernel: 2 });
  def('maxPool2d kernel 3 stride 2 padding 1, x NHWC', 'maxPool2d', [cl(rn([2, 4, 7, 7]))], {
    kernel: 3,
    stride: 2,
    padding: 1,
  });
  def('avgPool2d kernel 2, x NHWC', 'avgPool2d', [cl(rn([2, 3, 6, 6]))], { kernel: 2 }, RED);
  def(
    'avgPool2d kernel 3 stride 2 padding 1, x NHWC',
    'avgPool2d',
    [cl(rn([2, 4, 7, 7]))],
    { kernel: 3, stride: 2, padding: 1 },
    RED,
  );
  def('adaptiveAvgPool2d global, x NHWC', 'adaptiveAvgPool2d', [cl(rn([2, 5, 4, 4]))], { out: 1 }, RED);
  def('adaptiveAvgPool2d 7x5 -> 3x3, x NHWC', 'adaptiveAvgPool2d', [cl(rn([2, 3, 7, 5]))], { out: 3 }, RED);
  def('relu, x NHWC', 'relu', [cl(rn([2, 3, 4, 4]))]);
  def('add NHWC + NHWC (the residual sum)', 'add', [cl(rn([2, 3, 4, 4])), cl(rn([2, 3, 4, 4]))]);
  def('flatten from 1 of [2,5,1,1] NHWC (pooled features)', 'flatten', [cl(rn([2, 5, 1, 1]))], { start: 1 }, EXACT);
  def('reshape [2,3,4,4] NHWC -> [2,48]', 'reshape', [cl(rn([2, 3, 4, 4]))], { shape: [2, 48] }, EXACT);
  def('mean over [2,3] of NHWC', 'mean', [cl(rn([2, 3, 4, 4]))], { dims: [2, 3] }, RED);
});

// Mixed precision: the op runs inside withAutocast('bfloat16', 'cpu') here and inside
// torch.autocast('cpu', dtype=torch.bfloat16) in the oracle; output dtypes must agree (bf16 for
// convolutions and linear layers, float32 for the loss) and gradients reach the float32 inputs.
const bf16Blocker = cpuBf16Blocker(readCpuFeatures()?.flags ?? new Set(), process.env);
if (bf16Blocker !== null)
  test('torch agreement: autocast bfloat16 (CPU)', { skip: `no bfloat16 convolutions here: ${bf16Blocker}` }, () => {});
else
  group('autocast bfloat16 (CPU)', () => {
    const bf = { autocast: 'bfloat16' };
    def('conv2d 3x3, bias', 'conv2d', [rn([2, 3, 7, 7]), rn([4, 3, 3, 3]), rn([4])], { ...bf, padding: 1 }, BF16);
    def('conv2d NHWC, stride 2', 'conv2d', [cl(rn([2, 4, 8, 8])), cl(rn([6, 4, 3, 3]))], { ...bf, stride: 2 }, BF16);
    def('linear, bias', 'linear', [rn([5, 7]), rn([3, 7]), rn([3])], bf, BF16);
    def('matmul', 'matmul', [rn([4, 6]), rn([6, 3])], bf, BF16);
    def(
      'crossEntropy with label smoothing (float32)',
      'crossEntropy',
      [rn([6, 5], { scale: 2 }), ix(0, 5, [6])],
      { ...bf, labelSmoothing: 0.1, reduction: 'mean' },
      RED,
    );
  });

group('losses: crossEntropy, nllLoss', () => {
  for (const ls of [0, 0.1]) {
    for (const reduction of ['mean', 'sum', 'none']) {
      def(
        `labelSmoothing ${ls}, reduction ${reduction}`,
        'crossEntropy',
        [rn([6, 5], { scale: 2 }), ix(0, 5, [6])],
        { labelSmoothing: ls, reduction },
        RED,
      );
    }
  }
  def(
    'class weights, labelSmoothing 0.1, mean',
    'crossEntropy',
    [rn([6, 5], { scale: 2 }), ix(0, 5, [6]), un([5], 0.5, 2, { grad: false })],
    { labelSmoothing: 0.1, reduction: 'mean' },
    RED,
  );
  def(
    'class weights, mean',
    'crossEntropy',
    [rn([6, 5], { scale: 2 }), ix(0, 5, [6]), un([5], 0.5, 2, { grad: false })],
    { reduction: 'mean' },
    RED,
  );
  def(
    'ignoreIndex -100 with labelSmoothing 0.1',
    'crossEntropy',
    [rn([5, 4], { scale: 2 }), literal([1, -100, 3, 0, -100], [5], 'int64')],
    { labelSmoothing: 0.1 },
    RED,
  );
  def(
    'ignoreIndex 2',
    'crossEntropy',
    [rn([5, 4], { scale: 2 }), literal([2, 1, 2, 0, 3], [5], 'int64')],
    { ignoreIndex: 2 },
    RED,
  );
  def(
    'float64 labelSmoothing 0.1',
    'crossEntropy',
    [rn([6, 5], { dtype: 'float64', scale: 2 }), ix(0, 5, [6])],
    { labelSmoothing: 0.1 },
    F64,
  );
  for (const reduction of ['mean', 'sum', 'none']) {
    def(`reduction ${reduction}`, 'nllLoss', [rn([6, 5]), ix(0, 5, [6])], { reduction }, RED);
  }
});

group('shapes and indexing', () => {
  def('[2,3,4] -> [4,6]', 'reshape', [rn([2, 3, 4])], { shape: [4, 6] }, EXACT);
  def('[2,3,4] -> [-1,2]', 'reshape', [rn([2, 3, 4])], { shape: [-1, 2] }, EXACT);
  def('from 1', 'flatten', [rn([2, 3, 4])], { start: 1 }, EXACT);
  def('dims 0..1', 'flatten', [rn([2, 3, 4])], { start: 0, end: 1 }, EXACT);
  def('all', 'flatten', [rn([2, 3, 4])], {}, EXACT);
  def('[2,0,1]', 'permute', [rn([2, 3, 4])], { dims: [2, 0, 1] }, EXACT);
  def('0 <-> 2', 'transpose', [rn([2, 3, 4])], { d0: 0, d1: 2 }, EXACT);
  def('-1 <-> -2', 'transpose', [rn([2, 3, 4])], { d0: -1, d1: -2 }, EXACT);
  def('[3,1,4] -> [2,3,5,4]', 'expand', [rn([3, 1, 4])], { shape: [2, 3, 5, 4] }, EXACT, RED);
  def('-1 keeps a size', 'expand', [rn([3, 1])], { shape: [-1, 4] }, EXACT, RED);
  def('dim 1 of [3,1,4]', 'squeeze', [rn([3, 1, 4])], { dim: 1 }, EXACT);
  def('dim of size 3 is a no-op', 'squeeze', [rn([3, 1, 4])], { dim: 0 }, EXACT);
  def('dim 0', 'unsqueeze', [rn([3, 4])], { dim: 0 }, EXACT);
  def('dim -1', 'unsqueeze', [rn([3, 4])], { dim: -1 }, EXACT);
  def('dim 0 of three', 'cat', [rn([2, 3]), rn([1, 3]), rn([4, 3])], { dim: 0 }, EXACT);
  def('dim 1', 'cat', [rn([2, 3]), rn([2, 1])], { dim: 1 }, EXACT);
  def('dim 0', 'stack', [rn([2, 3]), rn([2, 3]), rn([2, 3])], { dim: 0 }, EXACT);
  def('dim -1', 'stack', [rn([2, 3]), rn([2, 3])], { dim: -1 }, EXACT);
  def(
    'dim 0, repeated indices',
    'indexSelect',
    [rn([4, 3]), literal([2, 0, 2, 3, 2], [5], 'int64')],
    { dim: 0 },
    EXACT,
    RED,
  );
  def('dim 1', 'indexSelect', [rn([3, 5]), literal([4, 1], [2], 'int64')], { dim: 1 }, EXACT);
  def('dim 1', 'gather', [rn([3, 5]), ix(0, 5, [3, 4])], { dim: 1 }, EXACT, RED);
  def('dim 0', 'gather', [rn([4, 3]), ix(0, 4, [2, 3])], { dim: 0 }, EXACT, RED);
  def('dim 1, start 1, length 2', 'narrow', [rn([3, 5])], { dim: 1, start: 1, length: 2 }, EXACT);
  def('dim 0, start 2, length 2', 'narrow', [rn([4, 3])], { dim: 0, start: 2, length: 2 }, EXACT);
  def('dims [0]', 'flip', [rn([3, 4])], { dims: [0] }, EXACT);
  def('dims [0,2]', 'flip', [rn([2, 3, 4])], { dims: [0, 2] }, EXACT);
  def('constant [1,2] value 0.5', 'pad', [rn([2, 3])], { pads: [1, 2], value: 0.5 }, EXACT);
  def('constant [1,1,2,0] (last two dims)', 'pad', [rn([1, 2, 3, 3])], { pads: [1, 1, 2, 0] }, EXACT);
  def('constant negative (crop)', 'pad', [rn([2, 5])], { pads: [-1, 1] }, EXACT);
  def('reflect [2,1,1,2] on 4-D', 'pad', [rn([1, 2, 4, 5])], { pads: [2, 1, 1, 2], mode: 'reflect' }, EXACT, RED);
  def('reflect [2,2] on 3-D', 'pad', [rn([2, 2, 5])], { pads: [2, 2], mode: 'reflect' }, EXACT, RED);
  def('replicate [1,2,2,1] on 4-D', 'pad', [rn([1, 2, 3, 4])], { pads: [1, 2, 2, 1], mode: 'replicate' }, EXACT, RED);
  def('circular [1,1,1,1] on 4-D', 'pad', [rn([1, 1, 3, 4])], { pads: [1, 1, 1, 1], mode: 'circular' }, EXACT, RED);
  def('[6] classes 4', 'oneHot', [literal([0, 3, 1, 1, 2, 0], [6], 'int64')], { classes: 4 }, EXACT);
  def('[2,3] classes 6', 'oneHot', [ix(0, 6, [2, 3])], { classes: 6 }, EXACT);
});

group('to (dtype casts)', () => {
  def('float32 -> float64', 'to', [rn([3, 4])], { dtype: 'float64' }, EXACT);
  def('float64 -> float32 (rounds)', 'to', [rn([3, 4], { dtype: 'float64' })], { dtype: 'float32' }, EXACT);
  def('float32 -> float16 (rounds)', 'to', [rn([12], { grad: false, scale: 100 })], { dtype: 'float16' }, EXACT);
  def('float32 -> bfloat16 (rounds)', 'to', [rn([12], { grad: false, scale: 100 })], { dtype: 'bfloat16' }, EXACT);
  def(
    'float32 -> int64 (truncates toward zero)',
    'to',
    [rn([12], { grad: false, scale: 5 })],
    { dtype: 'int64' },
    EXACT,
  );
  def('float32 -> int32', 'to', [rn([12], { grad: false, scale: 5 })], { dtype: 'int32' }, EXACT);
  def('float32 -> bool', 'to', [literal([0, -0, 0.5, -2, NaN, Infinity], [6])], { dtype: 'bool' }, EXACT);
  def(
    'int64 -> float32',
    'to',
    [literal([0, -7, 123456789, 2 ** 40 + 1, -3], [5], 'int64')],
    { dtype: 'float32' },
    EXACT,
  );
  def(
    'int64 -> float64',
    'to',
    [literal([0, -7, 123456789, 2 ** 40 + 1, -3], [5], 'int64')],
    { dtype: 'float64' },
    EXACT,
  );
  def('bool -> float32', 'to', [boolMask([8])], { dtype: 'float32' }, EXACT);
  def('int64 -> uint8 (wraps)', 'to', [literal([0, 1, 255, 256, 300], [5], 'int64')], { dtype: 'uint8' }, EXACT);
});

group('integer tensors with number operands (dtype promotion as in Python)', () => {
  def('int64 + 1', 'add', [literal([0, 1, 2, 3], [4], 'int64')], { scalar: 1 }, EXACT);
  def('int64 * 3', 'mul', [literal([0, 1, -2, 3], [4], 'int64')], { scalar: 3 }, EXACT);
  def('int64 + 0.5 (promotes to float)', 'add', [literal([0, 1, 2, 3], [4], 'int64')], { scalar: 0.5 }, EXACT);
  def('int64 + -1 (stays int64)', 'add', [literal([0, 1, 2, 3], [4], 'int64')], { scalar: -1 }, EXACT);
  def('int64 * -2 (stays int64)', 'mul', [literal([0, 1, -2, 3], [4], 'int64')], { scalar: -2 }, EXACT);
  def('int64 - -3 (stays int64)', 'sub', [literal([0, 1, -2, 3], [4], 'int64')], { scalar: -3 }, EXACT);
  def('int64 * 0 (stays int64)', 'mul', [literal([0, 1, -2, 3], [4], 'int64')], { scalar: 0 }, EXACT);
  def('int64 + -0 (a float: promotes)', 'add', [literal([0, 1, -2, 3], [4], 'int64')], { scalar: -0 }, EXACT);
  def('int64 * -0.5 (promotes)', 'mul', [literal([0, 1, -2, 3], [4], 'int64')], { scalar: -0.5 }, EXACT);
  def(
    'int64 + int64 tensor',
    'add',
    [literal([0, 1, 2, 3], [4], 'int64'), literal([5, 6, 7, 8], [4], 'int64')],
    {},
    EXACT,
  );
});

// A JS number carries no int/float distinction, so seal maps integral numbers to integer
// Scalars (to keep integer tensors integer, as Python ints do). -0 is integral too, but it is
// a float in every language: x / -0 must be -inf for x > 0 and x * -0 must be -0.
const SIGNED_ZERO = 'number operands: -0 stays a float (IEEE signed zero)';
group(SIGNED_ZERO, () => {
  const x = (): In => literal([1, -2, 0, -0, 3.5], [5]);
  def('x / -0', 'div', [x()], { scalar: -0 }, EXACT);
  def('x * -0', 'mul', [x()], { scalar: -0 }, EXACT);
  def('x + -0', 'add', [x()], { scalar: -0 }, EXACT);
  def('x / 0 (control)', 'div', [x()], { scalar: 0 }, EXACT);
});

/** Groups that document a disagreement with torch found by this suite (see the report). */

// ---------------------------------------------------------------------------------------
// Composite checks that need the oracle: double backward, SGD, generators

// Hessian-vector product of a small 2-layer tanh MLP: loss = sum(tanh(o) * o),
// o = linear(tanh(linear(x, W1, b1)), W2, b2); H·v for v = (v1, v2, v3, v4).
const mlpLoss = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor => {
  const o = linear(linear(x, w1, b1).tanh(), w2, b2);
  return o.tanh().mul(o).sum();
};
function mlpInputs(dtype: DType): In[] {
  const f = (shape: number[], grad = true): In => rn(shape, { dtype, grad, scale: 0.7 });
  return [
    f([5, 4], false),
    f([6, 4]),
    f([6]),
    f([3, 6]),
    f([3]),
    f([6, 4], false),
    f([6], false),
    f([3, 6], false),
    f([3], false),
  ];
}
interface Hvp {
  loss: number;
  g: Float64Array[];
  hv: Float64Array[];
}
function sealHvp(ins: In[]): Hvp {
  return tidy(() => {
    const [x, w1, b1, w2, b2, ...v] = ins.map(toTensor) as [Tensor, Tensor, Tensor, Tensor, Tensor, ...Tensor[]];
    const params = [w1, b1, w2, b2];
    const loss = mlpLoss(x, w1, b1, w2, b2);
    const g = grad(loss, params, { createGraph: true }) as Tensor[];
    let gv = g[0]!.mul(v[0]!).sum();
    for (let i = 1; i < 4; i++) gv = gv.add(g[i]!.mul(v[i]!).sum());
    const hv = grad(gv, params) as Tensor[];
    const f64 = (t: Tensor): Float64Array => Float64Array.from(numbers(t.toArray()));
    return { loss: loss.item(), g: g.map(f64), hv: hv.map(f64) };
  });
}
const hvpIn32 = mlpInputs('float32');
const hvpIn64 = mlpInputs('float64');
const hvpCases = [hvpIn32, hvpIn64].map((ins) => ({
  op: 'mlpHvp',
  inputs: ins.map((i) => ({ shape: i.shape, dtype: i.dtype, data: i.data, requiresGrad: false })),
}));

// SGD: four parameters in two groups (the second with a negative lr, i.e. ascent), three
// steps of loss = sum(a * p^2 + b * p) with fresh a, b per step. p2 gets no gradient in the
// first step (grad None: skipped), so its momentum buffer is created by the second. Steps 2
// and 3 zero the existing gradients in place instead of dropping them, which (a) would expose
// a momentum buffer that aliases the gradient instead of copying it, and (b) in step 3 leaves
// p1 with a defined, zero gradient, which SGD must still apply (weight decay and momentum).
const sgdShapes = [[3, 4], [4], [5], [2, 3]];
const sgdInit = sgdShapes.map((s) => rn(s, { grad: false }));
const sgdSteps = 3;
const sgdUsed = [
  [true, true, false, true],
  [true, true, true, true],
  [true, false, true, true],
];
const sgdZeroGrad = [false, true, true];
const sgdCoef: In[] = [];
for (let s = 0; s < sgdSteps; s++)
  for (const sh of sgdShapes) sgdCoef.push(un(sh, 0.1, 1, { grad: false }), rn(sh, { grad: false }));
const sgdGroups = [
  { params: [0, 1, 2], lr: 0.1 },
  { params: [3], lr: -0.05 },
];
const sgdOpts = { momentum: 0.9, weightDecay: 5e-4 };
const sgdCase: OracleCase = {
  op: 'sgd',
  inputs: [...sgdInit, ...sgdCoef].map((i) => ({ shape: i.shape, dtype: i.dtype, data: i.data })),
  params: {
    nParams: sgdShapes.length,
    groups: sgdGroups,
    steps: sgdSteps,
    used: sgdUsed,
    zeroGrad: sgdZeroGrad,
    ...sgdOpts,
  },
};

// Generators: the same draws from seal's Generator(seed) and torch.Generator().manual_seed(seed).
type Draw =
  | { kind: 'randn' | 'rand'; shape: number[]; dtype?: DType }
  | { kind: 'uniform'; shape: number[]; low: number; high: number; dtype?: DType }
  | { kind: 'normal'; shape: number[]; mean: number; std: number; dtype?: DType }
  | { kind: 'randint'; low: number; high: number; shape: number[] }
  | { kind: 'randperm'; n: number }
  | { kind: 'state' };
const draws: Draw[] = [
  { kind: 'randn', shape: [5] },
  { kind: 'randn', shape: [4, 5] }, // >= 16 elements: libtorch's vectorized normal path
  { kind: 'rand', shape: [7] },
  { kind: 'rand', shape: [3], dtype: 'float64' },
  { kind: 'randn', shape: [17], dtype: 'float64' },
  { kind: 'randint', low: 0, high: 10, shape: [12] },
  { kind: 'randint', low: -5, high: 5, shape: [3, 4] },
  { kind: 'randperm', n: 10 },
  { kind: 'randperm', n: 40 },
  { kind: 'uniform', shape: [6], low: -2, high: 3 },
  { kind: 'normal', shape: [18], mean: 1, std: 0.5 },
  { kind: 'randn', shape: [3] },
  { kind: 'state' },
];
const genSeeds = [0, 12345, 2 ** 40 + 3];
function sealDraws(gen: Generator | undefined, list: Draw[]): OracleTensor[] {
  return tidy(() =>
    list.map((d) => {
      const generator = gen ? { generator: gen } : {};
      switch (d.kind) {
        case 'randn':
          return asOracle(randn(d.shape, { ...generator, dtype: d.dtype ?? 'float32' }));
        case 'rand':
          return asOracle(rand(d.shape, { ...generator, dtype: d.dtype ?? 'float32' }));
        case 'uniform':
          return asOracle(uniform(d.shape, d.low, d.high, { ...generator, dtype: d.dtype ?? 'float32' }));
        case 'normal':
          return asOracle(normal(d.shape, d.mean, d.std, { ...generator, dtype: d.dtype ?? 'float32' }));
        case 'randint':
          return asOracle(randint(d.low, d.high, d.shape, generator));
        case 'randperm':
          return asOracle(randperm(d.n, generator));
        case 'state': {
          if (!gen) throw new Error('state of the default generator is not exposed');
          const s = gen.getState();
          return { shape: [s.length], dtype: 'int64', data: Array.from(s) };
        }
      }
    }),
  );
}
const genCases: OracleCase[] = genSeeds.map((seed) => ({ op: 'gen', inputs: [], params: { seed, draws } }));
const defaultDraws = draws.filter((d) => d.kind !== 'state');
const defaultGenCase: OracleCase = { op: 'gen', inputs: [], params: { seed: 7, default: true, draws: defaultDraws } };

// ---------------------------------------------------------------------------------------
// One python process answers everything.

const t0 = Date.now();
const request: OracleCase[] = cases.map((c) => ({
  op: c.op,
  params: c.params,
  inputs: c.inputs.map((i) => ({
    shape: i.shape,
    dtype: i.dtype,
    data: i.data,
    requiresGrad: i.grad,
    ...(i.channelsLast ? { memoryFormat: 'channels_last' as const } : {}),
  })),
  ...('error' in c.seal || !c.seal.gradOut ? {} : { gradOut: c.seal.gradOut }),
}));
const special = [...hvpCases, sgdCase, ...genCases, defaultGenCase];
const answers = await runOracle([...request, ...special]);
const oracleMs = Date.now() - t0;
cases.forEach((c, i) => {
  const a = answers[i];
  if (a) c.oracle = a;
});
const [hvp32, hvp64, sgdAnswer, ...genAnswers] = answers.slice(cases.length) as OracleResult[];

function oracleOk(r: OracleResult | undefined, what: string): OracleResult {
  assert.ok(r, `no oracle answer for ${what}`);
  if (r.error !== undefined) assert.fail(`oracle failed on ${what}: ${r.error}`);
  return r;
}

// SEAL_DIFF_VERBOSE=1 prints the largest |seal - torch| of every comparison (to audit the tolerances).
const verbose = !!process.env['SEAL_DIFF_VERBOSE'];
function compareTensor(actual: OracleTensor, expected: OracleTensor, tol: Tolerance, label: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  // Where an input was channels_last, results must come out in torch's layout too (a forced
  // NCHW copy in seal would show here, not in the values).
  if (layoutMatters && expected.layout)
    assert.deepEqual(actual.layout, expected.layout, `${label}: layout [NCHW-dense, NHWC-dense]`);
  if (verbose)
    console.log(`maxdiff ${maxAbsDiff(actual.data, expected.data).toExponential(2)} tol ${tol.atol} ${label}`);
  assertClose(actual.data, expected.data, isFloat(expected.dtype) ? tol : EXACT, label);
}

let layoutMatters = false;
function check(c: Case): void {
  const r = oracleOk(c.oracle, c.name);
  layoutMatters = c.inputs.some((i) => i.channelsLast);
  if ('error' in c.seal) throw c.seal.error;
  const s = c.seal;
  assert.equal(s.outputs.length, r.outputs.length, `${c.name}: number of outputs`);
  s.outputs.forEach((o, k) => compareTensor(o, r.outputs[k]!, c.tol, `${c.name}: output ${k}`));
  const wantGrads = c.inputs.some((i) => i.grad);
  if (!wantGrads) return;
  assert.ok(s.grads && r.grads, `${c.name}: gradients missing (seal ${!!s.grads}, torch ${!!r.grads})`);
  c.inputs.forEach((inp, k) => {
    const a = s.grads![k] ?? null;
    const e = r.grads![k] ?? null;
    if (!inp.grad) return;
    assert.equal(
      a === null,
      e === null,
      `${c.name}: gradient of input ${k} is ${a ? 'set' : 'null'} in seal, ${e ? 'set' : 'null'} in torch`,
    );
    if (a && e) compareTensor(a, e, c.gradTol, `${c.name}: d/d input ${k}`);
  });
}

const groups = [...new Set(cases.map((c) => c.group))];
for (const name of groups) {
  test(`torch agreement: ${name}`, async (t) => {
    for (const c of cases.filter((x) => x.group === name)) await t.test(c.name, () => check(c));
  });
}

test('oracle round trip: float32 inputs reach torch bit-exactly', () => {
  // identity-like op: reshape returns the input values; any rounding in JSON would show here.
  const c = cases.find((x) => x.op === 'reshape')!;
  const r = oracleOk(c.oracle, c.name);
  assert.deepEqual(r.outputs[0]!.data, c.inputs[0]!.data);
  if (verbose) console.log(`oracle: ${cases.length + special.length} cases in ${oracleMs} ms`);
});

// ---------------------------------------------------------------------------------------
// Finite differences (seal only, float64, central differences)

/**
 * Compares the backward() gradients of f (a scalar) w.r.t. each input that requires grad
 * with central differences (f(x + h e_i) - f(x - h e_i)) / 2h, perturbing the inputs' memory
 * in place. With h = 1e-6 in float64 the truncation error is O(h^2 |f'''|) ~ 1e-12 and the
 * rounding error O(eps |f| / h) ~ 1e-9, so rtol 1e-6 / atol 1e-6 leaves a wide margin while a
 * wrong gradient (typically off by O(1e-2) or more) cannot pass.
 */
function fdCheck(
  label: string,
  inputs: Tensor[],
  f: (xs: Tensor[]) => Tensor,
  h = 1e-6,
  tol: Tolerance = { rtol: 1e-6, atol: 1e-6 },
): void {
  tidy(() => {
    for (const x of inputs) {
      assert.equal(x.dtype, 'float64');
      x.grad = null;
    }
    f(inputs).backward();
    inputs.forEach((x, k) => {
      if (!x.requiresGrad) return;
      const analytic = numbers(x.grad!.toArray());
      const buf = x.buffer() as Float64Array;
      const numeric = new Array<number>(buf.length);
      // Thousands of tiny evaluations: on one intra-op thread they cost microseconds each, where
      // OpenMP's 2-thread regions can take milliseconds when another process holds the cores.
      const threads = getNumThreads();
      setNumThreads(1);
      try {
        for (let i = 0; i < buf.length; i++) {
          const v = buf[i]!;
          buf[i] = v + h;
          const fp = noGrad(() => tidy(() => f(inputs).item()));
          buf[i] = v - h;
          const fm = noGrad(() => tidy(() => f(inputs).item()));
          buf[i] = v;
          numeric[i] = (fp - fm) / (2 * h);
        }
      } finally {
        setNumThreads(threads);
      }
      assert.ok(
        numeric.some((v) => Math.abs(v) > 1e-3),
        `${label}: input ${k} has a vanishing gradient; the check would prove nothing`,
      );
      assertClose(analytic, numeric, tol, `${label}: d/d input ${k} vs finite differences`);
    });
  });
}
const f64In = (shape: number[], o: { scale?: number; shift?: number; grad?: boolean } = {}): Tensor =>
  toTensor(rn(shape, { dtype: 'float64', ...o }));
const f64Up = (shape: number[], lo: number, hi: number, grad = true): Tensor =>
  toTensor(un(shape, lo, hi, { dtype: 'float64', grad }));

test('finite differences: conv2d (stride, padding, dilation, groups, bias)', () => {
  tidy(() => {
    const x = f64In([2, 4, 5, 5]);
    const w = f64In([4, 2, 3, 3]);
    const b = f64In([4]);
    const g = f64In([2, 4, 3, 3], { grad: false });
    fdCheck('conv2d stride [1,2] padding 1 dilation [2,1] groups 2', [x, w, b], ([x, w, b]) =>
      conv2d(x!, w!, b!, { stride: [1, 2], padding: 1, dilation: [2, 1], groups: 2 })
        .mul(g)
        .sum(),
    );
  });
});

test('finite differences: batchNorm in training mode', () => {
  tidy(() => {
    const x = f64In([4, 3, 2, 2], { scale: 2, shift: 0.5 });
    const w = f64Up([3], 0.5, 1.5);
    const b = f64In([3]);
    const g = f64In([4, 3, 2, 2], { grad: false });
    // Fresh running statistics per evaluation (training mode updates them in place).
    fdCheck('batchNorm train', [x, w, b], ([x, w, b]) =>
      tidy(() => {
        const rm = f64In([3], { grad: false, scale: 0.1 });
        const rv = f64Up([3], 0.5, 1.5, false);
        return batchNorm(x!, w!, b!, rm, rv, { training: true, momentum: 0.1, eps: 1e-5 }).mul(g).sum();
      }),
    );
  });
});

test('finite differences: crossEntropy with label smoothing', () => {
  tidy(() => {
    const logits = f64In([6, 5], { scale: 2 });
    const labels = toTensor(ix(0, 5, [6]));
    const w = f64Up([5], 0.5, 2, false);
    fdCheck('crossEntropy labelSmoothing 0.1 mean', [logits], ([l]) =>
      crossEntropy(l!, labels, { labelSmoothing: 0.1 }),
    );
    fdCheck('crossEntropy labelSmoothing 0.2 sum', [logits], ([l]) =>
      crossEntropy(l!, labels, { labelSmoothing: 0.2, reduction: 'sum' }),
    );
    fdCheck('crossEntropy labelSmoothing 0.1 with class weights', [logits], ([l]) =>
      crossEntropy(l!, labels, { labelSmoothing: 0.1, weight: w }),
    );
  });
});

test('finite differences: cdist p=2 and p=1', () => {
  tidy(() => {
    const a = f64In([2, 4, 3]);
    const b = f64In([2, 5, 3]);
    const g = f64In([2, 4, 5], { grad: false });
    fdCheck('cdist p=2', [a, b], ([a, b]) => cdist(a!, b!, 2).mul(g).sum());
    fdCheck('cdist p=1', [a, b], ([a, b]) => cdist(a!, b!, 1).mul(g).sum());
  });
});

test('finite differences: maxPool2d, logsumexp, var, norm', () => {
  tidy(() => {
    const x = f64In([1, 2, 5, 5]);
    const g = f64In([1, 2, 3, 3], { grad: false });
    fdCheck('maxPool2d k3 s2 p1', [x], ([x]) => maxPool2d(x!, 3, { stride: 2, padding: 1 }).mul(g).sum());
    const y = f64In([3, 4]);
    fdCheck('logsumexp dim 1', [y], ([y]) => y!.logsumexp(1).mul(y!.sum(1)).sum());
    fdCheck('var dim 0', [y], ([y]) => y!.var(0).square().sum());
    fdCheck('norm p=2 dim 1', [y], ([y]) => y!.norm(2, 1).exp().sum());
  });
});

// ---------------------------------------------------------------------------------------
// Double backward

test('double backward: Hessian-vector product of a 2-layer tanh MLP matches torch (float32 and float64)', () => {
  for (const [ins, ans, tol, label] of [
    [hvpIn32, hvp32, GEMM, 'float32'],
    [hvpIn64, hvp64, F64, 'float64'],
  ] as const) {
    const r = oracleOk(ans, `mlpHvp ${label}`);
    const s = sealHvp(ins);
    // torch returns [loss, g1..g4, hv1..hv4]
    assertClose([s.loss], r.outputs[0]!.data, tol, `${label} loss`);
    s.g.forEach((gi, i) => assertClose(gi, r.outputs[1 + i]!.data, tol, `${label} gradient ${i}`));
    s.hv.forEach((hi, i) => assertClose(hi, r.outputs[5 + i]!.data, tol, `${label} Hv ${i}`));
    assert.ok(
      s.hv.some((h) => h.some((v) => Math.abs(v) > 1e-2)),
      'Hv is not trivially zero',
    );
  }
});

test('double backward: Hessian-vector product matches a finite difference of gradients', () => {
  // Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε in float64; error O(ε²) ~ 1e-10 plus rounding ~1e-10.
  const eps = 1e-5;
  const s = sealHvp(hvpIn64);
  const gradAt = (sign: number): Float64Array[] =>
    tidy(() => {
      const [x, w1, b1, w2, b2, ...v] = hvpIn64.map(toTensor) as [Tensor, Tensor, Tensor, Tensor, Tensor, ...Tensor[]];
      const shifted = [w1, b1, w2, b2].map((p, i) => noGrad(() => p.add(v[i]!.mul(sign * eps))).requiresGrad_(true));
      const loss = mlpLoss(x, shifted[0]!, shifted[1]!, shifted[2]!, shifted[3]!);
      return (grad(loss, shifted) as Tensor[]).map((t) => Float64Array.from(numbers(t.toArray())));
    });
  const gp = gradAt(1);
  const gm = gradAt(-1);
  s.hv.forEach((hv, i) => {
    const fd = gp[i]!.map((v, j) => (v - gm[i]![j]!) / (2 * eps));
    assertClose(hv, fd, { rtol: 1e-6, atol: 1e-7 }, `Hv ${i} vs finite differences`);
  });
});

// ---------------------------------------------------------------------------------------
// SGD

/** seal's side of the SGD run: the same steps as the oracle's, checked after every step. */
function sgdRun(r: OracleResult, bufs: (Tensor | null)[][]): void {
  const params = sgdInit.map((i) => toTensor(i).requiresGrad_(true));
  const coef = sgdCoef.map(toTensor);
  const n = params.length;
  for (let s = 0; s < sgdSteps; s++) {
    for (const p of params) {
      const g = p.grad;
      if (sgdZeroGrad[s] && g)
        g.zero_(); // in place, as optimizer.zero_grad(set_to_none=False)
      else p.grad = null;
    }
    let loss: Tensor | null = null;
    for (let i = 0; i < n; i++) {
      if (!sgdUsed[s]![i]) continue;
      const p = params[i]!;
      const a = coef[(s * n + i) * 2]!;
      const b = coef[(s * n + i) * 2 + 1]!;
      const term = a.mul(p).mul(p).add(b.mul(p)).sum();
      loss = loss ? loss.add(term) : term;
    }
    assert.ok(loss);
    loss.backward();
    sgdGroups.forEach((g, gi) => {
      bufs[gi] = sgdStep(
        g.params.map((i) => params[i]!),
        bufs[gi]!,
        { lr: g.lr, ...sgdOpts },
      );
    });
    // A buffer exists exactly for the parameters that have had a gradient so far.
    sgdGroups.forEach((g, gi) =>
      g.params.forEach((pi, k) => {
        const seen = sgdUsed.slice(0, s + 1).some((u) => u[pi]);
        assert.equal(bufs[gi]![k] !== null, seen, `step ${s}: momentum buffer of parameter ${pi}`);
      }),
    );
    params.forEach((p, i) =>
      assertClose(numbers(p.toArray()), r.outputs[s * n + i]!.data, ELEM, `step ${s}: parameter ${i}`),
    );
  }
  sgdGroups.forEach((g, gi) =>
    g.params.forEach((pi, k) => {
      assertClose(
        numbers(bufs[gi]![k]!.toArray()),
        r.outputs[sgdSteps * n + pi]!.data,
        ELEM,
        `final momentum buffer of parameter ${pi}`,
      );
    }),
  );
  assert.notDeepEqual(numbers(params[3]!.toArray()), sgdInit[3]!.data, 'the negative-lr group moved');
}

test('sgdStep matches torch.optim.SGD (momentum 0.9, weight decay 5e-4, negative lr group, 3 steps)', () => {
  const r = oracleOk(sgdAnswer, 'sgd');
  const bufs: (Tensor | null)[][] = sgdGroups.map((g) => g.params.map(() => null));
  try {
    tidy(() => sgdRun(r, bufs));
  } finally {
    dispose(bufs); // the momentum buffers outlive the step's scope (sgdStep keep()s them)
  }
});

// ---------------------------------------------------------------------------------------
// Generators

test('seeded Generator draws equal torch.Generator().manual_seed(seed) draws', () => {
  genSeeds.forEach((seed, k) => {
    const r = oracleOk(genAnswers[k], `gen seed ${seed}`);
    const gen = new Generator(seed);
    assert.equal(gen.seed, seed);
    const got = sealDraws(gen, draws);
    got.forEach((o, i) => {
      const d = draws[i]!;
      if (d.kind === 'state') {
        assert.deepEqual(o.shape, r.outputs[i]!.shape, `seed ${seed}: state size`);
        assertClose(o.data, r.outputs[i]!.data, EXACT, `seed ${seed}: generator state bytes after the draws`);
      } else {
        compareTensor(o, r.outputs[i]!, EXACT, `seed ${seed}: draw ${i} (${d.kind})`);
      }
    });
  });
});

test('manualSeed on the default generator equals torch.manual_seed', () => {
  const r = oracleOk(genAnswers[genSeeds.length], 'default generator');
  manualSeed(7);
  const got = sealDraws(undefined, defaultDraws);
  got.forEach((o, i) =>
    compareTensor(o, r.outputs[i]!, EXACT, `default generator: draw ${i} (${defaultDraws[i]!.kind})`),
  );
});

test('Generator getState/setState reproduces a sequence; manualSeed restarts it', () => {
  const gen = new Generator(42);
  sealDraws(gen, [{ kind: 'randn', shape: [3] }]);
  const state = gen.getState();
  const seq = [...draws.filter((d) => d.kind !== 'state')];
  const first = sealDraws(gen, seq);
  gen.setState(state);
  const again = sealDraws(gen, seq);
  first.forEach((o, i) => assert.deepEqual(again[i], o, `draw ${i} after setState`));
  // A different generator given the same state continues identically too.
  const other = new Generator(1);
  other.setState(state);
  const third = sealDraws(other, seq);
  first.forEach((o, i) => assert.deepEqual(third[i], o, `draw ${i} on another generator after setState`));
  // Without restoring, the stream moves on.
  const fourth = sealDraws(gen, seq.slice(0, 1));
  assert.notDeepEqual(fourth[0], first[0]);
  gen.manualSeed(42);
  const fresh = new Generator(42);
  assert.deepEqual(sealDraws(gen, seq), sealDraws(fresh, seq));
});

test('no tensors leak from the cases (every body ran inside tidy)', () => {
  assert.equal(liveTensors(), startLive);
});
