// Transfer of a trained checkpoint to a target dataset (method.md §6.2), two protocols:
//  - linear probe: frozen features of the target's train and test splits (one forward pass
//    each), then L2 logistic regression with λ chosen on a hold-out (logistic.ts);
//  - fine-tuning: a copy of the network with a new seeded Linear head for the target's classes,
//    every layer trained with SGD + momentum under a per-epoch cosine schedule.
// Target images are adapted to the checkpoint's input (adapt.ts) and normalised with the
// checkpoint's source statistics, as the network saw its training data.
import { Generator } from '../backend/index.js';
import { BatchLoader } from '../data/loader.js';
import type { DatasetSplits, ImageSet } from '../data/types.js';
import { ConfigError, DivergenceError } from '../errors.js';
import { createModel } from '../models/registry.js';
import type { Classifier } from '../models/types.js';
import { Linear } from '../nn/layers.js';
import { SGD } from '../optim/sgd.js';
import { warmupCosine } from '../optim/schedule.js';
import { deriveSeed } from '../rng.js';
import { evaluate } from '../train/evaluate.js';
import { trainEpoch } from '../train/epoch.js';
import type { SourceData } from '../io/checkpoint-file.js';
import { adaptImages, adaptationRule, feedShape } from './adapt.js';
import { disposeFeatures, extractFeatures, type FeatureCache } from './features.js';
import { logisticProbe, type ProbeOptions, type ProbeResult } from './probe.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';

/** Which checkpoint was evaluated. */
export interface CheckpointInfo {
  path: string;
  generation: number;
  method: string;
  model: string;
  width: number;
  source: string;
}
/** Which target it was evaluated on. */
export interface TargetInfo {
  spec: string;
  classes: number;
  train: number;
  test: number;
  image: string;
}
/** How target images were made to fit the network (the rule of adapt.ts). */
export interface Adaptation {
  from: string;
  to: string;
  channels: string;
  size: string;
  /** How the images were decoded for the evaluation protocol, when they were (ImageSet.protocolInput). */
  protocolInput?: string;
  normalization: { mean: number[]; std: number[]; of: string };
}

/** The rule of adaptImages, in words, for the result files. */
export function describeAdaptation(
  set: Pick<ImageSet, 'channels' | 'height' | 'width' | 'protocolInput'>,
  source: SourceData,
  anySize: boolean,
): Adaptation {
  const { channels: c, height: h, width: w } = set;
  const to = feedShape(set, source, anySize);
  const rule = adaptationRule(set, to);
  const channels = {
    unchanged: 'unchanged',
    repeat: 'grey repeated into 3 channels',
    luma: 'luma 0.299 R + 0.587 G + 0.114 B',
  }[rule.channels];
  const size = { unchanged: 'unchanged', pad: 'zero-padded around the centre', resize: 'bilinear resize' }[rule.size];
  return {
    from: `${c}x${h}x${w}`,
    to: `${to.channels}x${to.height}x${to.width}`,
    channels,
    size,
    ...(set.protocolInput !== undefined ? { protocolInput: set.protocolInput } : {}),
    normalization: { mean: source.mean, std: source.std, of: source.spec },
  };
}

/** The checkpoint's identity for result files. */
export const checkpointInfo = (k: LoadedCheckpoint): CheckpointInfo => ({
  path: k.path,
  generation: k.generation,
  method: k.config.method,
  model: k.config.model,
  width: k.config.width,
  source: k.source.spec,
});
/** The target's identity and size for result files. */
export const targetInfo = (t: DatasetSplits): TargetInfo => ({
  spec: t.source.spec,
  classes: t.train.numClasses,
  train: t.train.count,
  test: t.test.count,
  image: `${t.train.channels}x${t.train.height}x${t.train.width}`,
});

/** Options of linearProbe: the probe's, plus the feature pass. */
export interface LinearProbeOptions extends ProbeOptions {
  batchSize?: number;
  device?: string;
  /** Shares feature passes with other evaluations. */ features?: FeatureCache;
}

