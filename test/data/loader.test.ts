// BatchLoader and transforms: determinism, resume, drop_last=false, augmentation properties,
// normalisation and per-batch cost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors } from '../../src/backend/index.js';
import {
  BatchLoader,
  channelStats,
  hflip,
  loadDataset,
  normalizationTable,
  padCrop,
  writeSample,
  type Batch,
} from '../../src/data/index.js';
import { imageOf, syntheticSet } from './fixtures.js';

const set = syntheticSet(50, 3, 6, 5, 4);
const stats = channelStats(set);
const opts = { batchSize: 16, mean: stats.mean, std: stats.std, shuffle: true, augment: { padding: 2, flip: true } };

/** A batch as plain arrays (and its tensors disposed). */
function plain(b: Batch): { x: number[]; y: number[]; shape: number[]; index: number } {
  const out = { x: Array.from(b.x.toArray() as Float32Array), y: b.y.toNumbers(), shape: b.x.shape, index: b.index };
  b.x.dispose();
  b.y.dispose();
  return out;
}

test('batches: drop_last=false sizes, shapes and dtypes', () => {
  const loader = new BatchLoader(set, opts);
  assert.equal(loader.batchesPerEpoch, 4);
  const batches = [...loader.epoch(0)].map((b) => {
    assert.equal(b.x.dtype, 'float32');
    assert.equal(b.y.dtype, 'int64');
    return plain(b);
  });
  assert.deepEqual(
    batches.map((b) => b.shape),
    [
      [16, 3, 6, 5],
      [16, 3, 6, 5],
      [16, 3, 6, 5],
      [2, 3, 6, 5],
    ],
  );
  assert.deepEqual(
    batches.map((b) => b.index),
    [0, 1, 2, 3],
  );
  assert.equal(batches.flatMap((b) => b.y).length, 50);
});

test('the same seed gives the same batches; another seed or epoch gives others', () => {
  const a = [...new BatchLoader(set, opts).epoch(3)].map(plain);
  const b = [...new BatchLoader(set, opts).epoch(3)].map(plain);
  assert.deepEqual(a, b);
  const c = [...new BatchLoader(set, { ...opts, seed: 1 }).epoch(3)].map(plain);
  assert.notDeepEqual(c, a);
  const d = [...new BatchLoader(set, opts).epoch(4)].map(plain);
  assert.notDeepEqual(d, a);
});

test('an epoch started at batch b equals the tail of the full epoch (resume)', () => {
  const full = [...new BatchLoader(set, opts).epoch(2)].map(plain);
  const loader = new BatchLoader(set, opts);
  [...loader.epoch(1)].map(plain); // a fresh loader that last saw another epoch
  const tail = [...new BatchLoader(set, opts).epoch(2, 2)].map(plain);
  assert.deepEqual(tail, full.slice(2));
  assert.deepEqual(plain(loader.batch(2, 1)), full[1]);
});

test('shuffling without augmentation visits every image once per epoch, in a new order each epoch', () => {
  const loader = new BatchLoader(set, { ...opts, augment: {} });
  const lut = normalizationTable(stats.mean, stats.std, 3);
  const firstPixels = (e: number): number[] =>
    [...loader.epoch(e)].flatMap((b) => {
      const p = plain(b);
      const per = 3 * 6 * 5;
      return Array.from({ length: p.y.length }, (_, k) => lut.indexOf(p.x[k * per]!)); // pixel 0 = image index
    });
  const e0 = firstPixels(0);
  assert.deepEqual(
    [...e0].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.notDeepEqual(firstPixels(1), e0);
  const evalLoader = new BatchLoader(set, { batchSize: 16, mean: stats.mean, std: stats.std });
  assert.deepEqual(
    [...evalLoader.epoch(0)].flatMap((b) => plain(b).y),
    Array.from(set.labels),
    'evaluation keeps the dataset order',
  );
});

test('augmentation: flip twice is the identity; crop offsets and flips match the uint8 reference', () => {
  const [c, h, w] = [3, 6, 5];
  const img = imageOf(set, 7);
  assert.deepEqual(hflip(hflip(img, c, h, w), c, h, w), img);
  assert.notDeepEqual(hflip(img, c, h, w), img);
  assert.deepEqual(padCrop(img, c, h, w, 2, 2, 2), img, 'the centre crop of the padded image is the image');
  const lut = normalizationTable(stats.mean, stats.std, c);
  const norm = (u: Uint8Array): Float32Array => Float32Array.from(u, (v, i) => lut[Math.floor(i / (h * w)) * 256 + v]!);
  for (const [dx, dy, flip] of [
    [0, 0, false],
    [4, 1, true],
    [3, 4, false],
    [1, 0, true],
    [2, 2, true],
  ] as const) {
    const out = new Float32Array(c * h * w);
    writeSample(img, 0, out, 0, c, h, w, lut, { padding: 2, dx, dy, flip });
    const ref = padCrop(img, c, h, w, 2, dx, dy);
    assert.deepEqual(out, norm(flip ? hflip(ref, c, h, w) : ref), `dx=${dx} dy=${dy} flip=${flip}`);
  }
  // In the loader, a crop keeps the shape, and padding shows as normalised zeros.
  const x = [...new BatchLoader(set, opts).epoch(0)].map(plain)[0]!;
  assert.deepEqual(x.shape, [16, 3, 6, 5]);
  assert.ok(
    x.x.some((v) => v === lut[0]),
    'some pixels come from the zero padding',
  );
});

test('normalisation: batch pixels have mean ~0 and std ~1 over the training set', async () => {
  const check = (loader: BatchLoader, tol: number): void => {
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (const b of loader.epoch(0)) {
      const x = b.x.toArray() as Float32Array;
      for (const v of x) {
        s += v;
        s2 += v * v;
      }
      n += x.length;
      b.x.dispose();
      b.y.dispose();
    }
    assert.ok(Math.abs(s / n) < tol, `mean ${s / n}`);
    assert.ok(Math.abs(Math.sqrt(s2 / n - (s / n) ** 2) - 1) < tol, `std ${Math.sqrt(s2 / n)}`);
  };
  check(new BatchLoader(set, { batchSize: 16, mean: stats.mean, std: stats.std }), 1e-5);
  const mnist = await loadDataset('mnist');
  check(new BatchLoader(mnist.train, { batchSize: 500, mean: mnist.mean, std: mnist.std }), 2e-3);
});

test('per-batch cost of 128 augmented 28x28 images, and no leaked tensors', async (t) => {
  const data = await loadDataset('mnist', { limitTrain: 12800 });
  const loader = new BatchLoader(data.train, {
    batchSize: 128,
    mean: data.mean,
    std: data.std,
    shuffle: true,
    augment: { padding: 2, flip: true },
  });
  const before = liveTensors();
  plain(loader.batch(0, 0)); // plans the epoch (permutation and draws) outside the timing
  const t0 = performance.now();
  for (const b of loader.epoch(0, 1)) {
    b.x.dispose();
    b.y.dispose();
  }
  const ms = (performance.now() - t0) / (loader.batchesPerEpoch - 1);
  t.diagnostic(`${ms.toFixed(3)} ms per batch of 128 augmented 28x28 images`);
  assert.equal(liveTensors(), before);
  assert.ok(ms < 25, `${ms} ms per batch`);
});
