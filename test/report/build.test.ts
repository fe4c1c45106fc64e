// buildReport on a comparison folder written by hand: the aggregates, the paired differences
// and their 95% intervals equal numbers worked out here from the definition (mean ± t·sd/√n,
// t the 97.5% Student quantile with n − 1 degrees of freedom: 12.7062 for 2 seeds, 4.3027 for 3);
// the paired t-tests' p-values from the closed form with 2 degrees of freedom,
// p = 1 − t/√(2 + t²), Holm-adjusted over the generation's metrics × pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildReport } from '../../src/compare/aggregate.js';
import { seedsNeeded } from '../../src/eval/stats.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { evalFile, type CompareSettings } from '../../src/compare/plan.js';
import type { Aggregate, Difference, Report } from '../../src/report/types.js';

const T2 = 12.706204736174698,
  T3 = 4.302652729911275;

const write = (file: string, value: unknown) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
};

// Last-epoch top-1 per method, seed and generation; the best epoch is 0.01 above it.
const TOP1: Record<string, number[][]> = {
  normal: [
    [0.6, 0.61, 0.62],
    [0.7, 0.72, 0.74],
  ],
  llf: [
    [0.6, 0.61, 0.62],
    [0.68, 0.69, 0.73],
  ],
  seal: [
    [0.6, 0.61, 0.62],
    [0.75, 0.74, 0.79],
  ],
};

function folder(
  dir: string,
  seeds: number[],
  skip: (method: string, seed: number) => boolean = () => false,
  top1s: Record<string, number[][]> = TOP1,
) {
  const s: CompareSettings = {
    methods: ['normal', 'llf', 'seal'],
    seeds,
    generations: 2,
    evals: ['transfer'],
    train: {},
    evalOptions: {},
  };
  const layout = new CompareLayout(dir);
  for (const m of s.methods) {
    for (const seed of seeds) {
      if (skip(m, seed)) continue;
      const top1 = (g: number) => top1s[m]?.[g]?.[seed] as number;
      const generations = [0, 1].map((g) => ({ generation: g, lastTop1: top1(g), bestTop1: top1(g) + 0.01 }));
      write(join(layout.runDir(m, seed), 'summary.json'), { generations });
      // A linear probe in generation 1 only: 0.9 minus a tenth of the source accuracy.
      write(layout.path(evalFile(s, m, seed, 1, 'transfer')), {
        testAccuracy: 0.9 - top1(1) / 10,
        target: { spec: 'mnist' },
      });
    }
  }
  return buildReport(layout, s);
}

