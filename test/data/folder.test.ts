// Class-per-folder reader: PNG/JPEG decoding, channels, resizing, the split rule and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { heldOutCount, loadImageFolder, planImageFolder } from '../../src/data/index.js';
import { dataError, imageOf, pixels, put, tempDir, toCHW, writeImage } from './fixtures.js';

test('a folder of PNG and JPEG files (mixed-case extensions, one grey) decodes to 3 channels at the first size', async (t) => {
  const { dir, cleanup } = tempDir('folder');
  t.after(cleanup);
  const red = pixels(6, 4, 3, 1);
  await writeImage(join(dir, 'cat', 'a.PNG'), red, 6, 4, 3); // first image: sets the size 4x6
  await writeImage(join(dir, 'cat', 'b.Jpg'), Buffer.alloc(6 * 4 * 3, 200), 6, 4, 3);
  await writeImage(join(dir, 'dog', 'c.jpeg'), Buffer.alloc(12 * 8, 90), 12, 8, 1); // grey and twice the size
  await writeImage(join(dir, 'dog', 'd.png'), pixels(6, 4, 3, 2), 6, 4, 3);
  put(join(dir, 'dog', 'notes.txt'), 'not an image');
  put(join(dir, 'dog', '.hidden.png'), 'ignored');
  const progress: [number, number][] = [];
  const { train, test: tst } = await loadImageFolder(dir, {
    testFraction: 0,
    onProgress: (d, n) => progress.push([d, n]),
  });
  assert.equal(tst.count, 0);
  assert.equal(train.count, 4);
  assert.deepEqual([train.channels, train.height, train.width], [3, 4, 6]);
  assert.deepEqual(train.classNames, ['cat', 'dog']);
  assert.deepEqual(Array.from(train.labels), [0, 0, 1, 1]);
  assert.deepEqual(imageOf(train, 0), toCHW(red, 6, 4, 3), 'PNG pixels come back exactly, channel-major');
  const grey = imageOf(train, 2);
  const plane = 4 * 6;
  assert.deepEqual(grey.subarray(0, plane), grey.subarray(plane, 2 * plane), 'grey repeated into G');
  assert.deepEqual(grey.subarray(0, plane), grey.subarray(2 * plane), 'grey repeated into B');
  assert.ok(
    grey.every((v) => Math.abs(v - 90) <= 2),
    'the resized grey JPEG keeps its value',
  );
  assert.ok(
    imageOf(train, 1).every((v) => Math.abs(v - 200) <= 3),
    'JPEG colour within JPEG error',
  );
  assert.deepEqual(progress.at(-1), [4, 4]);
  assert.deepEqual(
    progress.map((p) => p[0]),
    [1, 2, 3, 4],
  );
});

test('an all-grey folder stays 1 channel; imageSize and channels options are obeyed', async (t) => {
  const { dir, cleanup } = tempDir('folder-grey');
  t.after(cleanup);
  await writeImage(join(dir, 'a', '1.png'), pixels(5, 5, 1, 3), 5, 5, 1);
  await writeImage(join(dir, 'b', '2.png'), pixels(5, 5, 1, 4), 5, 5, 1);
  const auto = await loadImageFolder(dir, { testFraction: 0 });
  assert.equal(auto.train.channels, 1);
  assert.deepEqual(imageOf(auto.train, 1), new Uint8Array(pixels(5, 5, 1, 4)));
  const big = await loadImageFolder(dir, { testFraction: 0, imageSize: { height: 8, width: 10 }, channels: 3 });
  assert.deepEqual([big.train.channels, big.train.height, big.train.width], [3, 8, 10]);
  assert.equal(big.train.images.length, 2 * 3 * 8 * 10);
});

