// Prediction depth: the definition on hand-made probe predictions, then a whole run on a tiny
// checkpoint trained here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Generator, liveTensors, randint, train } from '../../src/index.js';
import { loadModelCheckpoint } from '../../src/eval/model-checkpoint.js';
import { depthsFromPredictions, predictionDepth, summariseDepths } from '../../src/eval/prediction-depth.js';
import { tinyData } from '../support/tiny-data.js';
import { bruteDepth } from './pd-brute.js';

test('depth on a hand-made case: the first probe after which every probe agrees with the network', () => {
  // 4 probes, 6 examples; the network predicts `final`.
  const probes = [
    [1, 0, 2, 2, 3, 0],
    [1, 1, 2, 0, 3, 0],
    [1, 1, 0, 2, 3, 1],
    [1, 1, 2, 2, 0, 1],
  ];
  const final = [1, 1, 2, 2, 3, 0];
  // ex 0: all agree → 0; ex 1: from probe 1 → 1; ex 2: probe 2 disagrees → 3; ex 3: probe 1 disagrees → 2;
  // ex 4: the last probe disagrees → 4 (= number of probes); ex 5: agrees early, then not → 4.
  const expected = [0, 1, 3, 2, 4, 4];
  assert.deepEqual(Array.from(depthsFromPredictions(probes, final)), expected);
  assert.deepEqual(bruteDepth(probes, final), expected);
  const s = summariseDepths(expected, probes, final, [1, 1, 2, 0, 3, 1]);
  assert.deepEqual(s.histogram, [1, 1, 1, 1, 2]);
  assert.equal(s.mean, 14 / 6);
  assert.deepEqual(s.probeAgreement, [5 / 6, 5 / 6, 4 / 6, 4 / 6]);
  assert.equal(s.networkAccuracy, 4 / 6);
});

test('depth on random probe predictions equals the brute-force definition', () => {
  const g = new Generator(11);
  for (const p of [1, 3, 9]) {
    const t = randint(0, 3, [p + 1, 200], { generator: g });
    const v = t.toNumbers();
    t.dispose();
    const preds = Array.from({ length: p }, (_, l) => v.slice(l * 200, (l + 1) * 200));
    const final = v.slice(p * 200);
    assert.deepEqual(Array.from(depthsFromPredictions(preds, final)), bruteDepth(preds, final));
  }
});

test('a tiny trained checkpoint: depths in range, histogram and mean consistent, JSON, deterministic, no leaks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-pd-'));
  const data = tinyData({ train: 192, test: 64 });
  try {
    const r = await train(
      {
        model: 'resnet18-cifar',
        width: 0.125,
        method: 'normal',
        generations: 1,
        epochs: 2,
        batchSize: 32,
        seed: 1,
        out: dir,
      },
      { data },
    );
    r.model.dispose();
    const ckpt = await loadModelCheckpoint(join(dir, 'checkpoints', 'gen-0.safetensors'));
    const before = liveTensors();
    const cfg = { k: 5, supportSize: 96, testSize: 40, seed: 2, batchSize: 32 };
    const pd = predictionDepth(ckpt.model, data, ckpt.source, cfg);
    assert.equal(liveTensors(), before, 'predictionDepth leaves no tensors behind');
    assert.equal(pd.numProbes, 9);
    assert.deepEqual(pd.probes, [
      'stem',
      'layer1.0',
      'layer1.1',
      'layer2.0',
      'layer2.1',
      'layer3.0',
      'layer3.1',
      'layer4.0',
      'layer4.1',
    ]);
    assert.equal(pd.settings.supportCount, 96);
    assert.equal(pd.settings.testCount, 40);
    for (const [name, s, n] of [
      ['test', pd.test, 40],
      ['train', pd.train, 96],
    ] as const) {
      assert.equal(s.count, n, name);
      assert.equal(s.depths.length, n);
      assert.ok(
        s.depths.every((d) => Number.isInteger(d) && d >= 0 && d <= 9),
        `${name} depths in 0..9`,
      );
      assert.equal(s.histogram.length, 10);
      assert.equal(
        s.histogram.reduce((a, b) => a + b, 0),
        n,
      );
      assert.ok(
        Math.abs(s.mean - s.histogram.reduce((a, h, d) => a + h * d, 0) / n) < 1e-12,
        `${name} mean matches the histogram`,
      );
      assert.equal(s.probeAccuracy.length, 9);
      assert.ok(s.probeAgreement.every((a) => a >= 0 && a <= 1));
      // Depth 0 means every probe agrees with the network, so the share of depth-0 examples bounds the last probe's agreement.
      assert.ok((s.probeAgreement[8] as number) >= (s.histogram[0] as number) / n);
    }
    assert.deepEqual(JSON.parse(JSON.stringify(pd)), pd, 'the result is plain JSON');
    assert.deepEqual(predictionDepth(ckpt.model, data, ckpt.source, cfg), pd, 'the same settings give the same depths');
    assert.throws(() => predictionDepth(ckpt.model, data, ckpt.source, { ...cfg, k: 96 }), ConfigError);
    ckpt.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
