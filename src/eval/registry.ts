// The evaluations `seal eval` and `seal compare` run on a checkpoint: their options (with
// defaults), how to run them, and a one-line summary of a result.
import { ConfigError } from '../errors.js';
import type { EvalContext } from './context.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';
import { predictionDepth } from './prediction-depth.js';
import { sharpness } from './sharpness.js';
import { fewShotEval, FEW_SHOT_CLASSIFIERS, type FewShotClassifier } from './few-shot.js';
import { fineTune, linearProbe } from './transfer.js';

export interface OptionSpec { type: 'int' | 'number' | 'string' | 'ints' | 'enum'; help: string; default: unknown; min?: number; values?: string[] }

export interface Evaluator {
  help: string;
  options: Record<string, OptionSpec>;
  /** Announces the image sets whose features it will ask `ctx.features` for (so one pass covers them all). */
  need?(options: Record<string, unknown>, ctx: EvalContext): Promise<void>;
  run(ckpt: LoadedCheckpoint, options: Record<string, unknown>, ctx: EvalContext): Promise<Record<string, unknown>>;
  summary(result: Record<string, unknown>): string;
}

const pct = (x: unknown) => `${(100 * Number(x)).toFixed(2)}%`;


const targetOption: OptionSpec = { type: 'string', default: 'mnist', help: 'target: mnist, fashion-mnist, opencv-digits, sklearn-digits, or KIND:PATH (e.g. folder:PATH)' };
/** The target with optional seeded stratified subsets of its splits. */
const target = (o: Record<string, unknown>, ctx: EvalContext) => ctx.target(String(o.target), {
  seed: o.seed as number,
  ...((o['limit-train'] as number) > 0 ? { limitTrain: o['limit-train'] as number } : {}),
  ...((o['limit-test'] as number) > 0 ? { limitTest: o['limit-test'] as number } : {}),
});

export const EVALUATORS: Record<string, Evaluator> = {
  transfer: {
    help: 'transfer to a target: linear probe (logistic regression on frozen features) or fine-tuning',
    options: {
      target: targetOption,
      mode: { type: 'enum', values: ['probe', 'finetune'], default: 'probe', help: 'probe: frozen features + L2 logistic regression; finetune: new head, whole network trained' },
      'limit-train': { type: 'int', default: 0, help: 'stratified subset of the target training split (0 = all)' },
      'limit-test': { type: 'int', default: 0, help: 'stratified subset of the target test split (0 = all)' },
      epochs: { type: 'int', min: 1, default: 10, help: 'finetune: epochs' },
      lr: { type: 'number', default: 0.01, help: 'finetune: learning rate' },
      'batch-size': { type: 'int', min: 1, default: 64, help: 'finetune: batch size' },
      seed: { type: 'int', default: 0, help: 'seed of the subsets, the validation split and the new head' },
    },
    async need(o, ctx) {
      if (o.mode !== 'probe') return;
      const t = await target(o, ctx);
      ctx.features.need(t.train);
      ctx.features.need(t.test);
    },
    async run(ckpt, o, ctx) {
      const t = await target(o, ctx);
      if (o.mode === 'probe') return { ...linearProbe(ckpt, t, { seed: o.seed as number, device: String(o.device), features: ctx.features }) };
      const { result, model } = await fineTune(ckpt, t, { epochs: o.epochs as number, lr: o.lr as number, batchSize: o['batch-size'] as number, seed: o.seed as number, device: String(o.device) });
      model.dispose();
      return { ...result };
    },
    summary: (r) => `transfer (${String(r.protocol)}) to ${String((r.target as { spec: string }).spec)}: test top-1 ${pct(r.testAccuracy ?? r.testTop1)}`,
  },
  fewshot: {
    help: 'N-way K-shot episodes on a target\'s test split, nearest centroid and logistic regression on frozen features',
    options: {
      target: targetOption,
      ways: { type: 'int', min: 2, default: 5, help: 'classes per episode (N)' },
      shots: { type: 'ints', min: 1, default: [1, 5], help: 'support images per class (K), comma-separated' },
      queries: { type: 'int', min: 1, default: 15, help: 'query images per class' },
      episodes: { type: 'int', min: 1, default: 600, help: 'episodes per (K, classifier)' },
      classifiers: { type: 'string', default: FEW_SHOT_CLASSIFIERS.join(','), help: 'comma-separated: nearest-centroid, logistic' },
      'limit-train': { type: 'int', default: 0, help: 'unused by few-shot (episodes come from the test split)' },
      'limit-test': { type: 'int', default: 0, help: 'stratified subset of the target test split (0 = all)' },
      seed: { type: 'int', default: 0, help: 'seed of the episodes' },
    },
    async need(o, ctx) { ctx.features.need((await target(o, ctx)).test); },
    async run(ckpt, o, ctx) {
      const classifiers = String(o.classifiers).split(',').map((c) => c.trim()) as FewShotClassifier[];
      const bad = classifiers.find((c) => !FEW_SHOT_CLASSIFIERS.includes(c));
      if (bad !== undefined) throw new ConfigError(`--classifiers: unknown classifier '${bad}'`, `choose from ${FEW_SHOT_CLASSIFIERS.join(', ')}`);
      return { ...fewShotEval(ckpt, await target(o, ctx), { features: ctx.features, ways: o.ways as number, shots: o.shots as number[], queries: o.queries as number, episodes: o.episodes as number, seed: o.seed as number, classifiers, device: String(o.device) }) };
    },
    summary: (r) => (r.cells as { classifier: string; ways: number; shots: number; accuracy: { mean: number; halfWidth: number } }[])
      .map((c) => `${c.ways}-way ${c.shots}-shot ${c.classifier}: ${pct(c.accuracy.mean)} ± ${(100 * c.accuracy.halfWidth).toFixed(2)}`).join('\n'),
  },
  depth: {
    help: 'prediction depth (Baldock et al. 2021): k-NN probes on the stem and every residual block',
    options: {
      k: { type: 'int', min: 1, default: 30, help: 'neighbours of each k-NN probe' },
      support: { type: 'int', min: 2, default: 5000, help: 'training images in the support set (seeded stratified subset)' },
      'test-size': { type: 'int', min: 1, default: 2000, help: 'test images whose depth is measured' },
      seed: { type: 'int', default: 0, help: 'seed of the subsets' },
    },
    async run(ckpt, o, ctx) {
      const data = await ctx.runData();
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
    async run(ckpt, o, ctx) {
      const data = await ctx.runData();
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
