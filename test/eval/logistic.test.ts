// Logistic regression: separable data is fitted perfectly, the optimum matches PyTorch's
// LBFGS (an independent solver) and has a ~0 autograd gradient, λ is chosen on a fixed hold-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  crossEntropy,
  Generator,
  getNumThreads,
  grad,
  liveTensors,
  randint,
  randn,
  setNumThreads,
  tensor,
  tidy,
  type Tensor,
} from '../../src/index.js';
import { accuracy, fitLogistic, logisticLogits } from '../../src/eval/logistic.js';
import { logisticProbe, stratifiedHoldOut } from '../../src/eval/probe.js';
import { PYTHON, repoRoot } from '../support/python.js';

/** Gaussian blobs: class c centred at `gap`·e_c in D dims, unit noise. */
function blobs(n: number, d: number, classes: number, gap: number, seed: number): { features: Tensor; labels: Tensor } {
  return tidy(() => {
    const gen = new Generator(seed);
    const labels = randint(0, classes, [n], { generator: gen });
    const centres = tensor(
      Array.from({ length: classes * d }, (_, i) => (i % (d + 1) === 0 ? gap : 0)),
      [classes, d],
    );
    const features = randn([n, d], { generator: gen }).add(centres.indexSelect(0, labels));
    return { features, labels };
  });
}

test('linearly separable blobs are fitted to 100%, on the training and the test points', () => {
  const before = liveTensors();
  const train = blobs(300, 6, 4, 12, 1),
    testSet = blobs(200, 6, 4, 12, 2);
  const fit = fitLogistic(train.features, train.labels, 4, { l2: 1e-4 });
  assert.ok(fit.converged, `not converged: ratio ${fit.gradientRatio} after ${fit.iterations}`);
  assert.equal(
    tidy(() => accuracy(logisticLogits(fit, train.features), train.labels)),
    1,
  );
  assert.equal(
    tidy(() => accuracy(logisticLogits(fit, testSet.features), testSet.labels)),
    1,
  );
  const probe = logisticProbe(train, testSet, 4);
  assert.equal(probe.testAccuracy, 1);
  assert.equal(probe.trainAccuracy, 1);
  fit.theta.dispose();
  for (const t of [train, testSet]) {
    t.features.dispose();
    t.labels.dispose();
  }
  assert.equal(liveTensors(), before, 'tensors leaked');
});

