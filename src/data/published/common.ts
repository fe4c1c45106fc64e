// What the readers of publishers' layouts share: the plan they return (files, labels, an optional
// crop per image), line-by-line parsing of split files with errors that name the file and line,
// and the listing of image folders to find images a split file names but the folder lacks (and
// images the folder holds but no split file names).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, causeText } from '../data-error.js';
import { describeDir, isDir, isFile, usedEntries } from '../files.js';
import { holdOut } from '../image-folder.js';
import { readMatFile, type MatValue } from '../mat5.js';
import type { DecodePlan, ImageEntry } from '../decode.js';

/** One image of a published dataset: its file, class index and optional crop (decodePlan applies it). */
export type PublishedEntry = ImageEntry;

/** A published dataset's listing: a DecodePlan (whose entries may carry crops) with notes. */
export interface PublishedPlan extends DecodePlan {
  /** Facts about the listing worth printing (e.g. images on disk that no split names). */
  notes: string[];
}

/** Reader options of the published layouts. */
export interface PublishedOptions {
  /** CUB-200-2011: crop every image to its box in bounding_boxes.txt (the cub-bbox kind sets it). */
  cropBoxes?: boolean;
  /** FGVC-Aircraft: keep the 20-pixel copyright banner at the bottom (default: cropped off, as the protocol does). */
  keepBanner?: boolean;
  /** Seed of the fixed 50/50 split of the sets that have no official split; default 0. */
  splitSeed?: number;
}

/** Thrown as DATA_FORMAT: `file` line `line` should be `expected`; shows what was found. */
export function lineError(file: string, line: number, expected: string, found: string, hint: string): DataError {
  return new DataError(
    'DATA_FORMAT',
    `${file} line ${line} should be ${expected}; found "${found.length > 100 ? `${found.slice(0, 100)}…` : found}".`,
    hint,
    { path: file },
  );
}

/** A file that must exist: DATA_MISSING naming it, what it holds and what its folder holds. */
export function requireFile(file: string, what: string, hint: string): void {
  if (isFile(file)) return;
  const dir = join(file, '..');
  const found = isDir(dir) ? `${dir} holds: ${describeDir(dir)}` : `${dir} does not exist`;
  throw new DataError('DATA_MISSING', `${file} (${what}) does not exist; ${found}.`, hint, { path: file });
}

/** A folder that must exist: DATA_MISSING naming it and what its parent holds. */
export function requireFolder(dir: string, what: string, hint: string): void {
  if (isDir(dir)) return;
  const parent = join(dir, '..');
  const found = isFile(dir)
    ? 'it is a file'
    : isDir(parent)
      ? `${parent} holds: ${describeDir(parent)}`
      : `${parent} does not exist`;
  throw new DataError('DATA_MISSING', `the folder ${dir} (${what}) does not exist; ${found}.`, hint, { path: dir });
}

/**
 * The folder that holds `marker` among `root` and `root/<sub>` for each of `subs` (the folder an
 * archive extracts to, when the user gives its parent); `root` itself when none does.
 */
export function publisherRoot(root: string, marker: string, subs: string[]): string {
  for (const r of [root, ...subs.map((s) => join(root, s))])
    if (isFile(join(r, marker)) || isDir(join(r, marker))) return r;
  return root;
}

/** The variables of a MAT-file that must exist (requireFile's DATA_MISSING when it does not). */
export async function readRequiredMat(file: string, what: string, hint: string): Promise<Map<string, MatValue>> {
  requireFile(file, what, hint);
  return readMatFile(file, hint);
}

/**
 * A 1-based class number read from `file` (a MAT-file's labels): DATA_FORMAT, naming it as
 * `what`, unless it is a whole number from 1 to 10,000.
 */
export function checkClassNumber(value: number, what: string, file: string, hint: string): void {
  if (!(Number.isInteger(value) && value >= 1 && value <= 10_000))
    throw new DataError('DATA_FORMAT', `${what} is ${value}; a class number is a whole number from 1.`, hint, {
      path: file,
    });
}

/** The text of a small file; DATA_MISSING when it cannot be read. */
export function readText(file: string, hint: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new DataError('DATA_MISSING', `cannot read ${file}: ${causeText(e)}.`, hint, { path: file, cause: e });
  }
}

/** The non-blank lines of a text file with their 1-based numbers, trailing whitespace (and CR) removed. */
export function numberedLines(file: string, hint: string): { n: number; text: string }[] {
  const out: { n: number; text: string }[] = [];
  readText(file, hint)
    .split('\n')
    .forEach((raw, i) => {
      const text = raw.replace(/\s+$/, '');
      if (text.trim() !== '') out.push({ n: i + 1, text });
    });
  return out;
}

