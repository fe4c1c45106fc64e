// Class-per-folder images: ROOT/<class>/*.{jpg,jpeg,png}. When ROOT holds train/ and test/ (or
// val/) folders, each is such a tree and gives that split; otherwise seal splits every class
// itself, by a fixed seeded rule, so the split never depends on the machine or the run.
import { join } from 'node:path';
import { randperm } from '../backend/index.js';
import { DataError } from './data-error.js';
import { describeDir, isDir, requireDir, usedEntries } from './files.js';
import { decodePlan, type DecodeOptions, type DecodePlan, type ImageEntry } from './decode.js';
import { streamGenerator } from './seed.js';
import type { ImageSet } from './types.js';

/** Extensions read as images, compared case-insensitively; other files are ignored. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

/** Options of the class-folder reader. */
export interface ImageFolderOptions extends DecodeOptions {
  /** Share of each class held out as test when ROOT has no train/test folders; default 0.2. */
  testFraction?: number;
  /** Seed of that hold-out; default 0. */
  splitSeed?: number;
}

const HINT =
  'lay the images out as ROOT/<class>/<image>.jpg (or .jpeg/.png), or as ROOT/train/<class>/… plus ROOT/test/<class>/… (or ROOT/val/…).';

const isImage = (name: string): boolean =>
  !name.startsWith('.') && IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** Sorted class folder names of a tree (hidden folders skipped). */
function classFolders(dir: string): string[] {
  return usedEntries(dir, (d) => d.isDirectory() && !d.name.startsWith('.'), 'a class folder').map((d) => d.name);
}

/** Sorted image file paths in one class folder. */
function imagesIn(dir: string): string[] {
  return usedEntries(dir, (d) => d.isFile() && isImage(d.name), 'an image').map((d) => join(dir, d.name));
}

/**
 * The number of test images for a class of n images under the hold-out rule: round(n * fraction),
 * but at least 1 when n >= 2 (so every class is tested) and never all of them.
 */
export function heldOutCount(n: number, fraction: number): number {
  if (n < 2 || fraction <= 0) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

/**
 * Splits one class's sorted files: a permutation seeded from (splitSeed, class name) picks
 * heldOutCount(n) of them for test. Seeding by the name keeps each class's split unchanged when
 * other classes are added. Both parts keep the sorted file order.
 */
export function holdOut(
  files: string[],
  className: string,
  fraction: number,
  seed: number,
): { train: string[]; test: string[] } {
  const k = heldOutCount(files.length, fraction);
  if (k === 0) return { train: files, test: [] };
  const perm = randperm(files.length, { generator: streamGenerator(seed, 'folder-split', className) });
  const order = perm.toArray() as BigInt64Array;
  perm.dispose();
  const inTest = new Uint8Array(files.length);
  for (let j = 0; j < k; j++) inTest[Number(order[j])] = 1;
  return { train: files.filter((_, i) => inTest[i] === 0), test: files.filter((_, i) => inTest[i] === 1) };
}

/**
 * Lists a class-folder dataset and decides its splits without decoding anything. Classes are the
 * sorted folder names (of train/ when split folders exist); a test class unknown to train, or a
 * training class without images, is an error.
 */
export function planImageFolder(
  root: string,
  opts: Pick<ImageFolderOptions, 'testFraction' | 'splitSeed'> = {},
): DecodePlan {
  requireDir(root, 'class folders of images', HINT);
  const fraction = opts.testFraction ?? 0.2;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new DataError(
      'DATA_OPTION',
      `testFraction for ${root} must be in [0, 1); got ${fraction}.`,
      'use e.g. 0.2 to hold out 20% of each class.',
    );
  }
  const testName = isDir(join(root, 'test')) ? 'test' : isDir(join(root, 'val')) ? 'val' : null;
  const splitFolders = isDir(join(root, 'train')) && testName !== null;
  const trainRoot = splitFolders ? join(root, 'train') : root;
  const classNames = classFolders(trainRoot);
  if (classNames.length === 0) {
    throw new DataError(
      'DATA_FORMAT',
      `${trainRoot} should hold one folder per class, but it holds: ${describeDir(trainRoot)}.`,
      HINT,
      { path: trainRoot },
    );
  }
  if (classNames.length === 1) {
    throw new DataError(
      'DATA_FORMAT',
      `${trainRoot} holds one class folder (${classNames[0]}); a classifier needs at least two classes.`,
      `add a folder per class next to it; if ${join(trainRoot, classNames[0] as string)} itself holds the class folders, point at it instead. ${HINT}`,
      { path: trainRoot },
    );
  }
  const train: ImageEntry[] = [];
  const test: ImageEntry[] = [];
  classNames.forEach((name, label) => {
    const files = imagesIn(join(trainRoot, name));
    if (files.length === 0) {
      throw new DataError(
        'DATA_MISSING',
        `the class folder ${join(trainRoot, name)} holds no .jpg, .jpeg or .png images; it holds: ${describeDir(join(trainRoot, name))}.`,
        `remove the folder or add images to it; ${HINT}`,
        { path: join(trainRoot, name) },
      );
    }
    const parts = splitFolders ? { train: files, test: [] } : holdOut(files, name, fraction, opts.splitSeed ?? 0);
    for (const file of parts.train) train.push({ file, label });
    for (const file of parts.test) test.push({ file, label });
  });
  if (splitFolders) {
    const testRoot = join(root, testName);
    for (const name of classFolders(testRoot)) {
      const label = classNames.indexOf(name);
      if (label < 0) {
        throw new DataError(
          'DATA_MISMATCH',
          `${join(testRoot, name)} is a test class that ${trainRoot} does not have (train classes: ${classNames.join(', ')}).`,
          'every test class needs a training folder of the same name; rename or remove the folder.',
          { path: join(testRoot, name) },
        );
      }
      for (const file of imagesIn(join(testRoot, name))) test.push({ file, label });
    }
  }
  return { root, classNames, train, test };
}

/**
 * Decodes a class-folder dataset (see planImageFolder for the split rule).
 * @example const { train, test } = await loadImageFolder('/data/flowers', { imageSize: { height: 64, width: 64 } })
 */
export async function loadImageFolder(
  root: string,
  opts: ImageFolderOptions = {},
): Promise<{ train: ImageSet; test: ImageSet }> {
  return decodePlan(planImageFolder(root, opts), opts);
}
