// Loads the native addon and declares its surface. Only this folder talks to it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { selectOpenblasCoreType, type CoreTypeChoice } from './cpu-features.js';

export type DType =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
/** A dense layout of a 4-d tensor: 'contiguous' is NCHW, 'channels_last' is NHWC. */
export type MemoryFormat = 'contiguous' | 'channels_last';
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** What the addon's tensor handle provides; the public Tensor class extends it. */
export interface NativeTensorBase {
  dispose(): void;
  readonly isDisposed: boolean;
  readonly shape: number[];
  readonly dtype: DType;
  readonly device: string;
  readonly size: number;
  requiresGrad: boolean;
  readonly isLeaf: boolean;
  item(): number;
  _grad(): NativeTensorBase | null;
  _setGrad(g: NativeTensorBase | null): void;
  _toArray(): TypedArray;
  _view(): TypedArray;
}

export interface NativeGenerator {
  manualSeed(seed: number): void;
  readonly seed: number;
  getState(): Uint8Array;
  setState(state: Uint8Array): void;
}

type H = NativeTensorBase;
type N = H | number;
type Opt<T> = T | null | undefined;

export interface NativeAddon {
  NativeTensor: new () => NativeTensorBase;
  Generator: new (seed?: number) => NativeGenerator;
  setTensorClass(cls: new () => NativeTensorBase): void;
  liveTensors(): number;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  info(): {
    torchVersion: string;
    builtWithCuda: boolean;
    cudaAvailable: boolean;
    cudaDevices: number;
    threads: number;
    parallel: string;
    /** openblas_get_corename() and openblas_get_config(); null when the BLAS is not OpenBLAS. */
    blasCore: string | null;
    blasConfig: string | null;
  };
  synchronize(): void;
  hostReads(): number;
  setGpuMath(tf32: boolean, deterministic: boolean): void;
  gpuMath(): { tf32Convolutions: boolean; tf32Matmul: boolean; deterministic: boolean; benchmark: boolean };
  autocastEnter(device: string, dtype: string): [boolean, string];
  autocastExit(device: string, enabled: boolean, dtype: string): void;
  cpuCacheInfo(): { enabled: boolean; cachedBytes: number; hits: number; misses: number; mallocInUseBytes: number };
  releaseCpuCache(): void;
  manualSeed(seed: number): void;

  fromTypedArray(a: TypedArray, shape: number[], dtype?: DType, device?: string): H;
  empty(shape: number[], dtype?: DType, device?: string): H;
  zeros(shape: number[], dtype?: DType, device?: string): H;
  ones(shape: number[], dtype?: DType, device?: string): H;
  full(shape: number[], value: number, dtype?: DType, device?: string): H;
  arange(start: number, end: number, step: number, dtype?: DType, device?: string): H;
  rand(shape: number[], gen: Opt<NativeGenerator>, dtype?: DType, device?: string): H;
  randn(shape: number[], gen: Opt<NativeGenerator>, dtype?: DType, device?: string): H;
  uniform(shape: number[], low: number, high: number, gen: Opt<NativeGenerator>, dtype?: DType, device?: string): H;
  normal(shape: number[], mean: number, std: number, gen: Opt<NativeGenerator>, dtype?: DType, device?: string): H;
  randint(low: number, high: number, shape: number[], gen: Opt<NativeGenerator>, device?: string): H;
  randperm(n: number, gen: Opt<NativeGenerator>, device?: string): H;

