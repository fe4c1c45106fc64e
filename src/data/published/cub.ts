// CUB-200-2011 (Wah et al. 2011) as CUB_200_2011.tgz extracts: images/<class>/<file>.jpg and
// four id-keyed text files that give each image's path, class and split. The split is the
// official one of train_test_split.txt; with cropBoxes each image is cut to its bounding box.
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import {
  idTable,
  imagesUnder,
  lineError,
  publisherRoot,
  refuseExtra,
  requireFile,
  requireFolder,
  type PublishedEntry,
  type PublishedOptions,
  type PublishedPlan,
} from './common.js';

export const CUB_LAYOUT = `CUB_200_2011/               (the folder CUB_200_2011.tgz extracts to)
  images/<class>/<file>.jpg  11,788 images in 200 class folders (001.Black_footed_Albatross, …)
  images.txt                 "<id> <class>/<file>.jpg"
  image_class_labels.txt     "<id> <class id>"
  train_test_split.txt       "<id> <1 train | 0 test>"
  classes.txt                "<class id> <class folder name>"
  bounding_boxes.txt         "<id> <x> <y> <width> <height>" (read by cub-bbox only)`;

const HINT = `pass the CUB_200_2011 folder, laid out as the archive extracts:\n${CUB_LAYOUT}`;

/** "001.Black_footed_Albatross" → "Black footed Albatross". */
const readable = (folder: string): string => folder.replace(/^\d+\./, '').replace(/_/g, ' ');

/** Lists CUB-200-2011 into the official train and test splits (with boxes when asked). */
export async function planCub(path: string, opts: PublishedOptions = {}): Promise<PublishedPlan> {
  const root = publisherRoot(path, 'images.txt', ['CUB_200_2011']);
  const f = (n: string) => join(root, n);
  requireFile(f('images.txt'), 'the image list', HINT);
  for (const n of ['image_class_labels.txt', 'train_test_split.txt', 'classes.txt'])
    requireFile(f(n), 'part of the official split', HINT);
  const imagesDir = f('images');
  requireFolder(imagesDir, 'the class folders of images', HINT);
  const classes = idTable(f('classes.txt'), 'rest', '"<class id> <class folder name>"', HINT);
  const classIds = [...classes.keys()].sort((a, b) => a - b);
  classIds.forEach((id, i) => {
    if (id !== i + 1)
      throw lineError(
        f('classes.txt'),
        classes.get(id)!.line,
        `class id ${i + 1} (ids run 1, 2, 3, … in order)`,
        `${id} ${classes.get(id)!.values[0]}`,
        HINT,
      );
  });
  const folders = classIds.map((id) => classes.get(id)!.values[0]!);
  const images = idTable(f('images.txt'), 'rest', '"<image id> <class folder>/<file>.jpg"', HINT);
  const labels = idTable(f('image_class_labels.txt'), 1, '"<image id> <class id>"', HINT);
  const split = idTable(f('train_test_split.txt'), 1, '"<image id> <1 or 0>"', HINT);
  if (opts.cropBoxes) requireFile(f('bounding_boxes.txt'), 'the bounding boxes cub-bbox crops to', HINT);
  const boxes = opts.cropBoxes
    ? idTable(f('bounding_boxes.txt'), 4, '"<image id> <x> <y> <width> <height>"', HINT)
    : null;
  // Every id-keyed file must cover exactly the ids of images.txt.
  const tables: [string, Map<number, { line: number; values: string[] }>][] = [
    ['image_class_labels.txt', labels],
    ['train_test_split.txt', split],
    ...(boxes !== null ? [['bounding_boxes.txt', boxes] as [string, typeof boxes]] : []),
  ];
  for (const [name, table] of tables) {
    for (const [id, row] of table)
      if (!images.has(id))
        throw new DataError(
          'DATA_MISMATCH',
          `${f(name)} line ${row.line} gives image id ${id}, which images.txt does not list.`,
          HINT,
          { path: f(name) },
        );
    for (const [id, row] of images)
      if (!table.has(id))
        throw new DataError(
          'DATA_MISMATCH',
          `${f('images.txt')} line ${row.line} lists image id ${id}, but ${f(name)} has no line for it.`,
          HINT,
          { path: f(name) },
        );
  }
  const onDisk = imagesUnder(imagesDir, 1);
  const train: PublishedEntry[] = [];
  const test: PublishedEntry[] = [];
  for (const id of [...images.keys()].sort((a, b) => a - b)) {
    const row = images.get(id)!;
    const rel = row.values[0]!;
    const lab = labels.get(id)!;
    const classId = Number(lab.values[0]);
    if (!(Number.isInteger(classId) && classId >= 1 && classId <= folders.length))
      throw lineError(
        f('image_class_labels.txt'),
        lab.line,
        `"<image id> <class id>" with a class id 1..${folders.length} from classes.txt`,
        `${id} ${lab.values[0]}`,
        HINT,
      );
    const folder = rel.split('/')[0]!;
    if (folder !== folders[classId - 1])
      throw new DataError(
        'DATA_MISMATCH',
        `${f('images.txt')} line ${row.line} puts image ${id} in the folder ${folder}, but image_class_labels.txt line ${lab.line} gives it class ${classId} (${folders[classId - 1]}).`,
        HINT,
        { path: f('images.txt') },
      );
    if (!onDisk.has(rel))
      throw new DataError(
        'DATA_MISSING',
        `${f('images.txt')} line ${row.line} lists ${rel}, but ${join(imagesDir, rel)} does not exist.`,
        HINT,
        { path: join(imagesDir, rel) },
      );
    const s = split.get(id)!;
    if (s.values[0] !== '0' && s.values[0] !== '1')
      throw lineError(f('train_test_split.txt'), s.line, '"<image id> <1 or 0>"', `${id} ${s.values[0]}`, HINT);
    const entry: PublishedEntry = { file: join(imagesDir, rel), label: classId - 1 };
    if (boxes !== null) {
      const b = boxes.get(id)!;
      const [x, y, w, h] = b.values.map(Number) as [number, number, number, number];
      if (![x, y, w, h].every(Number.isFinite) || x < 0 || y < 0 || w < 1 || h < 1)
        throw lineError(
          f('bounding_boxes.txt'),
          b.line,
          '"<image id> <x> <y> <width> <height>" with x, y >= 0 and a width and height of at least 1',
          `${id} ${b.values.join(' ')}`,
          HINT,
        );
      entry.crop = {
        kind: 'box',
        left: Math.floor(x),
        top: Math.floor(y),
        width: Math.round(w),
        height: Math.round(h),
      };
    }
    (s.values[0] === '1' ? train : test).push(entry);
  }
  refuseExtra(onDisk, new Set([...images.values()].map((r) => r.values[0]!)), imagesDir, 'images.txt', HINT);
  return {
    root,
    classNames: folders.map(readable),
    train,
    test,
    notes: boxes !== null ? ['cropped to bounding_boxes.txt'] : [],
  };
}
