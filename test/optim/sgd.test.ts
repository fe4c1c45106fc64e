// The SGD class as the training loop drives it: per-group lr and weight decay (a negative lr is
// SEAL's ascent), group settings changed between steps, a parameter without a gradient skipped,
// and a rebuild (dispose) that resets momentum. Checked against method.md §3's update rule
// written out here, and against numbers from torch.optim.SGD (float64, foreach=False):
//   p = [1, -2, 0.5], r = [0.25, -0.75] in group 0 (lr 0.1); q = [3, -1] in group 1 (lr -0.01,
//   wd 0); momentum 0.9, wd 5e-4; step 3 sets the lrs to 0.05 and -0.02; step 4 follows a new SGD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../../src/index.js';
import { SGD } from '../../src/optim/sgd.js';

type Name = 'p' | 'q' | 'r';
const INIT: Record<Name, number[]> = { p: [1, -2, 0.5], r: [0.25, -0.75], q: [3, -1] };
const GRADS: Partial<Record<Name, number[]>>[] = [
  { p: [0.1, 0.2, -0.3], q: [0.4, -0.5] }, // r has no gradient yet
  { p: [0.05, -0.1, 0.2], r: [1, -0.5], q: [-0.2, 0.3] },
  { p: [-0.3, 0, 0.1], r: [0.2, 0.1], q: [0.1, 0.1] },
  { p: [0.2, 0.2, 0.2], r: [-0.1, 0.3], q: [0.5, -0.5] },
];
// torch.optim.SGD after each step (printed with /usr/bin/python3, torch 1.13).
const TORCH: Record<Name, number[]>[] = [
  { p: [0.98995, -2.0199, 0.529975], q: [3.004, -1.005], r: [0.25, -0.75] },
  { p: [0.9758555025, -2.0277090049999997, 0.53692600125], q: [3.0056, -1.0065], r: [0.1499875, -0.6999625] },
  {
    p: [0.9844885822374375, -2.031172364524875, 0.5350405286624688],
    q: [3.01048, -1.0071999999999999],
    r: [0.0949781253125, -0.6824281259375],
  },
  {
    p: [0.9644393578083257, -2.0510708059066487, 0.5150137766360356],
    q: [3.0154799999999997, -1.0121999999999998],
    r: [0.10497337640623437, -0.7123940045312032],
  },
];
const TORCH_BUFFERS_AFTER_3: Record<Name, number[]> = {
  p: [-0.17266159474874998, 0.06926719049750002, 0.037709451750624984],
  r: [1.10018749375, -0.35068748125],
  q: [0.24400000000000005, -0.03500000000000003],
};

/** method.md §3: g = grad + wd·p; buf = g on the first step, else 0.9·buf + g; p = p − lr·buf. */
function byHand(): { params: Record<Name, number[]>[]; buffersAfter3: Record<Name, number[]> } {
  const p: Record<Name, number[]> = { p: [...INIT.p], q: [...INIT.q], r: [...INIT.r] };
  let buf: Partial<Record<Name, number[]>> = {};
  const params: Record<Name, number[]>[] = [];
  let buffersAfter3: Record<Name, number[]> = { p: [], q: [], r: [] };
  GRADS.forEach((grads, s) => {
    if (s === 3) buf = {}; // a new optimizer
    const lr = { p: s === 2 ? 0.05 : 0.1, r: s === 2 ? 0.05 : 0.1, q: s === 2 ? -0.02 : -0.01 };
    const wd = { p: 5e-4, r: 5e-4, q: 0 };
    for (const n of ['p', 'r', 'q'] as Name[]) {
      const grad = grads[n];
      if (!grad) continue;
      const d = grad.map((v, i) => v + wd[n] * (p[n][i] as number));
      const b = buf[n] ? (buf[n] as number[]).map((v, i) => 0.9 * v + (d[i] as number)) : d;
      buf[n] = b;
      p[n] = p[n].map((v, i) => v - lr[n] * (b[i] as number));
    }
    params.push({ p: [...p.p], q: [...p.q], r: [...p.r] });
    if (s === 2)
      buffersAfter3 = { p: [...(buf.p as number[])], r: [...(buf.r as number[])], q: [...(buf.q as number[])] };
  });
  return { params, buffersAfter3 };
}

function close(actual: number[], expected: number[], tol: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - (expected[i] as number)) <= tol, `${label}[${i}]: ${a}, expected ${expected[i]}`),
  );
}

