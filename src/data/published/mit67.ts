// MIT Indoor-67 (Quattoni & Torralba 2009): Images/<class>/<file>.jpg from indoorCVPR_09.tar and
// the official split in TrainImages.txt and TestImages.txt (80 and 20 images of each class, as
// "<class>/<file>.jpg"). The folder holds 15,620 images and the lists name 6,700 of them, so
// unlisted images are expected and not used.
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import { isDir } from '../files.js';
import {
  imagesUnder,
  lineError,
  numberedLines,
  publisherRoot,
  requireFile,
  requireFolder,
  type PublishedEntry,
  type PublishedPlan,
} from './common.js';

export const MIT67_LAYOUT = `mit67/                    (any folder holding these)
  Images/<class>/<file>.jpg   15,620 images in 67 class folders (indoorCVPR_09.tar)
  TrainImages.txt, TestImages.txt   "<class>/<file>.jpg", 80 and 20 a class`;

const HINT = `pass the folder holding Images/, TrainImages.txt and TestImages.txt:\n${MIT67_LAYOUT}`;

/** Lists MIT Indoor-67 into the official train and test splits. */
export async function planMit67(path: string): Promise<PublishedPlan> {
  const root = publisherRoot(path, 'TrainImages.txt', ['indoorCVPR_09', 'mit67']);
  const imagesDir = ['Images', 'indoorCVPR_09/Images'].map((d) => join(root, d)).find(isDir) ?? join(root, 'Images');
  requireFolder(imagesDir, 'the class folders of images', HINT);
  const onDisk = imagesUnder(imagesDir, 1);
  const seen = new Map<string, string>();
  const read = (name: string): { rel: string; n: number; file: string }[] => {
    const file = join(root, name);
    requireFile(file, 'part of the official split', HINT);
    return numberedLines(file, HINT).map(({ n, text }) => {
      const rel = text.trim();
      const parts = rel.split('/');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
        throw lineError(file, n, '"<class>/<file>.jpg"', text, HINT);
      const before = seen.get(rel);
      if (before !== undefined)
        throw new DataError('DATA_MISMATCH', `${file} line ${n} names ${rel}, which ${before} already names.`, HINT, {
          path: file,
        });
      seen.set(rel, `${file} line ${n}`);
      if (!onDisk.has(rel))
        throw new DataError(
          'DATA_MISSING',
          `${file} line ${n} names ${rel}, but ${join(imagesDir, rel)} does not exist.`,
          HINT,
          {
            path: join(imagesDir, rel),
          },
        );
      return { rel, n, file };
    });
  };
  const trainRows = read('TrainImages.txt');
  const testRows = read('TestImages.txt');
  const classNames = [...new Set(trainRows.map((r) => r.rel.split('/')[0]!))].sort();
  const labelOf = new Map(classNames.map((c, i) => [c, i]));
  const entries = (rows: typeof trainRows): PublishedEntry[] =>
    rows.map((r) => {
      const label = labelOf.get(r.rel.split('/')[0]!);
      if (label === undefined)
        throw new DataError(
          'DATA_MISMATCH',
          `${r.file} line ${r.n} names ${r.rel}, of a class that TrainImages.txt has no image of.`,
          HINT,
          { path: r.file },
        );
      return { file: join(imagesDir, r.rel), label };
    });
  const unlisted = onDisk.size - seen.size;
  return {
    root,
    classNames,
    train: entries(trainRows),
    test: entries(testRows),
    notes:
      unlisted > 0
        ? [`${unlisted} images in ${imagesDir} are in neither list (expected: the lists name 6,700 of 15,620)`]
        : [],
  };
}
