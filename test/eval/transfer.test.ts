// Transfer protocols on a tiny checkpoint trained here: the linear probe and fine-tuning both
// beat chance on an easy synthetic target, fine-tuning moves the backbone (not the checkpoint's
// own model), and the results are JSON that records every setting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTensors, train } from '../../src/index.js';
import { loadModelCheckpoint, type LoadedCheckpoint } from '../../src/eval/model-checkpoint.js';
import { describeAdaptation, fineTune, linearProbe } from '../../src/eval/transfer.js';
import type { ResNet } from '../../src/models/resnet.js';
import { tinyData } from '../support/tiny-data.js';

let dir = '';
let ckpt: LoadedCheckpoint;
// 3 classes of 6x6 images (the source has 4 of 8x8): padded into the source's 8x8 input.
const target = tinyData({ classes: 3, size: 6, train: 240, test: 120, seed: 21 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seal-transfer-'));
  const r = await train(
    {
      method: 'normal',
      model: 'resnet18-cifar',
      width: 0.125,
      generations: 1,
      epochs: 3,
      batchSize: 32,
      evalInterval: 3,
      cropPadding: 1,
      seed: 2,
      out: dir,
    },
    { data: tinyData({ train: 192, test: 64 }) },
  );
  r.model.dispose();
  ckpt = await loadModelCheckpoint(join(dir, 'checkpoints', 'gen-0.safetensors'));
});

after(() => {
  ckpt.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the linear probe beats chance clearly, leaks no tensors, and its JSON names the checkpoint, target and settings', () => {
  const live = liveTensors();
  const r = linearProbe(ckpt, target, { l2Grid: [1e-4, 1e-2, 1], batchSize: 64 });
  assert.equal(liveTensors(), live, 'tensors leaked');
  assert.ok(r.testAccuracy > 0.6, `test accuracy ${r.testAccuracy} (chance 1/3)`);
  assert.equal(r.protocol, 'linear-probe');
  assert.equal(r.checkpoint.path, ckpt.path);
  assert.deepEqual(r.target, { spec: 'tiny', classes: 3, train: 240, test: 120, image: '1x6x6' });
  assert.equal(r.adaptation.size, 'zero-padded around the centre');
  assert.equal(r.adaptation.to, '1x8x8');
  assert.deepEqual(r.settings.l2Grid, [1, 1e-2, 1e-4]);
  assert.equal(r.settings.batchSize, 64);
  assert.equal(r.counts.features, ckpt.model.featureDim);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

// No crop padding: this target's classes are column phases (pixel p is bright when p % 3 == c),
// which a random shift would scramble.
test('fine-tuning trains every layer of a copy and improves over chance; the checkpoint model is untouched', async () => {
  const conv = (ckpt.model as ResNet).conv1.weight.toNumbers();
  const rows: number[] = [];
  const { result, model: tuned } = await fineTune(ckpt, target, {
    epochs: 4,
    lr: 0.05,
    batchSize: 32,
    padding: 0,
    seed: 3,
    onEpoch: (r) => rows.push(r.epoch),
  });
  try {
    assert.deepEqual(rows, [0, 1, 2, 3]);
    const model = tuned as ResNet;
    assert.deepEqual((ckpt.model as ResNet).conv1.weight.toNumbers(), conv, 'the checkpoint model changed');
    const moved = model.conv1.weight.toNumbers().reduce((m, v, i) => Math.max(m, Math.abs(v - conv[i]!)), 0);
    assert.ok(moved > 1e-4, `backbone conv1 moved by at most ${moved}`);
    assert.deepEqual(model.fc.weight.shape, [3, ckpt.model.featureDim]);
    assert.ok(result.testTop1 > 0.8, `final test top-1 ${result.testTop1} (chance 1/3)`);
    assert.equal(result.epochs.length, 4);
    assert.ok(result.epochs[0]!.lr > result.epochs[3]!.lr, 'cosine schedule');
    assert.deepEqual(
      { ...result.settings, optimizer: '', schedule: '', head: '' },
      {
        lr: 0.05,
        epochs: 4,
        batchSize: 32,
        weightDecay: 5e-4,
        momentum: 0.9,
        padding: 0,
        flip: false,
        labelSmoothing: 0,
        seed: 3,
        device: 'cpu',
        evalBatchSize: 256,
        optimizer: '',
        schedule: '',
        head: '',
      },
    );
    assert.equal(result.checkpoint.generation, 0);
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
  } finally {
    tuned.dispose();
  }
});

test('the adaptation record follows adapt.ts: padding for near sizes, resizing otherwise, channel rules', () => {
  const src = {
    spec: 's',
    channels: 3,
    height: 28,
    width: 28,
    numClasses: 10,
    mean: [0.5, 0.5, 0.5],
    std: [0.2, 0.2, 0.2],
  };
  assert.deepEqual(
    describeAdaptation({ channels: 1, height: 20, width: 20 }, src, false).size,
    'zero-padded around the centre',
  );
  assert.deepEqual(describeAdaptation({ channels: 1, height: 8, width: 8 }, src, false).size, 'bilinear resize');
  assert.deepEqual(describeAdaptation({ channels: 3, height: 64, width: 64 }, src, false).size, 'bilinear resize');
  assert.equal(
    describeAdaptation({ channels: 1, height: 28, width: 28 }, src, false).channels,
    'grey repeated into 3 channels',
  );
  assert.equal(
    describeAdaptation({ channels: 3, height: 28, width: 28 }, { ...src, channels: 1 }, false).channels,
    'luma 0.299 R + 0.587 G + 0.114 B',
  );
  // Images decoded at a protocol's input keep their size for a model that pools globally, only.
  const at224 = { channels: 3, height: 224, width: 224, protocolInput: 'resize 256x256, centre crop 224x224' };
  const kept = describeAdaptation(at224, src, true);
  assert.equal(kept.size, 'unchanged');
  assert.equal(kept.to, '3x224x224');
  assert.equal(kept.protocolInput, at224.protocolInput);
  assert.equal(describeAdaptation(at224, src, false).size, 'bilinear resize');
  assert.equal(describeAdaptation({ channels: 3, height: 224, width: 224 }, src, true).size, 'bilinear resize');
});
