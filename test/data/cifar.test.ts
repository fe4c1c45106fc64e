// CIFAR-10 / CIFAR-100 binary readers on batches generated in a temp folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadCifar, loadDataset, PUBLISHED_STATS } from '../../src/data/index.js';
import { dataError, imageOf, pattern, put, tempDir } from './fixtures.js';

const PIX = 3072;

/** A batch file of records: label byte(s), then 3072 pattern pixels seeded by `ids[k]`. */
function batch(ids: number[], labelsOf: (id: number) => number[]): Buffer {
  const rec = labelsOf(0).length + PIX;
  const b = Buffer.alloc(ids.length * rec);
  ids.forEach((id, k) => {
    labelsOf(id).forEach((l, j) => {
      b[k * rec + j] = l;
    });
    for (let p = 0; p < PIX; p++) b[k * rec + labelsOf(id).length + p] = pattern(id, p);
  });
  return b;
}

const NAMES10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function writeCifar10(dir: string): void {
  for (let k = 1; k <= 5; k++)
    put(
      join(dir, `data_batch_${k}.bin`),
      batch([3 * k, 3 * k + 1, 3 * k + 2], (id) => [id % 10]),
    );
  put(
    join(dir, 'test_batch.bin'),
    batch([100, 101, 102, 103], (id) => [id % 10]),
  );
  put(join(dir, 'batches.meta.txt'), NAMES10.join('\n') + '\n\n');
}

test('CIFAR-10 binary batches: counts, labels, channel-major pixels, names, published stats, cache', async (t) => {
  const { dir, cleanup } = tempDir('cifar10');
  t.after(cleanup);
  const folder = join(dir, 'cifar-10-batches-bin');
  writeCifar10(folder);
  // The parent folder works as well as the batches folder.
  for (const root of [folder, dir]) {
    const { train, test: tst } = await loadCifar(root, 'cifar10');
    assert.equal(train.count, 15);
    assert.equal(tst.count, 4);
    assert.deepEqual([train.channels, train.height, train.width, train.numClasses], [3, 32, 32, 10]);
    assert.deepEqual(
      Array.from(train.labels),
      Array.from({ length: 15 }, (_, i) => (i + 3) % 10),
    );
    assert.deepEqual(train.classNames, NAMES10);
    // Record 4 of the train split is id 7 (batch 2, first record); its pixels are stored as-is.
    assert.deepEqual(
      imageOf(train, 4),
      Uint8Array.from({ length: PIX }, (_, p) => pattern(7, p)),
    );
    assert.deepEqual(
      imageOf(tst, 3),
      Uint8Array.from({ length: PIX }, (_, p) => pattern(103, p)),
    );
  }
  const cacheDir = join(dir, 'cache');
  const first = await loadDataset(`cifar10:${dir}`, { cacheDir });
  assert.equal(first.source.fromCache, false);
  assert.deepEqual(first.mean, PUBLISHED_STATS.cifar10.mean);
  assert.deepEqual(first.std, PUBLISHED_STATS.cifar10.std);
  const second = await loadDataset(`cifar10:${dir}`, { cacheDir });
  assert.equal(second.source.fromCache, true);
  assert.deepEqual(second.train.images, first.train.images);
  assert.deepEqual(second.test.labels, first.test.labels);
  assert.deepEqual(second.train.classNames, NAMES10);
});

test('CIFAR-100 uses the fine label (second byte) and fine_label_names.txt', async (t) => {
  const { dir, cleanup } = tempDir('cifar100');
  t.after(cleanup);
  // coarse = id % 20, fine = (id * 7) % 100
  put(
    join(dir, 'train.bin'),
    batch([1, 2, 3, 4, 5], (id) => [id % 20, (id * 7) % 100]),
  );
  put(
    join(dir, 'test.bin'),
    batch([50, 51], (id) => [id % 20, (id * 7) % 100]),
  );
  const names = Array.from({ length: 100 }, (_, i) => `class${i}`);
  put(join(dir, 'fine_label_names.txt'), names.join('\n'));
  const data = await loadDataset(`cifar100:${dir}`, { cacheDir: null });
  assert.deepEqual(Array.from(data.train.labels), [7, 14, 21, 28, 35]);
  assert.deepEqual(Array.from(data.test.labels), [50, 57]);
  assert.equal(data.train.numClasses, 100);
  assert.equal(data.train.classNames[21], 'class21');
  assert.deepEqual(
    imageOf(data.train, 2),
    Uint8Array.from({ length: PIX }, (_, p) => pattern(3, p)),
  );
  assert.deepEqual(data.mean, PUBLISHED_STATS.cifar100.mean);
});

test('CIFAR errors: a cut-short batch, a missing batch, a missing folder', async (t) => {
  const { dir, cleanup } = tempDir('cifar-bad');
  t.after(cleanup);
  writeCifar10(dir);
  const cut = put(join(dir, 'data_batch_2.bin'), batch([1, 2], (id) => [id]).subarray(0, 3073 + 100));
  await assert.rejects(loadCifar(dir, 'cifar10'), dataError('DATA_CORRUPT', cut, '3073-byte', 'has 3173 bytes'));
  const { dir: d2, cleanup: c2 } = tempDir('cifar-missing');
  t.after(c2);
  writeCifar10(d2);
  const { rmSync } = await import('node:fs');
  rmSync(join(d2, 'data_batch_3.bin'));
  await assert.rejects(
    loadCifar(d2, 'cifar10'),
    dataError('DATA_MISSING', d2, 'lacks data_batch_3.bin', 'CIFAR-10 binary version'),
  );
  await assert.rejects(
    loadDataset(`cifar100:${join(d2, 'nope')}`, { cacheDir: null }),
    dataError('DATA_MISSING', join(d2, 'nope'), 'train.bin'),
  );
});