test('the split rule: round(20%) of each class, at least 1 when a class has 2+, seeded and stable', async (t) => {
  const { dir, cleanup } = tempDir('folder-split');
  t.after(cleanup);
  // Planning only lists files, so empty placeholder files are enough here.
  for (let i = 0; i < 10; i++) put(join(dir, 'a', `${i}.png`), '');
  for (let i = 0; i < 5; i++) put(join(dir, 'b', `${i}.jpg`), '');
  put(join(dir, 'c', 'only.png'), '');
  assert.deepEqual(
    [heldOutCount(10, 0.2), heldOutCount(5, 0.2), heldOutCount(1, 0.2), heldOutCount(2, 0.2), heldOutCount(3, 0.9)],
    [2, 1, 0, 1, 2],
  );
  const plan = planImageFolder(dir);
  const count = (entries: { label: number }[], l: number): number => entries.filter((e) => e.label === l).length;
  assert.deepEqual(
    [0, 1, 2].map((l) => count(plan.test, l)),
    [2, 1, 0],
  );
  assert.deepEqual(
    [0, 1, 2].map((l) => count(plan.train, l)),
    [8, 4, 1],
  );
  const all = [...plan.train, ...plan.test].map((e) => e.file).sort();
  assert.equal(new Set(all).size, 16, 'train and test are disjoint and cover every file');
  assert.deepEqual(planImageFolder(dir), plan, 'the same folder and seed give the same split');
  const seeds = [1, 2, 3, 4].map((s) =>
    planImageFolder(dir, { splitSeed: s })
      .test.map((e) => e.file)
      .join(),
  );
  assert.ok(
    seeds.some((s) => s !== plan.test.map((e) => e.file).join()),
    'the split seed changes the choice',
  );
  // Adding a class does not move another class's test files (seeded by class name).
  for (let i = 0; i < 4; i++) put(join(dir, '0-new', `${i}.png`), '');
  const grown = planImageFolder(dir);
  assert.deepEqual(
    grown.test.filter((e) => e.file.includes('/a/')).map((e) => e.file),
    plan.test.filter((e) => e.label === 0).map((e) => e.file),
  );
});

test('train/ and test/ (or val/) folders are used as the splits', async (t) => {
  const { dir, cleanup } = tempDir('folder-splits');
  t.after(cleanup);
  for (const split of ['train', 'val']) {
    for (const cls of ['x', 'y'])
      await writeImage(
        join(dir, split, cls, `${split}.png`),
        pixels(4, 4, 3, split.length + cls.charCodeAt(0)),
        4,
        4,
        3,
      );
  }
  const { train, test: tst } = await loadImageFolder(dir);
  assert.deepEqual([train.count, tst.count], [2, 2]);
  assert.deepEqual(Array.from(tst.labels), [0, 1]);
  assert.deepEqual(imageOf(tst, 1), toCHW(pixels(4, 4, 3, 3 + 'y'.charCodeAt(0)), 4, 4, 3));
  put(join(dir, 'val', 'z', 'q.png'), '');
  assert.throws(() => planImageFolder(dir), dataError('DATA_MISMATCH', join(dir, 'val', 'z'), 'train classes: x, y'));
});

test('a corrupt image is an error naming the file; an empty class folder names the folder', async (t) => {
  const { dir, cleanup } = tempDir('folder-corrupt');
  t.after(cleanup);
  await writeImage(join(dir, 'a', 'good.png'), pixels(4, 4, 3, 1), 4, 4, 3);
  const bad = put(join(dir, 'b', 'broken.JPG'), Buffer.from('this is not a jpeg at all'));
  await assert.rejects(
    loadImageFolder(dir, { testFraction: 0 }),
    dataError('DATA_CORRUPT', bad, 'could not be decoded'),
  );
  const { dir: d2, cleanup: c2 } = tempDir('folder-empty');
  t.after(c2);
  await writeImage(join(d2, 'a', 'good.png'), pixels(4, 4, 3, 1), 4, 4, 3);
  put(join(d2, 'b', 'readme.txt'), 'no images here');
  assert.throws(() => planImageFolder(d2), dataError('DATA_MISSING', join(d2, 'b'), 'readme.txt'));
});
