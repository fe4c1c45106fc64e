// Re-initialisation as LLF and KE do it: kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), drawn
// from a seeded stream in parameter order (the same draws torch makes with the same seed).
import { Generator, noGrad, uniform, where, type Tensor } from '../backend/index.js';
import { deriveSeed } from '../rng.js';
import { Conv2d, Linear } from '../nn/layers.js';
import { fanIn } from '../nn/init.js';
import type { Module } from '../nn/module.js';
import { owners, type NamedParam } from '../train/split.js';

/** The conv and linear weights among `params` (BatchNorm parameters and biases are kept). */
export function reinitTargets(model: Module, params: NamedParam[]): NamedParam[] {
  const owner = owners(model);
  return params.filter(([n]) => {
    const m = owner.get(n);
    return (m instanceof Conv2d || m instanceof Linear) && n.endsWith('.weight');
  });
}

/** The generator LLF/KE use at the start of `generation`. */
export const reinitGenerator = (seed: number, generation: number): Generator => new Generator(deriveSeed(seed, 'reinit', generation));

/** Overwrites each weight with U(±1/√fan_in) where `keep` (if given) is false. */
export function reinitialise(weights: NamedParam[], gen: Generator, keep?: (name: string, w: Tensor) => Tensor | null): void {
  noGrad(() => {
    for (const [name, w] of weights) {
      const b = 1 / Math.sqrt(fanIn(w.shape));
      const fresh = uniform(w.shape, -b, b, { generator: gen, device: w.device });
      const mask = keep?.(name, w) ?? null;
      if (mask === null) w.copy_(fresh);
      else {
        const mixed = where(mask, w, fresh);
        w.copy_(mixed);
        mixed.dispose();
        mask.dispose();
      }
      fresh.dispose();
    }
  });
}
