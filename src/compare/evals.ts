// The evaluations a comparison runs on every generation checkpoint: the options each one gets
// beyond the evaluator's defaults (sized so the default comparison fits in minutes on 2 cores;
// recorded, defaults filled in, in compare.json and plan.json), and how its result JSON becomes
// report metrics.
import type { MetricInfo } from '../report/types.js';

export interface EvalKind {
  /** Options of the evaluator (eval/registry.ts) that differ from its defaults. */
  options: Record<string, unknown>;
  metrics(result: Record<string, unknown>): { info: MetricInfo; value: number }[];
  histogram?(result: Record<string, unknown>): { split: 'test' | 'train'; probes: string[]; counts: number[] } | null;
}

type Probe = { testAccuracy: number; target: { spec: string } };
type FewShot = { cells: { classifier: string; ways: number; shots: number; accuracy: { mean: number } }[]; target?: { spec: string } };
type Depth = { probes: string[]; test: { mean: number; histogram: number[] }; train: { mean: number } };
type Sharp = { topEigenvalue: { eigenvalue: number }; trace: { trace: number } };

export const EVAL_KINDS: Record<string, EvalKind> = {
  transfer: {
    options: { target: 'mnist', mode: 'probe', 'limit-train': 5000, 'limit-test': 5000 },
    metrics: (r) => {
      const p = r as unknown as Probe;
      return [{ info: { name: `transfer_${p.target.spec}`, label: `Linear probe on ${p.target.spec}`, higherIsBetter: true, unit: '%' }, value: p.testAccuracy }];
    },
  },
  fewshot: {
    options: { target: 'mnist', shots: [1, 5], episodes: 600, classifiers: 'nearest-centroid' },
    metrics: (r) => {
      const f = r as unknown as FewShot;
      const spec = f.target?.spec ?? 'target';
      return f.cells.map((c) => ({
        info: { name: `fewshot_${spec}_${c.ways}w${c.shots}s_${c.classifier}`, label: `${c.ways}-way ${c.shots}-shot on ${spec} (${c.classifier})`, higherIsBetter: true, unit: '%' as const },
        value: c.accuracy.mean,
      }));
    },
  },
  depth: {
    options: { support: 2000, 'test-size': 1000, k: 30 },
    metrics: (r) => {
      const d = r as unknown as Depth;
      return [
        { info: { name: 'depth_test', label: 'Mean prediction depth, test images', higherIsBetter: false, unit: '' }, value: d.test.mean },
        { info: { name: 'depth_train', label: 'Mean prediction depth, training images', higherIsBetter: false, unit: '' }, value: d.train.mean },
      ];
    },
    histogram: (r) => {
      const d = r as unknown as Depth;
      return { split: 'test', probes: d.probes, counts: d.test.histogram };
    },
  },
  sharpness: {
    options: { samples: 256, iterations: 10, 'trace-samples': 10 },
    metrics: (r) => {
      const s = r as unknown as Sharp;
      return [
        { info: { name: 'sharpness_top', label: 'Top Hessian eigenvalue of the training loss', higherIsBetter: false, unit: '' }, value: s.topEigenvalue.eigenvalue },
        { info: { name: 'sharpness_trace', label: 'Hessian trace of the training loss', higherIsBetter: false, unit: '' }, value: s.trace.trace },
      ];
    },
  },
};
