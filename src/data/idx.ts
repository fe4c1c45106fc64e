// IDX reader (the MNIST / Fashion-MNIST file format): a big-endian header of a magic number and
// the dimension sizes, then uint8 data. Files may be gzipped or raw.
import { basename, join } from 'node:path';
import { DataError } from './data-error.js';
import { describeDir, firstExisting, readMaybeGzip, requireDir } from './files.js';
import { checkImageSet } from './image-set.js';
import type { ImageSet } from './types.js';

/** Magic of an IDX file of uint8 images: type byte 0x08, 3 dimensions (count, rows, cols). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic of an IDX file of uint8 labels: type byte 0x08, 1 dimension (count). */
export const IDX_LABELS_MAGIC = 2049;

const HINT =
  'IDX files come as train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]; fetch them again if one is damaged.';

/** Says what a wrong magic number looks like, for the error message. */
function describeMagic(buf: Buffer): string {
  if (buf.length < 4) return `only ${buf.length} bytes, too short for an IDX header`;
  const magic = buf.readUInt32BE(0);
  if (buf[0] === 0 && buf[1] === 0 && buf[2] === 0x08) {
    const what =
      magic === IDX_LABELS_MAGIC ? ', an IDX label file' : magic === IDX_IMAGES_MAGIC ? ', an IDX image file' : '';
    return `magic number ${magic} (uint8 data with ${buf[3]} dimensions${what})`;
  }
  return `magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}), which is not an IDX uint8 header`;
}

function checkMagic(file: string, buf: Buffer, expected: number, what: string): void {
  if (buf.length >= 4 && buf.readUInt32BE(0) === expected) return;
  throw new DataError(
    'DATA_FORMAT',
    `${file} should be an IDX ${what} file with magic number ${expected}, but it has ${describeMagic(buf)}.`,
    `check that the file names were not swapped (images files have magic ${IDX_IMAGES_MAGIC}, label files ${IDX_LABELS_MAGIC}). ${HINT}`,
    { path: file },
  );
}

function checkLength(file: string, buf: Buffer, expected: number, header: string): void {
  if (buf.length === expected) return;
  const what = file.endsWith('.gz') ? 'its decompressed data' : 'the file';
  throw new DataError(
    'DATA_CORRUPT',
    `${file}: its header (${header}) needs ${expected} bytes, but ${what} has ${buf.length}.`,
    buf.length < expected
      ? `the file was cut short; ${HINT}`
      : `the file has trailing bytes it should not have; ${HINT}`,
    { path: file },
  );
}

/** Most bytes an IDX file may declare: seal holds a dataset in memory (all of EMNIST is 0.6 GB). */
export const IDX_MAX_BYTES = 2 ** 31;

/** The size an IDX header declares, refused above IDX_MAX_BYTES; null until the header is complete. */
function declaredSize(file: string, head: Buffer, magic: number): number | null {
  if (head.length < 4) return null;
  checkMagic(file, head, magic, magic === IDX_IMAGES_MAGIC ? 'image' : 'label');
  const images = magic === IDX_IMAGES_MAGIC;
  if (head.length < (images ? 16 : 8)) return null;
  const count = head.readUInt32BE(4);
  const size = images ? 16 + count * head.readUInt32BE(8) * head.readUInt32BE(12) : 8 + count;
  if (size > IDX_MAX_BYTES) {
    const what = images ? `${count} images of ${head.readUInt32BE(8)}x${head.readUInt32BE(12)}` : `${count} labels`;
    throw new DataError(
      'DATA_FORMAT',
      `${file}: its header declares ${what}, ${size} bytes, more than the ${IDX_MAX_BYTES} bytes seal reads from one IDX file.`,
      `the header is damaged, or the set is too large to hold in memory; ${HINT}`,
      { path: file },
    );
  }
  return size;
}

/** Reads an IDX image file (magic 2051): `count` images of height x width, uint8. */
export async function readIdxImages(
  file: string,
): Promise<{ count: number; height: number; width: number; images: Uint8Array }> {
  const buf = await readMaybeGzip(file, HINT, (head) => declaredSize(file, head, IDX_IMAGES_MAGIC));
  checkMagic(file, buf, IDX_IMAGES_MAGIC, 'image');
  if (buf.length < 16) checkLength(file, buf, 16, 'an image file header is 16 bytes');
  const count = buf.readUInt32BE(4);
  const height = buf.readUInt32BE(8);
  const width = buf.readUInt32BE(12);
  declaredSize(file, buf, IDX_IMAGES_MAGIC);
  checkLength(file, buf, 16 + count * height * width, `${count} images of ${height}x${width}`);
  return { count, height, width, images: new Uint8Array(buf.buffer, buf.byteOffset + 16, count * height * width) };
}

/** Reads an IDX label file (magic 2049): `count` uint8 labels. */
export async function readIdxLabels(file: string): Promise<Uint8Array> {
  const buf = await readMaybeGzip(file, HINT, (head) => declaredSize(file, head, IDX_LABELS_MAGIC));
  checkMagic(file, buf, IDX_LABELS_MAGIC, 'label');
  if (buf.length < 8) checkLength(file, buf, 8, 'a label file header is 8 bytes');
  const count = buf.readUInt32BE(4);
  checkLength(file, buf, 8 + count, `${count} labels`);
  return new Uint8Array(buf.buffer, buf.byteOffset + 8, count);
}

/**
 * One split from an IDX image file and its label file. `classNames` defaults to '0', '1', …
 * up to the largest label; pass `numClasses` to fix the count when a split lacks some classes.
 */
