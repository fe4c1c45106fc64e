// ResNets as torchvision (and the SEAL reference code) build them: same module names and
// registration order, so a state dict maps one to one onto a PyTorch model.
// Stem 'imagenet': 7x7/2 conv + 3x3/2 max-pool; stem 'cifar': 3x3/1 conv, no pool.
import { maxPool2d, relu, tidy, type Generator, type MemoryFormat, type Tensor } from '../backend/index.js';
import { Module } from '../nn/module.js';
import { BatchNorm2d, Conv2d, Linear, convAndLinearWeights, globalAvgPool } from '../nn/layers.js';
import { Sequential } from '../nn/sequential.js';
import { kaimingNormal } from '../nn/init.js';
import type { Classifier, Intermediates, ModuleGroup, NamedParam } from './types.js';

export interface ResNetConfig {
  depth: 18 | 50;
  stem: 'imagenet' | 'cifar';
  numClasses: number;
  inChannels?: number;
  /** Multiplies the stage widths 64-128-256-512 (e.g. 0.25 for a narrow CPU model). */
  width?: number;
  device?: string;
  generator?: Generator;
  /**
   * Layout of the conv weights and activations: 'nhwc' (channels_last) lets oneDNN skip its
   * reorders and is faster on the CPU; the values are the same either way. Default 'nchw'.
   */
  memoryFormat?: 'nchw' | 'nhwc';
}

export const LAYER_GROUPS = ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head'] as const;
export type LayerGroup = (typeof LAYER_GROUPS)[number];

type Opts = { device?: string; generator?: Generator };
const conv = (i: number, o: number, k: number, stride: number, o2: Opts) =>
  new Conv2d(i, o, k, { stride, padding: (k - 1) >> 1, ...o2 });

class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;
  constructor(inC: number, planes: number, stride: number, o: Opts) {
    super();
    this.conv1 = this.child('conv1', conv(inC, planes, 3, stride, o));
    this.bn1 = this.child('bn1', new BatchNorm2d(planes, o));
    this.conv2 = this.child('conv2', conv(planes, planes, 3, 1, o));
    this.bn2 = this.child('bn2', new BatchNorm2d(planes, o));
    this.downsample =
      stride !== 1 || inC !== planes
        ? this.child('downsample', new Sequential([conv(inC, planes, 1, stride, o), new BatchNorm2d(planes, o)]))
        : null;
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.run(x));
  }
  private run(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    return relu(out.add(this.downsample ? this.downsample.forward(x) : x));
  }
}

class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;
  constructor(inC: number, planes: number, stride: number, o: Opts) {
    super();
    const outC = planes * 4;
    this.conv1 = this.child('conv1', conv(inC, planes, 1, 1, o));
    this.bn1 = this.child('bn1', new BatchNorm2d(planes, o));
    this.conv2 = this.child('conv2', conv(planes, planes, 3, stride, o));
    this.bn2 = this.child('bn2', new BatchNorm2d(planes, o));
    this.conv3 = this.child('conv3', conv(planes, outC, 1, 1, o));
    this.bn3 = this.child('bn3', new BatchNorm2d(outC, o));
    this.downsample =
      stride !== 1 || inC !== outC
        ? this.child('downsample', new Sequential([conv(inC, outC, 1, stride, o), new BatchNorm2d(outC, o)]))
        : null;
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.run(x));
  }
  private run(x: Tensor): Tensor {
    let out = relu(this.bn1.forward(this.conv1.forward(x)));
    out = relu(this.bn2.forward(this.conv2.forward(out)));
    out = this.bn3.forward(this.conv3.forward(out));
    return relu(out.add(this.downsample ? this.downsample.forward(x) : x));
  }
}

export class ResNet extends Module implements Classifier {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: Sequential[];
  readonly fc: Linear;
  readonly featureDim: number;
  readonly anyInputSize = true;
  /** The layout the model runs in; inputs are converted to it in forwardStem. */
  readonly memoryFormat: MemoryFormat;

