// The layers ResNets need. Parameter names follow torch.nn (weight, bias, running_mean, …).
import {
  adaptiveAvgPool2d,
  batchNorm,
  conv2d,
  linear,
  noGrad,
  ones,
  zeros,
  empty,
  type Generator,
  type Tensor,
} from '../backend/index.js';
import { Module } from './module.js';
import { fanIn, uniformFanIn } from './init.js';

export interface LayerOptions {
  device?: string;
  generator?: Generator;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    inC: number,
    outC: number,
    kernel: number,
    readonly opts: LayerOptions & { stride?: number; padding?: number; bias?: boolean; groups?: number } = {},
  ) {
    super();
    const dev = opts.device ?? 'cpu';
    this.weight = this.param('weight', empty([outC, inC / (opts.groups ?? 1), kernel, kernel], { device: dev }));
    uniformFanIn(this.weight, fanIn(this.weight.shape), opts.generator);
    this.bias = opts.bias ? this.param('bias', empty([outC], { device: dev })) : null;
    if (this.bias) uniformFanIn(this.bias, fanIn(this.weight.shape), opts.generator);
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.opts.stride ?? 1,
      padding: this.opts.padding ?? 0,
      groups: this.opts.groups ?? 1,
    });
  }
}

export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  constructor(
    readonly channels: number,
    readonly opts: LayerOptions & { momentum?: number; eps?: number } = {},
  ) {
    super();
    const dev = opts.device ?? 'cpu';
    this.weight = this.param('weight', ones([channels], { device: dev }));
    this.bias = this.param('bias', zeros([channels], { device: dev }));
    this.runningMean = this.buffer('running_mean', zeros([channels], { device: dev }));
    this.runningVar = this.buffer('running_var', ones([channels], { device: dev }));
    this.numBatchesTracked = this.buffer('num_batches_tracked', zeros([], { dtype: 'int64', device: dev }));
  }
  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.numBatchesTracked.add_(1));
    return batchNorm(x, this.weight, this.bias, this.runningMean, this.runningVar, {
      training: this.training,
      momentum: this.opts.momentum ?? 0.1,
      eps: this.opts.eps ?? 1e-5,
    });
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(inF: number, outF: number, opts: LayerOptions & { bias?: boolean } = {}) {
    super();
    const dev = opts.device ?? 'cpu';
    this.weight = this.param('weight', empty([outF, inF], { device: dev }));
    uniformFanIn(this.weight, inF, opts.generator);
    this.bias = opts.bias === false ? null : this.param('bias', empty([outF], { device: dev }));
    if (this.bias) uniformFanIn(this.bias, inF, opts.generator);
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Global average pool to [B, C]. */
export function globalAvgPool(x: Tensor): Tensor {
  return adaptiveAvgPool2d(x, 1).flatten(1);
}

/** The conv and linear weights among `params`, named from `model` (BatchNorm parameters and biases excluded). */
export function convAndLinearWeights(model: Module, params: [string, Tensor][]): [string, Tensor][] {
  const owner = model.parameterOwners();
  return params.filter(([n]) => {
    const m = owner.get(n);
    return (m instanceof Conv2d || m instanceof Linear) && n.endsWith('.weight');
  });
}
