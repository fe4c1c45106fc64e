// Stanford Dogs (Khosla et al. 2011): Images/<wnid>-<breed>/<file>.jpg from images.tar, and the
// official split in train_list.mat and test_list.mat from lists.tar (cell arrays `file_list` of
// paths relative to Images/, and `labels`, 1-based class numbers). Class k is the folder that the
// images of label k are in.
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import { isFile } from '../files.js';
import { matNumbers, matStrings } from '../mat5.js';
import {
  checkClassNumber,
  imagesUnder,
  publisherRoot,
  readRequiredMat,
  refuseExtra,
  requireFolder,
  type PublishedEntry,
  type PublishedPlan,
} from './common.js';

export const DOGS_LAYOUT = `stanford-dogs/            (any folder holding these)
  Images/<wnid>-<breed>/<file>.jpg   20,580 images in 120 folders (images.tar)
  lists/train_list.mat, lists/test_list.mat   (lists.tar; also read from the folder itself)
      variables "file_list" (cell of "<wnid>-<breed>/<file>.jpg") and "labels" (1-based)`;

const HINT = `pass the folder holding Images/ and the lists:\n${DOGS_LAYOUT}`;

/** "n02085782-Japanese_spaniel" → "Japanese spaniel". */
const readable = (folder: string): string => folder.replace(/^n\d+-/, '').replace(/_/g, ' ');

/** Lists Stanford Dogs into the official train and test splits. */
export async function planDogs(path: string): Promise<PublishedPlan> {
  const root = publisherRoot(path, 'Images', ['StanfordDogs', 'stanford-dogs']);
  const imagesDir = join(root, 'Images');
  requireFolder(imagesDir, 'the breed folders of images', HINT);
  const lists = isFile(join(root, 'lists', 'train_list.mat')) ? join(root, 'lists') : root;
  const onDisk = imagesUnder(imagesDir, 1);
  const folderOf = new Map<number, { folder: string; where: string }>();
  const used = new Set<string>();
  const read = async (name: string): Promise<PublishedEntry[]> => {
    const file = join(lists, name);
    const vars = await readRequiredMat(file, 'part of the official split', HINT);
    const files = matStrings(vars, 'file_list', file, HINT);
    const labels = matNumbers(vars, 'labels', file, HINT);
    if (files.length !== labels.length)
      throw new DataError(
        'DATA_MISMATCH',
        `${file}: "file_list" names ${files.length} images but "labels" has ${labels.length} entries.`,
        HINT,
        { path: file },
      );
    return files.map((raw, i) => {
      const rel = raw.trim();
      const where = `${file} entry ${i + 1}`;
      const label = labels[i]!;
      const parts = rel.split('/');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '')
        throw new DataError(
          'DATA_FORMAT',
          `${where} of "file_list" should be "<breed folder>/<file>.jpg"; found "${rel}".`,
          HINT,
          {
            path: file,
          },
        );
      checkClassNumber(label, `${where} of "labels"`, file, HINT);
      const known = folderOf.get(label);
      if (known === undefined) folderOf.set(label, { folder: parts[0]!, where });
      else if (known.folder !== parts[0])
        throw new DataError(
          'DATA_MISMATCH',
          `${where} gives ${rel} label ${label}, but ${known.where} gives label ${label} to the folder ${known.folder}.`,
          HINT,
          { path: file },
        );
      if (used.has(rel))
        throw new DataError(
          'DATA_MISMATCH',
          `${where} names ${rel}, which an earlier entry (or the other list) names too.`,
          HINT,
          {
            path: file,
          },
        );
      used.add(rel);
      if (!onDisk.has(rel))
        throw new DataError(
          'DATA_MISSING',
          `${where} names ${rel}, but ${join(imagesDir, rel)} does not exist.`,
          HINT,
          {
            path: join(imagesDir, rel),
          },
        );
      return { file: join(imagesDir, rel), label: label - 1 };
    });
  };
  const train = await read('train_list.mat');
  const test = await read('test_list.mat');
  const classes = Math.max(...folderOf.keys());
  const classNames: string[] = [];
  for (let k = 1; k <= classes; k++) {
    const f = folderOf.get(k);
    if (f === undefined)
      throw new DataError(
        'DATA_MISMATCH',
        `the lists in ${lists} use class numbers up to ${classes}, but no image has label ${k}.`,
        HINT,
        { path: lists },
      );
    classNames.push(readable(f.folder));
  }
  refuseExtra(onDisk, used, imagesDir, 'train_list.mat and test_list.mat', HINT);
  return { root, classNames, train, test, notes: [] };
}
