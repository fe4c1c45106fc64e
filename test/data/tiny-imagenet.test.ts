// Tiny-ImageNet reader on a 3-class tree with a grey JPEG and val annotations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { loadDataset, loadTinyImageNet, planTinyImageNet, PUBLISHED_STATS } from '../../src/data/index.js';
import { dataError, imageOf, pixels, put, tempDir, writeImage } from './fixtures.js';

const WNIDS = ['n03000000', 'n01000000', 'n02000000']; // deliberately not sorted

async function writeTiny(root: string): Promise<void> {
  put(join(root, 'wnids.txt'), WNIDS.join('\n') + '\n');
  put(
    join(root, 'words.txt'),
    'n01000000\tgoldfish, Carassius auratus\nn02000000\ttabby, tabby cat\nn09999999\tother\n',
  );
  for (const [k, w] of WNIDS.entries()) {
    for (let i = 0; i < 2; i++)
      await writeImage(join(root, 'train', w, 'images', `${w}_${i}.JPEG`), pixels(8, 8, 3, 10 * k + i), 8, 8, 3);
    put(join(root, 'train', w, `${w}_boxes.txt`), 'ignored');
  }
  // A grey training JPEG, as in the real set.
  await writeImage(join(root, 'train', 'n01000000', 'images', 'n01000000_9.JPEG'), Buffer.alloc(64, 120), 8, 8, 1);
  const ann: string[] = [];
  for (let i = 0; i < 4; i++) {
    await writeImage(join(root, 'val', 'images', `val_${i}.JPEG`), pixels(8, 8, 3, 50 + i), 8, 8, 3);
    ann.push(`val_${i}.JPEG\t${WNIDS[i % 3]}\t0\t0\t7\t7`);
  }
  put(join(root, 'val', 'val_annotations.txt'), ann.join('\n') + '\n');
}

test('Tiny-ImageNet: sorted wnids, words.txt names, grey JPEG to 3 channels, val as the test split', async (t) => {
  const { dir, cleanup } = tempDir('tiny');
  t.after(cleanup);
  await writeTiny(dir);
  const { train, test: tst } = await loadTinyImageNet(dir);
  assert.deepEqual(train.classNames, ['goldfish', 'tabby', 'n03000000']);
  assert.equal(train.count, 7);
  assert.deepEqual(Array.from(train.labels), [0, 0, 0, 1, 1, 2, 2]);
  assert.deepEqual([train.channels, train.height, train.width], [3, 8, 8]);
  const grey = imageOf(train, 2); // n01000000_9.JPEG sorts after _0 and _1
  assert.deepEqual(grey.subarray(0, 64), grey.subarray(64, 128));
  assert.deepEqual(grey.subarray(0, 64), grey.subarray(128));
  assert.ok(grey.every((v) => Math.abs(v - 120) <= 2));
  // val_i is labelled WNIDS[i % 3]: n03 → 2, n01 → 0, n02 → 1, n03 → 2.
  assert.deepEqual(Array.from(tst.labels), [2, 0, 1, 2]);
  assert.equal(tst.count, 4);
  const data = await loadDataset(`tiny-imagenet:${dir}`, { cacheDir: null, limitTrain: 3 });
  assert.deepEqual(data.mean, PUBLISHED_STATS.imagenet.mean);
  assert.deepEqual(data.std, PUBLISHED_STATS.imagenet.std);
  assert.deepEqual(Array.from(data.train.labels), [0, 1, 2], 'a stratified limit keeps one image per class');
});

test('Tiny-ImageNet layout errors name the file at fault', async (t) => {
  const { dir, cleanup } = tempDir('tiny-bad');
  t.after(cleanup);
  await writeTiny(dir);
  put(join(dir, 'val', 'images', 'val_9.JPEG'), '');
  assert.throws(() => planTinyImageNet(dir), dataError('DATA_MISMATCH', 'val_9.JPEG', 'does not label'));
  rmSync(join(dir, 'val', 'images', 'val_9.JPEG'));
  rmSync(join(dir, 'val', 'images', 'val_2.JPEG'));
  assert.throws(
    () => planTinyImageNet(dir),
    dataError('DATA_MISSING', join(dir, 'val', 'images', 'val_2.JPEG'), 'line 3'),
  );
  rmSync(join(dir, 'wnids.txt'));
  assert.throws(() => planTinyImageNet(dir), dataError('DATA_MISSING', join(dir, 'wnids.txt')));
});
