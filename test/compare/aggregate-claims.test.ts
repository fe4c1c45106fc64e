// buildReport on a comparison folder written by hand (summaries and evaluation results, no
// training): report.json carries the judged claims, and their SEAL − baseline numbers are the
// report's own paired differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildReport, seedsTable } from '../../src/compare/aggregate.js';
import type { Aggregate, Difference, MetricInfo } from '../../src/report/types.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { evalFile, type CompareSettings } from '../../src/compare/plan.js';

const write = (file: string, value: unknown) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
};

/** A finished comparison: top-1, probe accuracy and depth rise or fall by method and seed. */
function folder(dir: string, methods: string[]): { layout: CompareLayout; s: CompareSettings } {
  const s: CompareSettings = {
    methods,
    seeds: [0, 1, 2],
    generations: 2,
    evals: ['transfer', 'depth'],
    train: {},
    evalOptions: {},
  };
  const layout = new CompareLayout(dir);
  const shift: Record<string, number> = { normal: 0.02, llf: 0, seal: 0.05 };
  for (const m of methods) {
    for (const seed of s.seeds) {
      // The seed terms differ by method, so no pair's differences are all equal (that has no test).
      const spread: Record<string, number> = { normal: 0, llf: -0.002, seal: 0.004 };
      const x = (g: number) => 0.6 + g * 0.1 + (g > 0 ? shift[m]! + seed * spread[m]! : 0) + seed * 0.013;
      write(join(layout.runDir(m, seed), 'summary.json'), {
        generations: [0, 1].map((g) => ({ generation: g, lastTop1: x(g), bestTop1: x(g) })),
      });
      for (const g of [0, 1]) {
        write(layout.path(evalFile(s, m, seed, g, 'transfer')), {
          testAccuracy: x(g) + 0.2,
          target: { spec: 'mnist' },
        });
        write(layout.path(evalFile(s, m, seed, g, 'depth')), {
          probes: ['a', 'b'],
          test: { mean: 3 - x(g), histogram: [1, 2, 3] },
          train: { mean: 1 },
        });
      }
    }
  }
  return { layout, s };
}

test('report.json holds claims judged from its own paired differences', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-claims-'));
  try {
    const { layout, s } = folder(dir, ['normal', 'llf', 'seal']);
    const report = buildReport(layout, s);
    const claims = report.claims;
    assert.ok(claims);
    assert.equal(claims.generation, 1);
    assert.deepEqual(
      claims.claims.map((c) => [c.id, c.verdict]),
      [
        ['a', 'supported'],
        ['b', 'supported'],
        ['c', 'not-evaluated'],
        ['d', 'supported'],
      ],
    );
    for (const p of claims.claims.flatMap((c) => c.parts).filter((p) => p.a === 'seal' && p.mean !== null)) {
      const d = report.differences.find(
        (x) => x.metric === p.metric && x.generation === 1 && x.a === p.a && x.b === p.b,
      );
      assert.ok(d, `${p.metric} ${p.b}`);
      assert.deepEqual([p.mean, p.ciLow, p.ciHigh, p.n, p.p], [d.mean, d.ciLow, d.ciHigh, d.n, d.p]);
      // The raw p is the same; the adjustment is not: the claims are one family of 5 tested parts,
      // the report's table another: 4 metrics × 3 pairs at generation 1 (source top-1 last and
      // best, probe, test depth; the train depth is 1 everywhere: all differences equal, no test).
      assert.deepEqual([p.family, d.family], [5, 12]);
      assert.ok(p.pAdjusted! < 0.05 && d.pAdjusted! < 0.05);
    }
    assert.equal(claims.family, 5);
    assert.ok(report.differences.filter((d) => d.metric === 'depth_train').every((d) => d.test === 'all-equal'));
    // Generation 0 is the same training for every method: all differences 0, no test, no star.
    assert.ok(
      report.differences.filter((d) => d.generation === 0).every((d) => d.test === 'all-equal' && !d.significant),
    );
    // Seeds needed: 1 point for the accuracies; 10% of the mean depth (about 2.3) for depth.
    const depth = report.seedsNeeded?.find((x) => x.metric === 'depth_test' && x.generation === 1);
    const top1 = report.seedsNeeded?.find((x) => x.metric === 'source_top1' && x.generation === 1);
    assert.deepEqual(
      [depth?.delta, depth?.deltaIs, top1?.delta, top1?.deltaIs],
      [0.23, '10% of the mean', 0.01, 'one point'],
    );
    assert.ok(depth?.seeds === 2 && (top1?.seeds ?? 0) >= 2);
    assert.match(claims.claims[2]!.parts[1]!.text, /run with --eval fewshot/);
    assert.deepEqual(JSON.parse(JSON.stringify(report)).claims, claims, 'claims survive JSON');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a comparison without LLF has claims: null', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-claims-'));
  try {
    const { layout, s } = folder(dir, ['normal', 'seal']);
    assert.equal(buildReport(layout, s).claims, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seeds for 80% power: sized from the paired spread; none where every difference is equal (a shared generation 0)', () => {
  const info = { name: 'source_top1', label: 'Source test top-1', unit: '%', higherIsBetter: true } as MetricInfo;
  const diff = (generation: number, sd: number): Difference => ({
    metric: 'source_top1',
    generation,
    a: 'seal',
    b: 'normal',
    mean: 0,
    ciLow: 0,
    ciHigh: 0,
    n: 3,
    sd,
  });
  const aggregates = [0, 1].map((generation) => ({ metric: 'source_top1', generation, mean: 0.8 }) as Aggregate);
  const rows = seedsTable([info], aggregates, [diff(0, 0), diff(1, 0.01)]);
  assert.deepEqual(
    rows.map((r) => r.generation),
    [1],
  );
  // sd = δ = 1 point: (z_0.975 + z_0.8)^2 ≈ 7.85, and the t quantiles at so few seeds add about 3.
  assert.ok((rows[0]?.seeds ?? 0) >= 10 && (rows[0]?.seeds ?? 0) <= 11, String(rows[0]?.seeds));
});
