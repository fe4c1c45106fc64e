// The training step reads nothing back from the device: a pass reads its losses and hits in one
// copy each per `readEvery` batches, an evaluation its counts once at the end (on a GPU each read waits for all queued work), and gives
// the same sums, bit for bit, as reading every batch at once; a non-finite loss is still
// reported at the batch where it first appeared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { full, Generator, hostReadCount, randint, randn, type Tensor } from '../../src/backend/index.js';
import { BatchLoader, type Batch } from '../../src/data/loader.js';
import { createModel } from '../../src/models/registry.js';
import { SGD } from '../../src/optim/sgd.js';
import { trainEpoch, type EpochPass } from '../../src/train/epoch.js';
import { evaluate } from '../../src/train/evaluate.js';
import { tinyData } from '../support/tiny-data.js';

const BATCHES = 40;

function* batches(nanAt: number | null): Iterator<Batch> {
  const g = new Generator(5);
  for (let index = 0; index < BATCHES; index++) {
    const x: Tensor = index === nanAt ? full([8, 1, 12, 12], NaN) : randn([8, 1, 12, 12], { generator: g });
    yield { x, y: randint(0, 4, [8], { generator: g }), index };
  }
}

/** The same small 4-class net each time. */
const smallCnn = () =>
  createModel({
    model: 'small-cnn',
    width: 0.25,
    inChannels: 1,
    numClasses: 4,
    device: 'cpu',
    generator: new Generator(1),
  });

async function pass(readEvery: number, nanAt: number | null = null): Promise<{ r: EpochPass; reads: number }> {
  const model = smallCnn();
  const opt = new SGD([{ params: model.parameters() }], { lr: 0.05, momentum: 0.9 });
  const before = hostReadCount();
  try {
    const r = await trainEpoch(model, opt, batches(nanAt), {
      labelSmoothing: 0.1,
      readEvery,
      readIntervalMs: Infinity,
      diverged: (index, loss) => new Error(`diverged at batch ${index}: ${loss}`),
    });
    return { r, reads: hostReadCount() - before };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

test('a pass of 40 batches read every 10 makes 8 reads, and sums as reading each batch does', async () => {
  const every = await pass(1);
  assert.equal(every.reads, 2 * BATCHES); // the counter sees each read: losses and hits
  const batched = await pass(10);
  assert.equal(batched.reads, 2 * (BATCHES / 10));
  assert.equal(batched.r.seen, 8 * BATCHES);
  assert.deepEqual(
    { loss: batched.r.loss, accuracy: batched.r.accuracy },
    { loss: every.r.loss, accuracy: every.r.accuracy },
  );
});

test('a non-finite loss is reported at its own batch, found at the next read', async () => {
  await assert.rejects(pass(10, 13), /^Error: diverged at batch 13: NaN$/);
  await assert.rejects(pass(1, 13), /^Error: diverged at batch 13: NaN$/);
});

test('evaluating over 10 batches makes one read', () => {
  const data = tinyData({ train: 8, test: 80, size: 12, classes: 4 });
  const loader = new BatchLoader(data.test, { batchSize: 8, mean: data.mean, std: data.std });
  const model = smallCnn();
  try {
    const before = hostReadCount();
    const r = evaluate(model, loader);
    assert.equal(hostReadCount() - before, 1);
    assert.equal(r.count, 80);
    assert.ok(r.top1 >= 0 && r.top1 <= r.top5 && r.top5 <= 1 && Number.isFinite(r.loss));
  } finally {
    model.dispose();
  }
});
