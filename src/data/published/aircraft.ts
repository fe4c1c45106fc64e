// FGVC-Aircraft 2013b (Maji et al. 2013) as fgvc-aircraft-2013b.tar.gz extracts: data/images/<id>.jpg
// and one list per split and label level, "<id> <label>" where the label runs to the end of the
// line (it may hold spaces: "Cessna 172", "Boeing 737-700"). Train = trainval, test = test, as the
// protocol has it; the bottom 20 rows of each image (the copyright banner) are cropped off.
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import {
  imagesUnder,
  lineError,
  numberedLines,
  publisherRoot,
  refuseExtra,
  requireFile,
  requireFolder,
  splitFirst,
  type PublishedEntry,
  type PublishedOptions,
  type PublishedPlan,
} from './common.js';

/** The label levels of FGVC-Aircraft, finest first. */
export type AircraftLevel = 'variant' | 'family' | 'manufacturer';
/** Rows of the copyright banner at the bottom of every FGVC-Aircraft image. */
export const AIRCRAFT_BANNER_ROWS = 20;

const NAMES_FILE: Record<AircraftLevel, string> = {
  variant: 'variants.txt',
  family: 'families.txt',
  manufacturer: 'manufacturers.txt',
};

export const AIRCRAFT_LAYOUT = `fgvc-aircraft-2013b/         (the folder fgvc-aircraft-2013b.tar.gz extracts to)
  data/images/<id>.jpg         10,000 images (the bottom 20 rows are a copyright banner)
  data/images_variant_trainval.txt, data/images_variant_test.txt            "<id> <variant>"
  data/images_family_{trainval,test}.txt, images_manufacturer_{trainval,test}.txt (other levels)
  data/variants.txt, data/families.txt, data/manufacturers.txt              one class name a line`;

const HINT = `pass the fgvc-aircraft-2013b folder, laid out as the archive extracts:\n${AIRCRAFT_LAYOUT}`;

/** Lists FGVC-Aircraft at one label level: trainval as train, test as test. */
export async function planAircraft(
  path: string,
  level: AircraftLevel,
  opts: PublishedOptions = {},
): Promise<PublishedPlan> {
  const root = publisherRoot(path, 'data', ['fgvc-aircraft-2013b']);
  const data = join(root, 'data');
  requireFolder(data, 'the lists and images', HINT);
  const imagesDir = join(data, 'images');
  requireFolder(imagesDir, 'the images', HINT);
  const namesFile = join(data, NAMES_FILE[level]);
  requireFile(namesFile, `the ${level} names`, HINT);
  const classNames: string[] = [];
  const seenName = new Map<string, number>();
  for (const { n, text } of numberedLines(namesFile, HINT)) {
    const name = text.trim();
    const first = seenName.get(name);
    if (first !== undefined)
      throw new DataError(
        'DATA_FORMAT',
        `${namesFile} line ${n} names "${name}" again (first on line ${first}).`,
        HINT,
        {
          path: namesFile,
        },
      );
    seenName.set(name, n);
    classNames.push(name);
  }
  const labelOf = new Map(classNames.map((c, i) => [c, i]));
  const onDisk = imagesUnder(imagesDir, 0);
  const crop = opts.keepBanner ? undefined : ({ kind: 'bottom', rows: AIRCRAFT_BANNER_ROWS } as const);
  const listed = new Map<string, string>();
  const read = (split: 'trainval' | 'test'): PublishedEntry[] => {
    const file = join(data, `images_${level}_${split}.txt`);
    requireFile(file, `the ${split} split at the ${level} level`, HINT);
    const out: PublishedEntry[] = [];
    for (const { n, text } of numberedLines(file, HINT)) {
      const parts = splitFirst(text.trim());
      if (parts === null) throw lineError(file, n, `"<image id> <${level}>"`, text, HINT);
      const [id, name] = parts;
      const label = labelOf.get(name);
      if (label === undefined)
        throw lineError(file, n, `"<image id> <${level}>" with a ${level} from ${NAMES_FILE[level]}`, text, HINT);
      const before = listed.get(id);
      if (before !== undefined)
        throw new DataError(
          'DATA_MISMATCH',
          `${file} line ${n} lists image ${id}, which ${before} already lists.`,
          HINT,
          {
            path: file,
          },
        );
      listed.set(id, `${file} line ${n}`);
      if (!onDisk.has(`${id}.jpg`))
        throw new DataError(
          'DATA_MISSING',
          `${file} line ${n} lists image ${id}, but ${join(imagesDir, `${id}.jpg`)} does not exist.`,
          HINT,
          { path: join(imagesDir, `${id}.jpg`) },
        );
      out.push(
        crop === undefined
          ? { file: join(imagesDir, `${id}.jpg`), label }
          : { file: join(imagesDir, `${id}.jpg`), label, crop },
      );
    }
    return out;
  };
  const train = read('trainval');
  const test = read('test');
  refuseExtra(
    onDisk,
    new Set([...listed.keys()].map((id) => `${id}.jpg`)),
    imagesDir,
    `images_${level}_trainval.txt and images_${level}_test.txt`,
    HINT,
  );
  return {
    root,
    classNames,
    train,
    test,
    notes: [`${level} level`, opts.keepBanner ? 'banner kept' : `bottom ${AIRCRAFT_BANNER_ROWS} rows (banner) cropped`],
  };
}