export async function loadIdxPair(
  imagesFile: string,
  labelsFile: string,
  name: string,
  opts: { classNames?: string[]; numClasses?: number } = {},
): Promise<ImageSet> {
  const [img, lab] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile)]);
  if (lab.length !== img.count) {
    throw new DataError(
      'DATA_MISMATCH',
      `${labelsFile} holds ${lab.length} labels, but ${imagesFile} holds ${img.count} images; each image needs exactly one label.`,
      `the two files belong to different splits or one was cut short (train files hold 60000 entries and t10k files 10000 for MNIST-like sets). ${HINT}`,
      { path: labelsFile },
    );
  }
  let maxLabel = -1;
  for (const l of lab) if (l > maxLabel) maxLabel = l;
  const numClasses = opts.classNames?.length ?? opts.numClasses ?? maxLabel + 1;
  const set: ImageSet = {
    name,
    images: img.images,
    labels: Int32Array.from(lab),
    count: img.count,
    channels: 1,
    height: img.height,
    width: img.width,
    numClasses,
    classNames: opts.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i)),
  };
  return checkImageSet(set, imagesFile);
}

/** The IDX file for (prefix, kind) in `dir`: the usual name, gzipped or not, or the '.idx' variant. */
function findIdx(dir: string, prefix: 'train' | 't10k', kind: 'images-idx3' | 'labels-idx1'): string {
  const dotted = kind.replace('-', '.');
  const names = [
    `${prefix}-${kind}-ubyte`,
    `${prefix}-${kind}-ubyte.gz`,
    `${prefix}-${dotted}-ubyte`,
    `${prefix}-${dotted}-ubyte.gz`,
  ];
  const found = firstExisting(dir, names);
  if (found !== null) return found;
  throw new DataError(
    'DATA_MISSING',
    `the IDX folder ${dir} has no ${names[0]} (nor ${names.slice(1).join(', ')}); it holds: ${describeDir(dir)}.`,
    HINT,
    { path: dir },
  );
}

/** The four files of an IDX folder (each plain or gzipped); a missing one is DATA_MISSING naming the folder. */
export function idxFiles(dir: string): {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
} {
  requireDir(dir, 'IDX files (train-images-idx3-ubyte[.gz] and friends)', HINT);
  return {
    trainImages: findIdx(dir, 'train', 'images-idx3'),
    trainLabels: findIdx(dir, 'train', 'labels-idx1'),
    testImages: findIdx(dir, 't10k', 'images-idx3'),
    testLabels: findIdx(dir, 't10k', 'labels-idx1'),
  };
}

/**
 * Both splits of an IDX folder (train-* and t10k-* files). Both splits get the same class count:
 * the larger of the two label ranges, unless class names are given.
 * @example const { train, test } = await loadIdxFolder('/usr/share/datasets/fashion-mnist')
 */
export async function loadIdxFolder(
  dir: string,
  opts: { classNames?: string[] } = {},
): Promise<{ train: ImageSet; test: ImageSet }> {
  const files = idxFiles(dir);
  const names = opts.classNames === undefined ? {} : { classNames: opts.classNames };
  let [train, test] = await Promise.all([
    loadIdxPair(files.trainImages, files.trainLabels, 'train', names),
    loadIdxPair(files.testImages, files.testLabels, 'test', names),
  ]);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DataError(
      'DATA_MISMATCH',
      `${basename(files.trainImages)} holds ${train.height}x${train.width} images but ${basename(files.testImages)} holds ${test.height}x${test.width} ones, in ${dir}.`,
      'both splits of one dataset must have the same image size; check that the files come from the same dataset.',
      { path: join(dir, basename(files.testImages)) },
    );
  }
  if (opts.classNames === undefined)
    checkClasses([
      [files.trainLabels, train],
      [files.testLabels, test],
    ]);
  if (opts.classNames === undefined && train.numClasses !== test.numClasses) {
    const n = Math.max(train.numClasses, test.numClasses);
    const classNames = Array.from({ length: n }, (_, i) => String(i));
    train = { ...train, numClasses: n, classNames };
    test = { ...test, numClasses: n, classNames: [...classNames] };
  }
  return { train, test };
}

/**
 * Classes inferred from the labels must be 0..N-1, each with images, and at least two: a stray
 * label 200 among 0..9 would otherwise make a 201-class model, and one class a useless one.
 */
function checkClasses(splits: [string, ImageSet][]): void {
  const n = Math.max(...splits.map(([, s]) => s.numClasses));
  const seen = new Uint8Array(n);
  for (const [, s] of splits) for (const l of s.labels) seen[l] = 1;
  const [file, set] = splits.find(([, s]) => s.numClasses === n) as [string, ImageSet];
  if (n < 2) {
    throw new DataError(
      'DATA_FORMAT',
      `${file} labels every image 0, so the dataset has one class; a classifier needs at least two.`,
      `check that the label files are the right ones; ${HINT}`,
      { path: file },
    );
  }
  const empty = [...seen.keys()].filter((c) => seen[c] === 0);
  if (empty.length === 0) return;
  const at = set.labels.indexOf(n - 1);
  throw new DataError(
    'DATA_CORRUPT',
    `${file} has label ${n - 1} (at index ${at}), so classes 0..${n - 1} are inferred, but ${empty.length} of them have no image in either split (${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ', …' : ''}).`,
    `IDX labels must number the classes 0..N-1, each with images; the file may be damaged. ${HINT}`,
    { path: file },
  );
}