  add(a: H, b: N): H;
  sub(a: H, b: N): H;
  mul(a: H, b: N): H;
  div(a: H, b: N): H;
  pow(a: H, b: N): H;
  eq(a: H, b: N): H;
  ne(a: H, b: N): H;
  lt(a: H, b: N): H;
  le(a: H, b: N): H;
  gt(a: H, b: N): H;
  ge(a: H, b: N): H;
  maximum(a: H, b: H): H;
  minimum(a: H, b: H): H;
  where(c: H, a: H, b: H): H;
  neg(a: H): H;
  exp(a: H): H;
  log(a: H): H;
  sqrt(a: H): H;
  rsqrt(a: H): H;
  abs(a: H): H;
  sign(a: H): H;
  square(a: H): H;
  sigmoid(a: H): H;
  tanh(a: H): H;
  floor(a: H): H;
  isfinite(a: H): H;
  clone(a: H): H;
  detach(a: H): H;
  contiguous(a: H, format?: MemoryFormat): H;
  isContiguous(a: H, format?: MemoryFormat): boolean;
  memoryFormat(a: H): MemoryFormat;
  setMemoryFormat_(a: H, format: MemoryFormat): void;
  clamp(a: H, min: Opt<number>, max: Opt<number>): H;
  sum(a: H, dims: Opt<number[]>, keepdim: boolean): H;
  mean(a: H, dims: Opt<number[]>, keepdim: boolean): H;
  var(a: H, dims: Opt<number[]>, correction: number, keepdim: boolean): H;
  logsumexp(a: H, dims: number[], keepdim: boolean): H;
  max(a: H, dim: Opt<number>, keepdim: boolean): H | [H, H];
  min(a: H, dim: Opt<number>, keepdim: boolean): H | [H, H];
  argmax(a: H, dim: Opt<number>, keepdim: boolean): H;
  topk(a: H, k: number, dim: number, largest: boolean, sorted: boolean): [H, H];
  sort(a: H, dim: number, descending: boolean): [H, H];
  softmax(a: H, dim: number): H;
  logSoftmax(a: H, dim: number): H;
  norm(a: H, ord: number, dims: Opt<number[]>, keepdim: boolean): H;
  cdist(a: H, b: H, p: number): H;
  matmul(a: H, b: H): H;
  reshape(a: H, shape: number[]): H;
  flatten(a: H, start: number, end: number): H;
  permute(a: H, dims: number[]): H;
  transpose(a: H, d0: number, d1: number): H;
  expand(a: H, shape: number[]): H;
  squeeze(a: H, dim: number): H;
  unsqueeze(a: H, dim: number): H;
  cat(ts: H[], dim: number): H;
  stack(ts: H[], dim: number): H;
  indexSelect(a: H, dim: number, idx: H): H;
  gather(a: H, dim: number, idx: H): H;
  narrow(a: H, dim: number, start: number, length: number): H;
  pad(a: H, pads: number[], mode: string, value: Opt<number>): H;
  flip(a: H, dims: number[]): H;
  oneHot(a: H, classes: number): H;
  to(a: H, dtype: Opt<DType>, device: Opt<string>): H;
  add_(a: H, b: N, alpha?: number): void;
  mul_(a: H, b: N): void;
  copy_(a: H, src: H): void;
  zero_(a: H): void;
  fill_(a: H, v: number): void;

  conv2d(x: H, w: H, b: Opt<H>, stride: number[], padding: number[], dilation: number[], groups: number): H;
  batchNorm(x: H, w: Opt<H>, b: Opt<H>, rm: Opt<H>, rv: Opt<H>, training: boolean, momentum: number, eps: number): H;
  relu(x: H): H;
  maxPool2d(x: H, kernel: number[], stride: number[], padding: number[], dilation: number[], ceil: boolean): H;
  avgPool2d(x: H, kernel: number[], stride: number[], padding: number[]): H;
  adaptiveAvgPool2d(x: H, out: number[]): H;
  linear(x: H, w: H, b: Opt<H>): H;
  interpolate(x: H, size: number[], mode: string, alignCorners: boolean): H;
  crossEntropy(logits: H, target: H, weight: Opt<H>, reduction: string, ignoreIndex: number, labelSmoothing: number): H;
  nllLoss(logp: H, target: H, reduction: string): H;
  sgdStep(
    params: H[],
    bufs: (H | null)[],
    lr: number,
    momentum: number,
    dampening: number,
    wd: number,
    nesterov: boolean,
  ): (H | null)[];

  backward(t: H, grad: Opt<H>, retainGraph: boolean, createGraph: boolean): void;
  grad(
    outputs: H[],
    inputs: H[],
    gradOutputs: Opt<H[]>,
    retainGraph: Opt<boolean>,
    createGraph: boolean,
    allowUnused: boolean,
  ): (H | null)[];
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  setHessianConvolutions(on: boolean): boolean;
}

function load(): NativeAddon {
  const file = fileURLToPath(new URL('../../../build/Release/seal.node', import.meta.url));
  if (!existsSync(file)) {
    throw new Error(
      `seal's native addon is not built: ${file} does not exist.\nhint: run \`npm ci\` (or \`bash scripts/setup.sh\`) in the seal folder; it builds the addon against libtorch.`,
    );
  }
  try {
    return createRequire(import.meta.url)(file) as NativeAddon;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(
      `seal's native addon at ${file} failed to load: ${msg}\nhint: the libtorch it was built against may be missing; run \`bash scripts/setup.sh\`, or rebuild with \`npm run build\` (with LIBTORCH=/path for a non-Debian libtorch).`,
    );
  }
}

/** How OPENBLAS_CORETYPE was decided; it must be settled before load() brings OpenBLAS in. */
export const openblasCoreType: CoreTypeChoice = selectOpenblasCoreType(process.env);
export const native: NativeAddon = load();
