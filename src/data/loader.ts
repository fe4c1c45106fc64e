// Batches of an ImageSet as tensors. Every epoch's order and augmentation come from generators
// seeded by (seed, purpose, epoch) alone, and are drawn for the whole epoch up front, so batch b
// of epoch e is the same whether the epoch is run from its start or resumed at b.
import { empty, randint, randperm, type Tensor } from '../backend/index.js';
import { streamGenerator } from './seed.js';
import { normalizationTable, writeSample, type AugmentParams } from './transforms.js';
import type { ImageSet } from './types.js';

/** Training-time augmentation; each part is off unless set. */
export interface AugmentOptions {
  /** Zero padding on every side before a random H x W crop (e.g. 4 for 32x32, 2 for 28x28). */
  padding?: number;
  /** Random horizontal flip with probability 1/2. */
  flip?: boolean;
}

/** Options of a BatchLoader. */
export interface BatchLoaderOptions {
  batchSize: number;
  /** Per-channel normalisation in [0, 1] units (DatasetSplits.mean / .std). */
  mean: readonly number[];
  std: readonly number[];
  /** Base seed of the shuffling and augmentation streams; default 0. */
  seed?: number;
  /** Visit the images in a new seeded order each epoch; default false (dataset order). */
  shuffle?: boolean;
  /** Random crop / flip; default none. */
  augment?: AugmentOptions;
  /** Device for the batches; default 'cpu'. */
  device?: string;
}

/** One batch: x float32 [B,C,H,W] (normalised), y int64 [B]; `index` is the batch's position in its epoch. */
export interface Batch {
  x: Tensor;
  y: Tensor;
  index: number;
}

/** What an epoch draws: the image order and, when augmenting, 3 ints (dx, dy, flip) per position. */
interface EpochPlan {
  epoch: number;
  order: Int32Array;
  aug: Int32Array | null;
}

/**
 * Cuts an ImageSet into batches (the last one smaller when the size does not divide), shuffled
 * and augmented per epoch from (seed, epoch). Batch tensors belong to the caller: dispose them.
 * @example
 * const loader = new BatchLoader(data.train, { batchSize: 128, mean: data.mean, std: data.std, shuffle: true, augment: { padding: 2, flip: true } });
 * for (const { x, y } of loader.epoch(epoch)) { tidy(() => step(x, y)); x.dispose(); y.dispose(); }
 */
export class BatchLoader {
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly lut: Float32Array;
  private readonly labels64: BigInt64Array;
  private readonly padding: number;
  private readonly flip: boolean;
  private plan: EpochPlan | null = null;

  constructor(
    readonly set: ImageSet,
    readonly options: BatchLoaderOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
      throw new RangeError(`batchSize must be a positive integer; got ${options.batchSize}`);
    this.padding = options.augment?.padding ?? 0;
    if (!Number.isInteger(this.padding) || this.padding < 0)
      throw new RangeError(`augment.padding must be a whole number >= 0; got ${this.padding}`);
    this.flip = options.augment?.flip ?? false;
    this.batchSize = options.batchSize;
    this.batchesPerEpoch = Math.ceil(set.count / options.batchSize);
    this.lut = normalizationTable(options.mean, options.std, set.channels);
    // int64 labels once, so a batch's y is a plain copy.
    this.labels64 = BigInt64Array.from(set.labels, (l) => BigInt(l));
  }

  /** Whether batches are augmented (random crop and/or flip). */
  get augments(): boolean {
    return this.padding > 0 || this.flip;
  }

  /** The epoch's order and augmentation draws (memoised for the latest epoch asked for). */
  private planFor(epoch: number): EpochPlan {
    if (this.plan?.epoch === epoch) return this.plan;
    const n = this.set.count;
    const seed = this.options.seed ?? 0;
    let order: Int32Array;
    if (this.options.shuffle === true) {
      const perm = randperm(n, { generator: streamGenerator(seed, 'shuffle', epoch) });
      order = Int32Array.from(perm.toArray() as BigInt64Array, Number);
      perm.dispose();
    } else {
      order = Int32Array.from({ length: n }, (_, i) => i);
    }
    let aug: Int32Array | null = null;
    if (this.augments) {
      // Drawn per epoch position: [dx, dy, flip] for position i at 3i..3i+2.
      const gen = streamGenerator(seed, 'augment', epoch);
      const offsets = randint(0, 2 * this.padding + 1, [n, 2], { generator: gen });
      const flips = randint(0, 2, [n], { generator: gen });
      const o = offsets.toArray() as BigInt64Array;
      const f = flips.toArray() as BigInt64Array;
      offsets.dispose();
      flips.dispose();
      aug = new Int32Array(3 * n);
      for (let i = 0; i < n; i++) {
        aug[3 * i] = Number(o[2 * i]);
        aug[3 * i + 1] = Number(o[2 * i + 1]);
        aug[3 * i + 2] = this.flip ? Number(f[i]) : 0;
      }
    }
    this.plan = { epoch, order, aug };
    return this.plan;
  }

  /** Batch `index` (0-based) of `epoch`. */
  batch(epoch: number, index: number): Batch {
    if (!Number.isInteger(index) || index < 0 || index >= this.batchesPerEpoch) {
      throw new RangeError(
        `batch index ${index} is outside 0..${this.batchesPerEpoch - 1} (${this.set.count} images in batches of ${this.batchSize})`,
      );
    }
    const { order, aug } = this.planFor(epoch);
    const { channels: c, height: h, width: w } = this.set;
    const per = c * h * w;
    const start = index * this.batchSize;
    const b = Math.min(this.batchSize, this.set.count - start);
    // Filled in place through zero-copy views of fresh CPU tensors.
    let x = empty([b, c, h, w]);
    let y = empty([b], { dtype: 'int64' });
    const xs = x.buffer() as Float32Array;
    const ys = y.buffer() as BigInt64Array;
    const params: AugmentParams = { padding: this.padding, dx: this.padding, dy: this.padding, flip: false };
    for (let k = 0; k < b; k++) {
      const pos = start + k;
      const i = order[pos]!;
      if (aug !== null) {
        params.dx = aug[3 * pos]!;
        params.dy = aug[3 * pos + 1]!;
        params.flip = aug[3 * pos + 2] === 1;
      }
      writeSample(this.set.images, i * per, xs, k * per, c, h, w, this.lut, params);
      ys[k] = this.labels64[i]!;
    }
    const device = this.options.device ?? 'cpu';
    if (device !== 'cpu') {
      const [xd, yd] = [x.to(device), y.to(device)];
      x.dispose();
      y.dispose();
      [x, y] = [xd, yd];
    }
    return { x, y, index };
  }

  /** The batches of `epoch` from batch `startBatch` (default 0) to the end. */
  *epoch(epoch: number, startBatch = 0): IterableIterator<Batch> {
    for (let b = startBatch; b < this.batchesPerEpoch; b++) yield this.batch(epoch, b);
  }
}
