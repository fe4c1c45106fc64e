// Sharpness: Hessian-vector products, power iteration and Hutchinson's trace on quadratics whose
// Hessian is known exactly, against PyTorch's exact Hessian of a tiny MLP, and a whole run on a
// tiny trained checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  crossEntropy,
  dispose,
  Generator,
  linear,
  liveTensors,
  randint,
  randn,
  tensor,
  train,
  type Tensor,
} from '../../src/index.js';
import { loadModelCheckpoint } from '../../src/eval/model-checkpoint.js';
import { hessianTrace, hessianVectorProduct, topHessianEigenvalue, type Objective } from '../../src/eval/hessian.js';
import { sharpness } from '../../src/eval/sharpness.js';
import { PYTHON, repoRoot } from '../support/python.js';
import { tinyData } from '../support/tiny-data.js';
import { quadratic, symmetricWithEigenvalues } from './sharp-quadratic.js';

const close = (a: number, b: number, rtol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('quadratic 0.5·wᵀAw split over two parameters and two terms: H·v = A·v, top eigenvalue, trace', () => {
  const eig = [10, 4, 3, 2, 1, -0.5, 0.25];
  const a = symmetricWithEigenvalues(eig, [1, -2, 0.5, 3, -1, 2, 1]);
  const before = liveTensors();
  const q = quadratic(a, 3); // w = [3] ++ [2, 2]
  const v = [
    tensor([0.3, -1, 2], [3], { dtype: 'float64' }),
    tensor([1, 0.5, -0.7, 0.2], [2, 2], { dtype: 'float64' }),
  ];
  const hv = hessianVectorProduct(q.objective, v);
  const flatV = [0.3, -1, 2, 1, 0.5, -0.7, 0.2];
  const expected = a.map((row) => row.reduce((s, x, j) => s + x * (flatV[j] as number), 0));
  [...hv[0]!.toNumbers(), ...hv[1]!.toNumbers()].forEach((x, i) =>
    close(x, expected[i] as number, 1e-12, `(Av)[${i}]`),
  );
  const top = topHessianEigenvalue(q.objective, { maxIterations: 500, tolerance: 1e-13, seed: 1 });
  assert.ok(top.converged, 'power iteration converged');
  close(top.eigenvalue, 10, 1e-9, 'top eigenvalue');
  const tr = hessianTrace(q.objective, { samples: 400, seed: 2 });
  const exact = eig.reduce((s, x) => s + x, 0);
  assert.ok(tr.standardError > 0);
  assert.ok(Math.abs(tr.trace - exact) < 4 * tr.standardError, `trace ${tr.trace} ± ${tr.standardError} vs ${exact}`);
  dispose([v, hv]);
  q.dispose();
  assert.equal(liveTensors(), before, 'no tensors left behind');
});

test('diagonal Hessian: Rademacher vectors give the trace exactly; a dominant negative eigenvalue keeps its sign', () => {
  const diag = quadratic(symmetricWithEigenvalues([2, -1, 5, 0.5, 3], null), 2);
  const tr = hessianTrace(diag.objective, { samples: 5, seed: 0 });
  close(tr.trace, 9.5, 1e-12, 'trace');
  assert.equal(tr.standardError, 0);
  diag.dispose();
  const neg = quadratic(symmetricWithEigenvalues([-12, 3, 1, 2], [1, 1, -1, 2]), 2);
  close(
    topHessianEigenvalue(neg.objective, { maxIterations: 500, tolerance: 1e-13, seed: 3 }).eigenvalue,
    -12,
    1e-9,
    'dominant eigenvalue',
  );
  neg.dispose();
});

test("tiny MLP: H·v columns, top eigenvalue and trace match PyTorch's exact Hessian", () => {
  const g = new Generator(5);
  const f64 = { generator: g, dtype: 'float64' } as const;
  const x = randn([24, 4], f64);
  const y = randint(0, 3, [24], { generator: g });
  const params = [randn([5, 4], f64), randn([5], f64), randn([3, 5], f64), randn([3], f64)];
  for (const p of params) p.requiresGrad = true;
  const nested = (t: Tensor): number[] | number[][] => {
    const v = t.toNumbers();
    return t.ndim === 1
      ? v
      : Array.from({ length: t.shape[0] as number }, (_, i) =>
          v.slice(i * (t.shape[1] as number), (i + 1) * (t.shape[1] as number)),
        );
  };
  const req = {
    x: nested(x),
    y: y.toNumbers(),
    params: { w1: nested(params[0]!), b1: nested(params[1]!), w2: nested(params[2]!), b2: nested(params[3]!) },
  };
  const r = spawnSync(PYTHON, ['test/eval/sharp_ref.py'], {
    cwd: repoRoot,
    input: JSON.stringify(req),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as {
    loss: number;
    trace: number;
    dominant: number;
    size: number;
    hessian: number[][];
  };

  // Two uneven batches, each weighted by its share: the terms sum to the mean loss over all 24 rows.
  const cuts = [
    [0, 10],
    [10, 14],
  ] as const;
  const objective: Objective = {
    params,
    terms: 2,
    term: (i) => {
      const [s, n] = cuts[i]!;
      const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
      return crossEntropy(linear(linear(x.narrow(0, s, n), w1, b1).tanh(), w2, b2), y.narrow(0, s, n)).mul(n / 24);
    },
  };
  assert.equal(ref.size, 43);
  // Column j of H is H·e_j.
  for (let j = 0; j < ref.size; j++) {
    const e = new Float64Array(ref.size);
    e[j] = 1;
    let off = 0;
    const basis = params.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const t = tensor(e.slice(off, off + n), p.shape);
      off += n;
      return t;
    });
    const col = hessianVectorProduct(objective, basis);
    const got = col.flatMap((t) => t.toNumbers());
    got.forEach((h, i) =>
      assert.ok(Math.abs(h - (ref.hessian[i]?.[j] as number)) < 1e-10, `H[${i}][${j}]: ${h} vs ${ref.hessian[i]?.[j]}`),
    );
    dispose([basis, col]);
  }
  const top = topHessianEigenvalue(objective, { maxIterations: 5000, tolerance: 1e-14, seed: 0 });
  close(top.eigenvalue, ref.dominant, 1e-6, 'top eigenvalue');
  const tr = hessianTrace(objective, { samples: 300, seed: 0 });
  assert.ok(
    Math.abs(tr.trace - ref.trace) < 4 * tr.standardError,
    `trace ${tr.trace} ± ${tr.standardError} vs ${ref.trace}`,
  );
  dispose([x, y, params]);
});

test('a tiny trained checkpoint: finite sharpness, JSON result, batch size does not change the loss function, no leaks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-sharp-'));
  const data = tinyData({ train: 128, test: 32 });
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
    const { model, source } = await loadModelCheckpoint(join(dir, 'checkpoints', 'gen-0.safetensors'));
    const before = liveTensors();
    const cfg = { sampleSize: 64, maxIterations: 4, tolerance: 0, traceSamples: 3, seed: 3 };
    const whole = sharpness(model, data.train, source, { ...cfg, batchSize: 64 });
    const cut = sharpness(model, data.train, source, { ...cfg, batchSize: 24 }); // batches of 24, 24, 16
    assert.equal(liveTensors(), before, 'sharpness leaves no tensors behind');
    assert.equal(model.training, false, 'the model is back in the mode it came in');
    assert.deepEqual(JSON.parse(JSON.stringify(cut)), cut, 'the result is plain JSON');
    assert.equal(cut.settings.sampleCount, 64);
    assert.equal(cut.topEigenvalue.iterations, 4);
    assert.ok(Number.isFinite(cut.topEigenvalue.eigenvalue) && cut.topEigenvalue.eigenvalue > 0);
    assert.ok(Number.isFinite(cut.trace.trace) && cut.trace.standardError >= 0);
    // Eval-mode BatchNorm: the subset's loss and its HVPs do not depend on how it is batched.
    close(cut.loss, whole.loss, 1e-5, 'loss');
    cut.topEigenvalue.history.forEach((h, i) =>
      close(h, whole.topEigenvalue.history[i] as number, 1e-3, `power iteration step ${i}`),
    );
    cut.trace.estimates.forEach((t, i) => close(t, whole.trace.estimates[i] as number, 1e-3, `Hutchinson sample ${i}`));
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
