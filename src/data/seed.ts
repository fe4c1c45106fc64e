// Named random streams. Every random choice in the data layer draws from the project's seeded
// Generator, seeded by deriveSeed(seed, purpose, ...), so that adding a draw for one purpose
// (say augmentation) never shifts the draws of another (say shuffling), and any epoch's stream
// can be rebuilt from (seed, epoch) alone when a run resumes.
import { Generator } from '../backend/index.js';

/**
 * A 32-bit seed derived from a base seed and a path of names/numbers (FNV-1a over the JSON text,
 * then a murmur3 finaliser so that nearby inputs give unrelated seeds).
 * @example new Generator(deriveSeed(0, 'augment', 3))
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  const text = JSON.stringify([seed, ...parts]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A fresh Generator for the named stream. */
export function streamGenerator(seed: number, ...parts: (string | number)[]): Generator {
  return new Generator(deriveSeed(seed, ...parts));
}
