// k-NN: the batched tensor version against an exhaustive plain-JS search, ties included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Generator, liveTensors, randint, randn, tensor, type Tensor } from '../../src/index.js';
import { knnPredict } from '../../src/eval/knn.js';
import { bruteKnn } from './pd-brute.js';

const rows = (t: Tensor): number[][] => {
  const [n, d] = t.shape as [number, number];
  const v = t.toNumbers();
  return Array.from({ length: n }, (_, i) => v.slice(i * d, (i + 1) * d));
};
const ints = (t: Tensor): number[] => {
  const v = t.toNumbers();
  t.dispose();
  return v;
};

test('random data: equals brute force for several k, with and without leave-one-out, across chunk sizes', () => {
  const gen = new Generator(7);
  const q = randn([60, 5], { generator: gen, dtype: 'float64' });
  const s = randn([80, 5], { generator: gen, dtype: 'float64' });
  const labels = ints(randint(0, 4, [80], { generator: gen }));
  const before = liveTensors();
  for (const k of [1, 3, 5, 8, 30]) {
    for (const chunkSize of [7, 1000]) {
      assert.deepEqual(
        Array.from(knnPredict(q, s, labels, { k, chunkSize })),
        bruteKnn(rows(q), rows(s), labels, k),
        `k=${k}`,
      );
      const loo = Array.from({ length: 80 }, (_, i) => i);
      assert.deepEqual(
        Array.from(knnPredict(s, s, labels, { k, chunkSize, leaveOneOut: true })),
        bruteKnn(rows(s), rows(s), labels, k, loo),
        `loo k=${k}`,
      );
    }
  }
  assert.equal(liveTensors(), before, 'knnPredict leaves no tensors behind');
  for (const t of [q, s]) t.dispose();
});

test('lattice data full of tied distances and duplicate points: equals brute force, float32 and float64', () => {
  const gen = new Generator(3);
  // Coordinates in {0, 1, 2}: many exact ties, and distances that are exact in either dtype.
  for (const dtype of ['float32', 'float64'] as const) {
    const qi = randint(0, 3, [50, 2], { generator: gen }),
      si = randint(0, 3, [40, 2], { generator: gen });
    const q = qi.to(dtype),
      s = si.to(dtype);
    const labels = ints(randint(0, 3, [40], { generator: gen }));
    for (const k of [1, 2, 3, 4, 6, 9, 13, 39]) {
      assert.deepEqual(
        Array.from(knnPredict(q, s, labels, { k, chunkSize: 16 })),
        bruteKnn(rows(q), rows(s), labels, k),
        `${dtype} k=${k}`,
      );
      const loo = Array.from({ length: 40 }, (_, i) => i);
      assert.deepEqual(
        Array.from(knnPredict(s, s, labels, { k, leaveOneOut: true })),
        bruteKnn(rows(s), rows(s), labels, k, loo),
        `${dtype} loo k=${k}`,
      );
    }
    // A general exclusion list: every other query leaves out support point 0.
    const ex = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 0 : -1));
    assert.deepEqual(
      Array.from(knnPredict(q, s, labels, { k: 5, exclude: ex })),
      bruteKnn(rows(q), rows(s), labels, 5, ex),
    );
    for (const t of [qi, si, q, s]) t.dispose();
  }
});

test('vote ties: the smaller summed distance wins, then the smaller class index', () => {
  const s = tensor([1, 0, -2, 0, 3, 0, -3, 0], [4, 2], { dtype: 'float64' });
  const q = tensor([0, 0], [1, 2], { dtype: 'float64' });
  // k=2: class 1 (at d=1) and class 0 (at d=2) tie 1-1; class 1 is nearer.
  assert.deepEqual(Array.from(knnPredict(q, s, [1, 0, 1, 0], { k: 2 })), [1]);
  // k=4: 2-2, summed distances 1+3 and 2+3: class of the points at 1 and 3 wins.
  assert.deepEqual(Array.from(knnPredict(q, s, [2, 5, 2, 5], { k: 4 })), [2]);
  // Two points at the same distance with different classes: the smaller class index.
  const sym = tensor([1, 0, -1, 0], [2, 2], { dtype: 'float64' });
  assert.deepEqual(Array.from(knnPredict(q, sym, [4, 3], { k: 2 })), [3]);
  // k=1 with a tie at the first place: the smaller support index is the neighbour.
  assert.deepEqual(Array.from(knnPredict(q, sym, [4, 3], { k: 1 })), [4]);
  for (const t of [s, q, sym]) t.dispose();
});

test('bad k and mismatched shapes are reported', () => {
  const s = tensor([0, 1, 2, 3], [2, 2]);
  assert.throws(
    () => knnPredict(s, s, [0, 1], { k: 2, leaveOneOut: true }),
    (e: unknown) => e instanceof ConfigError && /k must be an integer in 1\.\.1/.test(e.message),
  );
  assert.throws(() => knnPredict(s, s, [0, 1], { k: 0 }), ConfigError);
  assert.throws(() => knnPredict(s, s, [0], { k: 1 }), /2 support points but 1 labels/);
  const q3 = tensor([0, 1, 2], [1, 3]);
  assert.throws(() => knnPredict(q3, s, [0, 1], { k: 1 }), /must share D/);
  for (const t of [s, q3]) t.dispose();
});
