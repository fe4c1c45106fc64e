// Frozen features of a whole image set, computed once and reused by every probe and episode.
import { cat, noGrad, tidy, type Tensor } from '../backend/index.js';
import { BatchLoader } from '../data/loader.js';
import type { ImageSet } from '../data/types.js';
import type { ResNet } from '../models/resnet.js';
import type { SourceData } from '../train/checkpoint.js';
import { adaptImages } from './adapt.js';

export interface FeatureSet {
  /** Pooled penultimate features [N, D] (CPU, float32). */
  features: Tensor;
  /** The network's own predicted class [N] (int64). */
  predictions: Tensor;
  /** Labels [N] (int64). */
  labels: Tensor;
  /** With `probes`: the global-average-pooled output of the stem and of every residual block, each [N, C_l]. */
  probes: Tensor[];
}

export interface FeatureOptions { batchSize?: number; device?: string; probes?: boolean }

/** Runs `set` (adapted to the model's input) through the model once, in eval mode. */
export function extractFeatures(model: ResNet, set: ImageSet, source: SourceData, o: FeatureOptions = {}): FeatureSet {
  const images = adaptImages(set, source);
  const loader = new BatchLoader(images, { batchSize: o.batchSize ?? 256, mean: source.mean, std: source.std, device: o.device ?? 'cpu' });
  const feats: Tensor[] = [], preds: Tensor[] = [], labels: Tensor[] = [];
  const probes: Tensor[][] = [];
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (const { x, y } of loader.epoch(0)) {
        tidy(() => {
          let f: Tensor;
          if (o.probes) {
            const inter = model.intermediates(x);
            probes.push(inter.map((t) => t.mean([2, 3]).to('cpu')));
            f = (inter[inter.length - 1] as Tensor).mean([2, 3]);
          } else {
            f = model.forwardFeatures(x);
          }
          feats.push(f.to('cpu'));
          preds.push(model.forwardHead(f).argmax(1).to('cpu'));
          labels.push(y.to('cpu'));
          return [feats[feats.length - 1], preds[preds.length - 1], labels[labels.length - 1], ...(o.probes ? probes[probes.length - 1] as Tensor[] : [])];
        });
        x.dispose(); y.dispose();
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const join = (ts: Tensor[]) => { const t = cat(ts, 0); for (const p of ts) p.dispose(); return t; };
  const probeCount = probes[0]?.length ?? 0;
  return {
    features: join(feats), predictions: join(preds), labels: join(labels),
    probes: Array.from({ length: probeCount }, (_, i) => join(probes.map((p) => p[i] as Tensor))),
  };
}

export function disposeFeatures(f: FeatureSet): void {
  for (const t of [f.features, f.predictions, f.labels, ...f.probes]) t.dispose();
}
