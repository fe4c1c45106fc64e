// The tests of paired differences behind the report's stars: Student's t (closed forms for 1 and
// 2 degrees of freedom, and mpmath's numerical integral of the density), the paired t-test,
// Holm's adjustment (worked by hand and by a plain Python loop) and the seeds a paired t-test
// needs (against the exact noncentral-t power, integrated by mpmath). The Python comparisons are
// skipped when Debian's python3 has no mpmath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  holm,
  lnGamma,
  MAX_SEEDS_NEEDED,
  meanInterval,
  pairedTTest,
  seedsNeeded,
  tCdf,
  tQuantile,
  tQuantile975,
  tTwoSidedP,
} from '../../src/eval/stats.js';

const PYTHON = process.env['SEAL_PYTHON'] ?? '/usr/bin/python3';
const mpmath = spawnSync(PYTHON, ['-c', 'import mpmath'], { encoding: 'utf8' });
const noMpmath = mpmath.status === 0 ? false : `${PYTHON} has no mpmath (apt-get install python3-mpmath)`;

/** Runs `code` in Python with JSON `input` on stdin; returns its stdout parsed as JSON. */
function python<T>(code: string, input: unknown): T {
  const r = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`python failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** |actual − expected| within `rel` of |expected| (of 1 where |expected| < `floor`). */
const near = (actual: number, expected: number, rel: number, label: string, floor = 1e-300) =>
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), floor),
    `${label}: ${actual}, expected ${expected} (relative tolerance ${rel})`,
  );

test('lnGamma: Γ(n) = (n − 1)! and Γ(1/2) = √π', () => {
  let f = 1;
  for (let n = 1; n <= 25; n++) {
    if (n > 1) f *= n - 1;
    near(lnGamma(n), Math.log(f), 1e-13, `lnGamma(${n})`, 1);
  }
  near(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'lnGamma(1/2)', 1);
  near(lnGamma(1.5), Math.log(Math.sqrt(Math.PI) / 2), 1e-13, 'lnGamma(3/2)', 1);
  assert.throws(() => lnGamma(0), RangeError);
});

test("Student's t against closed forms: df = 1 (Cauchy) and df = 2", () => {
  for (const t of [0, 0.1, 0.5, 1, 2.5, 12.7, 300]) {
    // df = 1: P(|T| ≥ t) = 1 − (2/π)·atan(t). df = 2: P(|T| ≥ t) = 1 − t/√(2 + t²).
    near(tTwoSidedP(t, 1), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, `df 1, t ${t}`);
    near(tTwoSidedP(-t, 2), 1 - t / Math.sqrt(2 + t * t), 1e-11, `df 2, t ${-t}`);
  }
  // df = 2: the p quantile is (2p − 1)/√(2p(1 − p)); df = 1: tan(π(p − 1/2)).
  for (const p of [0.6, 0.8, 0.975, 0.999]) {
    near(tQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-12, `q ${p} df 2`);
    near(tQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-12, `q ${p} df 1`);
    near(tQuantile(1 - p, 2), -tQuantile(p, 2), 1e-15, `symmetry ${p}`);
  }
  assert.equal(tQuantile(0.5, 7), 0);
  near(tCdf(tQuantile(0.9, 5), 5), 0.9, 1e-13, 'cdf(quantile)');
  // The table of tQuantile975 agrees to its 7 decimals (give or take one in the last); a large df tends to the normal 1.95996.
  for (let df = 1; df <= 30; df++)
    assert.ok(Math.abs(tQuantile(0.975, df) - tQuantile975(df)) <= 1e-7, `table df ${df}: ${tQuantile(0.975, df)}`);
  near(tQuantile(0.975, 1e6), 1.959963984540054, 1e-5, 'df 1e6');
  assert.throws(() => tQuantile(1, 3), RangeError);
  assert.throws(() => tTwoSidedP(1, 0), RangeError);
});

test("Student's t against mpmath's integral of the density", { skip: noMpmath }, () => {
  const cases = [
    { t: 0.3, df: 2 },
    { t: 2.1, df: 3 },
    { t: 4.5, df: 4 },
    { t: -1.7, df: 9 },
    { t: 7, df: 29 },
    { t: 2.6, df: 120 },
  ];
  const quantiles = [
    { p: 0.975, df: 2 },
    { p: 0.8, df: 4 },
    { p: 0.975, df: 9 },
    { p: 0.995, df: 17 },
  ];
  const code = `
import json, sys, mpmath as mp
mp.mp.dps = 30
inp = json.load(sys.stdin)
def dens(x, v):
    return mp.gamma((v + 1) / 2) / (mp.sqrt(v * mp.pi) * mp.gamma(v / 2)) * (1 + x * x / v) ** (-(v + 1) / 2)
def two_sided(t, v):
    return 2 * mp.quad(lambda x: dens(x, v), [abs(t), mp.inf])
def quantile(p, v):
    return mp.findroot(lambda x: mp.quad(lambda y: dens(y, v), [-mp.inf, 0, x]) - p, 1.5)
print(json.dumps({
  'p': [float(two_sided(mp.mpf(c['t']), mp.mpf(c['df']))) for c in inp['cases']],
  'q': [float(quantile(mp.mpf(c['p']), mp.mpf(c['df']))) for c in inp['quantiles']],
}))
`;
  const want = python<{ p: number[]; q: number[] }>(code, { cases, quantiles });
  cases.forEach((c, i) => near(tTwoSidedP(c.t, c.df), want.p[i]!, 1e-11, `p t=${c.t} df=${c.df}`));
  quantiles.forEach((c, i) => near(tQuantile(c.p, c.df), want.q[i]!, 1e-11, `q p=${c.p} df=${c.df}`));
});

test('pairedTTest: t = mean/(sd/√n), df = n − 1, p from the t distribution; no test for n < 2 or zero spread', () => {
  // 0.02, 0.03, 0.025: mean 0.025, sd 0.005, t = 0.025/(0.005/√3) = 5√3 = 8.660…; with 2 df
  // p = 1 − t/√(2 + t²) = 1 − 8.660/√77 = 0.013072…
  const r = pairedTTest([0.02, 0.03, 0.025]);
  near(r.t, 5 * Math.sqrt(3), 1e-12, 't');
  near(r.p, 1 - (5 * Math.sqrt(3)) / Math.sqrt(77), 1e-10, 'p');
  assert.deepEqual([r.n, r.df, r.equal], [3, 2, false]);
  // The sign follows the mean; p does not.
  const neg = pairedTTest([-0.02, -0.03, -0.025]);
  assert.ok(neg.t < 0 && Math.abs(neg.p - r.p) < 1e-15);
  // Agrees with the interval: p < 0.05 exactly when the 95% t-interval excludes 0.
  for (const xs of [
    [0.1, 0.3, 0.2, 0.25],
    [0.1, -0.05, 0.2],
    [1, 2, 3, 4, 5, -1],
  ]) {
    const m = meanInterval(xs);
    assert.equal(pairedTTest(xs).p < 0.05, m.lower > 0 || m.upper < 0, xs.join());
  }
  const one = pairedTTest([0.4]);
  assert.ok(Number.isNaN(one.p) && Number.isNaN(one.t) && !one.equal);
  // All equal: no test, never p = 0. Rounding in a − b (0.8 − 0.78 vs 0.9 − 0.88) counts as equal.
  const same = pairedTTest([0.019, 0.019]);
  assert.ok(same.equal && Number.isNaN(same.p) && same.sd === 0);
  const rounded = pairedTTest([0.8 - 0.78, 0.9 - 0.88, 0.7 - 0.68]);
  assert.ok(rounded.equal, `spread ${rounded.sd}`);
  assert.ok(pairedTTest([0, 0, 0]).equal);
  assert.throws(() => pairedTTest([1, NaN]), RangeError);
});

test(
  'pairedTTest against mpmath (t from the definition, p from the integral of the density)',
  { skip: noMpmath },
  () => {
    const samples = [
      [0.012, -0.004, 0.021],
      [0.05, 0.02, 0.05],
      [-0.3, -0.1, -0.25, -0.4, -0.05],
      [1.2, 0.4, -0.3, 0.9, 1.1, 0.2, 0.75, 0.1],
    ];
    const code = `
import json, sys, mpmath as mp
mp.mp.dps = 30
out = []
for xs in json.load(sys.stdin):
    xs = [mp.mpf(x) for x in xs]
    n = len(xs); m = sum(xs) / n
    sd = mp.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    t = m / (sd / mp.sqrt(n)); v = n - 1
    dens = lambda x: mp.gamma((v + 1) / mp.mpf(2)) / (mp.sqrt(v * mp.pi) * mp.gamma(v / mp.mpf(2))) * (1 + x * x / v) ** (-(v + 1) / mp.mpf(2))
    out.append([float(t), float(2 * mp.quad(dens, [abs(t), mp.inf]))])
print(json.dumps(out))
`;
    const want = python<[number, number][]>(code, samples);
    samples.forEach((xs, i) => {
      const r = pairedTTest(xs);
      near(r.t, want[i]![0], 1e-12, `t ${xs.join()}`);
      near(r.p, want[i]![1], 1e-10, `p ${xs.join()}`);
    });
  },
);

test('holm: worked examples, input order kept, monotone, capped at 1', () => {
  // Sorted 0.01 < 0.03 < 0.04 with m = 3: 3·0.01 = 0.03; max(0.03, 2·0.03) = 0.06; max(0.06, 1·0.04) = 0.06.
  assert.deepEqual(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
  // Sorted 0.001, 0.04, 0.2, 0.5 with m = 4: 4·0.001 = 0.004, 3·0.04 = 0.12, 2·0.2 = 0.4, 1·0.5 = 0.5.
  const got = holm([0.2, 0.001, 0.5, 0.04]);
  [0.4, 0.004, 0.5, 0.12].forEach((w, i) => near(got[i]!, w, 1e-15, `holm ${i}`));
  // Step-down: a later, larger raw p never gets a smaller adjusted one (2·0.3 = 0.6 > 1·0.5), and 2·0.6 is capped at 1.
  assert.deepEqual(holm([0.5, 0.3]), [0.6, 0.6]);
  assert.deepEqual(holm([0.7, 0.6]), [1, 1]);
  assert.deepEqual(holm([]), []);
  assert.deepEqual(holm([0.3]), [0.3]);
  // Ties share an adjusted value.
  assert.deepEqual(holm([0.02, 0.02]), [0.04, 0.04]);
  assert.throws(() => holm([0.1, NaN]), RangeError);
  assert.throws(() => holm([1.2]), RangeError);
});

test('holm against a plain Python loop of the definition', { skip: noMpmath }, () => {
  let state = 7;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) ** 3;
  const families = [5, 12, 27].map((m) => Array.from({ length: m }, rand));
  const code = `
import json, sys
out = []
for ps in json.load(sys.stdin):
    m = len(ps); order = sorted(range(m), key=lambda i: (ps[i], i)); adj = [0.0] * m; run = 0.0
    for k, i in enumerate(order):
        run = max(run, min(1.0, (m - k) * ps[i])); adj[i] = run
    out.append(adj)
print(json.dumps(out))
`;
  const want = python<number[][]>(code, families);
  families.forEach((ps, f) => holm(ps).forEach((a, i) => near(a, want[f]![i]!, 1e-15, `family ${f} #${i}`)));
});

