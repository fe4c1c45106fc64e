// channels_last (NHWC): the layout changes, nothing observable does. Values read back, saved
// checkpoints and a training step are the same as in NCHW (to float rounding for the step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, crossEntropy, Generator, randint, randn, tidy, type Tensor } from '../../src/index.js';
import { createModel } from '../../src/models/registry.js';
import type { ResNet } from '../../src/models/resnet.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { SGD } from '../../src/optim/sgd.js';

const logical = (n: number) => Array.from({ length: n }, (_, i) => i);

test('setMemoryFormat_ re-lays data out; toArray() still reads NCHW order', () => {
  const t = arange(0, 2 * 3 * 4 * 5, 1, { dtype: 'float32' }).reshape([2, 3, 4, 5]);
  assert.equal(t.memoryFormat, 'contiguous');
  t.setMemoryFormat_('channels_last');
  assert.equal(t.memoryFormat, 'channels_last');
  assert.equal(t.isContiguous(), false);
  assert.equal(t.isContiguous('channels_last'), true);
  assert.deepEqual(t.toNumbers(), logical(120));
  assert.deepEqual(t.contiguous().toNumbers(), logical(120));
  assert.throws(() => t.buffer(), /zero-copy view needs a contiguous CPU tensor/);
  assert.throws(() => arange(0, 6, 1).setMemoryFormat_('channels_last'), /channels_last needs a 4-d tensor/);
  t.dispose();
});

test('a 1-channel weight gets NHWC strides, so kernels pick NHWC for gray images', () => {
  const w = randn([4, 1, 3, 3]);
  const before = w.toNumbers();
  assert.equal(w.isContiguous('channels_last'), true); // dense in both layouts already
  w.setMemoryFormat_('channels_last');
  assert.equal(w.memoryFormat, 'channels_last');
  assert.deepEqual(w.toNumbers(), before);
  w.dispose();
});

test('a checkpoint of an NHWC model holds the same bytes as of the NCHW one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-nhwc-'));
  try {
    const make = (f: 'nchw' | 'nhwc') =>
      createModel({
        model: 'resnet18-cifar',
        width: 0.125,
        inChannels: 3,
        numClasses: 4,
        device: 'cpu',
        generator: new Generator(3),
        memoryFormat: f,
      }) as ResNet;
    const [a, b] = [make('nchw'), make('nhwc')];
    assert.equal(b.conv1.weight.memoryFormat, 'channels_last');
    await saveSafetensors(join(dir, 'a.safetensors'), a.stateEntries());
    await saveSafetensors(join(dir, 'b.safetensors'), b.stateEntries());
    assert.deepEqual(readFileSync(join(dir, 'b.safetensors')), readFileSync(join(dir, 'a.safetensors')));
    // Loading into an NHWC model keeps its layout and the values.
    const { tensors } = await loadSafetensors(join(dir, 'a.safetensors'));
    b.loadState(tensors);
    assert.equal(b.conv1.weight.memoryFormat, 'channels_last');
    for (const t of tensors.values()) t.dispose();
    a.dispose();
    b.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('training steps in NHWC agree with NCHW to float rounding', () => {
  const make = (f: 'nchw' | 'nhwc') => {
    const m = createModel({
      model: 'resnet18-cifar',
      width: 0.125,
      inChannels: 3,
      numClasses: 4,
      device: 'cpu',
      generator: new Generator(5),
      memoryFormat: f,
    });
    return { m, opt: new SGD([{ params: m.parameters() }], { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 }) };
  };
  const runs = [make('nchw'), make('nhwc')];
  const g = new Generator(9);
  const x = randn([8, 3, 12, 12], { generator: g });
  const y = randint(0, 4, [8], { generator: g });
  const losses = runs.map(({ m, opt }) => {
    const ls: number[] = [];
    for (let s = 0; s < 3; s++) {
      opt.zeroGrad();
      ls.push(
        tidy(() => {
          const l = crossEntropy(m.forward(x), y);
          l.backward();
          return l.item();
        }),
      );
      opt.step();
    }
    return ls;
  });
  for (let s = 0; s < 3; s++)
    assert.ok(Math.abs(losses[0]![s]! - losses[1]![s]!) < 1e-5, `step ${s}: loss ${losses[0]![s]} vs ${losses[1]![s]}`);
  const [ea, eb] = runs.map(({ m }) => m.stateEntries());
  ea!.forEach(([name, ta], i) => {
    const tb = eb![i]![1] as Tensor;
    const [p, q] = [ta.toNumbers(), tb.toNumbers()];
    const worst = p.reduce((w, v, k) => Math.max(w, Math.abs(v - q[k]!)), 0);
    assert.ok(worst < 1e-4, `${name}: max |nchw - nhwc| ${worst}`);
  });
  for (const r of runs) {
    r.opt.dispose();
    r.m.dispose();
  }
  x.dispose();
  y.dispose();
});
