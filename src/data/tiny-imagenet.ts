// Tiny-ImageNet reader: 200 classes (WordNet ids) of 64x64 JPEGs. The labelled val split serves as
// the test split, since the official test images come without labels. Some of the real JPEGs are
// grey, so this reader decodes to 3 channels unless told otherwise.
import { basename, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { DataError } from './data-error.js';
import { describeDir, isDir, isFile, listDir, requireDir } from './files.js';
import { decodePlan, type DecodeOptions, type DecodePlan, type ImageEntry } from './decode.js';
import type { ImageSet } from './types.js';

const HINT =
  'expected the layout of tiny-imagenet-200.zip: wnids.txt, train/<wnid>/images/*.JPEG, val/images/*.JPEG and val/val_annotations.txt (words.txt optional); pass the tiny-imagenet-200 folder.';

const readText = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError('DATA_MISSING', `cannot read ${file}.`, HINT, { path: file, cause: e });
  }
};
const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

const isJpeg = (name: string): boolean => /\.(jpe?g)$/i.test(name) && !name.startsWith('.');

/** Readable class names from words.txt ("wnid<TAB>name, synonym, …"), first synonym; else the wnid. */
function displayNames(root: string, wnids: string[]): string[] {
  const file = join(root, 'words.txt');
  if (!isFile(file)) return [...wnids];
  const names = new Map<string, string>();
  for (const line of lines(readText(file))) {
    const tab = line.indexOf('\t');
    if (tab > 0)
      names.set(
        line.slice(0, tab),
        line
          .slice(tab + 1)
          .split(',')[0]!
          .trim(),
      );
  }
  return wnids.map((w) => names.get(w) || w);
}

/**
 * Lists a Tiny-ImageNet folder into a train and a test (= val) plan without decoding. Classes are
 * the wnids of wnids.txt in sorted order (the order of an ImageFolder over train/); `classNames`
 * are words.txt's first names when that file is present, else the wnids.
 */
export function planTinyImageNet(root: string): DecodePlan & { wnids: string[] } {
  requireDir(root, 'a Tiny-ImageNet tree', HINT);
  const wnidFile = join(root, 'wnids.txt');
  if (!isFile(wnidFile)) {
    throw new DataError(
      'DATA_MISSING',
      `${wnidFile} does not exist, so ${root} is not a Tiny-ImageNet folder; it holds: ${describeDir(root)}.`,
      HINT,
      { path: wnidFile },
    );
  }
  const wnids = [...new Set(lines(readText(wnidFile)))].sort();
  if (wnids.length === 0)
    throw new DataError('DATA_FORMAT', `${wnidFile} lists no class ids.`, HINT, { path: wnidFile });
  const labelOf = new Map(wnids.map((w, i) => [w, i]));
  const train: ImageEntry[] = [];
  for (const [label, wnid] of wnids.entries()) {
    const dir = join(root, 'train', wnid, 'images');
    const files = isDir(dir) ? listDir(dir).filter((d) => d.isFile() && isJpeg(d.name)) : [];
    if (files.length === 0) {
      throw new DataError(
        'DATA_MISSING',
        `wnids.txt lists ${wnid}, but ${dir} ${isDir(dir) ? 'holds no JPEG images' : 'does not exist'}.`,
        HINT,
        { path: dir },
      );
    }
    for (const d of files) train.push({ file: join(dir, d.name), label });
  }
  const valDir = join(root, 'val', 'images');
  const annFile = join(root, 'val', 'val_annotations.txt');
  requireDir(valDir, 'the labelled val images', HINT);
  if (!isFile(annFile))
    throw new DataError('DATA_MISSING', `${annFile} does not exist, so the val images have no labels.`, HINT, {
      path: annFile,
    });
  const onDisk = new Set(
    listDir(valDir)
      .filter((d) => d.isFile() && isJpeg(d.name))
      .map((d) => d.name),
  );
  const test: ImageEntry[] = [];
  const seen = new Set<string>();
  for (const [n, line] of lines(readText(annFile)).entries()) {
    const [file, wnid] = line.split('\t');
    const label = wnid === undefined ? undefined : labelOf.get(wnid);
    if (file === undefined || wnid === undefined || label === undefined) {
      throw new DataError(
        'DATA_MISMATCH',
        `${annFile} line ${n + 1} should be "<file>\\t<wnid>\\t<bbox>…" with a wnid from wnids.txt; found "${line.slice(0, 80)}".`,
        HINT,
        { path: annFile },
      );
    }
    if (!onDisk.has(file))
      throw new DataError(
        'DATA_MISSING',
        `${annFile} line ${n + 1} labels ${file}, but ${join(valDir, file)} does not exist.`,
        HINT,
        { path: join(valDir, file) },
      );
    if (seen.has(file)) continue;
    seen.add(file);
    test.push({ file: join(valDir, file), label });
  }
  const unlabelled = [...onDisk].filter((f) => !seen.has(f));
  if (unlabelled.length > 0) {
    throw new DataError(
      'DATA_MISMATCH',
      `${valDir} holds ${unlabelled.length} image(s) that ${basename(annFile)} does not label, e.g. ${unlabelled.sort()[0]}.`,
      HINT,
      { path: valDir },
    );
  }
  return { root, classNames: displayNames(root, wnids), train, test, wnids };
}

/**
 * Decodes a Tiny-ImageNet folder: train split and val split (as `test`), 3 channels by default.
 * @example const { train, test } = await loadTinyImageNet('/data/tiny-imagenet-200', { onProgress: (d, t) => bar(d / t) })
 */
export async function loadTinyImageNet(
  root: string,
  opts: DecodeOptions = {},
): Promise<{ train: ImageSet; test: ImageSet }> {
  return decodePlan(planTinyImageNet(root), { ...opts, channels: opts.channels ?? 3 });
}