  constructor(readonly config: ResNetConfig) {
    super();
    const o: Opts = {
      ...(config.device ? { device: config.device } : {}),
      ...(config.generator ? { generator: config.generator } : {}),
    };
    const widths = [64, 128, 256, 512].map((w) => Math.max(1, Math.round(w * (config.width ?? 1))));
    const [Block, blocks] =
      config.depth === 18 ? ([BasicBlock, [2, 2, 2, 2]] as const) : ([Bottleneck, [3, 4, 6, 3]] as const);
    const stem0 = widths[0] as number;
    this.conv1 = this.child(
      'conv1',
      config.stem === 'imagenet'
        ? new Conv2d(config.inChannels ?? 3, stem0, 7, { stride: 2, padding: 3, ...o })
        : new Conv2d(config.inChannels ?? 3, stem0, 3, { stride: 1, padding: 1, ...o }),
    );
    this.bn1 = this.child('bn1', new BatchNorm2d(stem0, o));
    let inC = stem0;
    this.stages = widths.map((planes, s) => {
      const layer: Module[] = [];
      for (let b = 0; b < (blocks[s] as number); b++) {
        layer.push(new Block(inC, planes, b === 0 && s > 0 ? 2 : 1, o));
        inC = planes * Block.expansion;
      }
      return this.child(`layer${s + 1}`, new Sequential(layer));
    });
    this.featureDim = inC;
    this.fc = this.child('fc', new Linear(inC, config.numClasses, o));
    // The reference initialisation: kaiming-normal (fan_in, relu) for every conv and the fc weight.
    for (const [name, p] of this.namedParameters()) {
      if (p.ndim === 4 || name === 'fc.weight') kaimingNormal(p, config.generator);
    }
    // After the initialisation, so the draws (and values) do not depend on the layout.
    this.memoryFormat = config.memoryFormat === 'nhwc' ? 'channels_last' : 'contiguous';
    if (this.memoryFormat === 'channels_last') this.setMemoryFormat('channels_last');
  }

  /** Stem output: conv1 → bn1 → relu (→ max-pool for the ImageNet stem). */
  forwardStem(x: Tensor): Tensor {
    return tidy(() => this.stem(x));
  }
  private stem(x: Tensor): Tensor {
    // A no-op for gray images ([B, 1, H, W] is dense in both layouts); a copy for RGB.
    const input = this.memoryFormat === 'channels_last' ? x.contiguous('channels_last') : x;
    const y = relu(this.bn1.forward(this.conv1.forward(input)));
    return this.config.stem === 'imagenet' ? maxPool2d(y, 3, { stride: 2, padding: 1 }) : y;
  }
  /** Pooled features [B, featureDim]. */
  forwardFeatures(x: Tensor): Tensor {
    let y = this.forwardStem(x);
    for (const s of this.stages) {
      const next = s.forward(y);
      y.dispose();
      y = next;
    }
    const f = globalAvgPool(y);
    y.dispose();
    return f;
  }
  forwardHead(features: Tensor): Tensor {
    return this.fc.forward(features);
  }
  forward(x: Tensor): Tensor {
    return this.forwardHead(this.forwardFeatures(x));
  }

  /** 'stem', then every residual block ('layer1.0', …): ResNet-18 has 9 probes. */
  intermediateNames(): string[] {
    return ['stem', ...this.stages.flatMap((s, i) => s.items.map((_, b) => `layer${i + 1}.${b}`))];
  }
  /** The stem output and every residual block's output, in order (for depth probes). */
  intermediates(x: Tensor): Intermediates {
    const outs = [this.forwardStem(x)];
    for (const s of this.stages) for (const b of s.items) outs.push(b.forward(outs[outs.length - 1] as Tensor));
    return { activations: outs, features: (outs[outs.length - 1] as Tensor).mean([2, 3]) };
  }

  /** stem (conv1, bn1), layer1..layer4 by residual block, head (fc): LAYER_GROUPS. */
  layerGroups(): ModuleGroup[] {
    return [
      {
        name: 'stem',
        modules: [
          ['conv1', this.conv1],
          ['bn1', this.bn1],
        ],
      },
      ...this.stages.map((s, i) => ({
        name: `layer${i + 1}`,
        modules: s.items.map((b, j): [string, Module] => [`layer${i + 1}.${j}`, b]),
      })),
      { name: 'head', modules: [['fc', this.fc]] },
    ];
  }
  /** Every conv weight and the fc weight, as LLF and KE redraw them. */
  reinitTargets(params: NamedParam[]): NamedParam[] {
    return convAndLinearWeights(this, params);
  }
}
