// Everything on disk → report.json: per-(method, seed, generation) values, means with 95%
// intervals over seeds, paired differences (same seed) of SEAL against each baseline with their
// paired t-tests, Holm-adjusted over every metric × pair of a generation, the seeds a test would
// need, the training curves, prediction-depth histograms, plain-language findings and the paper's
// claims, judged. Pure apart from reading the files, so `seal report DIR` rebuilds the same report.
import { ALPHA, holmFamily, MIN_PAIRED, meanInterval, pairedComparison, POWER, seedsNeeded } from '../eval/stats.js';
import type { EpochRow, RunSummary } from '../train/summary.js';
import type {
  Aggregate,
  DepthHistogram,
  Difference,
  MetricInfo,
  MetricValue,
  Report,
  SeedsNeeded,
  Significance,
} from '../report/types.js';
import { findEvaluation } from '../eval/registry.js';
import { judgeClaims } from '../report/claims.js';
import { sweepGrid } from '../report/sweep-section.js';
import { formatP, methodLabel } from '../report/render-md.js';
import { planPaths, runName, type CompareLayout } from '../io/compare-dir.js';
import { RunDir } from '../io/run-dir.js';
import { evalKindOf } from '../eval/instances.js';
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

type Interval = { mean: number; ciLow: number; ciHigh: number; n: number };

/** Mean and 95% interval; with one seed the interval is the point itself. */
function interval(xs: number[]): Interval {
  const m = meanInterval(xs);
  return Number.isFinite(m.halfWidth)
    ? { mean: m.mean, ciLow: m.lower, ciHigh: m.upper, n: m.n }
    : { mean: m.mean, ciLow: m.mean, ciHigh: m.mean, n: m.n };
}

/** How the report tests its differences (report.json's `significance`). */
export const SIGNIFICANCE: Significance = {
  test: 'paired t-test, two-sided',
  adjustment: 'holm',
  family: 'every metric × pair of the report at the same generation',
  alpha: ALPHA,
  minSeeds: MIN_PAIRED,
  power: POWER,
};

/** The raw paired test of one difference, before Holm's adjustment (filled in by `adjustDifferences`). */
function tested(
  diffs: number[],
  scale: number,
): Omit<Difference, 'metric' | 'generation' | 'a' | 'b' | keyof Interval> {
  const c = pairedComparison(diffs, scale);
  return { test: c.status, sd: c.sd, t: c.t, p: c.p, pAdjusted: null, family: 0, significant: false };
}

/** Holm's step-down adjustment, one family per generation: every metric × pair tested there. */
export function adjustDifferences(differences: Difference[]): void {
  for (const g of new Set(differences.map((d) => d.generation))) {
    const family = differences.filter((d) => d.generation === g);
    const h = holmFamily(family.map((d) => d.p ?? null));
    family.forEach((d, i) => {
      const p = h.adjusted[i] ?? null;
      Object.assign(d, { pAdjusted: p, family: p === null ? 0 : h.family, significant: p !== null && p < ALPHA });
    });
  }
}

/** Two significant digits, so the δ a report prints is the δ it used. */
const round2 = (x: number) => Number(x.toPrecision(2));

/**
 * Per metric and generation, the seeds a paired t-test (α = 0.05 two-sided, power 0.8) needs to
 * detect δ at the pooled spread of the paired differences (root mean square of each pair's sd):
 * δ is 1 point for a percentage and 10% of the mean over methods otherwise (a metric such as
 * prediction depth or a Hessian eigenvalue has no unit that fits every scale).
 */
