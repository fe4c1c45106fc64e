// One benchmark workload in seal, run in its own process so its peak RSS is its own.
// Prints one JSON line: {"ms": median step ms, "steps": [...], "peak_rss_mb": …}.
import {
  crossEntropy,
  getNumThreads,
  Generator,
  randint,
  randn,
  setGpuMath,
  setNumThreads,
  synchronize,
  tidy,
  matmul,
} from '../src/index.js';
import { ResNet } from '../src/models/resnet.js';
import { SmallCnn } from '../src/models/small-cnn.js';
import { SGD } from '../src/optim/sgd.js';
import type { Module } from '../src/nn/module.js';
import { train, type EpochRow } from '../src/index.js';

const [name = '', threadsArg = '0', stepsArg = '10', warmupArg = '2', device = 'cpu'] = process.argv.slice(2);
const threads = Number(threadsArg);
if (threads > 0) setNumThreads(threads);
setGpuMath({ tf32: false, deterministic: false }); // train()'s defaults, as torch_bench.py sets them
const steps = Number(stepsArg);
const warmup = Number(warmupArg);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function timeSteps(step: () => void): number[] {
  for (let i = 0; i < warmup; i++) step();
  synchronize();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = process.hrtime.bigint();
    step();
    synchronize();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

function trainStep(model: Module, shape: number[], classes: number): () => void {
  const gen = new Generator(0);
  const x = randn(shape, { generator: gen, device });
  const y = randint(0, classes, [shape[0] as number], { generator: gen, device });
  const opt = new SGD([{ params: model.parameters() }], { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  model.train();
  return () => {
    opt.zeroGrad();
    tidy(() => crossEntropy(model.forward(x), y).backward());
    opt.step();
  };
}

let step: () => void = () => undefined;
let flops = 0;
if (name === 'train_epoch_fashion') {
  // One full epoch of the training loop itself (loader, augmentation, step), not a synthetic step.
  const r = await train({
    method: 'normal',
    dataset: 'fashion-mnist',
    model: 'resnet18',
    width: 0.25,
    generations: 1,
    epochs: 1,
    batchSize: 128,
    limitTest: 256,
    cropPadding: 4,
    flip: true,
    device,
    seed: 0,
  });
  const row = r.rows[0] as EpochRow;
  r.model.dispose();
  console.log(
    JSON.stringify({
      images: 60000,
      seconds: row.trainSeconds,
      data_seconds: row.dataSeconds,
      images_per_s: 60000 / row.trainSeconds,
      threads: getNumThreads(),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  process.exit(0);
} else if (name === 'narrow_cifar_epoch') {
  // The narrow setting: CIFAR-stem ResNet-18 of width 0.25, 5,000 Fashion-MNIST images, batch 64,
  // crop padding 2 + flip; SEAL_BENCH_MEMORY_FORMAT=nchw|nhwc overrides the default layout.
  const memoryFormat = (process.env.SEAL_BENCH_MEMORY_FORMAT ?? 'auto') as 'auto' | 'nchw' | 'nhwc';
  const r = await train({
    method: 'normal',
    dataset: 'fashion-mnist',
    model: 'resnet18-cifar',
    width: 0.25,
    memoryFormat,
    generations: 1,
    epochs: 1,
    batchSize: 64,
    limitTrain: 5000,
    limitTest: 256,
    cropPadding: 2,
    flip: true,
    device,
    seed: 0,
  });
  const row = r.rows[0] as EpochRow;
  const images = 5000;
  console.log(
    JSON.stringify({
      images,
      seconds: row.trainSeconds,
      data_seconds: row.dataSeconds,
      images_per_s: images / row.trainSeconds,
      memory_format: (r.model as ResNet).memoryFormat,
      threads: getNumThreads(),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  r.model.dispose();
  process.exit(0);
} else if (name === 'resnet18_cifar') {
  step = trainStep(
    new ResNet({ depth: 18, stem: 'cifar', numClasses: 10, device, generator: new Generator(0) }),
    [64, 3, 32, 32],
    10,
  );
} else if (name === 'small_cnn') {
  step = trainStep(
    new SmallCnn({ inChannels: 1, imageSize: 28, numClasses: 10, device, generator: new Generator(0) }),
    [128, 1, 28, 28],
    10,
  );
} else if (name === 'matmul_2048') {
  const a = randn([2048, 2048], { device });
  const b = randn([2048, 2048], { device });
  flops = 2 * 2048 ** 3;
  step = () =>
    tidy(() => {
      matmul(a, b);
    });
} else {
  throw new Error(
    `unknown workload '${name}'; expected resnet18_cifar, small_cnn, matmul_2048, train_epoch_fashion or narrow_cifar_epoch`,
  );
}
const times = timeSteps(step);
const ms = median(times);
const out: Record<string, unknown> = {
  ms,
  steps: times.map((t) => Math.round(t * 10) / 10),
  threads: getNumThreads(),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
};
if (flops > 0) out.gflops = Math.round(flops / (ms / 1000) / 1e9);
console.log(JSON.stringify(out));
