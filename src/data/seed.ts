// Named random streams for the data layer, from the project's one seed-derivation rule
// (src/rng.ts), so any epoch's order and augmentation can be rebuilt from (seed, epoch).
import { Generator } from '../backend/index.js';
import { deriveSeed } from '../rng.js';

export { deriveSeed };

/** A fresh Generator for the named stream. */
export function streamGenerator(seed: number, ...parts: (string | number)[]): Generator {
  return new Generator(deriveSeed(seed, ...parts));
}
