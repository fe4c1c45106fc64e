// Few-shot episodes: deterministic draws, nearest-centroid checked by brute force, separable
// features classified perfectly, the 95% CI narrows with more episodes, clear errors, no leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, liveTensors, randn, tensor, tidy, type Tensor } from '../../src/index.js';
import { fewShot, indicesByClass, sampleEpisode } from '../../src/eval/few-shot.js';
import { meanInterval, tQuantile975, Z_975 } from '../../src/eval/stats.js';

/** `perClass` noisy copies of a class direction per class: features [C·perClass, D], labels. */
function clusters(
  classes: number,
  perClass: number,
  d: number,
  noise: number,
  seed: number,
): { features: Tensor; labels: Tensor } {
  return tidy(() => {
    const labels = Array.from({ length: classes * perClass }, (_, i) => i % classes);
    const dirs = randn([classes, d], { generator: new Generator(seed) });
    const features = dirs
      .indexSelect(0, tensor(labels, [labels.length], { dtype: 'int64' }))
      .add(randn([labels.length, d], { generator: new Generator(seed + 1) }).mul(noise));
    return { features, labels: tensor(labels, [labels.length], { dtype: 'int64' }) };
  });
}

test('episodes are a function of (seed, episode): same draw twice, another seed differs, support and queries disjoint', () => {
  const byClass = indicesByClass(
    Int32Array.from({ length: 200 }, (_, i) => i % 10),
    10,
  );
  const a = sampleEpisode(byClass, 5, 5, 15, 0, 3);
  assert.deepEqual(sampleEpisode(byClass, 5, 5, 15, 0, 3), a);
  assert.notDeepEqual(sampleEpisode(byClass, 5, 5, 15, 1, 3), a);
  assert.notDeepEqual(sampleEpisode(byClass, 5, 5, 15, 0, 4), a);
  assert.equal(new Set(a.classes).size, 5);
  a.classes.forEach((c, j) => {
    const all = [...a.support[j]!, ...a.query[j]!];
    assert.equal(new Set(all).size, 20);
    assert.ok(all.every((i) => i % 10 === c));
  });
  // A 1-shot episode's support is the first image of the 5-shot one's.
  const one = sampleEpisode(byClass, 5, 1, 15, 0, 3);
  assert.deepEqual(one.classes, a.classes);
  assert.deepEqual(
    one.support,
    a.support.map((s) => s.slice(0, 1)),
  );
});

test('nearest centroid agrees with a brute-force cosine classifier on every episode', () => {
  // 4 classes x 7 hand-made 3-D points, overlapping so that some queries are wrong.
  const pts = [
    [1, 0, 0],
    [0.9, 0.3, 0],
    [0.8, -0.2, 0.1],
    [0.2, 1, 0],
    [1, 0.1, 0.5],
    [0.6, 0.6, 0],
    [0.7, 0, -0.4],
    [0, 1, 0],
    [0.1, 0.9, 0.2],
    [0.5, 0.7, 0],
    [-0.3, 1, 0],
    [0.2, 0.8, -0.5],
    [0, 0.6, 0.6],
    [0.9, 0.5, 0],
    [0, 0, 1],
    [0.2, 0.1, 0.9],
    [0.5, 0, 0.6],
    [-0.2, 0.3, 0.8],
    [0.1, 0.6, 0.7],
    [0, -0.2, 1],
    [0.4, 0.4, 0.4],
    [-1, 0, 0],
    [-0.8, 0.5, 0],
    [-0.9, -0.1, 0.3],
    [-0.5, 0, -0.5],
    [-0.7, 0.7, 0.1],
    [0.3, 0, 0.2],
    [-1, -0.3, -0.3],
  ];
  const labels = pts.map((_, i) => Math.floor(i / 7));
  const x = tensor(pts.flat(), [28, 3]),
    y = tensor(labels, [28], { dtype: 'int64' });
  const r = fewShot(x, y, 4, {
    ways: 3,
    shots: [2],
    queries: 4,
    episodes: 40,
    seed: 9,
    classifiers: ['nearest-centroid'],
    perEpisode: true,
    chunk: 16,
  });
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((a) => a / n);
  };
  const byClass = indicesByClass(Int32Array.from(labels), 4);
  const expected = Array.from({ length: 40 }, (_, e) => {
    const ep = sampleEpisode(byClass, 3, 2, 4, 9, e);
    const centroids = ep.support.map((s) =>
      unit([0, 1, 2].map((k) => s.reduce((acc, i) => acc + unit(pts[i]!)[k]!, 0) / s.length)),
    );
    let right = 0;
    ep.query.forEach((qs, way) =>
      qs.forEach((i) => {
        const q = unit(pts[i]!);
        const sims = centroids.map((c) => c.reduce((acc, v, k) => acc + v * q[k]!, 0));
        if (sims.indexOf(Math.max(...sims)) === way) right++;
      }),
    );
    return right / 12;
  });
  const got = r.cells[0]!.accuracies!;
  expected.forEach((v, e) => assert.ok(Math.abs(got[e]! - v) < 1e-9, `episode ${e}: ${got[e]} vs brute force ${v}`));
  assert.ok(Math.min(...expected) < 1, 'the hand-made set should make some mistakes');
  x.dispose();
  y.dispose();
});