export function seedsTable(metrics: MetricInfo[], aggregates: Aggregate[], differences: Difference[]): SeedsNeeded[] {
  const out: SeedsNeeded[] = [];
  for (const m of metrics) {
    const generations = [...new Set(differences.filter((d) => d.metric === m.name).map((d) => d.generation))];
    for (const generation of generations.sort((x, y) => x - y)) {
      const sds = differences
        .filter((d) => d.metric === m.name && d.generation === generation)
        .map((d) => d.sd ?? null)
        .filter((x): x is number => x !== null && Number.isFinite(x));
      // No spread at all (a generation 0 that every method shares): nothing to size a test by.
      if (sds.length === 0 || sds.every((x) => x === 0)) continue;
      const means = aggregates.filter((a) => a.metric === m.name && a.generation === generation).map((a) => a.mean);
      const percent = m.unit === '%';
      const delta = percent ? 0.01 : round2(0.1 * Math.abs(means.reduce((x, y) => x + y, 0) / means.length));
      if (!(delta > 0)) continue;
      const sd = Math.sqrt(sds.reduce((x, y) => x + y * y, 0) / sds.length);
      const n = seedsNeeded(sd, delta);
      out.push({
        metric: m.name,
        generation,
        delta,
        deltaIs: percent ? 'one point' : '10% of the mean',
        sd,
        pairs: sds.length,
        seeds: Number.isFinite(n) ? n : null,
      });
    }
  }
  return out;
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
        for (const id of s.evals) {
          // Comparisons made before generation 0 was shared kept every method's own results.
          const result =
            layout.readEvalResult<Record<string, unknown>>(evalFile(s, method, seed, generation, id)) ??
            layout.readEvalResult<Record<string, unknown>>(planPaths.evalResult(runName(method, seed), generation, id));
          if (result === null) continue;
          const ev = findEvaluation(evalKindOf(id));
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
        const paired = pick(b, generation, metric).filter((v) => byA.has(v.seed));
        const diffs = paired.map((v) => (byA.get(v.seed) as number) - v.value);
        const scale = Math.max(0, ...paired.flatMap((v) => [Math.abs(v.value), Math.abs(byA.get(v.seed) as number)]));
        if (diffs.length > 0)
          differences.push({ metric, generation, a, b, ...interval(diffs), ...tested(diffs, scale) });
      }
    }
  }
  adjustDifferences(differences);
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
    significance: SIGNIFICANCE,
    seedsNeeded: seedsTable(metrics, aggregates, differences),
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

/**
 * One honest sentence per metric and baseline, for the last generation. A difference is called
 * better or worse only when its Holm-adjusted p is below 0.05 (the family: every metric × pair of
 * that generation); fewer than 3 seeds, or all paired differences equal, give no verdict.
 */
function findings(metrics: MetricInfo[], diffs: Difference[], generation: number): string[] {
  const out: string[] = [];
  for (const m of metrics) {
    for (const d of diffs.filter((x) => x.metric === m.name && x.generation === generation)) {
      const better = m.higherIsBetter ? d.mean > 0 : d.mean < 0;
      const pts = m.unit === '%' ? ' points' : '';
      const span =
        d.test === 'paired-t' && d.p !== null && d.p !== undefined && d.pAdjusted !== null && d.pAdjusted !== undefined
          ? ` (95% CI ${fmt(d.ciLow, m.unit)} to ${fmt(d.ciHigh, m.unit)}${pts}, ${d.n} seeds; ` +
            `p = ${formatP(d.p)}, Holm-adjusted over ${d.family} comparison${d.family === 1 ? '' : 's'} p = ${formatP(d.pAdjusted)})`
          : d.test === 'all-equal'
            ? ` (all ${d.n} differences equal: no test)`
            : ` (n=${d.n}: too few seeds for an interval)`;
      const a = methodLabel(d.a),
        b = methodLabel(d.b);
      const verdict =
        d.test !== 'paired-t'
          ? 'no verdict'
          : !d.significant
            ? 'not distinguishable from seed noise'
            : better
              ? `${a} is better than ${b}`
              : `${a} is worse than ${b}`;
      out.push(
        `${m.label}, generation ${generation}: ${a} − ${b} = ${d.mean >= 0 ? '+' : ''}${fmt(d.mean, m.unit)}${pts}${span}: ${verdict}.`,
      );
    }
  }
  return out;
}
