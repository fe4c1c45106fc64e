// Everything on disk → report.json: per-(method, seed, generation) values, means with 95%
// intervals over seeds, paired differences (same seed) of SEAL against each baseline, the
// training curves, prediction-depth histograms, plain-language findings and the paper's claims,
// judged. Pure apart from reading the files, so `seal report DIR` rebuilds the same report.
import { meanInterval } from '../eval/stats.js';
import type { EpochRow, RunSummary } from '../train/summary.js';
import type { Aggregate, DepthHistogram, Difference, MetricInfo, MetricValue, Report } from '../report/types.js';
import { findEvaluation } from '../eval/registry.js';
import { judgeClaims } from '../report/claims.js';
import { sweepGrid } from '../report/sweep-section.js';
import { methodLabel } from '../report/render-md.js';
import { planPaths, runName, type CompareLayout } from '../io/compare-dir.js';
import { RunDir } from '../io/run-dir.js';
import { armsOf, evalFile, type CompareSettings } from './plan.js';

export type { CompareSettings } from './plan.js';

const SOURCE: MetricInfo[] = [
  { name: 'source_top1', label: 'Source test top-1, last epoch of the generation', higherIsBetter: true, unit: '%' },
  {
    name: 'source_best_top1',
    label: 'Source test top-1, best epoch of the generation',
    higherIsBetter: true,
    unit: '%',
  },
];

/** Mean and 95% interval; with one seed the interval is the point itself. */
function interval(xs: number[]): { mean: number; ciLow: number; ciHigh: number; n: number } {
  const m = meanInterval(xs);
  return Number.isFinite(m.halfWidth)
    ? { mean: m.mean, ciLow: m.lower, ciHigh: m.upper, n: m.n }
    : { mean: m.mean, ciLow: m.mean, ciHigh: m.mean, n: m.n };
}

/**
 * The paired differences a report shows: every arm against the baseline (default normal), and
 * against LLF when LLF is an arm; by --methods with SEAL and LLF that is LLF − normal,
 * SEAL − normal and SEAL − LLF.
 */
export function comparedPairs(s: CompareSettings): [string, string][] {
  const arms = armsOf(s).map((a) => a.name);
  const baseline = s.baseline ?? (arms.includes('normal') ? 'normal' : null);
  const pairs: [string, string][] = [];
  for (const a of arms) {
    if (baseline !== null && a !== baseline) pairs.push([a, baseline]);
    if (arms.includes('llf') && a !== 'llf' && a !== baseline) pairs.push([a, 'llf']);
  }
  return pairs;
}

export function buildReport(layout: CompareLayout, s: CompareSettings): Report {
  const values: MetricValue[] = [];
  const infos = new Map<string, MetricInfo>(SOURCE.map((i) => [i.name, i]));
  const curves: Report['curves'] = [];
  const depthHistograms: DepthHistogram[] = [];
  const arms = armsOf(s).map((a) => a.name);
  for (const method of arms) {
    for (const seed of s.seeds) {
      const run = new RunDir(layout.runDir(method, seed));
      const summary = run.readSummary() as RunSummary | null;
      for (const g of summary?.generations ?? []) {
        if (g.lastTop1 !== null)
          values.push({ method, seed, generation: g.generation, metric: 'source_top1', value: g.lastTop1 });
        if (g.bestTop1 !== null)
          values.push({ method, seed, generation: g.generation, metric: 'source_best_top1', value: g.bestTop1 });
      }
      if (run.hasMetrics()) curves.push({ method, seed, rows: run.readMetrics() as EpochRow[] });
      for (let generation = 0; generation < s.generations; generation++) {
        for (const kind of s.evals) {
          // Comparisons made before generation 0 was shared kept every method's own results.
          const result =
            layout.readEvalResult<Record<string, unknown>>(evalFile(s, method, seed, generation, kind)) ??
            layout.readEvalResult<Record<string, unknown>>(
              planPaths.evalResult(runName(method, seed), generation, kind),
            );
          if (result === null) continue;
          const ev = findEvaluation(kind);
          for (const m of ev?.metrics(result) ?? []) {
            infos.set(m.info.name, m.info);
            values.push({ method, seed, generation, metric: m.info.name, value: m.value });
          }
          const hist = ev?.histogram?.(result);
          if (hist) depthHistograms.push({ method, seed, generation, ...hist });
        }
      }
    }
  }

  const aggregates: Aggregate[] = [];
  const differences: Difference[] = [];
  const pick = (method: string, generation: number, metric: string) =>
    values.filter((v) => v.method === method && v.generation === generation && v.metric === metric);
  for (const metric of infos.keys()) {
    for (let generation = 0; generation < s.generations; generation++) {
      for (const method of arms) {
        const xs = pick(method, generation, metric).map((v) => v.value);
        if (xs.length > 0) aggregates.push({ method, generation, metric, ...interval(xs) });
      }
      for (const [a, b] of comparedPairs(s)) {
        const byA = new Map(pick(a, generation, metric).map((v) => [v.seed, v.value]));
        const diffs = pick(b, generation, metric)
          .filter((v) => byA.has(v.seed))
          .map((v) => (byA.get(v.seed) as number) - v.value);
        if (diffs.length > 0) differences.push({ metric, generation, a, b, ...interval(diffs) });
      }
    }
  }
  const metrics = [...infos.values()].filter((i) => aggregates.some((a) => a.metric === i.name));
  const report: Report = {
    title: `${armsOf(s)
      .map((a) => a.name)
      .join(' vs ')} on ${String(s.train.dataset ?? 'fashion-mnist')}`,
    created: new Date().toISOString(),
    settings: { ...s },
    methods: s.methods,
    seeds: s.seeds,
    generations: s.generations,
    metrics,
    values,
    aggregates,
    differences,
    curves,
    depthHistograms,
    findings: findings(metrics, differences, s.generations - 1),
  };
  const grid = sweepGrid(report);
  const title = grid
    ? `${grid.method} swept over ${grid.axes.map((a) => a.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(' x ')} against ${grid.baseline} on ${String(s.train.dataset ?? 'fashion-mnist')}`
    : report.title;
  return { ...report, title, claims: judgeClaims(report) };
}

const fmt = (x: number, unit: string) => (unit === '%' ? `${(100 * x).toFixed(2)}` : x.toPrecision(3));

/** One honest sentence per metric and baseline, for the last generation. */
function findings(metrics: MetricInfo[], diffs: Difference[], generation: number): string[] {
  const out: string[] = [];
  for (const m of metrics) {
    for (const d of diffs.filter((x) => x.metric === m.name && x.generation === generation)) {
      const better = m.higherIsBetter ? d.mean > 0 : d.mean < 0;
      const sure = d.n > 1 && (d.ciLow > 0 || d.ciHigh < 0);
      const span =
        d.n > 1
          ? ` (95% CI ${fmt(d.ciLow, m.unit)} to ${fmt(d.ciHigh, m.unit)}${m.unit === '%' ? ' points' : ''}, ${d.n} seeds)`
          : ' (one seed: no interval)';
      const a = methodLabel(d.a),
        b = methodLabel(d.b);
      const verdict = !sure
        ? 'not distinguishable from seed noise'
        : better
          ? `${a} is better than ${b}`
          : `${a} is worse than ${b}`;
      out.push(
        `${m.label}, generation ${generation}: ${a} − ${b} = ${d.mean >= 0 ? '+' : ''}${fmt(d.mean, m.unit)}${m.unit === '%' ? ' points' : ''}${span}: ${verdict}.`,
      );
    }
  }
  return out;
}