const torchOk = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test(
  "the optimum equals torch.optim.LBFGS's, and autograd finds its gradient ~0",
  { skip: !torchOk && `${PYTHON} with torch is missing` },
  () => {
    // Overlapping blobs: not separable, so the optimum is finite even for small λ.
    const { features: x, labels: y } = blobs(60, 4, 3, 1.5, 7);
    const l2 = 0.03;
    const fit = fitLogistic(x, y, 3, { l2, tolerance: 1e-10, maxIterations: 2000 });
    assert.ok(fit.converged, `not converged: ratio ${fit.gradientRatio}`);
    const xs = x.toNumbers();
    const body = JSON.stringify({
      x: Array.from({ length: 60 }, (_, i) => xs.slice(i * 4, i * 4 + 4)),
      y: y.toNumbers(),
      classes: 3,
      l2,
    });
    const r = spawnSync(PYTHON, ['test/eval/logistic_ref.py'], { cwd: repoRoot, input: body, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { loss: number; theta: number[][]; grad_norm: number };
    assert.ok(Math.abs(fit.loss - ref.loss) <= 1e-9 * Math.abs(ref.loss), `loss ${fit.loss} vs torch ${ref.loss}`);
    const theta = fit.theta.toNumbers();
    ref.theta
      .flat()
      .forEach((v, i) => assert.ok(Math.abs(v - theta[i]!) < 1e-5, `theta[${i}]: ${theta[i]} vs torch ${v}`));
    // The gradient by autograd, independent of the solver's analytic one.
    const gradNorm = tidy(() => {
      const w = fit.theta.narrow(0, 0, 4).clone().requiresGrad_(),
        b = fit.theta.narrow(0, 4, 1).squeeze(0).clone().requiresGrad_();
      const f = crossEntropy(x.to('float64').matmul(w).add(b), y).add(
        w
          .square()
          .sum()
          .mul(l2 / 2),
      );
      const [gw, gb] = grad(f, [w, b]) as [Tensor, Tensor];
      return Math.sqrt(gw.square().sum().item() + gb.square().sum().item());
    });
    assert.ok(gradNorm < 1e-8, `gradient norm at the solution ${gradNorm}`);
    for (const t of [x, y, fit.theta]) t.dispose();
  },
);

test('the hold-out is stratified (20% of each class), disjoint, complete and fixed by the seed', () => {
  const labels = Int32Array.from({ length: 103 }, (_, i) => (i < 50 ? 0 : i < 90 ? 1 : 2));
  const a = stratifiedHoldOut(labels, 3, 0.2, 0);
  assert.deepEqual(stratifiedHoldOut(labels, 3, 0.2, 0), a);
  assert.notDeepEqual(stratifiedHoldOut(labels, 3, 0.2, 1).validation, a.validation);
  assert.deepEqual(
    [0, 1, 2].map((c) => a.validation.filter((i) => labels[i] === c).length),
    [10, 8, 3],
  );
  assert.deepEqual(
    [...a.fit, ...a.validation].sort((p, q) => p - q),
    Array.from({ length: 103 }, (_, i) => i),
  );
});

test('the probe records every λ of the grid and picks the best on the hold-out; one class is an error', () => {
  const before = liveTensors();
  const train = blobs(200, 5, 3, 2, 3),
    testSet = blobs(100, 5, 3, 2, 4);
  const r = logisticProbe(train, testSet, 3, { l2Grid: [1e-3, 1e-1, 10] });
  assert.deepEqual(
    r.grid.map((g) => g.l2),
    [10, 1e-1, 1e-3],
  );
  assert.equal(r.l2, r.grid.reduce((b, g) => (g.validationAccuracy > b.validationAccuracy ? g : b)).l2);
  assert.ok(r.grid.every((g) => g.converged) && r.fit.converged);
  assert.equal(r.counts.validation + r.counts.train - r.counts.validation, 200);
  assert.ok(r.testAccuracy > 0.6, `test accuracy ${r.testAccuracy}`);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  const one = { features: train.features, labels: tidy(() => train.labels.mul(0)) };
  assert.throws(() => logisticProbe(one, testSet, 3), /at least 2 classes/);
  for (const t of [train, testSet]) {
    t.features.dispose();
    t.labels.dispose();
  }
  one.labels.dispose();
  assert.equal(liveTensors(), before, 'tensors leaked');
});

test("the probe gives the same numbers whatever the caller's thread count, and leaves that count as it was", () => {
  // Enough rows that libtorch would split the fit's full-tensor sums across threads.
  const train = blobs(6000, 12, 10, 1.2, 11),
    testSet = blobs(1000, 12, 10, 1.2, 12);
  const before = getNumThreads();
  try {
    const runs = [1, 2, 3].map((threads) => {
      setNumThreads(threads);
      const r = logisticProbe(train, testSet, 10, { l2Grid: [1e-4, 1e-2] });
      assert.equal(getNumThreads(), threads);
      return r;
    });
    for (const r of runs.slice(1)) {
      assert.deepEqual(
        { ...r.fit, grid: r.grid, test: r.testAccuracy },
        { ...runs[0]!.fit, grid: runs[0]!.grid, test: runs[0]!.testAccuracy },
      );
    }
  } finally {
    setNumThreads(before);
    for (const t of [train, testSet]) {
      t.features.dispose();
      t.labels.dispose();
    }
  }
});
