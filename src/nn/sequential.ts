import type { Tensor } from '../backend/index.js';
import { Module } from './module.js';

/** Children named 0, 1, 2, … applied in order, as torch.nn.Sequential. */
export class Sequential extends Module {
  readonly items: Module[];
  constructor(items: Module[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.items) {
      const next = m.forward(y);
      // Autograd keeps what it needs; dropping our handle lets memory be reused during the pass.
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }
}
