// Small in-memory datasets for fast training tests: seeded random images whose class
// shifts the mean brightness of a class-specific patch, so a net can learn something.
import { Generator, randint, rand } from '../../src/index.js';
import type { DatasetSplits, ImageSet } from '../../src/data/types.js';

function makeSet(name: string, count: number, size: number, classes: number, seed: number): ImageSet {
  const gen = new Generator(seed);
  const noise = rand([count, 1, size, size], { generator: gen });
  const labelsT = randint(0, classes, [count], { generator: gen });
  const px = noise.toArray() as Float32Array;
  const labels = Int32Array.from(labelsT.toArray() as BigInt64Array, Number);
  noise.dispose();
  labelsT.dispose();
  const images = new Uint8Array(count * size * size);
  for (let i = 0; i < count; i++) {
    const c = labels[i] as number;
    for (let p = 0; p < size * size; p++) {
      const inPatch = p % classes === c;
      images[i * size * size + p] = Math.min(
        255,
        Math.floor((px[i * size * size + p] as number) * 160 + (inPatch ? 95 : 0)),
      );
    }
  }
  return {
    name,
    images,
    labels,
    count,
    channels: 1,
    height: size,
    width: size,
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
  };
}

export function tinyData(
  o: { train?: number; test?: number; size?: number; classes?: number; seed?: number } = {},
): DatasetSplits {
  const size = o.size ?? 8,
    classes = o.classes ?? 4,
    seed = o.seed ?? 1;
  return {
    train: makeSet('tiny-train', o.train ?? 96, size, classes, seed),
    test: makeSet('tiny-test', o.test ?? 48, size, classes, seed + 1),
    mean: [0.45],
    std: [0.3],
    source: { spec: 'tiny', kind: 'memory', path: '', fromCache: false, cacheFile: null },
  };
}
