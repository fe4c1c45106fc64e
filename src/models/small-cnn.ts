// A small conv net for tests and the benchmark: 4 x [conv3x3 → BN → ReLU] with 2x2 max-pool
// after the 2nd and 4th, then a linear classifier.
import { maxPool2d, relu, type Generator, type Tensor } from '../backend/index.js';
import { Module } from '../nn/module.js';
import { BatchNorm2d, Conv2d, Linear } from '../nn/layers.js';

export interface SmallCnnConfig { inChannels: number; imageSize: number; channels?: number; numClasses: number; device?: string; generator?: Generator }

export class SmallCnn extends Module {
  readonly convs: Conv2d[];
  readonly bns: BatchNorm2d[];
  readonly fc: Linear;
  constructor(cfg: SmallCnnConfig) {
    super();
    const c = cfg.channels ?? 32;
    const o = { ...(cfg.device ? { device: cfg.device } : {}), ...(cfg.generator ? { generator: cfg.generator } : {}) };
    this.convs = [0, 1, 2, 3].map((i) => this.child(`conv${i + 1}`, new Conv2d(i === 0 ? cfg.inChannels : c, c, 3, { padding: 1, ...o })));
    this.bns = [0, 1, 2, 3].map((i) => this.child(`bn${i + 1}`, new BatchNorm2d(c, o)));
    const side = Math.floor(Math.floor(cfg.imageSize / 2) / 2);
    this.fc = this.child('fc', new Linear(c * side * side, cfg.numClasses, o));
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < 4; i++) {
      y = relu((this.bns[i] as BatchNorm2d).forward((this.convs[i] as Conv2d).forward(y)));
      if (i === 1 || i === 3) y = maxPool2d(y, 2);
    }
    return this.fc.forward(y.flatten(1));
  }
}