/** A linear-probe result: JSON-serialisable, with every setting used. */
export interface LinearProbeResult extends Omit<ProbeResult, 'settings'> {
  protocol: 'linear-probe';
  checkpoint: CheckpointInfo;
  target: TargetInfo;
  adaptation: Adaptation;
  settings: ProbeResult['settings'] & { batchSize: number; device: string };
  seconds: { features: number; fit: number };
}

/**
 * Linear probe of a checkpoint's frozen penultimate features on a target.
 * @example const r = linearProbe(await loadModelCheckpoint('run/checkpoints/gen-0.safetensors'), await loadTarget('mnist'));
 */
export function linearProbe(
  ckpt: LoadedCheckpoint,
  target: DatasetSplits,
  o: LinearProbeOptions = {},
): LinearProbeResult {
  const batchSize = o.batchSize ?? 256,
    device = o.device ?? 'cpu';
  const t0 = performance.now();
  const train =
    o.features?.get(target.train) ?? extractFeatures(ckpt.model, target.train, ckpt.source, { batchSize, device });
  try {
    const test =
      o.features?.get(target.test) ?? extractFeatures(ckpt.model, target.test, ckpt.source, { batchSize, device });
    try {
      const t1 = performance.now();
      const { features: _shared, ...probeOptions } = o;
      const { settings, ...probe } = logisticProbe(train, test, target.train.numClasses, probeOptions);
      return {
        protocol: 'linear-probe',
        checkpoint: checkpointInfo(ckpt),
        target: targetInfo(target),
        adaptation: describeAdaptation(target.train, ckpt.source, ckpt.model.anyInputSize),
        ...probe,
        settings: { ...settings, batchSize, device },
        seconds: { features: (t1 - t0) / 1000, fit: (performance.now() - t1) / 1000 },
      };
    } finally {
      disposeFeatures(test);
    }
  } finally {
    disposeFeatures(train);
  }
}

/** Options of fineTune. */
export interface FineTuneOptions {
  /** Peak learning rate of the cosine schedule; default 0.01. */
  lr?: number;
  /** Default 10. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Coupled weight decay (torch.optim.SGD); default 5e-4. */
  weightDecay?: number;
  /** Default 0.9. */
  momentum?: number;
  /** Random-crop padding in pixels of the adapted image; default 2. */
  padding?: number;
  /** Random horizontal flips; default false (digits and text are not mirror-symmetric). */
  flip?: boolean;
  labelSmoothing?: number;
  /** Seeds the head's init, the shuffling and the augmentation; default 0. */
  seed?: number;
  /** Default: the checkpoint model's device. */
  device?: string;
  evalBatchSize?: number;
  /** Called after every epoch with its row. */
  onEpoch?(row: FineTuneEpoch): void;
}

/** One fine-tuning epoch. */
export interface FineTuneEpoch {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testTop1: number;
  testTop5: number;
  seconds: number;
}

/** A fine-tuning result: JSON-serialisable, with every setting used. */
export interface FineTuneResult {
  protocol: 'fine-tune';
  checkpoint: CheckpointInfo;
  target: TargetInfo;
  adaptation: Adaptation;
  settings: Required<Omit<FineTuneOptions, 'onEpoch'>> & { optimizer: string; schedule: string; head: string };
  epochs: FineTuneEpoch[];
  /** Test top-1 after the last epoch. */
  testTop1: number;
  seconds: number;
}

/**
 * Fine-tunes a copy of the checkpoint's network on a target: a new Linear head (torch's default
 * init, seeded), then every layer trained. The checkpoint's own model is left as it was. Returns
 * the result and the fine-tuned model (the caller disposes it).
 * @example const { result, model } = await fineTune(ckpt, await loadTarget('opencv-digits'), { epochs: 5 }); model.dispose();
 */
