// What the evaluations of one checkpoint share when they run in one process: each dataset is
// read once (subsets are cut from it as loadTarget/loadDataset would), and each image set's
// features are computed once (features.ts FeatureCache) for every evaluation that needs them.
import { loadDataset } from '../data/registry.js';
import { stratifiedSubset } from '../data/image-set.js';
import type { DatasetSplits } from '../data/types.js';
import { FeatureCache } from './features.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';
import { loadTarget } from './targets.js';

export interface SubsetOptions {
  limitTrain?: number;
  limitTest?: number;
  seed: number;
}

const cut = (d: DatasetSplits, o: SubsetOptions): DatasetSplits => ({
  ...d,
  train: o.limitTrain !== undefined ? stratifiedSubset(d.train, o.limitTrain, o.seed) : d.train,
  test: o.limitTest !== undefined ? stratifiedSubset(d.test, o.limitTest, o.seed) : d.test,
});

export class EvalContext {
  private readonly targets = new Map<string, Promise<DatasetSplits>>();
  private source: Promise<DatasetSplits> | null = null;
  readonly features: FeatureCache;

  constructor(
    readonly ckpt: LoadedCheckpoint,
    readonly device: string,
  ) {
    this.features = new FeatureCache(ckpt.model, ckpt.source, { device });
  }

  /** A transfer target, with seeded stratified subsets of its splits; read from disk once. */
  async target(spec: string, o: SubsetOptions): Promise<DatasetSplits> {
    let full = this.targets.get(spec);
    if (!full) {
      full = loadTarget(spec);
      this.targets.set(spec, full);
    }
    return cut(await full, o);
  }

  /** The run's own data: the same seeded subsets it trained and was tested on (limitTrain, limitTest). */
  async runData(): Promise<DatasetSplits> {
    const c = this.ckpt.config;
    this.source ??= loadDataset(c.dataset, {
      seed: c.seed,
      ...(c.limitTrain !== null ? { limitTrain: c.limitTrain } : {}),
      ...(c.limitTest !== null ? { limitTest: c.limitTest } : {}),
    });
    return this.source;
  }

  dispose(): void {
    this.features.dispose();
  }
}
