// The public Tensor: one JS object per libtorch tensor, with chainable ops.
import { native, type DType, type MemoryFormat, type TypedArray, type NativeTensorBase } from './native.js';
import { track } from './scope.js';

export type { DType, MemoryFormat, TypedArray };
export type Operand = Tensor | number;

const T = (h: NativeTensorBase): Tensor => h as Tensor;
const pair = (r: NativeTensorBase | [NativeTensorBase, NativeTensorBase]): [Tensor, Tensor] => r as [Tensor, Tensor];

/**
 * A tensor on a device. Create tensors with tensor(), zeros(), randn(), …; never with `new`.
 * Every op returns a new Tensor; methods ending in `_` update in place and return `this`.
 * @example const y = tensor([1, 2, 3]).mul(2).sum(); y.item() // 12
 */
export class Tensor extends native.NativeTensor {
  constructor() {
    super();
    track(this);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The accumulated gradient, or null. Each read returns a new handle to the same memory. */
  get grad(): Tensor | null {
    return this._grad() as Tensor | null;
  }
  set grad(g: Tensor | null) {
    this._setGrad(g);
  }

  /** Copies the values to a new typed array (float16/bfloat16 become Float32Array, bool Uint8Array). */
  toArray(): TypedArray {
    return this._toArray();
  }
  /** Copies the values to a plain number array (int64 values above 2^53 lose precision). */
  toNumbers(): number[] {
    return Array.from(this._toArray() as ArrayLike<number | bigint>, Number);
  }
  /** Zero-copy typed array over a contiguous CPU tensor's memory; writes go to the tensor. */
  buffer(): TypedArray {
    return this._view();
  }

  add(b: Operand): Tensor {
    return T(native.add(this, b));
  }
  sub(b: Operand): Tensor {
    return T(native.sub(this, b));
  }
  mul(b: Operand): Tensor {
    return T(native.mul(this, b));
  }
  div(b: Operand): Tensor {
    return T(native.div(this, b));
  }
  pow(b: Operand): Tensor {
    return T(native.pow(this, b));
  }
  eq(b: Operand): Tensor {
    return T(native.eq(this, b));
  }
  ne(b: Operand): Tensor {
    return T(native.ne(this, b));
  }
  lt(b: Operand): Tensor {
    return T(native.lt(this, b));
  }
  le(b: Operand): Tensor {
    return T(native.le(this, b));
  }
  gt(b: Operand): Tensor {
    return T(native.gt(this, b));
  }
  ge(b: Operand): Tensor {
    return T(native.ge(this, b));
  }
  neg(): Tensor {
    return T(native.neg(this));
  }
  exp(): Tensor {
    return T(native.exp(this));
  }
  log(): Tensor {
    return T(native.log(this));
  }
  sqrt(): Tensor {
    return T(native.sqrt(this));
  }
  rsqrt(): Tensor {
    return T(native.rsqrt(this));
  }
  abs(): Tensor {
    return T(native.abs(this));
  }
  sign(): Tensor {
    return T(native.sign(this));
  }
  square(): Tensor {
    return T(native.square(this));
  }
  sigmoid(): Tensor {
    return T(native.sigmoid(this));
  }
  tanh(): Tensor {
    return T(native.tanh(this));
  }
  floor(): Tensor {
    return T(native.floor(this));
  }
  relu(): Tensor {
    return T(native.relu(this));
  }
  isfinite(): Tensor {
    return T(native.isfinite(this));
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return T(native.clamp(this, min, max));
  }

  /** Sum over dims (all when omitted). */
  sum(dims: number | number[] | null = null, keepdim = false): Tensor {
    return T(native.sum(this, dimList(dims), keepdim));
  }
  mean(dims: number | number[] | null = null, keepdim = false): Tensor {
    return T(native.mean(this, dimList(dims), keepdim));
  }
  /** Variance with Bessel's correction by default (correction = 1), as torch.var. */
  var(dims: number | number[] | null = null, correction = 1, keepdim = false): Tensor {
    return T(native.var(this, dimList(dims), correction, keepdim));
  }
  logsumexp(dims: number | number[], keepdim = false): Tensor {
    return T(native.logsumexp(this, dimList(dims) ?? [], keepdim));
  }
  /** Largest element overall. */
  max(): Tensor {
    return T(native.max(this, null, false) as NativeTensorBase);
  }
  /** [values, indices] of the maxima along dim. */
  maxAlong(dim: number, keepdim = false): [Tensor, Tensor] {
    return pair(native.max(this, dim, keepdim));
  }
  min(): Tensor {
    return T(native.min(this, null, false) as NativeTensorBase);
  }
  minAlong(dim: number, keepdim = false): [Tensor, Tensor] {
    return pair(native.min(this, dim, keepdim));
  }
  argmax(dim: number | null = null, keepdim = false): Tensor {
    return T(native.argmax(this, dim, keepdim));
  }
  /** [values, indices] of the k largest (or smallest) along dim. */
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
    return pair(native.topk(this, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false): [Tensor, Tensor] {
    return pair(native.sort(this, dim, descending));
  }
  softmax(dim: number): Tensor {
    return T(native.softmax(this, dim));
  }
  logSoftmax(dim: number): Tensor {
    return T(native.logSoftmax(this, dim));
  }
  /** Vector p-norm over dims (all when omitted), as torch.linalg.vector_norm. */
  norm(p = 2, dims: number | number[] | null = null, keepdim = false): Tensor {
    return T(native.norm(this, p, dimList(dims), keepdim));
  }
  matmul(b: Tensor): Tensor {
    return T(native.matmul(this, b));
  }

  reshape(shape: number[]): Tensor {
    return T(native.reshape(this, shape));
  }
  flatten(start = 0, end = -1): Tensor {
    return T(native.flatten(this, start, end));
  }
  permute(dims: number[]): Tensor {
    return T(native.permute(this, dims));
  }
  transpose(d0: number, d1: number): Tensor {
    return T(native.transpose(this, d0, d1));
  }
  expand(shape: number[]): Tensor {
    return T(native.expand(this, shape));
  }
  squeeze(dim: number): Tensor {
    return T(native.squeeze(this, dim));
  }
  unsqueeze(dim: number): Tensor {
    return T(native.unsqueeze(this, dim));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return T(native.indexSelect(this, dim, index));
  }
  gather(dim: number, index: Tensor): Tensor {
    return T(native.gather(this, dim, index));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return T(native.narrow(this, dim, start, length));
  }
  flip(dims: number[]): Tensor {
    return T(native.flip(this, dims));
  }
  /** A dense copy in `format` (default NCHW order), or a new handle to this tensor when it already is. */
  contiguous(format: MemoryFormat = 'contiguous'): Tensor {
    return T(native.contiguous(this, format));
  }
  isContiguous(format: MemoryFormat = 'contiguous'): boolean {
    return native.isContiguous(this, format);
  }
  /** The layout libtorch's kernels follow for this tensor; values and shape are NCHW either way. */
  get memoryFormat(): MemoryFormat {
    return native.memoryFormat(this);
  }
  /**
   * Re-lays this tensor's data out in `format`, keeping the tensor itself (parameters stay
   * parameters); values, shape, toArray() order and checkpoints are unchanged.
   */
  setMemoryFormat_(format: MemoryFormat): this {
    native.setMemoryFormat_(this, format);
    return this;
  }
  clone(): Tensor {
    return T(native.clone(this));
  }
  /** Same memory, cut from the autograd graph. */
  detach(): Tensor {
    return T(native.detach(this));
  }
  /** Converts dtype and/or moves to a device ('cpu', 'cuda', 'cuda:1'). */
  to(target: { dtype?: DType; device?: string } | string): Tensor {
    if (typeof target === 'string') {
      return isDType(target) ? T(native.to(this, target, null)) : T(native.to(this, null, target));
    }
    return T(native.to(this, target.dtype ?? null, target.device ?? null));
  }

  add_(b: Operand, alpha = 1): this {
    native.add_(this, b, alpha);
    return this;
  }
  mul_(b: Operand): this {
    native.mul_(this, b);
    return this;
  }
  copy_(src: Tensor): this {
    native.copy_(this, src);
    return this;
  }
  zero_(): this {
    native.zero_(this);
    return this;
  }
  fill_(v: number): this {
    native.fill_(this, v);
    return this;
  }
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** Backpropagates from this tensor (a scalar unless `gradient` is given). */
  backward(opts: { gradient?: Tensor; retainGraph?: boolean; createGraph?: boolean } = {}): void {
    const create = opts.createGraph ?? false;
    native.backward(this, opts.gradient ?? null, opts.retainGraph ?? create, create);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  override toString(): string {
    return this.isDisposed
      ? 'Tensor(disposed)'
      : `Tensor(${this.dtype}[${this.shape.join(',')}]${this.device === 'cpu' ? '' : ' @' + this.device})`;
  }
}

const DTYPES = new Set<string>([
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
]);
function isDType(s: string): s is DType {
  return DTYPES.has(s);
}

function dimList(d: number | number[] | null): number[] | null {
  return d === null ? null : typeof d === 'number' ? [d] : d;
}

native.setTensorClass(Tensor);