export async function fineTune(
  ckpt: LoadedCheckpoint,
  target: DatasetSplits,
  o: FineTuneOptions = {},
): Promise<{ result: FineTuneResult; model: Classifier }> {
  const s = {
    lr: o.lr ?? 0.01,
    epochs: o.epochs ?? 10,
    batchSize: o.batchSize ?? 64,
    weightDecay: o.weightDecay ?? 5e-4,
    momentum: o.momentum ?? 0.9,
    padding: o.padding ?? 2,
    flip: o.flip ?? false,
    labelSmoothing: o.labelSmoothing ?? 0,
    seed: o.seed ?? 0,
    device: o.device ?? ckpt.model.parameters()[0]?.device ?? 'cpu',
    evalBatchSize: o.evalBatchSize ?? 256,
  };
  if (!(s.lr > 0) || !Number.isInteger(s.epochs) || s.epochs < 1) {
    throw new ConfigError(
      `fine-tuning needs lr > 0 and a whole number of epochs >= 1; got lr ${s.lr}, epochs ${s.epochs}`,
    );
  }
  const t0 = performance.now();
  const classes = target.train.numClasses;
  const model = createModel({
    model: ckpt.config.model,
    width: ckpt.config.width,
    memoryFormat: ckpt.config.memoryFormat,
    inChannels: ckpt.source.channels,
    numClasses: classes,
    device: s.device,
    generator: new Generator(deriveSeed(s.seed, 'finetune-init')),
  });
  try {
    // The checkpoint's weights everywhere but the head, which is a fresh Linear (as `model.fc = nn.Linear(d, C)`).
    const head = new Linear(model.featureDim, classes, {
      device: s.device,
      generator: new Generator(deriveSeed(s.seed, 'finetune-head')),
    });
    const state = new Map(ckpt.model.stateEntries());
    const [headName] = model.layerGroups().at(-1)?.modules[0] ?? ['fc'];
    for (const [n, t] of head.namedParameters(`${headName}.`)) state.set(n, t);
    model.loadState(state);
    head.dispose();

    const norm = { mean: ckpt.source.mean, std: ckpt.source.std, device: s.device };
    const trainLoader = new BatchLoader(adaptImages(target.train, ckpt.source, model.anyInputSize), {
      ...norm,
      batchSize: s.batchSize,
      shuffle: true,
      seed: deriveSeed(s.seed, 'finetune-data'),
      augment: { padding: s.padding, flip: s.flip },
    });
    const testLoader = new BatchLoader(adaptImages(target.test, ckpt.source, model.anyInputSize), {
      ...norm,
      batchSize: s.evalBatchSize,
    });
    const opt = new SGD([{ params: model.parameters() }], {
      lr: s.lr,
      momentum: s.momentum,
      weightDecay: s.weightDecay,
    });
    const epochs: FineTuneEpoch[] = [];
    try {
      for (let e = 0; e < s.epochs; e++) {
        const te = performance.now();
        const lr = warmupCosine(e, s.lr, 0, s.epochs);
        opt.groups[0]!.lr = lr;
        const pass = await trainEpoch(model, opt, trainLoader.epoch(e), {
          labelSmoothing: s.labelSmoothing,
          diverged: (index, loss) =>
            new DivergenceError(
              `fine-tuning diverged: the loss became ${loss} at epoch ${e}, batch ${index + 1} of ${trainLoader.batchesPerEpoch} (lr ${lr.toPrecision(3)})`,
              `lower lr (now ${s.lr})`,
            ),
        });
        const test = evaluate(model, testLoader);
        const row = {
          epoch: e,
          lr,
          trainLoss: pass.loss,
          trainAccuracy: pass.accuracy,
          testTop1: test.top1,
          testTop5: test.top5,
          seconds: (performance.now() - te) / 1000,
        };
        epochs.push(row);
        o.onEpoch?.(row);
      }
    } finally {
      opt.dispose();
    }
    model.eval();
    const result: FineTuneResult = {
      protocol: 'fine-tune',
      checkpoint: checkpointInfo(ckpt),
      target: targetInfo(target),
      adaptation: describeAdaptation(target.train, ckpt.source, ckpt.model.anyInputSize),
      settings: {
        ...s,
        optimizer: 'SGD, momentum, coupled weight decay, all parameters',
        schedule: 'cosine from lr to 0 over the epochs, set once per epoch, no warmup',
        head: `new Linear(${model.featureDim}, ${classes}), torch default init U(±1/√${model.featureDim}), seeded by (seed, 'finetune-head')`,
      },
      epochs,
      testTop1: epochs[epochs.length - 1]!.testTop1,
      seconds: (performance.now() - t0) / 1000,
    };
    return { result, model };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
