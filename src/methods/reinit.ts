// Re-initialisation as LLF and KE do it: kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), drawn
// from a seeded stream in parameter order (the same draws torch makes with the same seed).
import { Generator, noGrad, uniform, where, type Tensor } from '../backend/index.js';
import { deriveSeed } from '../rng.js';
import { fanIn } from '../nn/init.js';
import type { NamedParam } from '../models/types.js';

/** The generator LLF/KE use at the start of `generation`. */
export const reinitGenerator = (seed: number, generation: number): Generator =>
  new Generator(deriveSeed(seed, 'reinit', generation));

/** Overwrites each weight with U(±1/√fan_in) where `keep` (if given) is false. */
export function reinitialise(
  weights: NamedParam[],
  gen: Generator,
  keep?: (name: string, w: Tensor) => Tensor | null,
): void {
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