const f64 = (v: number[]): Tensor => tensor(Float64Array.from(v), [v.length]);

test("the hand-written update rule reproduces torch.optim.SGD's numbers (the reference itself is right)", () => {
  const { params, buffersAfter3 } = byHand();
  TORCH.forEach((want, s) =>
    (['p', 'q', 'r'] as Name[]).forEach((n) => {
      close((params[s] as Record<Name, number[]>)[n], want[n], 1e-15, `step ${s + 1} ${n}`);
    }),
  );
  for (const n of ['p', 'q', 'r'] as Name[]) close(buffersAfter3[n], TORCH_BUFFERS_AFTER_3[n], 1e-15, `buffer ${n}`);
});

test('SGD: momentum, coupled weight decay, per-group and negative lr, lr changes between steps, a rebuild', () => {
  const t: Record<Name, Tensor> = {
    p: f64(INIT.p).requiresGrad_(),
    q: f64(INIT.q).requiresGrad_(),
    r: f64(INIT.r).requiresGrad_(),
  };
  const build = () =>
    new SGD([{ params: [t.p, t.r] }, { params: [t.q], lr: -0.01, weightDecay: 0 }], {
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 5e-4,
    });
  let opt = build();
  assert.deepEqual(
    opt.groups.map((g) => [g.lr, g.weightDecay, g.momentum, g.dampening, g.nesterov]),
    [
      [0.1, 5e-4, 0.9, 0, false],
      [-0.01, 0, 0.9, 0, false],
    ],
  );
  try {
    GRADS.forEach((grads, s) => {
      if (s === 2) {
        const [g0, g1] = opt.groups as [SGD['groups'][0], SGD['groups'][0]];
        g0.lr = 0.05;
        g1.lr = -0.02;
      }
      if (s === 3) {
        opt.dispose();
        opt = build();
      }
      opt.zeroGrad();
      for (const n of ['p', 'q', 'r'] as Name[]) {
        assert.equal(t[n].grad, null, 'zeroGrad drops every gradient');
        const g = grads[n];
        if (g) t[n].grad = f64(g);
      }
      opt.step();
      const want = TORCH[s] as Record<Name, number[]>;
      for (const n of ['p', 'q', 'r'] as Name[]) close(t[n].toNumbers(), want[n], 1e-12, `step ${s + 1} ${n}`);
      if (s === 0) {
        assert.equal(opt.momentumBuffers()[0]?.[1], null, 'r had no gradient: no buffer yet');
        assert.equal(t.r.toNumbers()[0], 0.25, 'and no update, not even weight decay');
        // The ascent group moved along the gradient: q grew where its gradient is positive.
        assert.ok((t.q.toNumbers()[0] as number) > 3 && (t.q.toNumbers()[1] as number) < -1);
      }
      if (s === 2) {
        const [[bp, br], [bq]] = opt.momentumBuffers() as [Tensor[], Tensor[]];
        close((bp as Tensor).toNumbers(), TORCH_BUFFERS_AFTER_3.p, 1e-12, 'buffer p');
        close((br as Tensor).toNumbers(), TORCH_BUFFERS_AFTER_3.r, 1e-12, 'buffer r');
        close((bq as Tensor).toNumbers(), TORCH_BUFFERS_AFTER_3.q, 1e-12, 'buffer q');
      }
    });
  } finally {
    opt.dispose();
    for (const x of Object.values(t)) x.dispose();
  }
});

test("a group at lr 0 and weight decay 0 (freeze-late's later layers) leaves its parameters bit for bit", () => {
  const frozen = tensor(Float32Array.from([0.3, -0.7, 1e-8]), [3]).requiresGrad_();
  const moving = tensor(Float32Array.from([1, 2, 3]), [3]).requiresGrad_();
  const opt = new SGD([{ params: [frozen], lr: 0, weightDecay: 0 }, { params: [moving] }], {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
  });
  const before = frozen.toNumbers();
  for (let s = 0; s < 3; s++) {
    opt.zeroGrad();
    frozen.grad = tensor(Float32Array.from([1, -1, 0.5]), [3]);
    moving.grad = tensor(Float32Array.from([1, -1, 0.5]), [3]);
    opt.step();
  }
  assert.deepEqual(frozen.toNumbers(), before);
  assert.notDeepEqual(moving.toNumbers(), [1, 2, 3], 'the other group did train');
  opt.dispose();
  frozen.dispose();
  moving.dispose();
});
