// Hessian-vector products through convolutions (withHessianConvolutions, used by the sharpness
// evaluation): every column of the Hessian of a tiny conv net equals PyTorch's exact Hessian
// (libtorch's own convolution double backward) in float64, in NCHW and in channels_last, with a
// strided conv with bias and a dilated conv whose input gradient enters the second derivatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  conv2d,
  crossEntropy,
  dispose,
  Generator,
  linear,
  liveTensors,
  randint,
  randn,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { hessianVectorProduct, type Objective } from '../../src/eval/hessian.js';
import { PYTHON, repoRoot } from '../support/python.js';

const SHAPES: Record<string, number[]> = { w1: [3, 2, 3, 3], b1: [3], w2: [4, 3, 3, 3], w3: [3, 4], b3: [3] };

function exactHessian(x: Tensor, y: Tensor, params: Tensor[]): { loss: number; size: number; hessian: number[][] } {
  const req = {
    x: x.toNumbers(),
    y: y.toNumbers(),
    params: Object.fromEntries(Object.keys(SHAPES).map((n, i) => [n, params[i]!.toNumbers()])),
  };
  const r = spawnSync(PYTHON, ['test/oracle/conv_hessian.py'], {
    cwd: repoRoot,
    input: JSON.stringify(req),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { loss: number; size: number; hessian: number[][] };
}

test('withHessianConvolutions: every Hessian column of a tiny conv net equals PyTorch exact Hessian, NCHW and NHWC', () => {
  const before = liveTensors();
  const g = new Generator(11);
  const f64 = { generator: g, dtype: 'float64' } as const;
  const x = randn([4, 2, 6, 6], f64);
  const y = randint(0, 3, [4], { generator: g });
  const params = Object.values(SHAPES).map((s) => randn(s, f64).mul(0.7));
  const ref = exactHessian(x, y, params);
  assert.equal(ref.size, 180);
  for (const layout of ['nchw', 'nhwc'] as const) {
    const ps = params.map((p) => (p.ndim === 4 && layout === 'nhwc' ? p.contiguous('channels_last') : p.clone()));
    for (const p of ps) p.requiresGrad = true;
    const xs = layout === 'nhwc' ? x.contiguous('channels_last') : x;
    const [w1, b1, w2, w3, b3] = ps as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const objective: Objective = {
      params: ps,
      terms: 1,
      term: () => {
        const h1 = conv2d(xs, w1, b1, { stride: 2, padding: 1 }).tanh();
        const h2 = conv2d(h1, w2, null, { padding: 2, dilation: 2 }).tanh();
        return crossEntropy(linear(h2.mean([2, 3]), w3, b3), y);
      },
    };
    for (let j = 0; j < ref.size; j++) {
      let off = 0;
      const basis = ps.map((p) => {
        const n = p.shape.reduce((a, b) => a * b, 1);
        const e = new Float64Array(n);
        if (j >= off && j < off + n) e[j - off] = 1;
        off += n;
        return tensor(e, p.shape);
      });
      const col = hessianVectorProduct(objective, basis).flatMap((t) => {
        const v = t.toNumbers();
        t.dispose();
        return v;
      });
      col.forEach((h, i) => {
        const want = ref.hessian[i]![j]!;
        assert.ok(Math.abs(h - want) <= 1e-10 + 1e-8 * Math.abs(want), `${layout} H[${i}][${j}]: ${h} vs ${want}`);
      });
      dispose(basis);
    }
    dispose(ps);
    if (xs !== x) xs.dispose();
  }
  dispose([x, y, params]);
  assert.equal(liveTensors(), before, 'tensors leaked');
});