/** A line split at its first space: the key and the rest (the rest may hold spaces). */
export function splitFirst(text: string): [string, string] | null {
  const i = text.indexOf(' ');
  if (i <= 0) return null;
  const rest = text.slice(i + 1).trim();
  return rest === '' ? null : [text.slice(0, i), rest];
}

/**
 * A table keyed by a positive integer id (CUB's "id value…" files): `fields` values after the id,
 * or the whole rest of the line (`'rest'`). A malformed line or a repeated id is DATA_FORMAT
 * naming the file and line.
 */
export function idTable(
  file: string,
  fields: number | 'rest',
  expected: string,
  hint: string,
): Map<number, { line: number; values: string[] }> {
  const out = new Map<number, { line: number; values: string[] }>();
  for (const { n, text } of numberedLines(file, hint)) {
    const parts = fields === 'rest' ? splitFirst(text.trim()) : text.trim().split(/\s+/);
    const ok = parts !== null && (fields === 'rest' || parts.length === fields + 1) && /^[1-9]\d{0,8}$/.test(parts[0]!);
    if (!ok) throw lineError(file, n, expected, text, hint);
    const id = Number(parts[0]);
    const before = out.get(id);
    if (before !== undefined)
      throw new DataError(
        'DATA_FORMAT',
        `${file} line ${n} gives id ${id} again (first on line ${before.line}); each id should appear once.`,
        hint,
        { path: file },
      );
    out.set(id, { line: n, values: parts.slice(1) });
  }
  return out;
}

const IMAGE = /\.(jpe?g|png)$/i;
/** True for a file name read as an image (not hidden, .jpg/.jpeg/.png in any case). */
export const isImageName = (name: string): boolean => !name.startsWith('.') && IMAGE.test(name);

/**
 * Relative paths ('/'-separated) of the image files under `dir`, `depth` folder levels down
 * (0: the files of `dir` itself; 1: `dir/<sub>/<file>`). Hidden entries are skipped.
 */
export function imagesUnder(dir: string, depth: number): Set<string> {
  const out = new Set<string>();
  const walk = (rel: string, level: number): void => {
    const here = rel === '' ? dir : join(dir, rel);
    for (const d of usedEntries(here, (e) => !e.name.startsWith('.'), 'a file or folder')) {
      const path = rel === '' ? d.name : `${rel}/${d.name}`;
      if (level < depth && d.isDirectory()) walk(path, level + 1);
      else if (level === depth && d.isFile() && isImageName(d.name)) out.add(path);
    }
  };
  walk('', 0);
  return out;
}

/**
 * Refuses images on disk that no split file names (an image in the wrong folder, or a list that
 * is not the one shipped with those images): DATA_MISMATCH naming a few of them.
 */
export function refuseExtra(onDisk: Set<string>, used: Set<string>, dir: string, lists: string, hint: string): void {
  const extra = [...onDisk].filter((f) => !used.has(f)).sort();
  if (extra.length === 0) return;
  throw new DataError(
    'DATA_MISMATCH',
    `${dir} holds ${extra.length} image(s) that ${lists} do${lists.includes(' and ') ? '' : 'es'} not name, e.g. ${extra
      .slice(0, 3)
      .map((f) => join(dir, f))
      .join(', ')}.`,
    `the folder and the split files should come from the same archive; remove the extra images or extract the archive again. ${hint}`,
    { path: join(dir, extra[0]!) },
  );
}

/** Class names of a class-per-folder listing: the classes in label order. */
export function byClass(entries: ImageEntry[], classes: number): string[][] {
  const out: string[][] = Array.from({ length: classes }, () => []);
  for (const e of entries) out[e.label]!.push(e.file);
  return out;
}

/**
 * The fixed split of a set that has no official one: each class's files (in the listed order)
 * are split 50/50 by image-folder.ts's seeded hold-out rule (seeded by `seed` and the class name),
 * half of them (rounded) to test.
 */
export function seededHalves(
  entries: ImageEntry[],
  classNames: string[],
  seed: number,
): { train: ImageEntry[]; test: ImageEntry[] } {
  const train: ImageEntry[] = [];
  const test: ImageEntry[] = [];
  byClass(entries, classNames.length).forEach((files, label) => {
    const parts = holdOut(files, classNames[label]!, 0.5, seed);
    for (const file of parts.train) train.push({ file, label });
    for (const file of parts.test) test.push({ file, label });
  });
  return { train, test };
}
