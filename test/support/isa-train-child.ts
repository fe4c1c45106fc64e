// Child process of test/models/isa.test.ts: one SGD step of every model seal offers, at a range
// of widths and in both layouts, on fixed random data. Prints one JSON line: per configuration,
// the loss, the norm of the gradient and the sum of |parameters| after the step, for comparison
// across ONEDNN_MAX_CPU_ISA caps (oneDNN reads the cap once per process). One step, because a
// second one amplifies float rounding chaotically in the deep narrow nets (BatchNorm over 8
// images of 1x1 maps): another thread count moves a second loss by up to 40% there.
import { crossEntropy, Generator, randint, randn, setNumThreads, tidy } from '../../src/backend/index.js';
import { createModel, MODELS } from '../../src/models/registry.js';
import type { ModelName } from '../../src/config/schema.js';
import { SGD } from '../../src/optim/sgd.js';

export const ISA_TRAIN_WIDTHS = [0.0625, 0.125, 0.25, 1];
export const ISA_TRAIN_FORMATS = ['nchw', 'nhwc'] as const;

/** One configuration's outcome. */
export interface IsaTrainResult {
  name: string;
  loss: number;
  gradNorm: number;
  paramAbsSum: number;
}

function trainOneStep(model: ModelName, width: number, format: 'nchw' | 'nhwc', inChannels: number): IsaTrainResult {
  const gen = new Generator(7);
  const m = createModel({
    model,
    width,
    inChannels,
    numClasses: 5,
    device: 'cpu',
    generator: gen,
    memoryFormat: format,
  });
  const x = randn([8, inChannels, 32, 32], { generator: gen });
  const y = randint(0, 5, [8], { generator: gen });
  const opt = new SGD([{ params: m.parameters() }], { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  m.train();
  const [loss, gradNorm] = tidy(() => {
    const l = crossEntropy(m.forward(x), y);
    l.backward();
    const sq = m.parameters().reduce((acc, p) => acc + p.grad!.square().sum().item(), 0);
    return [l.item(), Math.sqrt(sq)];
  });
  opt.step();
  const paramAbsSum = m.parameters().reduce((s, p) => s + tidy(() => p.abs().sum().item()), 0);
  m.dispose();
  x.dispose();
  y.dispose();
  return { name: `${model} width ${width} ${format} ${inChannels}-channel input`, loss, gradNorm, paramAbsSum };
}

if (process.argv[2] === '--run') {
  setNumThreads(Number(process.env.ISA_THREADS ?? 1));
  const out: IsaTrainResult[] = [];
  for (const model of Object.keys(MODELS) as ModelName[])
    for (const width of ISA_TRAIN_WIDTHS)
      for (const format of ISA_TRAIN_FORMATS)
        for (const inChannels of [1, 3]) out.push(trainOneStep(model, width, format, inChannels));
  console.log(JSON.stringify(out));
}
