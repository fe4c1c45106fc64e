// Target datasets for transfer and few-shot evaluation (method.md §6, data.md "Plan" step 2).
// mnist and fashion-mnist keep their official train/test splits (through loadDataset). The two
// small digit sets ship without a split, so seal fixes one: a stratified 50/50 split per class,
// seeded by TARGET_SPLIT_SEED and the target's name, identical on every machine and run.
// Their files are extracted from Debian packages by scripts/extract-digits.sh.
import { join } from 'node:path';
import { homedir } from 'node:os';
import { randperm } from '../backend/index.js';
import { DataError, causeText } from '../data/data-error.js';
import { isFile, readMaybeGzip, readWhole } from '../data/files.js';
import { channelStats, checkImageSet, selectImages, stratifiedSubset } from '../data/image-set.js';
import {
  DATASET_NAMES,
  DIGITS,
  SOURCE_KINDS,
  loadDataset,
  nearestName,
  type LoadDatasetOptions,
} from '../data/registry.js';
import { streamGenerator } from '../data/seed.js';
import type { DatasetSplits, ImageSet } from '../data/types.js';

/** Targets known by name; any loadDataset spec (e.g. folder:PATH) is accepted too. */
export const TARGET_NAMES = ['mnist', 'fashion-mnist', 'opencv-digits', 'sklearn-digits'] as const;
/** A target's dataset name: a built-in name, or the KIND of a KIND:PATH spec. */
export const targetDatasetName = (spec: string): string =>
  spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec;

/** Seed of the fixed 50/50 splits of opencv-digits and sklearn-digits. Changing it changes every reported number. */
export const TARGET_SPLIT_SEED = 0;

/** Options of loadTarget: loadDataset's, plus where the extracted digit files live. */
export interface TargetOptions extends LoadDatasetOptions {
  /** Folder holding opencv-digits/ and sklearn-digits/; default defaultDataDir(). */
  dataDir?: string;
}

const EXTRACT_HINT =
  'run `bash scripts/extract-digits.sh` (as root: it runs `apt-get download opencv-doc python3-sklearn` and extracts just the two files, installing nothing), or point SEAL_DATA_DIR / the dataDir option at a folder holding them';

/**
 * Where extracted datasets live: $SEAL_DATA_DIR, else $XDG_CACHE_HOME/seal/datasets, else
 * ~/.cache/seal/datasets (the rule scripts/extract-digits.sh follows). `env` is a parameter so
 * the caller decides which environment is read.
 */
export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  const own = env['SEAL_DATA_DIR'];
  if (own !== undefined && own !== '') return own;
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'seal', 'datasets');
}

/** An ImageSet of 10 digit classes from raw pixels. */
const digitSet = (name: string, images: Uint8Array, labels: Int32Array, size: number): ImageSet => ({
  name,
  images,
  labels,
  count: labels.length,
  channels: 1,
  height: size,
  width: size,
  numClasses: 10,
  classNames: [...DIGITS],
});

/**
 * OpenCV's digits.png: a 2000x1000 8-bit grey image, a 100 (across) x 50 (down) grid of 20x20
 * cells, read row-major; cell row r holds digit floor(r / 5), so 500 images per digit.
 */
export async function readOpenCvDigits(file: string): Promise<ImageSet> {
  const png = await readWhole(file, EXTRACT_HINT);
  const sharp = (await import('sharp')).default;
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await sharp(png).toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new DataError(
      'DATA_CORRUPT',
      `${file} could not be decoded as a PNG: ${causeText(e)}.`,
      `delete it and ${EXTRACT_HINT}`,
      { path: file, cause: e },
    );
  }
  const { width, height, channels } = raw.info;
  if (width !== 2000 || height !== 1000 || channels !== 1) {
    throw new DataError(
      'DATA_FORMAT',
      `${file} should be OpenCV's 2000x1000 grey digits.png; it decodes to ${width}x${height} with ${channels} channels.`,
      `delete it and ${EXTRACT_HINT}`,
      { path: file },
    );
  }
  const cell = 20,
    across = 100,
    down = 50;
  const images = new Uint8Array(across * down * cell * cell);
  const labels = new Int32Array(across * down);
  for (let r = 0; r < down; r++) {
    for (let c = 0; c < across; c++) {
      const i = r * across + c;
      labels[i] = Math.floor(r / 5);
      for (let y = 0; y < cell; y++) {
        const from = (r * cell + y) * width + c * cell;
        images.set(raw.data.subarray(from, from + cell), i * cell * cell + y * cell);
      }
    }
  }
  return checkImageSet(digitSet('opencv-digits', images, labels, cell), file);
}

/**
 * scikit-learn's digits.csv.gz (UCI optdigits, 1797 rows): 64 pixel counts 0..16 of an 8x8
 * image, then the label. Pixels are scaled to 0..255 (round(v·255/16)).
 */
