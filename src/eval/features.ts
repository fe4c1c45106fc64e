// Frozen features of a whole image set, computed once and reused by every probe and episode.
import { cat, noGrad, tensor, tidy, type Tensor } from '../backend/index.js';
import { BatchLoader } from '../data/loader.js';
import { selectImages } from '../data/image-set.js';
import type { ImageSet } from '../data/types.js';
import type { Classifier } from '../models/types.js';
import type { SourceData } from '../io/checkpoint-file.js';
import { adaptImages } from './adapt.js';

export interface FeatureSet {
  /** Pooled penultimate features [N, D] (CPU, float32). */
  features: Tensor;
  /** The network's own predicted class [N] (int64). */
  predictions: Tensor;
  /** Labels [N] (int64). */
  labels: Tensor;
  /** With `probes`: the global-average-pooled intermediates (ResNet: the stem and every residual block), each [N, C_l]. */
  probes: Tensor[];
}

export interface FeatureOptions {
  batchSize?: number;
  device?: string;
  probes?: boolean;
}

/**
 * 256 images a batch up to 64x64 pixels, fewer for larger ones (224x224 at a protocol's input:
 * 20), so that one batch's activations stay near the size of a 64x64 batch.
 */
const batchFor = (set: ImageSet): number =>
  Math.min(256, Math.max(8, Math.floor((256 * 64 * 64) / (set.height * set.width))));

/** Runs `set` (adapted to the model's input: adapt.ts feedShape) through the model once, in eval mode. */
export function extractFeatures(
  model: Classifier,
  set: ImageSet,
  source: SourceData,
  o: FeatureOptions = {},
): FeatureSet {
  const images = adaptImages(set, source, model.anyInputSize);
  const loader = new BatchLoader(images, {
    batchSize: o.batchSize ?? batchFor(images),
    mean: source.mean,
    std: source.std,
    device: o.device ?? 'cpu',
  });
  const feats: Tensor[] = [],
    preds: Tensor[] = [],
    labels: Tensor[] = [];
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
            probes.push(inter.activations.map((t) => t.mean([2, 3]).to('cpu')));
            f = inter.features;
          } else {
            f = model.forwardFeatures(x);
          }
          feats.push(f.to('cpu'));
          preds.push(model.forwardHead(f).argmax(1).to('cpu'));
          labels.push(y.to('cpu'));
          return [
            feats[feats.length - 1],
            preds[preds.length - 1],
            labels[labels.length - 1],
            ...(o.probes ? (probes[probes.length - 1] as Tensor[]) : []),
          ];
        });
        x.dispose();
        y.dispose();
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const join = (ts: Tensor[]) => {
    const t = cat(ts, 0);
    for (const p of ts) p.dispose();
    return t;
  };
  const probeCount = probes[0]?.length ?? 0;
  return {
    features: join(feats),
    predictions: join(preds),
    labels: join(labels),
    probes: Array.from({ length: probeCount }, (_, i) => join(probes.map((p) => p[i] as Tensor))),
  };
}

export function disposeFeatures(f: FeatureSet): void {
  for (const t of [f.features, f.predictions, f.labels, ...f.probes]) t.dispose();
}

interface Computed {
  probes: boolean;
  row: Int32Array;
  set: FeatureSet;
}

/**
 * Features of image sets that share a root set (subsets of one split), computed once for the
 * union of every declared need and gathered per request, so the probe's test subset and the
 * few-shot episodes' whole test split cost one pass. A request's features are the rows of its
 * images, in its order; the caller owns (and disposes) what `get` returns.
 */
export class FeatureCache {
  private readonly needs = new Map<ImageSet, { probes: boolean; indices: Set<number> }>();
  private readonly computed = new Map<ImageSet, Computed>();

  constructor(
    private readonly model: Classifier,
    private readonly source: SourceData,
    private readonly o: Omit<FeatureOptions, 'probes'> = {},
  ) {}

  /** Announces that `set` will be asked for, so the pass that computes its root covers it. */
  need(set: ImageSet, probes = false): void {
    const { root, indices } = rootOf(set);
    const n = this.needs.get(root) ?? { probes: false, indices: new Set<number>() };
    n.probes ||= probes;
    for (const i of indices) n.indices.add(i);
    this.needs.set(root, n);
  }

  get(set: ImageSet, probes = false): FeatureSet {
    const { root, indices } = rootOf(set);
    let c = this.computed.get(root);
    if (!c || (probes && !c.probes) || indices.some((i) => (c as Computed).row[i] === -1)) {
      this.need(set, probes);
      const n = this.needs.get(root) as { probes: boolean; indices: Set<number> };
      if (c) {
        for (let i = 0; i < c.row.length; i++) if (c.row[i] !== -1) n.indices.add(i);
        n.probes ||= c.probes;
        disposeFeatures(c.set);
      }
      const union = [...n.indices].sort((a, b) => a - b);
      const row = new Int32Array(root.count).fill(-1);
      union.forEach((i, r) => {
        row[i] = r;
      });
      const images = union.length === root.count ? root : selectImages(root, union);
      c = {
        probes: n.probes,
        row,
        set: extractFeatures(this.model, images, this.source, { ...this.o, probes: n.probes }),
      };
      this.computed.set(root, c);
    }
    const rows = indices.map((i) => (c as Computed).row[i] as number);
    const at = tensor(rows, [rows.length], { dtype: 'int64' });
    try {
      const pick = (t: Tensor) => t.indexSelect(0, at);
      return {
        features: pick(c.set.features),
        predictions: pick(c.set.predictions),
        labels: pick(c.set.labels),
        probes: probes ? c.set.probes.map(pick) : [],
      };
    } finally {
      at.dispose();
    }
  }

  dispose(): void {
    for (const c of this.computed.values()) disposeFeatures(c.set);
    this.computed.clear();
  }
}

function rootOf(set: ImageSet): { root: ImageSet; indices: number[] } {
  return set.origin
    ? { root: set.origin.root, indices: Array.from(set.origin.indices) }
    : { root: set, indices: Array.from({ length: set.count }, (_, i) => i) };
}