test('seedsNeeded: the t-quantile approximation, by hand', () => {
  // sd = δ: n = 10, since (t_.975,9 + t_.8,9)² = (2.2622 + 0.8834)² = 9.89 ≤ 10 while
  // (t_.975,8 + t_.8,8)² = (2.3060 + 0.8889)² = 10.21 > 9.
  assert.equal(seedsNeeded(1, 1), 10);
  assert.equal(seedsNeeded(2, 2), 10, 'only sd/δ matters');
  // sd = 2δ: n = 34, (2.0345 + 0.8527)²·4 = 33.34 ≤ 34, (2.0369 + 0.8530)²·4 = 33.41 > 33.
  assert.equal(seedsNeeded(1, 0.5), 34);
  // A tiny spread still needs 2 seeds (one difference has no spread to test against).
  assert.equal(seedsNeeded(0, 1), 2);
  assert.equal(seedsNeeded(1e-6, 1), 2);
  // More power or a stricter α needs more seeds.
  assert.ok(seedsNeeded(1, 1, 0.9) > 10 && seedsNeeded(1, 1, 0.8, 0.01) > 10);
  assert.equal(seedsNeeded(1e4, 1), Infinity, `more than ${MAX_SEEDS_NEEDED}`);
  assert.throws(() => seedsNeeded(NaN, 1), RangeError);
  assert.throws(() => seedsNeeded(1, 0), RangeError);
});