export async function readSklearnDigits(file: string): Promise<ImageSet> {
  const text = (await readMaybeGzip(file, EXTRACT_HINT)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const images = new Uint8Array(lines.length * 64);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const v = line.split(',').map(Number);
    const bad = v.length !== 65 || v.some((x, j) => !Number.isInteger(x) || x < 0 || x > (j < 64 ? 16 : 9));
    if (bad) {
      throw new DataError(
        'DATA_FORMAT',
        `${file} line ${i + 1} should be 64 integers 0..16 and a label 0..9; got "${line.slice(0, 80)}".`,
        `delete it and ${EXTRACT_HINT}`,
        { path: file },
      );
    }
    for (let j = 0; j < 64; j++) images[i * 64 + j] = Math.round((v[j]! * 255) / 16);
    labels[i] = v[64]!;
  });
  return checkImageSet(digitSet('sklearn-digits', images, labels, 8), file);
}

/**
 * A stratified 50/50 split: each class's images are permuted by a generator seeded from
 * (seed, 'target-split', set name, class); the first ceil(n/2) train, the rest test. Both
 * halves keep the original order.
 */
export function splitHalves(set: ImageSet, seed = TARGET_SPLIT_SEED): { train: ImageSet; test: ImageSet } {
  const byClass: number[][] = Array.from({ length: set.numClasses }, () => []);
  set.labels.forEach((l, i) => byClass[l]?.push(i));
  const inTrain = new Uint8Array(set.count);
  byClass.forEach((idx, c) => {
    const perm = randperm(idx.length, { generator: streamGenerator(seed, 'target-split', set.name, c) });
    const order = perm.toArray() as BigInt64Array;
    perm.dispose();
    for (let j = 0; j < Math.ceil(idx.length / 2); j++) inTrain[idx[Number(order[j])]!] = 1;
  });
  const train: number[] = [],
    test: number[] = [];
  inTrain.forEach((v, i) => (v ? train : test).push(i));
  return { train: selectImages(set, train, `${set.name}-train`), test: selectImages(set, test, `${set.name}-test`) };
}

/** Refuses a target that cannot be classified: fewer than 2 classes with images. */
function requireClasses(d: DatasetSplits): DatasetSplits {
  const present = new Set(d.train.labels).size;
  if (d.train.numClasses < 2 || present < 2) {
    throw new DataError(
      'DATA_FORMAT',
      `the target ${d.source.spec} has ${Math.min(present, d.train.numClasses)} class${present === 1 ? '' : 'es'} with training images (${d.train.classNames.join(', ') || 'none'}); transfer and few-shot need at least 2.`,
      'use a dataset with two or more classes (for folder:PATH, one sub-folder per class).',
      { path: d.source.path },
    );
  }
  return d;
}

/**
 * Loads a target: 'mnist', 'fashion-mnist', 'opencv-digits', 'sklearn-digits', or any
 * loadDataset spec such as 'folder:/data/flowers'. limitTrain / limitTest take seeded
 * stratified subsets as loadDataset does. mean/std are the target's own training statistics
 * (the evaluations normalise with the checkpoint's source statistics instead). A published
 * layout (cub:PATH, …) is decoded at its protocol's input (resize, centre crop 224x224:
 * data/published/index.ts), unless `protocolInput: false`.
 * @example const digits = await loadTarget('opencv-digits') // 2500 / 2500 images of 20x20
 */
export async function loadTarget(spec: string, o: TargetOptions = {}): Promise<DatasetSplits> {
  if (spec !== 'opencv-digits' && spec !== 'sklearn-digits') {
    if (!spec.includes(':') && !(DATASET_NAMES as readonly string[]).includes(spec)) {
      const valid = [...TARGET_NAMES, ...SOURCE_KINDS.map((k) => `${k}:PATH`)];
      const near = nearestName(spec, [...TARGET_NAMES, ...SOURCE_KINDS]);
      throw new DataError(
        'DATA_UNKNOWN',
        `unknown target dataset "${spec}"; the valid ones are ${valid.join(', ')}.`,
        `did you mean "${(SOURCE_KINDS as readonly string[]).includes(near) ? `${near}:PATH` : near}"?`,
      );
    }
    // A dataset in its publisher's layout is decoded as its evaluation protocol feeds it.
    return requireClasses(await loadDataset(spec, { protocolInput: true, ...o }));
  }
  const dir = join(o.dataDir ?? defaultDataDir(), spec);
  const file = join(dir, spec === 'opencv-digits' ? 'digits.png' : 'digits.csv.gz');
  if (!isFile(file)) {
    throw new DataError(
      'DATA_MISSING',
      `the ${spec} target was expected at ${file}, but that file does not exist.`,
      EXTRACT_HINT,
      { path: file },
    );
  }
  const all = spec === 'opencv-digits' ? await readOpenCvDigits(file) : await readSklearnDigits(file);
  const halves = splitHalves(all);
  const seed = o.seed ?? 0;
  const train = o.limitTrain === undefined ? halves.train : stratifiedSubset(halves.train, o.limitTrain, seed);
  const test = o.limitTest === undefined ? halves.test : stratifiedSubset(halves.test, o.limitTest, seed);
  const { mean, std } = channelStats(halves.train);
  return requireClasses({
    train,
    test,
    mean,
    std,
    source: { spec, kind: spec, path: file, fromCache: false, cacheFile: null },
  });
}
