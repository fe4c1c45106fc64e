// The evaluations `seal eval` and `seal compare` run on a checkpoint: their options (with
// defaults), how to run them, and a one-line summary of a result.
import { loadDataset } from '../data/registry.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';
import { predictionDepth } from './prediction-depth.js';
import { sharpness } from './sharpness.js';

export interface OptionSpec { type: 'int' | 'number' | 'string' | 'ints' | 'enum'; help: string; default: unknown; min?: number; values?: string[] }

export interface Evaluator {
  help: string;
  options: Record<string, OptionSpec>;
  run(ckpt: LoadedCheckpoint, options: Record<string, unknown>): Promise<Record<string, unknown>>;
  summary(result: Record<string, unknown>): string;
}

const pct = (x: unknown) => `${(100 * Number(x)).toFixed(2)}%`;

/** The run's own data: the same seeded subsets it trained and was tested on (limitTrain, limitTest). */
function runData(ckpt: LoadedCheckpoint) {
  const c = ckpt.config;
  return loadDataset(c.dataset, {
    seed: c.seed, ...(c.limitTrain !== null ? { limitTrain: c.limitTrain } : {}), ...(c.limitTest !== null ? { limitTest: c.limitTest } : {}),
  });
}

export const EVALUATORS: Record<string, Evaluator> = {
  depth: {
    help: 'prediction depth (Baldock et al. 2021): k-NN probes on the stem and every residual block',
    options: {
      k: { type: 'int', min: 1, default: 30, help: 'neighbours of each k-NN probe' },
      support: { type: 'int', min: 2, default: 5000, help: 'training images in the support set (seeded stratified subset)' },
      'test-size': { type: 'int', min: 1, default: 2000, help: 'test images whose depth is measured' },
      seed: { type: 'int', default: 0, help: 'seed of the subsets' },
    },
    async run(ckpt, o) {
      const data = await runData(ckpt);
      const r = predictionDepth(ckpt.model, data, ckpt.source, { k: o.k as number, supportSize: o.support as number, testSize: o['test-size'] as number, seed: o.seed as number, device: String(o.device) });
      return { ...r };
    },
    summary: (r) => {
      const d = r as { test: { mean: number; networkAccuracy: number }; train: { mean: number }; numProbes: number };
      return `prediction depth: test ${d.test.mean.toFixed(3)}, train ${d.train.mean.toFixed(3)} (of ${d.numProbes} probes); network accuracy ${pct(d.test.networkAccuracy)}`;
    },
  },
  sharpness: {
    help: 'largest Hessian eigenvalue (power iteration) and Hessian trace (Hutchinson) of the training loss',
    options: {
      samples: { type: 'int', min: 1, default: 512, help: 'training images in the fixed subset' },
      iterations: { type: 'int', min: 1, default: 20, help: 'maximum power iterations' },
      tolerance: { type: 'number', default: 1e-3, help: 'relative change of the eigenvalue that stops the power iteration' },
      'trace-samples': { type: 'int', min: 2, default: 20, help: 'Rademacher vectors of the trace estimate' },
      seed: { type: 'int', default: 0, help: 'seed of the subset and the random vectors' },
    },
    async run(ckpt, o) {
      const data = await runData(ckpt);
      const r = sharpness(ckpt.model, data.train, ckpt.source, {
        sampleSize: o.samples as number, maxIterations: o.iterations as number, tolerance: o.tolerance as number,
        traceSamples: o['trace-samples'] as number, seed: o.seed as number, device: String(o.device),
      });
      return { ...r };
    },
    summary: (r) => {
      const s = r as { topEigenvalue: { eigenvalue: number }; trace: { trace: number; standardError: number } };
      return `sharpness: top eigenvalue ${s.topEigenvalue.eigenvalue.toPrecision(4)}, trace ${s.trace.trace.toPrecision(4)} ± ${s.trace.standardError.toPrecision(2)}`;
    },
  },
};
