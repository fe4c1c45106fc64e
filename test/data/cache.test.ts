// The decoded-image cache: hits, misses on any change, and damaged files that are rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { defaultCacheDir, loadDataset, readCache, writeCache } from '../../src/data/index.js';
import { pixels, syntheticSet, tempDir, writeImage } from './fixtures.js';

test('a folder source is decoded once, then read from the cache until a file or an option changes', async (t) => {
  const { dir, cleanup } = tempDir('cache');
  t.after(cleanup);
  const src = join(dir, 'src');
  const cacheDir = join(dir, 'cache');
  for (let i = 0; i < 6; i++)
    await writeImage(join(src, i % 2 === 0 ? 'even' : 'odd', `${i}.png`), pixels(6, 5, 3, i), 6, 5, 3);
  let decoded = 0;
  const opts = {
    cacheDir,
    onProgress: () => {
      decoded++;
    },
  };
  const first = await loadDataset(`folder:${src}`, opts);
  assert.equal(first.source.fromCache, false);
  assert.equal(decoded, 6);
  assert.ok(first.source.cacheFile !== null && statSync(first.source.cacheFile).isFile());
  assert.match(first.source.cacheFile, /folder-[0-9a-f]{32}\.bin$/);

  const second = await loadDataset(`folder:${src}`, opts);
  assert.equal(second.source.fromCache, true);
  assert.equal(decoded, 6, 'a cache hit decodes nothing');
  assert.deepEqual(second.train.images, first.train.images);
  assert.deepEqual(second.test.images, first.test.images);
  assert.deepEqual(second.train.labels, first.train.labels);
  assert.deepEqual(second.train.classNames, first.train.classNames);
  assert.deepEqual(second.mean, first.mean);

  // Other decode options → another key.
  const resized = await loadDataset(`folder:${src}`, { ...opts, imageSize: { height: 3, width: 3 } });
  assert.equal(resized.source.fromCache, false);
  assert.notEqual(resized.source.cacheFile, first.source.cacheFile);

  // A touched source file → another key.
  utimesSync(join(src, 'odd', '3.png'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const touched = await loadDataset(`folder:${src}`, opts);
  assert.equal(touched.source.fromCache, false);
  assert.notEqual(touched.source.cacheFile, first.source.cacheFile);
  assert.ok(
    readdirSync(cacheDir).every((f) => f.endsWith('.bin')),
    'no temporary files are left behind',
  );
});

test('a truncated or altered cache file is ignored and rebuilt, never trusted', async (t) => {
  const { dir, cleanup } = tempDir('cache-bad');
  t.after(cleanup);
  const set = syntheticSet(20, 3, 4, 4, 5);
  const test2 = { ...syntheticSet(7, 3, 4, 4, 5), name: 'test' };
  const file = await writeCache(dir, 'k1', [set, test2]);
  const back = await readCache(dir, 'k1');
  assert.ok(back !== null);
  assert.deepEqual(back[0]!.images, set.images);
  assert.deepEqual(back[1]!.labels, test2.labels);
  assert.equal(back[1]!.name, 'test');
  assert.equal(await readCache(dir, 'other-key'), null, 'a missing file is a miss');

  const good = readFileSync(file);
  truncateSync(file, good.length - 5);
  assert.equal(await readCache(dir, 'k1'), null, 'truncated');
  const flipped = Buffer.from(good);
  flipped[flipped.length - 200]! ^= 0xff; // one image byte
  writeFileSync(file, flipped);
  assert.equal(await readCache(dir, 'k1'), null, 'a changed byte fails the checksum');
  writeFileSync(file, Buffer.from('SEALIMG1garbage'));
  assert.equal(await readCache(dir, 'k1'), null, 'garbage header');

  // Through loadDataset: the damaged file is replaced by a good one.
  const src = join(dir, 'src');
  await writeImage(join(src, 'a', '1.png'), pixels(4, 4, 3, 1), 4, 4, 3);
  await writeImage(join(src, 'b', '2.png'), pixels(4, 4, 3, 2), 4, 4, 3);
  const cacheDir = join(dir, 'c');
  const first = await loadDataset(`folder:${src}`, { cacheDir });
  const cf = first.source.cacheFile!;
  truncateSync(cf, statSync(cf).size - 1);
  const rebuilt = await loadDataset(`folder:${src}`, { cacheDir });
  assert.equal(rebuilt.source.fromCache, false);
  assert.deepEqual(rebuilt.train.images, first.train.images);
  const again = await loadDataset(`folder:${src}`, { cacheDir });
  assert.equal(again.source.fromCache, true);
});

test('the default cache folder follows XDG_CACHE_HOME, else ~/.cache/seal', () => {
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/var/tmp/xdg' }), '/var/tmp/xdg/seal');
  assert.equal(defaultCacheDir({}), join(homedir(), '.cache', 'seal'));
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '' }), join(homedir(), '.cache', 'seal'));
});