function near(actual: number, expected: number, label: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${label}: ${actual}, expected ${expected}`);
}

function aggregate(r: Report, method: string, generation: number, metric: string): Aggregate {
  const found = r.aggregates.filter((a) => a.method === method && a.generation === generation && a.metric === metric);
  assert.equal(found.length, 1, `one aggregate for ${method} g${generation} ${metric}`);
  return found[0] as Aggregate;
}

function difference(r: Report, a: string, b: string, generation: number, metric: string): Difference {
  const found = r.differences.filter(
    (d) => d.a === a && d.b === b && d.generation === generation && d.metric === metric,
  );
  assert.equal(found.length, 1, `one difference ${a} − ${b} g${generation} ${metric}`);
  return found[0] as Difference;
}

/** Expected [mean, ciLow, ciHigh, n] from the mean, the sample sd and the t quantile. */
const ci = (mean: number, sd: number, n: number, t: number): [number, number, number, number] => [
  mean,
  mean - (t * sd) / Math.sqrt(n),
  mean + (t * sd) / Math.sqrt(n),
  n,
];

type Interval = { mean: number; ciLow: number; ciHigh: number; n: number };
function check(label: string, got: Interval, want: [number, number, number, number]): void {
  near(got.mean, want[0], `${label} mean`);
  // The quantile table holds 9-10 significant digits.
  near(got.ciLow, want[1], `${label} ciLow`, 1e-8);
  near(got.ciHigh, want[2], `${label} ciHigh`, 1e-8);
  assert.equal(got.n, want[3], `${label} n`);
}

test('three seeds: means with t intervals per method, and paired differences against normal and LLF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-build-'));
  try {
    const r = folder(dir, [0, 1, 2]);
    assert.equal(r.title, 'normal vs llf vs seal on fashion-mnist');
    assert.deepEqual([r.methods, r.seeds, r.generations], [['normal', 'llf', 'seal'], [0, 1, 2], 2]);
    // normal g1: 0.70 0.72 0.74 → mean 0.72, sd 0.02. llf g1: 0.68 0.69 0.73 → mean 0.70, sd √0.0007.
    check('normal g1', aggregate(r, 'normal', 1, 'source_top1'), ci(0.72, 0.02, 3, T3));
    check('llf g1', aggregate(r, 'llf', 1, 'source_top1'), ci(0.7, Math.sqrt(0.0007), 3, T3));
    check('seal g1', aggregate(r, 'seal', 1, 'source_top1'), ci(0.76, Math.sqrt(0.0007), 3, T3));
    check('seal g1 best', aggregate(r, 'seal', 1, 'source_best_top1'), ci(0.77, Math.sqrt(0.0007), 3, T3));
    check('normal g0', aggregate(r, 'normal', 0, 'source_top1'), ci(0.61, 0.01, 3, T3));
    // Paired by seed: seal − normal = 0.05 0.02 0.05 → mean 0.04, sd √0.0003;
    // seal − llf = 0.07 0.05 0.06 → mean 0.06, sd 0.01; llf − normal = −0.02 −0.03 −0.01 → −0.02, sd 0.01.
    check('seal − normal', difference(r, 'seal', 'normal', 1, 'source_top1'), ci(0.04, Math.sqrt(0.0003), 3, T3));
    check('seal − llf', difference(r, 'seal', 'llf', 1, 'source_top1'), ci(0.06, 0.01, 3, T3));
    check('llf − normal', difference(r, 'llf', 'normal', 1, 'source_top1'), ci(-0.02, 0.01, 3, T3));
    // Generation 0 is shared: every difference is exactly 0 with a zero-width interval.
    check('seal − normal g0', difference(r, 'seal', 'normal', 0, 'source_top1'), [0, 0, 0, 3]);
    assert.deepEqual(
      r.differences
        .filter((d) => d.metric === 'source_top1' && d.generation === 1)
        .map((d) => `${d.a}-${d.b}`)
        .sort(),
      ['llf-normal', 'seal-llf', 'seal-normal'],
      'no normal − anything, no llf − llf',
    );
    // The probe metric comes from the evaluation file, for generation 1 only: 0.9 − top1/10.
    check(
      'transfer seal − normal',
      difference(r, 'seal', 'normal', 1, 'transfer_mnist'),
      ci(-0.004, Math.sqrt(0.0003) / 10, 3, T3),
    );
    assert.equal(r.aggregates.filter((a) => a.metric === 'transfer_mnist' && a.generation === 0).length, 0);
    assert.deepEqual(
      r.metrics.map((m) => m.name),
      ['source_top1', 'source_best_top1', 'transfer_mnist'],
    );
    assert.equal(
      r.values.length,
      3 * 3 * (2 * 2 + 1),
      'methods × seeds × (2 source metrics × 2 generations + 1 probe)',
    );
    // The paired t-tests: t = mean/(sd/√3). seal − llf: 0.06/(0.01/√3) = 6√3; seal − normal:
    // 0.04/(√0.0003/√3) = 4; llf − normal: −0.02/(0.01/√3) = −2√3. The same three p-values come
    // back for source_best_top1 (+0.01 on both sides) and the probe (−1/10 of each difference).
    const p2 = (t: number) => 1 - Math.abs(t) / Math.sqrt(2 + t * t);
    const [pSL, pSN, pLN] = [p2(6 * Math.sqrt(3)), p2(4), p2(-2 * Math.sqrt(3))]; // 0.00913, 0.0572, 0.0742
    // Holm over the 9 tests of generation 1, sorted 3 × pSL, 3 × pSN, 3 × pLN: the first three become
    // 9·pSL (the largest of 9, 8, 7 times it), the next three 6·pSN, the last max(6·pSN, 3·pLN) = 6·pSN.
    for (const metric of ['source_top1', 'source_best_top1', 'transfer_mnist']) {
      for (const [a, b, p, adj] of [
        ['seal', 'llf', pSL, 9 * pSL],
        ['seal', 'normal', pSN, 6 * pSN],
        ['llf', 'normal', pLN, 6 * pSN],
      ] as const) {
        const d = difference(r, a, b, 1, metric);
        assert.equal(d.test, 'paired-t');
        near(d.p!, p, `${metric} ${a} − ${b} p`, 1e-9);
        near(d.pAdjusted!, adj, `${metric} ${a} − ${b} adjusted p`, 1e-8);
        assert.deepEqual([d.family, d.significant], [9, false], `${metric} ${a} − ${b}`);
      }
    }
    // Generation 0 has no test: every paired difference is 0.
    const g0 = difference(r, 'seal', 'normal', 0, 'source_top1');
    assert.deepEqual([g0.test, g0.p, g0.pAdjusted, g0.family, g0.significant], ['all-equal', null, null, 0, false]);
    assert.deepEqual(r.significance, {
      test: 'paired t-test, two-sided',
      adjustment: 'holm',
      family: 'every metric × pair of the report at the same generation',
      alpha: 0.05,
      minSeeds: 3,
      power: 0.8,
    });
    // Seeds for 1 point at the pooled spread √((0.01² + 0.0003 + 0.01²)/3) = 0.0129: sd/δ = 1.29,
    // and (t_.975,15 + t_.8,15)²·1.29² = (2.1314 + 0.8662)²·1.667 = 14.98 ≤ 16 while with 14 df 15.13 > 15.
    const need = r.seedsNeeded?.find((x) => x.metric === 'source_top1' && x.generation === 1);
    assert.ok(need);
    near(need.sd, Math.sqrt(0.0005 / 3), 'pooled sd', 1e-12);
    assert.deepEqual([need.delta, need.deltaIs, need.pairs, need.seeds], [0.01, 'one point', 3, 16]);
    assert.equal(need.seeds, seedsNeeded(need.sd, 0.01));
    // seal − normal's interval [-0.0030, 0.0830] holds 0: the finding must not call it a win.
    assert.ok(
      r.findings.includes(
        'Source test top-1, last epoch of the generation, generation 1: SEAL − normal = +4.00 points ' +
          '(95% CI -0.30 to 8.30 points, 3 seeds; p = 0.057, Holm-adjusted over 9 comparisons p = 0.34): ' +
          'not distinguishable from seed noise.',
      ),
      r.findings.join('\n'),
    );
    // seal − llf's raw interval excludes 0 (raw p 0.0091), but not after Holm's adjustment over 9 tests.
    assert.ok(
      r.findings.includes(
        'Source test top-1, last epoch of the generation, generation 1: SEAL − LLF = +6.00 points ' +
          '(95% CI 3.52 to 8.48 points, 3 seeds; p = 0.0091, Holm-adjusted over 9 comparisons p = 0.082): ' +
          'not distinguishable from seed noise.',
      ),
      r.findings.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a missing run drops out of its method's aggregate, and differences pair only the seeds both have", () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-build-'));
  try {
    // Seeds 0 and 1; seal's seed 1 never finished.
    const r = folder(dir, [0, 1], (m, seed) => m === 'seal' && seed === 1);
    check('normal g1, 2 seeds', aggregate(r, 'normal', 1, 'source_top1'), ci(0.71, Math.sqrt(0.0002), 2, T2));
    check('seal g1, 1 seed: the point, no interval', aggregate(r, 'seal', 1, 'source_top1'), [0.75, 0.75, 0.75, 1]);
    check('seal − normal, seed 0 only', difference(r, 'seal', 'normal', 1, 'source_top1'), [0.05, 0.05, 0.05, 1]);
    // llf − normal over seeds 0 and 1: −0.02, −0.03 → mean −0.025, sd √0.00005.
    check(
      'llf − normal, 2 seeds',
      difference(r, 'llf', 'normal', 1, 'source_top1'),
      ci(-0.025, Math.sqrt(0.00005), 2, T2),
    );
    // Fewer than 3 seeds: no interval, no test and no verdict, whatever the raw numbers say.
    for (const [a, n] of [
      ['seal', 1],
      ['llf', 2],
    ] as const) {
      const d = difference(r, a, 'normal', 1, 'source_top1');
      assert.deepEqual([d.test, d.n, d.p, d.pAdjusted, d.significant], ['too-few-seeds', n, null, null, false]);
    }
    for (const line of [
      'Source test top-1, last epoch of the generation, generation 1: SEAL − normal = +5.00 points (n=1: too few seeds for an interval): no verdict.',
      'Source test top-1, last epoch of the generation, generation 1: LLF − normal = -2.50 points (n=2: too few seeds for an interval): no verdict.',
    ])
      assert.ok(r.findings.includes(line), r.findings.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a difference that holds after Holm is called better (or worse); the others at the same generation are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-build-'));
  try {
    // seal g1 = llf g1 + 0.05, 0.051, 0.049: t = 0.05/(0.001/√3) = 86.6, p = 1 − t/√(2 + t²) = 1.33e-4,
    // adjusted 9·p = 0.0012 (source_top1, source_best_top1 and the probe carry the same p).
    const top1s = { ...TOP1, seal: [TOP1['seal']![0]!, [0.73, 0.741, 0.779]] };
    const r = folder(dir, [0, 1, 2], () => false, top1s);
    const t = 0.05 / (0.001 / Math.sqrt(3));
    const d = difference(r, 'seal', 'llf', 1, 'source_top1');
    near(d.p!, 1 - t / Math.sqrt(2 + t * t), 'p', 1e-9);
    near(d.pAdjusted!, 9 * d.p!, 'adjusted p', 1e-9);
    assert.equal(d.significant, true);
    // seal − normal = 0.03, 0.021, 0.039: raw p = 0.029 < 0.05, adjusted 6·p = 0.17: no verdict.
    const sn = difference(r, 'seal', 'normal', 1, 'source_top1');
    assert.ok(sn.p! < 0.05 && sn.pAdjusted! > 0.05 && !sn.significant, `${sn.p} ${sn.pAdjusted}`);
    const lines = r.findings.filter((f) => f.startsWith('Source test top-1, last epoch'));
    assert.match(
      lines.find((f) => f.includes('SEAL − LLF'))!,
      /p = 1\.3e-4, Holm-adjusted over 9 comparisons p = 0\.0012\): SEAL is better than LLF\.$/,
    );
    assert.match(
      lines.find((f) => f.includes('SEAL − normal'))!,
      /: not distinguishable from seed noise\.$/,
    );
    // The probe is 0.9 − top1/10: lower for SEAL, and a probe accuracy is better higher.
    assert.ok(
      r.findings.some((f) =>
        /^Linear probe on mnist, generation 1: SEAL − LLF = -0\.50 points .*: SEAL is worse than LLF\.$/.test(f),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
