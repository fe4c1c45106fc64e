// Target datasets: the two extracted digit sets decode to the documented layouts with a fixed
// stratified 50/50 split; missing, damaged and one-class targets are clear DataErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { classCounts, DataError } from '../../src/index.js';
import { defaultDataDir, loadTarget, splitHalves } from '../../src/eval/targets.js';
import { needsData } from '../support/datasets.js';

const dataDir = defaultDataDir();
const have = (f: string) => needsData(join(dataDir, f), 'bash scripts/extract-digits.sh');

test(
  'opencv-digits: 5000 20x20 grey digits, 500 per class, split 250/250 per class, the same every time',
  { skip: have('opencv-digits/digits.png') },
  async () => {
    const a = await loadTarget('opencv-digits'),
      b = await loadTarget('opencv-digits');
    for (const s of [a.train, a.test]) {
      assert.deepEqual([s.count, s.channels, s.height, s.width, s.numClasses], [2500, 1, 20, 20, 10]);
      assert.deepEqual(classCounts(s), new Array(10).fill(250));
    }
    assert.deepEqual(b.train.images, a.train.images);
    assert.deepEqual(b.test.labels, a.test.labels);
    assert.equal(a.source.kind, 'opencv-digits');
    // Bright strokes on black, drawn inside the cell: an image's top row is empty.
    assert.ok(a.train.images.subarray(0, 20).every((v) => v === 0));
    const limited = await loadTarget('opencv-digits', { limitTrain: 100, limitTest: 50 });
    assert.deepEqual(classCounts(limited.train), new Array(10).fill(10));
    assert.equal(limited.test.count, 50);
  },
);

test(
  'sklearn-digits: 1797 8x8 images scaled from 0..16 to 0..255, split per class into halves',
  { skip: have('sklearn-digits/digits.csv.gz') },
  async () => {
    const d = await loadTarget('sklearn-digits');
    assert.deepEqual([d.train.count, d.test.count, d.train.height, d.train.width], [901, 896, 8, 8]);
    const all = [...classCounts(d.train)].map((n, c) => n + classCounts(d.test)[c]!);
    assert.deepEqual(all, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    classCounts(d.train).forEach((n, c) => assert.equal(n, Math.ceil(all[c]! / 2)));
    const levels = new Set(Array.from({ length: 17 }, (_, v) => Math.round((v * 255) / 16)));
    assert.ok(d.train.images.every((v) => levels.has(v)));
    assert.equal(Math.max(...d.train.images), 255);
  },
);

test('a CSV in the sklearn layout parses exactly; a bad row names the file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-targets-'));
  try {
    mkdirSync(join(dir, 'sklearn-digits'));
    const rows = Array.from({ length: 40 }, (_, i) =>
      [...Array.from({ length: 64 }, (_, j) => (i + j) % 17), i % 10].join(','),
    );
    writeFileSync(join(dir, 'sklearn-digits', 'digits.csv.gz'), gzipSync(rows.join('\n') + '\n'));
    const d = await loadTarget('sklearn-digits', { dataDir: dir });
    assert.equal(d.train.count + d.test.count, 40);
    assert.deepEqual(classCounts(d.train), new Array(10).fill(2));
    // Row i has pixel j = (i + j) % 17 and label i % 10; (pixel 0, label) identifies the row.
    for (const set of [d.train, d.test]) {
      for (let k = 0; k < set.count; k++) {
        const label = set.labels[k]!,
          v0 = Math.round((set.images[k * 64]! * 16) / 255);
        const i = Array.from({ length: 40 }, (_, r) => r).find((r) => r % 17 === v0 && r % 10 === label)!;
        for (let j = 0; j < 64; j++) assert.equal(set.images[k * 64 + j], Math.round((((i + j) % 17) * 255) / 16));
      }
    }
    writeFileSync(join(dir, 'sklearn-digits', 'digits.csv.gz'), gzipSync(`${rows[0]}\n1,2,3\n`));
    await assert.rejects(
      loadTarget('sklearn-digits', { dataDir: dir }),
      (e: unknown) =>
        e instanceof DataError &&
        e.code === 'DATA_FORMAT' &&
        /digits\.csv\.gz line 2 should be 64 integers 0\.\.16 and a label/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing digits file is DATA_MISSING whose hint names scripts/extract-digits.sh', async () => {
  for (const name of ['opencv-digits', 'sklearn-digits']) {
    await assert.rejects(loadTarget(name, { dataDir: '/nonexistent/seal-data' }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.code, 'DATA_MISSING');
      assert.match(e.message, new RegExp(`the ${name} target was expected at /nonexistent/seal-data/${name}/`));
      assert.match(e.message, /hint: run `bash scripts\/extract-digits\.sh`/);
      return true;
    });
  }
});

test('a PNG of the wrong size is DATA_FORMAT; unknown names get a suggestion; one class is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-targets-'));
  try {
    mkdirSync(join(dir, 'opencv-digits'));
    const grey = (w: number, h: number) =>
      sharp(Buffer.alloc(w * h, 9), { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toBuffer();
    writeFileSync(join(dir, 'opencv-digits', 'digits.png'), await grey(100, 50));
    await assert.rejects(
      loadTarget('opencv-digits', { dataDir: dir }),
      /should be OpenCV's 2000x1000 grey digits\.png; it decodes to 100x50 with 1 channels/,
    );
    await assert.rejects(
      loadTarget('opencv-digit'),
      (e: unknown) =>
        e instanceof DataError && e.code === 'DATA_UNKNOWN' && /did you mean "opencv-digits"\?/.test(e.message),
    );
    mkdirSync(join(dir, 'one', 'cats'), { recursive: true });
    for (const i of [0, 1, 2]) writeFileSync(join(dir, 'one', 'cats', `${i}.png`), await grey(4, 4));
    await assert.rejects(
      loadTarget(`folder:${join(dir, 'one')}`, { cacheDir: null }),
      (e: unknown) =>
        e instanceof DataError &&
        /holds one class folder \(cats\); a classifier needs at least two classes/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the data folder: SEAL_DATA_DIR, else XDG_CACHE_HOME/seal/datasets, else ~/.cache/seal/datasets', () => {
  assert.equal(defaultDataDir({ SEAL_DATA_DIR: '/d', XDG_CACHE_HOME: '/x' }), '/d');
  assert.equal(defaultDataDir({ XDG_CACHE_HOME: '/x' }), '/x/seal/datasets');
  assert.match(defaultDataDir({}), /\/\.cache\/seal\/datasets$/);
});

test('splitHalves is stratified, disjoint and fixed by its seed', () => {
  const n = 30;
  const set = {
    name: 's',
    images: Uint8Array.from({ length: n }, (_, i) => i),
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    count: n,
    channels: 1,
    height: 1,
    width: 1,
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
  };
  const a = splitHalves(set),
    b = splitHalves(set),
    c = splitHalves(set, 1);
  assert.deepEqual(a.train.images, b.train.images);
  assert.notDeepEqual(a.train.images, c.train.images);
  assert.deepEqual(classCounts(a.train), [5, 5, 5]);
  assert.deepEqual(
    [...a.train.images, ...a.test.images].sort((p, q) => p - q),
    Array.from({ length: n }, (_, i) => i),
  );
});
