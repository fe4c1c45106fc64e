// buildReport on a comparison folder written by hand (summaries and evaluation results, no
// training): report.json carries the judged claims, and their SEAL − baseline numbers are the
// report's own paired differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildReport } from '../../src/compare/aggregate.js';
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
      const x = (g: number) =>
        0.6 + g * 0.1 + (g > 0 ? shift[m]! : 0) + seed * 0.013 + (m === 'seal' ? seed * 0.004 : 0);
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
      assert.deepEqual([p.mean, p.ciLow, p.ciHigh, p.n], [d.mean, d.ciLow, d.ciHigh, d.n]);
    }
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
