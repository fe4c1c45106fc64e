// Pure helpers over ImageSets: validation, subsets, class counts and pixel statistics.
import { randperm } from '../backend/index.js';
import { DataError } from './data-error.js';
import { streamGenerator } from './seed.js';
import type { ImageSet } from './types.js';

/** Bytes of one image. */
export const imageBytes = (set: Pick<ImageSet, 'channels' | 'height' | 'width'>): number =>
  set.channels * set.height * set.width;

/**
 * Checks that an ImageSet is self-consistent (buffer sizes, label range, class names) and
 * returns it; `where` names the source in the error.
 */
export function checkImageSet(set: ImageSet, where: string): ImageSet {
  const per = imageBytes(set);
  const problems: string[] = [];
  if (set.images.length !== set.count * per)
    problems.push(
      `${set.images.length} image bytes for ${set.count} images of ${set.channels}x${set.height}x${set.width} (expected ${set.count * per})`,
    );
  if (set.labels.length !== set.count) problems.push(`${set.labels.length} labels for ${set.count} images`);
  if (set.classNames.length !== set.numClasses)
    problems.push(`${set.classNames.length} class names for ${set.numClasses} classes`);
  for (let i = 0; i < set.labels.length && problems.length === 0; i++) {
    const l = set.labels[i]!;
    if (l < 0 || l >= set.numClasses) problems.push(`label ${l} at index ${i} is outside 0..${set.numClasses - 1}`);
  }
  if (problems.length > 0) {
    throw new DataError(
      'DATA_CORRUPT',
      `${where}: the ${set.name} split is inconsistent: ${problems.join('; ')}.`,
      'the source files are damaged or were cut short; fetch or regenerate them.',
      { path: where },
    );
  }
  return set;
}

/** Number of images of each class. */
export function classCounts(set: Pick<ImageSet, 'labels' | 'numClasses'>): number[] {
  const counts = new Array<number>(set.numClasses).fill(0);
  for (const l of set.labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/** A new ImageSet holding copies of the images at `indices`, in that order. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>, name = set.name): ImageSet {
  const per = imageBytes(set);
  const images = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(set.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = set.labels[i]!;
  }
  const rootIndices = Int32Array.from(indices, (i) => set.origin?.indices[i] ?? i);
  return {
    ...set,
    name,
    images,
    labels,
    count: indices.length,
    classNames: [...set.classNames],
    origin: { root: set.origin?.root ?? set, indices: rootIndices },
  };
}

/**
 * A stratified random subset of `limit` images: each class keeps its share of `limit` (rounded by
 * largest remainder, so the total is exact), chosen by a permutation seeded from (seed, set.name).
 * The same set, limit and seed always give the same subset; it keeps the original image order.
 * A limit at or above the set's size returns the set unchanged.
 * @example const small = stratifiedSubset(splits.train, 1000, 0) // 100 per class on Fashion-MNIST
 */
export function stratifiedSubset(set: ImageSet, limit: number, seed: number): ImageSet {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DataError(
      'DATA_OPTION',
      `a subset limit for the ${set.name} split must be a positive integer; got ${limit}.`,
      'leave the limit out to use every image, or pass a whole number such as 1000.',
    );
  }
  if (limit >= set.count) return set;
  const counts = classCounts(set);
  // Integer arithmetic for the shares, so no rounding error can change the total.
  const quota = counts.map((n) => Math.floor((limit * n) / set.count));
  const rest = counts.map((n, c) => limit * n - quota[c]! * set.count);
  let missing = limit - quota.reduce((a, b) => a + b, 0);
  const order = counts.map((_, c) => c).sort((a, b) => rest[b]! - rest[a]! || a - b);
  for (const c of order) {
    if (missing === 0) break;
    quota[c]! += 1;
    missing -= 1;
  }
  const perm = randperm(set.count, { generator: streamGenerator(seed, 'subset', set.name) });
  const order64 = perm.toArray() as BigInt64Array;
  perm.dispose();
  const chosen: number[] = [];
  for (const v of order64) {
    const i = Number(v);
    const l = set.labels[i]!;
    if (quota[l]! > 0) {
      quota[l]! -= 1;
      chosen.push(i);
    }
  }
  chosen.sort((a, b) => a - b);
  return selectImages(set, chosen);
}

/**
 * Per-channel mean and (population) standard deviation of the pixels, in [0, 1] units.
 * Exact: it counts a 256-bin histogram per channel, then sums over the bins.
 */
export function channelStats(set: ImageSet): { mean: number[]; std: number[] } {
  const plane = set.height * set.width;
  const hist = new Float64Array(set.channels * 256);
  const { images, channels } = set;
  for (let i = 0, off = 0; i < set.count; i++) {
    for (let c = 0; c < channels; c++, off += plane) {
      const base = c * 256;
      for (let p = off, end = off + plane; p < end; p++) hist[base + images[p]!]! += 1;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  const n = set.count * plane;
  for (let c = 0; c < channels; c++) {
    let s = 0;
    let s2 = 0;
    for (let v = 0; v < 256; v++) {
      const k = hist[c * 256 + v]!;
      s += k * v;
      s2 += k * v * v;
    }
    const m = n > 0 ? s / n : 0;
    mean.push(m / 255);
    std.push(n > 0 ? Math.sqrt(Math.max(0, s2 / n - m * m)) / 255 : 0);
  }
  return { mean, std };
}
