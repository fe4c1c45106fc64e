// SGD with torch.optim.SGD's semantics: per-group lr and weight decay (coupled: g + wd·p),
// a momentum buffer set to the first gradient it sees, and negative lr allowed (ascent).
import { sgdStep, type Tensor } from '../backend/index.js';

export interface SgdGroupOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  dampening?: number;
  nesterov?: boolean;
}
export interface SgdGroup extends Required<SgdGroupOptions> {
  params: Tensor[];
}

export class SGD {
  readonly groups: SgdGroup[];
  private buffers: (Tensor | null)[][];

  constructor(groups: ({ params: Tensor[] } & Partial<SgdGroupOptions>)[], defaults: SgdGroupOptions) {
    this.groups = groups.map((g) => ({
      params: g.params,
      lr: g.lr ?? defaults.lr,
      momentum: g.momentum ?? defaults.momentum ?? 0,
      weightDecay: g.weightDecay ?? defaults.weightDecay ?? 0,
      dampening: g.dampening ?? defaults.dampening ?? 0,
      nesterov: g.nesterov ?? defaults.nesterov ?? false,
    }));
    this.buffers = this.groups.map((g) => g.params.map(() => null));
  }

  /** Updates every parameter that has a gradient. */
  step(): void {
    this.groups.forEach((g, i) => {
      this.buffers[i] = sgdStep(g.params, this.buffers[i] as (Tensor | null)[], g);
    });
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.grad = null;
  }

  /** The momentum buffers, per group and parameter (null before a parameter's first step). */
  momentumBuffers(): readonly (readonly (Tensor | null)[])[] {
    return this.buffers;
  }

  /** Replaces the momentum buffers (e.g. from a checkpoint); takes ownership of the tensors. */
  loadMomentumBuffers(bufs: (Tensor | null)[][]): void {
    this.dispose();
    this.buffers = bufs;
  }

  /** Frees the momentum buffers (as building a new optimizer does). */
  dispose(): void {
    for (const g of this.buffers) for (const b of g) b?.dispose();
    this.buffers = this.groups.map((g) => g.params.map(() => null));
  }
}
