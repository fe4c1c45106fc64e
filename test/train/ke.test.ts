// Knowledge Evolution's KELS split and re-initialisation (method.md §4.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, createModel, splitParameters, tidy, METHODS, resolveConfig, type Tensor } from '../../src/index.js';
import { kelsMask } from '../../src/methods/ke.js';
import type { ResNet } from '../../src/models/resnet.js';

test('KELS mask: the first ceil(r·out) filters x ceil(r·in) channels, all inputs or outputs where asked', () => {
  tidy(() => {
    const w = createModel({
      model: 'resnet18',
      width: 0.25,
      inChannels: 1,
      numClasses: 10,
      device: 'cpu',
      generator: new Generator(0),
    }) as ResNet;
    const conv = w.stages[1]?.items[0] as unknown as { conv1: { weight: Tensor } };
    const weight = conv.conv1.weight; // [32, 16, 3, 3]
    const m = kelsMask(weight, 0.5, { allInputs: false, allOutputs: false });
    assert.deepEqual(m.shape, [32, 16, 3, 3]);
    assert.equal(m.sum().item(), 16 * 8 * 9);
    assert.equal(m.narrow(0, 0, 16).narrow(1, 0, 8).sum().item(), 16 * 8 * 9, 'the kept block is the top-left one');
    assert.equal(
      kelsMask(weight, 0.8, { allInputs: true, allOutputs: false }).sum().item(),
      Math.ceil(0.8 * 32) * 16 * 9,
    );
    assert.deepEqual(w.fc.weight.shape, [10, 128]);
    assert.equal(kelsMask(w.fc.weight, 0.5, { allInputs: false, allOutputs: true }).sum().item(), 10 * 64);
    w.dispose();
  });
});

test('KE at a generation start keeps the fit hypothesis and BatchNorm, re-initialises the rest with U(±1/√fan_in)', () => {
  const cfg = resolveConfig([{ source: 'test', values: { method: 'ke', keSplitRate: 0.5 } }]);
  const model = createModel({
    model: 'resnet18',
    width: 0.25,
    inChannels: 1,
    numClasses: 10,
    device: 'cpu',
    generator: new Generator(0),
  });
  const before = new Map(model.stateEntries().map(([n, t]) => [n, t.toNumbers()]));
  METHODS.ke(cfg).onGenerationStart?.({ generation: 1, model, split: splitParameters(model, 'layer3'), seed: 0 });
  const after = new Map(model.stateEntries().map(([n, t]) => [n, t]));
  tidy(() => {
    // conv1 keeps all inputs: filters 0..7 of 16 kept, the rest redrawn.
    const c1 = after.get('conv1.weight') as Tensor; // [16, 1, 7, 7]
    assert.deepEqual(c1.narrow(0, 0, 8).toNumbers(), (before.get('conv1.weight') as number[]).slice(0, 8 * 49));
    const redrawn = c1.narrow(0, 8, 8).toNumbers();
    assert.ok(redrawn.every((v, i) => v !== (before.get('conv1.weight') as number[])[8 * 49 + i]));
    assert.ok(
      redrawn.every((v) => Math.abs(v) <= 1 / Math.sqrt(49)),
      'U(±1/√fan_in)',
    );
    assert.deepEqual((after.get('bn1.weight') as Tensor).toNumbers(), before.get('bn1.weight'));
    assert.deepEqual((after.get('fc.bias') as Tensor).toNumbers(), before.get('fc.bias'));
    // fc keeps every output row's first half of the inputs, and redraws the second half.
    const fc = after.get('fc.weight') as Tensor; // [10, 128]
    const fcBefore = before.get('fc.weight') as number[];
    assert.deepEqual(
      fc.narrow(1, 0, 64).toNumbers(),
      fcBefore.filter((_, i) => i % 128 < 64),
    );
    assert.ok(
      fc
        .narrow(1, 64, 64)
        .toNumbers()
        .every((v, i) => v !== fcBefore.filter((_, j) => j % 128 >= 64)[i]),
    );
  });
  model.dispose();
});
