// A small conv net for tests and the benchmark: 4 x [conv3x3 → BN → ReLU] with 2x2 max-pool
// after the 2nd and 4th, then a linear classifier. With `imageSize` the head reads the flattened
// last map (the benchmark's layout); without it, the globally average-pooled one, so one model
// fits any image size (the registry's 'small-cnn').
import { maxPool2d, relu, tidy, type Generator, type MemoryFormat, type Tensor } from '../backend/index.js';
import { Module } from '../nn/module.js';
import { BatchNorm2d, Conv2d, Linear, convAndLinearWeights, globalAvgPool } from '../nn/layers.js';
import type { Classifier, Intermediates, ModuleGroup, NamedParam } from './types.js';

export interface SmallCnnConfig {
  inChannels: number;
  /** Side of the square input the head is sized for (flattened features); omitted: pooled features. */
  imageSize?: number;
  /** Channels of every conv; default 32. */
  channels?: number;
  numClasses: number;
  device?: string;
  generator?: Generator;
  /** As ResNetConfig.memoryFormat; default 'nchw'. */
  memoryFormat?: 'nchw' | 'nhwc';
}

export class SmallCnn extends Module implements Classifier {
  readonly convs: Conv2d[];
  readonly bns: BatchNorm2d[];
  readonly fc: Linear;
  readonly featureDim: number;
  readonly anyInputSize: boolean;
  readonly memoryFormat: MemoryFormat;
  constructor(readonly config: SmallCnnConfig) {
    super();
    const c = config.channels ?? 32;
    const o = {
      ...(config.device ? { device: config.device } : {}),
      ...(config.generator ? { generator: config.generator } : {}),
    };
    this.convs = [];
    this.bns = [];
    // Each conv with its BatchNorm, so that registration order is depth order (the split walks it).
    // BatchNorm draws nothing, so the convs' initial values are those of any other order.
    for (let i = 0; i < 4; i++) {
      this.convs.push(
        this.child(`conv${i + 1}`, new Conv2d(i === 0 ? config.inChannels : c, c, 3, { padding: 1, ...o })),
      );
      this.bns.push(this.child(`bn${i + 1}`, new BatchNorm2d(c, o)));
    }
    const side = config.imageSize === undefined ? 1 : Math.floor(Math.floor(config.imageSize / 2) / 2);
    this.featureDim = c * side * side;
    this.anyInputSize = config.imageSize === undefined;
    this.fc = this.child('fc', new Linear(this.featureDim, config.numClasses, o));
    this.memoryFormat = config.memoryFormat === 'nhwc' ? 'channels_last' : 'contiguous';
    if (this.memoryFormat === 'channels_last') this.setMemoryFormat('channels_last');
  }

  /** The output of block `i` (conv → BN → ReLU, pooled after the 2nd and 4th) from its input. */
  private block(i: number, x: Tensor): Tensor {
    const input = i === 0 && this.memoryFormat === 'channels_last' ? x.contiguous('channels_last') : x;
    const y = relu((this.bns[i] as BatchNorm2d).forward((this.convs[i] as Conv2d).forward(input)));
    return i === 1 || i === 3 ? maxPool2d(y, 2) : y;
  }
  private pool(y: Tensor): Tensor {
    return this.config.imageSize === undefined ? globalAvgPool(y) : y.flatten(1);
  }

  forward(x: Tensor): Tensor {
    return tidy(() => this.forwardHead(this.forwardFeatures(x)));
  }
  forwardFeatures(x: Tensor): Tensor {
    return tidy(() => {
      let y = x;
      for (let i = 0; i < 4; i++) y = this.block(i, y);
      return this.pool(y);
    });
  }
  forwardHead(features: Tensor): Tensor {
    return this.fc.forward(features);
  }

  intermediateNames(): string[] {
    return ['layer1', 'layer2', 'layer3', 'layer4'];
  }
  intermediates(x: Tensor): Intermediates {
    const activations: Tensor[] = [];
    let y = x;
    for (let i = 0; i < 4; i++) {
      y = this.block(i, y);
      activations.push(y);
    }
    return { activations, features: this.pool(y) };
  }

  /** layer1..layer4 (each conv with its BatchNorm), then the head; named as ResNet's so the default splitAt fits. */
  layerGroups(): ModuleGroup[] {
    return [
      ...this.convs.map((conv, i): ModuleGroup => ({
        name: `layer${i + 1}`,
        modules: [
          [`conv${i + 1}`, conv],
          [`bn${i + 1}`, this.bns[i] as Module],
        ],
      })),
      { name: 'head', modules: [['fc', this.fc]] },
    ];
  }
  reinitTargets(params: NamedParam[]): NamedParam[] {
    return convAndLinearWeights(this, params);
  }
}