test('perfectly separable features: 100% for both classifiers at K = 1 and 5, in seconds, leaking nothing', () => {
  const live = liveTensors();
  const { features, labels } = clusters(10, 40, 64, 0.05, 3);
  const t0 = performance.now();
  const r = fewShot(features, labels, 10);
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(
    r.cells.map((c) => `${c.classifier}/${c.shots}`),
    ['nearest-centroid/1', 'logistic/1', 'nearest-centroid/5', 'logistic/5'],
  );
  for (const c of r.cells) {
    assert.equal(c.accuracy.mean, 1, `${c.classifier} ${c.shots}-shot`);
    assert.equal(c.accuracy.n, 600);
    assert.equal(c.accuracy.method, 'normal');
  }
  assert.ok(r.cells[1]!.gradientRatio! < 1e-3, `logistic not converged: ${r.cells[1]!.gradientRatio}`);
  assert.ok(seconds < 30, `600 episodes x 2 K x 2 classifiers took ${seconds} s`);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  features.dispose();
  labels.dispose();
  assert.equal(liveTensors(), live, 'tensors leaked');
});

test('the 95% CI narrows with more episodes; the logistic classifier beats chance on noisy features', () => {
  const { features, labels } = clusters(8, 30, 32, 1.2, 5);
  const ci = (episodes: number) => fewShot(features, labels, 8, { shots: [1], episodes }).cells;
  const few = ci(20),
    many = ci(400);
  assert.equal(few[0]!.accuracy.method, 't');
  for (const j of [0, 1]) {
    assert.ok(
      many[j]!.accuracy.halfWidth < few[j]!.accuracy.halfWidth / 2,
      `${many[j]!.accuracy.halfWidth} vs ${few[j]!.accuracy.halfWidth}`,
    );
    assert.ok(many[j]!.accuracy.mean > 0.3, `${many[j]!.classifier}: ${many[j]!.accuracy.mean} (chance 0.2)`);
  }
  features.dispose();
  labels.dispose();
});

test('impossible protocols are errors that name the class, K, the queries and the count', () => {
  const { features, labels } = clusters(6, 12, 8, 0.1, 1);
  assert.throws(
    () => fewShot(features, labels, 6, { shots: [1, 5], queries: 15 }),
    /K = 5 shots and 15 queries need 20 examples of every class, but class 0 has 12/,
  );
  assert.throws(
    () => fewShot(features, labels, 6, { shots: [1], queries: 15, classNames: ['zero'] }),
    /class 'zero' \(0\) has 12/,
  );
  assert.throws(
    () => fewShot(features, labels, 6, { ways: 7, shots: [1], queries: 5 }),
    /7-way episodes need 7 classes, but the features have 6/,
  );
  features.dispose();
  labels.dispose();
});

test('meanInterval: t for n <= 30, normal above; the t table matches a numerical integral of the t density', () => {
  const r = meanInterval([0.6, 0.7, 0.8]);
  assert.equal(r.method, 't');
  assert.ok(Math.abs(r.halfWidth - (4.3026527 * 0.1) / Math.sqrt(3)) < 1e-12);
  assert.equal(meanInterval(Array.from({ length: 31 }, (_, i) => i)).critical, Z_975);
  assert.ok(Number.isNaN(meanInterval([1]).halfWidth));
  assert.throws(() => meanInterval([]), /at least one value/);
  // P(T <= t) for the tabulated t should be 0.975: Simpson's rule on the density from 0 to t.
  for (const df of [1, 2, 5, 12, 30]) {
    const t = tQuantile975(df);
    const pdf = (x: number) => Math.pow(1 + (x * x) / df, -(df + 1) / 2);
    const simpson = (a: number, b: number, n = 20000) => {
      const h = (b - a) / n;
      let s = pdf(a) + pdf(b);
      for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * pdf(a + i * h);
      return (s * h) / 3;
    };
    // Normalise by the total mass, integrated after x = tan(u) to cover the whole line.
    const total =
      2 *
      ((n = 20000) => {
        const h = (Math.PI / 2 - 1e-9) / n;
        let s = 0;
        for (let i = 0; i <= n; i++) {
          const u = i * h,
            w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
          s += (w * pdf(Math.tan(u))) / Math.cos(u) ** 2;
        }
        return (s * h) / 3;
      })();
    const cdf = 0.5 + simpson(0, t) / total;
    assert.ok(Math.abs(cdf - 0.975) < 2e-6, `df ${df}: P(T <= ${t}) = ${cdf}`);
  }
});
