// Tensor creation. Random draws take an optional seeded Generator; without one they use the
// default generator (seed it with manualSeed). Draws are made on the CPU and then moved, so a
// seed gives the same values on every device.
import { native, type DType, type NativeGenerator, type TypedArray } from './native.js';
import type { Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  device?: string;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

/** A seeded random stream; getState()/setState() let a run be resumed exactly. */
export class Generator {
  readonly native: NativeGenerator;
  constructor(seed: number) {
    this.native = new native.Generator(seed);
  }
  get seed(): number {
    return this.native.seed;
  }
  manualSeed(seed: number): void {
    this.native.manualSeed(seed);
  }
  getState(): Uint8Array {
    return this.native.getState();
  }
  setState(s: Uint8Array): void {
    this.native.setState(s);
  }
}

const asT = (h: unknown): Tensor => h as Tensor;

/**
 * A tensor from a typed array or a number array (copied). The dtype defaults to the array's
 * (float32 for number[]); shape defaults to 1-D.
 * @example tensor(new Float32Array([1, 2, 3, 4]), [2, 2])
 */
export function tensor(data: TypedArray | number[], shape?: number[], opts: CreateOptions = {}): Tensor {
  let arr: TypedArray;
  if (Array.isArray(data)) {
    const integer =
      opts.dtype !== undefined && opts.dtype !== 'float32' && opts.dtype !== 'float16' && opts.dtype !== 'bfloat16';
    arr = integer ? Float64Array.from(data) : Float32Array.from(data);
  } else {
    arr = data;
  }
  return asT(native.fromTypedArray(arr, shape ?? [arr.length], opts.dtype, opts.device));
}

export const empty = (shape: number[], o: CreateOptions = {}): Tensor => asT(native.empty(shape, o.dtype, o.device));
export const zeros = (shape: number[], o: CreateOptions = {}): Tensor => asT(native.zeros(shape, o.dtype, o.device));
export const ones = (shape: number[], o: CreateOptions = {}): Tensor => asT(native.ones(shape, o.dtype, o.device));
export const full = (shape: number[], value: number, o: CreateOptions = {}): Tensor =>
  asT(native.full(shape, value, o.dtype, o.device));
export const zerosLike = (t: Tensor): Tensor => zeros(t.shape, { dtype: t.dtype, device: t.device });
/**
 * Values in [start, end) by step, as torch.arange: arange(end) counts from 0; int64 when every
 * argument is an integer, float32 otherwise, unless a dtype is given.
 * @example arange(3) // int64 [0, 1, 2]; arange(0, 1, 0.25) // float32 [0, 0.25, 0.5, 0.75]
 */
export function arange(start: number, end?: number, step = 1, o: CreateOptions = {}): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  const dtype = o.dtype ?? ([a, b, step].every(Number.isInteger) ? undefined : 'float32');
  return asT(native.arange(a, b, step, dtype, o.device));
}
/** U[0, 1) */
export const rand = (shape: number[], o: RandomOptions = {}): Tensor =>
  asT(native.rand(shape, o.generator?.native, o.dtype, o.device));
/** N(0, 1) */
export const randn = (shape: number[], o: RandomOptions = {}): Tensor =>
  asT(native.randn(shape, o.generator?.native, o.dtype, o.device));
/** U[low, high) */
export const uniform = (shape: number[], low: number, high: number, o: RandomOptions = {}): Tensor =>
  asT(native.uniform(shape, low, high, o.generator?.native, o.dtype, o.device));
/** N(mean, std²) */
export const normal = (shape: number[], mean: number, std: number, o: RandomOptions = {}): Tensor =>
  asT(native.normal(shape, mean, std, o.generator?.native, o.dtype, o.device));
/** int64 integers in [low, high) */
export const randint = (low: number, high: number, shape: number[], o: Omit<RandomOptions, 'dtype'> = {}): Tensor =>
  asT(native.randint(low, high, shape, o.generator?.native, o.device));
/** A random permutation of 0..n-1 (int64). */
export const randperm = (n: number, o: Omit<RandomOptions, 'dtype'> = {}): Tensor =>
  asT(native.randperm(n, o.generator?.native, o.device));
/** Seeds the default generator. */
export const manualSeed = (seed: number): void => native.manualSeed(seed);
