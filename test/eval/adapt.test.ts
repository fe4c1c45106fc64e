// The rule that feeds any image set to any checkpoint (src/eval/adapt.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptImages } from '../../src/index.js';
import { adaptationRule } from '../../src/eval/adapt.js';
import type { ImageSet } from '../../src/data/types.js';

const set = (channels: number, height: number, width: number, fill: (i: number) => number): ImageSet => ({
  name: 't',
  count: 1,
  channels,
  height,
  width,
  numClasses: 2,
  classNames: ['a', 'b'],
  labels: Int32Array.of(1),
  images: Uint8Array.from({ length: channels * height * width }, (_, i) => fill(i)),
});

test('20x20 grey into 28x28 grey is zero-padded around the centre', () => {
  assert.deepEqual(adaptationRule({ channels: 1, height: 20, width: 20 }, { channels: 1, height: 28, width: 28 }), {
    channels: 'unchanged',
    size: 'pad',
  });
  const out = adaptImages(
    set(1, 20, 20, () => 200),
    { channels: 1, height: 28, width: 28 },
  );
  assert.equal(out.images.length, 784);
  assert.equal(out.images[0], 0);
  assert.equal(out.images[4 * 28 + 4], 200);
  assert.equal(out.images[23 * 28 + 23], 200);
  assert.equal(out.images[24 * 28 + 24], 0);
  assert.equal(
    out.images.reduce((a, b) => a + b, 0),
    400 * 200,
  );
  assert.deepEqual([...out.labels], [1]);
});

test('8x8 is resized bilinearly; a constant image stays constant', () => {
  assert.equal(
    adaptationRule({ channels: 1, height: 8, width: 8 }, { channels: 1, height: 28, width: 28 }).size,
    'resize',
  );
  const out = adaptImages(
    set(1, 8, 8, () => 77),
    { channels: 1, height: 28, width: 28 },
  );
  assert.ok(out.images.every((v) => v === 77));
});

test('grey → colour repeats the channel; colour → grey takes the luma', () => {
  const rgb = adaptImages(
    set(1, 2, 2, (i) => 10 * i),
    { channels: 3, height: 2, width: 2 },
  );
  assert.deepEqual([...rgb.images], [0, 10, 20, 30, 0, 10, 20, 30, 0, 10, 20, 30]);
  const grey = adaptImages(
    set(3, 1, 1, (i) => [100, 200, 50][i] as number),
    { channels: 1, height: 1, width: 1 },
  );
  assert.equal(grey.images[0], Math.round(0.299 * 100 + 0.587 * 200 + 0.114 * 50));
});
