// How long a planned comparison's training takes, from a throughput measured here: a few SGD
// steps of the plan's own model, batch size and image size on random images, on the plan's
// device. Evaluations are not counted (at paper scale they are a few percent of training).
import { crossEntropy, Generator, manualSeed, randint, randn, tidy } from '../backend/index.js';
import { createModel } from '../models/registry.js';
import { SGD } from '../optim/sgd.js';
import type { Plan, TaskConfig } from './plan.js';
import type { Prior } from './task-status.js';

export interface Throughput {
  imagesPerSecond: number;
  device: string;
  steps: number;
  batchSize: number;
  image: string;
}

/** Images per second of training steps (forward, backward, SGD step) after two warm-up steps. */
export function measureThroughput(o: {
  model: string;
  width: number;
  batchSize: number;
  channels: number;
  size: number;
  classes: number;
  device: string;
  steps?: number;
}): Throughput {
  manualSeed(0);
  const model = createModel({
    model: o.model as never,
    width: o.width,
    inChannels: o.channels,
    numClasses: o.classes,
    device: o.device,
    generator: new Generator(0),
  });
  const opt = new SGD([{ params: model.parameters() }], { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const x = randn([o.batchSize, o.channels, o.size, o.size], { device: o.device });
  const y = randint(0, o.classes, [o.batchSize], { device: o.device });
  const steps = o.steps ?? 5;
  let t0 = 0;
  try {
    model.train();
    for (let i = 0; i < steps + 2; i++) {
      if (i === 2) t0 = performance.now();
      opt.zeroGrad();
      // item() waits for the device, so the time is the step's own.
      tidy(() => {
        const l = crossEntropy(model.forward(x), y);
        l.backward();
        return l.item();
      });
      opt.step();
    }
    return {
      imagesPerSecond: (steps * o.batchSize) / ((performance.now() - t0) / 1000),
      device: o.device,
      steps,
      batchSize: o.batchSize,
      image: `${o.channels}x${o.size}x${o.size}`,
    };
  } finally {
    x.dispose();
    y.dispose();
    opt.dispose();
    model.dispose();
  }
}

/** Training images the plan's tasks process: every generation each train task runs, times epochs x training-set size. */
export function trainingImages(plan: Plan, trainSize: number): number {
  let generations = 0;
  for (const t of plan.tasks) {
    if (t.kind !== 'train') continue;
    generations += t.untilGeneration - (t.fork ? t.fork.generation + 1 : 0);
  }
  const epochs = Number(plan.settings.train.epochs ?? 0);
  return generations * epochs * trainSize;
}

/** Training-set size and image shape of the built-in sources and Tiny-ImageNet, without reading them. */
export function knownSource(
  dataset: string,
  limitTrain: number | null,
): { train: number; channels: number; size: number; classes: number } | null {
  const kind = dataset.split(':')[0];
  const known = (
    { 'fashion-mnist': [60000, 1, 28, 10], mnist: [60000, 1, 28, 10], 'tiny-imagenet': [100000, 3, 64, 200] } as Record<
      string,
      number[]
    >
  )[kind ?? ''];
  if (!known) return null;
  const [train, channels, size, classes] = known as [number, number, number, number];
  return {
    train: limitTrain !== null && limitTrain > 0 ? Math.min(limitTrain, train) : train,
    channels,
    size,
    classes,
  };
}

/** The plan's first training config (its first arm's generation 0), as the plan resolved it. */
export function planConfig(plan: Plan): TaskConfig {
  const first = plan.tasks.find((t) => t.kind === 'train');
  if (first === undefined) throw new Error('a plan without a training task');
  return first.config;
}

/** The throughput of the plan's model, batch and image size on its device, measured here. */
export function planThroughput(cfg: TaskConfig, src: NonNullable<ReturnType<typeof knownSource>>): Throughput {
  return measureThroughput({
    model: cfg.model,
    width: cfg.width,
    batchSize: cfg.batchSize,
    channels: src.channels,
    size: src.size,
    classes: src.classes,
    device: cfg.device,
  });
}

/**
 * The time of one training epoch of one task of the plan, from a throughput measured here with
 * the threads a task gets: the ETA before any task has finished. Null where the training set's
 * size is known only once read (a folder of images).
 */
export function planPrior(plan: Plan): Prior | null {
  const cfg = planConfig(plan);
  const src = knownSource(cfg.dataset, cfg.limitTrain);
  if (!src) return null;
  return { secondsPerEpoch: src.train / planThroughput(cfg, src).imagesPerSecond, epochs: cfg.epochs };
}
