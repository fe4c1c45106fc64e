// Oxford Flowers-102 (Nilsback & Zisserman 2008): jpg/image_00001.jpg … from 102flowers.tgz, the
// labels in imagelabels.mat (`labels`, 1xN, 1-based classes) and the splits in setid.mat (`trnid`,
// `valid`, `tstid`, 1-based image numbers). Train = trnid + valid, test = tstid.
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import { matNumbers, readMatFile } from '../mat5.js';
import {
  checkClassNumber,
  imagesUnder,
  publisherRoot,
  refuseExtra,
  requireFile,
  requireFolder,
  type PublishedEntry,
  type PublishedPlan,
} from './common.js';

export const FLOWERS_LAYOUT = `flowers102/              (any folder holding these three)
  jpg/image_00001.jpg …    8,189 images (102flowers.tgz extracts jpg/)
  imagelabels.mat          variable "labels": 1x8189 class numbers 1..102
  setid.mat                variables "trnid", "valid", "tstid": 1-based image numbers`;

const HINT = `pass the folder holding jpg/, imagelabels.mat and setid.mat:\n${FLOWERS_LAYOUT}`;

const imageName = (i: number): string => `image_${String(i).padStart(5, '0')}.jpg`;

/** Lists Flowers-102: trnid and valid as train, tstid as test. */
export async function planFlowers102(path: string): Promise<PublishedPlan> {
  const root = publisherRoot(path, 'imagelabels.mat', ['flowers102', 'oxford-102-flowers']);
  const labelsFile = join(root, 'imagelabels.mat');
  const setFile = join(root, 'setid.mat');
  requireFile(labelsFile, 'the class of every image', HINT);
  requireFile(setFile, 'the official split', HINT);
  const jpg = join(root, 'jpg');
  requireFolder(jpg, 'the images', HINT);
  const labels = matNumbers(await readMatFile(labelsFile, HINT), 'labels', labelsFile, HINT);
  let classes = 0;
  labels.forEach((l, i) => {
    checkClassNumber(l, `${labelsFile}: labels(${i + 1})`, labelsFile, HINT);
    classes = Math.max(classes, l);
  });
  if (labels.length === 0)
    throw new DataError('DATA_FORMAT', `${labelsFile}: the variable "labels" is empty.`, HINT, { path: labelsFile });
  const onDisk = imagesUnder(jpg, 0);
  for (let i = 1; i <= labels.length; i++)
    if (!onDisk.has(imageName(i)))
      throw new DataError(
        'DATA_MISSING',
        `${labelsFile} labels ${labels.length} images, but ${join(jpg, imageName(i))} (image ${i}) does not exist.`,
        HINT,
        { path: join(jpg, imageName(i)) },
      );
  refuseExtra(
    onDisk,
    new Set(Array.from({ length: labels.length }, (_, i) => imageName(i + 1))),
    jpg,
    `imagelabels.mat (image_00001.jpg to ${imageName(labels.length)})`,
    HINT,
  );
  const sets = await readMatFile(setFile, HINT);
  const seen = new Map<number, string>();
  const list = (name: string): PublishedEntry[] =>
    Array.from(matNumbers(sets, name, setFile, HINT), (v, k) => {
      if (!(Number.isInteger(v) && v >= 1 && v <= labels.length))
        throw new DataError(
          'DATA_FORMAT',
          `${setFile}: ${name}(${k + 1}) is ${v}; an image number is a whole number from 1 to ${labels.length} (the images imagelabels.mat labels).`,
          HINT,
          { path: setFile },
        );
      const before = seen.get(v);
      if (before !== undefined)
        throw new DataError(
          'DATA_MISMATCH',
          `${setFile}: ${name}(${k + 1}) is image ${v}, which ${before} already names; the splits should not overlap.`,
          HINT,
          { path: setFile },
        );
      seen.set(v, `${name}(${k + 1})`);
      return { file: join(jpg, imageName(v)), label: labels[v - 1]! - 1 };
    });
  const train = [...list('trnid'), ...list('valid')];
  const test = list('tstid');
  const classNames = Array.from({ length: classes }, (_, i) => String(i + 1));
  return { root, classNames, train, test, notes: [] };
}