test('seedsNeeded is within one seed of the exact noncentral-t power (mpmath)', { skip: noMpmath }, () => {
  // For each sd/δ, the exact power (noncentrality δ√n/sd) at n − 2 and n + 1 around the answer n:
  // short of 0.8 at n − 2 and at least 0.8 at n + 1, so the exact smallest n lies in [n − 1, n + 1].
  const cases = [0.4, 1, 1.7, 3].map((r) => ({ r, n: seedsNeeded(r, 1) }));
  const code = `
import json, sys, mpmath as mp
mp.mp.dps = 15
def power(n, r):
    if n < 2: return 0.0
    v = n - 1; lam = mp.sqrt(n) / r
    c = mp.findroot(lambda x: mp.betainc(v / mp.mpf(2), 0.5, 0, v / (v + x * x), regularized=True) - mp.mpf('0.05'), 2)
    chi = lambda u: u ** (v / mp.mpf(2) - 1) * mp.exp(-u / 2) / (2 ** (v / mp.mpf(2)) * mp.gamma(v / mp.mpf(2)))
    f = lambda u: chi(u) * (mp.ncdf(-c * mp.sqrt(u / v) + lam) + mp.ncdf(-c * mp.sqrt(u / v) - lam))
    return float(mp.quad(f, [0, v, 4 * v + 40, mp.inf]))
print(json.dumps([[power(c['n'] + k, c['r']) for k in (-2, 1)] for c in json.load(sys.stdin)]))
`;
  const powers = python<number[][]>(code, cases);
  cases.forEach(({ r, n }, i) => {
    const [below2, above] = powers[i]!;
    assert.ok(above! >= 0.8, `sd/δ = ${r}: exact power at n + 1 = ${n + 1} is ${above}`);
    assert.ok(n - 2 < 2 || below2! < 0.8, `sd/δ = ${r}: exact power at n − 2 = ${n - 2} is ${below2}`);
  });
});
