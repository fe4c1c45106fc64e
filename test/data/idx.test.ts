// IDX reader: round trips of generated files (raw and gzipped) and its error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { channelStats, loadDataset, loadIdxFolder, loadIdxPair, readIdxImages } from '../../src/data/index.js';
import { dataError, idxImages, idxLabels, pattern, put, tempDir } from './fixtures.js';

const H = 5;
const W = 4;
const trainLabels = [0, 1, 2, 0, 1, 2, 0];
const testLabels = [2, 1, 0];

/** Writes the four files of an IDX folder, gzipped or raw. */
function writeIdxFolder(dir: string, gz: boolean): void {
  const ext = gz ? '.gz' : '';
  const z = (b: Buffer): Buffer => (gz ? gzipSync(b) : b);
  put(join(dir, `train-images-idx3-ubyte${ext}`), z(idxImages(trainLabels.length, H, W, pattern)));
  put(join(dir, `train-labels-idx1-ubyte${ext}`), z(idxLabels(trainLabels)));
  put(join(dir, `t10k-images-idx3-ubyte${ext}`), z(idxImages(testLabels.length, H, W, (i, p) => pattern(i + 100, p))));
  put(join(dir, `t10k-labels-idx1-ubyte${ext}`), z(idxLabels(testLabels)));
}

for (const gz of [false, true]) {
  test(`IDX round trip (${gz ? 'gzipped' : 'raw'} files)`, async (t) => {
    const { dir, cleanup } = tempDir('idx');
    t.after(cleanup);
    writeIdxFolder(dir, gz);
    const { train, test: tst } = await loadIdxFolder(dir);
    assert.equal(train.count, 7);
    assert.equal(tst.count, 3);
    assert.deepEqual([train.channels, train.height, train.width], [1, H, W]);
    assert.deepEqual(Array.from(train.labels), trainLabels);
    assert.deepEqual(Array.from(tst.labels), testLabels);
    assert.equal(train.numClasses, 3);
    assert.deepEqual(train.classNames, ['0', '1', '2']);
    for (let i = 0; i < 7; i++)
      for (let p = 0; p < H * W; p++) assert.equal(train.images[i * H * W + p], pattern(i, p));
    assert.equal(tst.images[2 * H * W + 3], pattern(102, 3));
    // idx:PATH sources normalise with statistics computed from the training images.
    const data = await loadDataset(`idx:${dir}`, { cacheDir: null });
    assert.deepEqual(data.mean, channelStats(train).mean);
    assert.deepEqual(data.std, channelStats(train).std);
    assert.equal(data.source.kind, 'idx');
  });
}

test('a gzipped IDX folder is inflated once and then read from the decoded cache; a raw one is read as it is', async (t) => {
  const { dir, cleanup } = tempDir('idx-cache');
  t.after(cleanup);
  const cacheDir = join(dir, 'cache');
  writeIdxFolder(join(dir, 'gz'), true);
  writeIdxFolder(join(dir, 'raw'), false);
  const first = await loadDataset(`idx:${join(dir, 'gz')}`, { cacheDir });
  const second = await loadDataset(`idx:${join(dir, 'gz')}`, { cacheDir });
  assert.deepEqual([first.source.fromCache, second.source.fromCache], [false, true]);
  assert.match(second.source.cacheFile ?? '', /idx-[0-9a-f]{32}\.bin$/);
  assert.deepEqual(second.train.images, first.train.images);
  assert.deepEqual(second.test.labels, first.test.labels);
  assert.deepEqual([second.mean, second.std], [first.mean, first.std]);
  // A rewritten file (another size or time) is a new key, so the old bytes are never served.
  put(join(dir, 'gz', 'train-labels-idx1-ubyte.gz'), gzipSync(idxLabels([2, 2, 1, 0, 1, 2, 0])));
  const changed = await loadDataset(`idx:${join(dir, 'gz')}`, { cacheDir });
  assert.equal(changed.source.fromCache, false);
  assert.deepEqual(Array.from(changed.train.labels), [2, 2, 1, 0, 1, 2, 0]);
  for (let i = 0; i < 2; i++) {
    const raw = await loadDataset(`idx:${join(dir, 'raw')}`, { cacheDir });
    assert.deepEqual([raw.source.fromCache, raw.source.cacheFile], [false, null]);
  }
});

test('an IDX file with the wrong magic number is an error naming the file and both numbers', async (t) => {
  const { dir, cleanup } = tempDir('idx-magic');
  t.after(cleanup);
  // A label file where the images file should be.
  const file = put(join(dir, 'train-images-idx3-ubyte'), idxLabels([1, 2, 3]));
  await assert.rejects(
    readIdxImages(file),
    dataError('DATA_FORMAT', file, 'magic number 2051', 'magic number 2049', 'an IDX label file'),
  );
  const junk = put(join(dir, 'junk'), Buffer.from('hello world, not idx'));
  await assert.rejects(readIdxImages(junk), dataError('DATA_FORMAT', junk, 'not an IDX uint8 header'));
});

test('a label count that differs from the image count names both files and both counts', async (t) => {
  const { dir, cleanup } = tempDir('idx-count');
  t.after(cleanup);
  const images = put(join(dir, 'imgs.gz'), gzipSync(idxImages(6, H, W, pattern)));
  const labels = put(join(dir, 'labels'), idxLabels([0, 1, 0, 1, 0]));
  await assert.rejects(
    loadIdxPair(images, labels, 'train'),
    dataError('DATA_MISMATCH', images, labels, '5 labels', '6 images'),
  );
});

test('a truncated IDX file and a missing one are clear errors', async (t) => {
  const { dir, cleanup } = tempDir('idx-trunc');
  t.after(cleanup);
  writeIdxFolder(dir, false);
  const file = put(join(dir, 'train-images-idx3-ubyte'), idxImages(7, H, W, pattern).subarray(0, 16 + 7 * H * W - 3));
  await assert.rejects(
    loadIdxFolder(dir),
    dataError('DATA_CORRUPT', file, `needs ${16 + 7 * H * W} bytes`, `has ${16 + 7 * H * W - 3}`),
  );
  const { dir: d2, cleanup: c2 } = tempDir('idx-missing');
  t.after(c2);
  put(join(d2, 'train-images-idx3-ubyte'), idxImages(1, H, W, pattern));
  await assert.rejects(
    loadIdxFolder(d2),
    dataError('DATA_MISSING', d2, 'train-labels-idx1-ubyte', 'train-images-idx3-ubyte'),
  );
});
