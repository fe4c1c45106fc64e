// CIFAR-10 / CIFAR-100 "binary version" reader. Each record is the label byte(s) then 3072 pixel
// bytes: 1024 red, 1024 green, 1024 blue, each plane row-major 32x32, which is already the
// channel-major layout of an ImageSet, so a record's pixels are copied as one block.
import { join } from 'node:path';
import { DataError } from './data-error.js';
import { describeDir, isDir, isFile, readWhole, requireDir } from './files.js';
import { checkImageSet } from './image-set.js';
import type { ImageSet } from './types.js';

const PIXELS = 3 * 32 * 32;

/** Which CIFAR variant. */
export type CifarVariant = 'cifar10' | 'cifar100';

/** Layout facts of the two variants. */
const VARIANTS = {
  cifar10: {
    subfolder: 'cifar-10-batches-bin',
    labelBytes: 1,
    labelByte: 0,
    numClasses: 10,
    namesFile: 'batches.meta.txt',
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    test: ['test_batch.bin'],
    hint: 'get the "CIFAR-10 binary version" (cifar-10-binary.tar.gz) and pass the extracted cifar-10-batches-bin folder (or its parent) as cifar10:PATH.',
  },
  // CIFAR-100 records are <coarse label><fine label><pixels>; seal uses the 100 fine labels.
  cifar100: {
    subfolder: 'cifar-100-binary',
    labelBytes: 2,
    labelByte: 1,
    numClasses: 100,
    namesFile: 'fine_label_names.txt',
    train: ['train.bin'],
    test: ['test.bin'],
    hint: 'get the "CIFAR-100 binary version" (cifar-100-binary.tar.gz) and pass the extracted cifar-100-binary folder (or its parent) as cifar100:PATH.',
  },
} as const satisfies Record<CifarVariant, object>;

/** The folder that holds the batch files: `dir` itself or its usual extracted subfolder. */
export function cifarFolder(dir: string, variant: CifarVariant): string {
  const v = VARIANTS[variant];
  requireDir(dir, `the ${variant} binary batches (${[...v.train, ...v.test].join(', ')})`, v.hint);
  const inner = join(dir, v.subfolder);
  return !isFile(join(dir, v.test[0])) && isDir(inner) ? inner : dir;
}

/** The batch files of a variant in `folder`, train first; missing files are a DataError listing them. */
export function cifarFiles(folder: string, variant: CifarVariant): { train: string[]; test: string[] } {
  const v = VARIANTS[variant];
  const missing = [...v.train, ...v.test].filter((f) => !isFile(join(folder, f)));
  if (missing.length > 0) {
    throw new DataError(
      'DATA_MISSING',
      `the ${variant} folder ${folder} lacks ${missing.join(', ')}; it holds: ${describeDir(folder)}.`,
      v.hint,
      { path: folder },
    );
  }
  return { train: v.train.map((f) => join(folder, f)), test: v.test.map((f) => join(folder, f)) };
}

/** Class names from the variant's names file (one per line), or '0', '1', … when it is absent. */
async function classNames(folder: string, variant: CifarVariant): Promise<string[]> {
  const v = VARIANTS[variant];
  const file = join(folder, v.namesFile);
  if (!isFile(file)) return Array.from({ length: v.numClasses }, (_, i) => String(i));
  const names = (await readWhole(file, v.hint))
    .toString('utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== v.numClasses) {
    throw new DataError(
      'DATA_MISMATCH',
      `${file} should list ${v.numClasses} class names, one per line, but it lists ${names.length}.`,
      `remove the file to use numbered classes, or ${v.hint}`,
      { path: file },
    );
  }
  return names;
}

/** Reads and concatenates batch files into one split. */
async function readSplit(files: string[], variant: CifarVariant, name: string, names: string[]): Promise<ImageSet> {
  const v = VARIANTS[variant];
  const record = v.labelBytes + PIXELS;
  const buffers = await Promise.all(files.map((f) => readWhole(f, v.hint)));
  let count = 0;
  buffers.forEach((b, k) => {
    if (b.length === 0 || b.length % record !== 0) {
      throw new DataError(
        'DATA_CORRUPT',
        `${files[k]} should hold whole ${record}-byte ${variant} records (${v.labelBytes} label byte${v.labelBytes > 1 ? 's' : ''} + 3072 pixels), but it has ${b.length} bytes (${(b.length / record).toFixed(2)} records).`,
        `the file was cut short or is not the binary version; ${v.hint}`,
        { path: files[k]! },
      );
    }
    count += b.length / record;
  });
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  for (const [k, b] of buffers.entries()) {
    for (let off = 0; off < b.length; off += record, i++) {
      const label = b[off + v.labelByte]!;
      if (label >= v.numClasses) {
        throw new DataError(
          'DATA_CORRUPT',
          `${files[k]}: record ${off / record} has label ${label}, but ${variant} labels are 0..${v.numClasses - 1}.`,
          `this is not a ${variant} file (CIFAR-10 records have 1 label byte, CIFAR-100 records 2); ${v.hint}`,
          { path: files[k]! },
        );
      }
      labels[i] = label;
      images.set(b.subarray(off + v.labelBytes, off + record), i * PIXELS);
    }
  }
  const set: ImageSet = {
    name,
    images,
    labels,
    count,
    channels: 3,
    height: 32,
    width: 32,
    numClasses: v.numClasses,
    classNames: [...names],
  };
  return checkImageSet(set, files[0]!);
}

/**
 * Both splits of a CIFAR-10 (data_batch_1..5.bin + test_batch.bin) or CIFAR-100 (train.bin +
 * test.bin, fine labels) binary folder, given that folder or its parent.
 * @example const { train, test } = await loadCifar('/data/cifar-10-batches-bin', 'cifar10')
 */
export async function loadCifar(dir: string, variant: CifarVariant): Promise<{ train: ImageSet; test: ImageSet }> {
  const folder = cifarFolder(dir, variant);
  const files = cifarFiles(folder, variant);
  const names = await classNames(folder, variant);
  const [train, test] = await Promise.all([
    readSplit(files.train, variant, 'train', names),
    readSplit(files.test, variant, 'test', names),
  ]);
  return { train, test };
}
