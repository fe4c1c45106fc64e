// Hostile datasets: stray labels, one class, flat colours and a gzip bomb, each one clear error
// (or, for a channel that never varies, a sane normalisation) before anything trains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset, loadIdxFolder, planImageFolder, readIdxImages, readIdxLabels } from '../../src/data/index.js';
import { dataError, idxImages, idxLabels, pattern, put, tempDir, writeImage } from '../data/fixtures.js';
import { refused, seal, snapshot, unchanged } from './support.js';

function idxFolder(dir: string, train: number[], test: number[]): void {
  put(join(dir, 'train-images-idx3-ubyte'), idxImages(train.length, 6, 6, pattern));
  put(join(dir, 'train-labels-idx1-ubyte'), idxLabels(train));
  put(
    join(dir, 't10k-images-idx3-ubyte'),
    idxImages(test.length, 6, 6, (i, p) => pattern(i + 50, p)),
  );
  put(join(dir, 't10k-labels-idx1-ubyte'), idxLabels(test));
}

test('an IDX label outside the classes (200 among 0..9) is refused, naming the file, the label and where', async (t) => {
  const { dir, cleanup } = tempDir('hostile-idx-label');
  t.after(cleanup);
  const labels = Array.from({ length: 20 }, (_, i) => i % 10);
  labels[13] = 200;
  idxFolder(dir, labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const file = join(dir, 'train-labels-idx1-ubyte');
  await assert.rejects(
    loadIdxFolder(dir),
    dataError(
      'DATA_CORRUPT',
      file,
      'has label 200 (at index 13)',
      'classes 0..200 are inferred',
      '190 of them have no image',
    ),
  );
  const before = snapshot(dir);
  refused(
    seal(['train', '--dataset', `idx:${dir}`, '--out', join(dir, 'run')]),
    1,
    `${file} has label 200 (at index 13)`,
  );
  unchanged(dir, before);
});

test('one class (IDX labels all 0, or one class folder) is refused: a classifier needs two', async (t) => {
  const { dir, cleanup } = tempDir('hostile-one-class');
  t.after(cleanup);
  idxFolder(join(dir, 'idx'), [0, 0, 0, 0], [0, 0]);
  await assert.rejects(
    loadIdxFolder(join(dir, 'idx')),
    dataError('DATA_FORMAT', 'train-labels-idx1-ubyte labels every image 0', 'at least two'),
  );
  const folder = join(dir, 'folder');
  for (let i = 0; i < 3; i++) await writeImage(join(folder, 'cats', `${i}.png`), Buffer.alloc(16, i * 40), 4, 4, 1);
  assert.throws(
    () => planImageFolder(folder),
    dataError('DATA_FORMAT', `${folder} holds one class folder (cats)`, 'at least two classes'),
  );
  const before = snapshot(dir);
  refused(
    seal(['train', '--dataset', `folder:${folder}`, '--out', join(dir, 'run')]),
    1,
    `${folder} holds one class folder (cats); a classifier needs at least two classes`,
  );
  unchanged(dir, before);
});

test('a channel that never varies is normalised with std 1; images all of one flat colour are refused', async (t) => {
  const { dir, cleanup } = tempDir('hostile-flat');
  t.after(cleanup);
  // Pure red and pure blue images: green is 0 everywhere, so its std is 0.
  const flat = (rgb: number[]) => Buffer.from(Array.from({ length: 16 }, () => rgb).flat());
  const two = join(dir, 'two');
  for (let i = 0; i < 5; i++) {
    await writeImage(join(two, 'red', `${i}.png`), flat([200 + i, 0, 0]), 4, 4, 3);
    await writeImage(join(two, 'blue', `${i}.png`), flat([0, 0, 200 + i]), 4, 4, 3);
  }
  const data = await loadDataset(`folder:${two}`, { cacheDir: null });
  assert.equal(data.std[1], 1);
  assert.ok((data.std[0] as number) > 0 && (data.std[2] as number) > 0);
  const one = join(dir, 'one');
  for (let i = 0; i < 3; i++)
    for (const c of ['a', 'b']) await writeImage(join(one, c, `${i}.png`), flat([10, 20, 30]), 4, 4, 3);
  await assert.rejects(
    loadDataset(`folder:${one}`, { cacheDir: null }),
    dataError(
      'DATA_FORMAT',
      `training images of folder:${one}`,
      'same value in each channel (10, 20, 30)',
      'nothing to learn',
    ),
  );
  refused(
    seal(['train', '--dataset', `folder:${one}`], { env: { XDG_CACHE_HOME: join(dir, 'cache') } }),
    1,
    'nothing to learn from them',
  );
});

test('a gzip bomb in an IDX file is stopped at the size its header declares', async (t) => {
  const { dir, cleanup } = tempDir('hostile-bomb');
  t.after(cleanup);
  // 10 images of 4x5 declared (216 bytes), 64 MB of zeros after them: a 64 kB file.
  const head = idxImages(10, 4, 5, pattern);
  const bomb = put(
    join(dir, 'train-images-idx3-ubyte.gz'),
    gzipSync(Buffer.concat([head, Buffer.alloc(64 << 20)]), { level: 9 }),
  );
  const rss = process.memoryUsage().rss;
  await assert.rejects(
    readIdxImages(bomb),
    dataError('DATA_CORRUPT', bomb, 'its header says the data has 216 bytes, but it decompresses to more than that'),
  );
  assert.ok(process.memoryUsage().rss - rss < 32 << 20, 'the bomb was inflated in memory');
  // A header that declares more than seal reads is refused from its first bytes.
  const huge = Buffer.alloc(16);
  huge.writeUInt32BE(2051, 0);
  huge.writeUInt32BE(1e9, 4);
  huge.writeUInt32BE(100, 8);
  huge.writeUInt32BE(100, 12);
  const big = put(join(dir, 'big.gz'), gzipSync(Buffer.concat([huge, Buffer.alloc(1 << 20)])));
  await assert.rejects(
    readIdxImages(big),
    dataError('DATA_FORMAT', big, 'declares 1000000000 images of 100x100', 'more than the 2147483648 bytes'),
  );
  const labels = put(join(dir, 'labels.gz'), gzipSync(Buffer.concat([idxLabels([1, 2]), Buffer.alloc(8 << 20)])));
  await assert.rejects(readIdxLabels(labels), dataError('DATA_CORRUPT', labels, 'says the data has 10 bytes'));
  assert.deepEqual(readdirSync(dir).sort(), ['big.gz', 'labels.gz', 'train-images-idx3-ubyte.gz']);
});
