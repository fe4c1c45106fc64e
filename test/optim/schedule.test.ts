// The lr schedule against method.md §3, computed by hand from its definition:
//   lr(e) = lr·(e+1)/W                                  for e < W
//   lr(e) = 0.5·(1 + cos(π·(e−W)/(E−W)))·lr             otherwise
// with e the epoch inside the generation ('cosine', restarting every generation), or the epoch
// counted over all generations ('long-cosine', E·G epochs in all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduledLr, warmupCosine, type ScheduleConfig } from '../../src/optim/schedule.js';

const REF: ScheduleConfig = { lr: 0.1, epochs: 160, warmupEpochs: 20, generations: 10, lrPolicy: 'cosine' };

function close(actual: number, expected: number, tol: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${label}: ${actual}, expected ${expected} (±${tol})`);
}

test("the reference defaults give method.md's sample values", () => {
  // method.md: e0 = 0.005, e19 = e20 = 0.1, e40 = 0.0950, e80 = 0.0611, e120 = 0.0188, e159 = 1.3e-5
  const samples: [number, number, number][] = [
    [0, 0.005, 1e-12],
    [19, 0.1, 1e-12],
    [20, 0.1, 1e-12],
    [40, 0.095, 5e-5],
    [80, 0.0611, 5e-5],
    [120, 0.0188, 5e-5],
    [159, 1.3e-5, 5e-7],
  ];
  for (const [e, want, tol] of samples) close(scheduledLr(REF, 0, e), want, tol, `epoch ${e}`);
  // The same points in closed form: (e−20)/140 is 1/7, 3/7 and 5/7 of π at e = 40, 80, 120.
  close(scheduledLr(REF, 0, 40), 0.05 * (1 + Math.cos(Math.PI / 7)), 1e-15, 'epoch 40');
  close(scheduledLr(REF, 0, 80), 0.05 * (1 + Math.cos((3 * Math.PI) / 7)), 1e-15, 'epoch 80');
  close(scheduledLr(REF, 0, 120), 0.05 * (1 + Math.cos((5 * Math.PI) / 7)), 1e-15, 'epoch 120');
  close(scheduledLr(REF, 0, 159), 0.05 * (1 - Math.cos(Math.PI / 140)), 1e-15, 'epoch 159');
});

test('warmup: linear from lr/W at epoch 0 to lr at epoch W-1, then the cosine starts at lr', () => {
  for (let e = 0; e < 20; e++) close(scheduledLr(REF, 0, e), (0.1 * (e + 1)) / 20, 1e-15, `warmup epoch ${e}`);
  for (let e = 1; e < 20; e++)
    close(scheduledLr(REF, 0, e) - scheduledLr(REF, 0, e - 1), 0.1 / 20, 1e-15, `step at ${e}`);
  assert.equal(scheduledLr(REF, 0, 20), 0.1, 'cos(0) = 1: the cosine starts at the base lr');
});

test("after the warmup the lr only falls, stays positive, and halves at the cosine's midpoint", () => {
  for (let e = 21; e < 160; e++)
    assert.ok(scheduledLr(REF, 0, e) < scheduledLr(REF, 0, e - 1), `epoch ${e} does not fall`);
  assert.ok(scheduledLr(REF, 0, 159) > 0);
  close(scheduledLr(REF, 0, 90), 0.05, 1e-15, 'epoch 20 + 140/2');
});

test('cosine: every generation restarts the warmup and the cosine', () => {
  for (let g = 1; g < REF.generations; g++) {
    for (const e of [0, 5, 19, 20, 40, 100, 159]) {
      assert.equal(scheduledLr(REF, g, e), scheduledLr(REF, 0, e), `generation ${g}, epoch ${e}`);
    }
  }
});

test("SEAL's ascent lr S·lr_t with S = -0.01: -5e-5 at epoch 0, -1e-3 at epoch 19, -9.55e-4 at epoch 39", () => {
  const ascent = (e: number) => -0.01 * scheduledLr(REF, 1, e);
  close(ascent(0), -5e-5, 1e-15, 'epoch 0');
  close(ascent(19), -1e-3, 1e-15, 'epoch 19');
  close(ascent(39), -9.55e-4, 5e-7, 'epoch 39');
  close(ascent(39), -0.0005 * (1 + Math.cos((19 * Math.PI) / 140)), 1e-15, 'epoch 39 in closed form');
});

test('long-cosine: one warmup and one cosine over E·G epochs, counted across generations', () => {
  const c: ScheduleConfig = { lr: 0.2, epochs: 10, warmupEpochs: 2, generations: 3, lrPolicy: 'long-cosine' };
  // Global epoch t = 10·g + e; warmup over t < 2, cosine over the remaining 28.
  close(scheduledLr(c, 0, 0), 0.1, 1e-15, 'g0 e0');
  close(scheduledLr(c, 0, 1), 0.2, 1e-15, 'g0 e1');
  close(scheduledLr(c, 1, 0), 0.1 * (1 + Math.cos((8 * Math.PI) / 28)), 1e-15, 'g1 e0 (t = 10)');
  close(scheduledLr(c, 1, 1), 0.1 * (1 + Math.cos((9 * Math.PI) / 28)), 1e-15, 'g1 e1: no second warmup');
  close(scheduledLr(c, 2, 9), 0.1 * (1 + Math.cos((27 * Math.PI) / 28)), 1e-15, 'g2 e9 (t = 29, the last epoch)');
  const at = (t: number) => scheduledLr(c, Math.floor(t / 10), t % 10);
  for (let t = 3; t < 30; t++) assert.ok(at(t) < at(t - 1), `t = ${t} does not fall`);
});

test('edge cases the config allows: no warmup, and one epoch per generation', () => {
  const noWarmup: ScheduleConfig = { ...REF, epochs: 4, warmupEpochs: 0 };
  assert.equal(scheduledLr(noWarmup, 0, 0), 0.1, 'the cosine starts at once');
  close(scheduledLr(noWarmup, 0, 2), 0.05, 1e-15, 'midpoint of 4 epochs');
  // resolveConfig derives k = 0 and W = 0 for E = 1; a W of 1 is also allowed there.
  for (const w of [0, 1])
    assert.equal(scheduledLr({ ...REF, epochs: 1, warmupEpochs: w }, 3, 0), 0.1, `E = 1, W = ${w}`);
  assert.equal(warmupCosine(5, 0.1, 5, 5), 0.1, 'a warmup as long as the schedule holds the lr');
});
