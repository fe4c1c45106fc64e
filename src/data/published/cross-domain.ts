// The four targets of the cross-domain few-shot benchmark (BSCD-FSL, Guo et al. 2020), read from
// the folders their publishers' archives extract to: EuroSAT (RGB), ISIC 2018 task 3, PlantVillage
// (CropDisease) and ChestX-ray8. None has an official train/test split: the benchmark draws its
// episodes from all the images. seal fixes a seeded 50/50 split of each class (image-folder.ts's
// hold-out rule), as it does for the digit targets, so that transfer has a training half and
// few-shot draws its episodes from the test half (the same classes, each sampled uniformly).
import { join } from 'node:path';
import { DataError } from '../data-error.js';
import { isDir, isFile, listDir } from '../files.js';
import { planImageFolder } from '../image-folder.js';
import type { ImageEntry } from '../decode.js';
import {
  imagesUnder,
  lineError,
  numberedLines,
  refuseExtra,
  requireFile,
  requireFolder,
  seededHalves,
  type PublishedOptions,
  type PublishedPlan,
} from './common.js';

const HALVES_NOTE = 'no official split: seal split each class 50/50 (seeded)';

export const EUROSAT_LAYOUT = `EuroSAT/                  (EuroSAT.zip, the RGB version)
  2750/<Class>/<Class>_<n>.jpg   27,000 64x64 images in 10 class folders
  (or the class folders directly in the folder given)`;
export const PLANTVILLAGE_LAYOUT = `CropDiseases/             (the Kaggle "plant-disease" archive used by BSCD-FSL)
  dataset/train/<Class>/<file>.jpg   38 class folders, e.g. Apple___Apple_scab
  (or train/<Class>/…, or the class folders directly in the folder given)`;
export const ISIC_LAYOUT = `ISIC2018/                 (the task 3 training archives, extracted side by side)
  ISIC2018_Task3_Training_Input/ISIC_0024306.jpg …   10,015 images
  ISIC2018_Task3_Training_GroundTruth/ISIC2018_Task3_Training_GroundTruth.csv
      "image,MEL,NV,BCC,AKIEC,BKL,DF,VASC", one 1.0 a row`;
export const CHESTX_LAYOUT = `chestX/                   (NIH ChestX-ray8/14, as Kaggle's nih-chest-xrays/data extracts)
  Data_Entry_2017.csv        "Image Index,Finding Labels,…"
  images/<name>.png, or images_001/images/<name>.png … images_012/images/<name>.png`;

/** The class folders of a folder-per-class set, split 50/50 per class. */
function classFolderSet(path: string, candidates: string[], layout: string, opts: PublishedOptions): PublishedPlan {
  const hint = `pass the extracted folder, laid out as:\n${layout}`;
  const dir = candidates.map((c) => join(path, c)).find(isDir) ?? path;
  requireFolder(dir, 'the class folders of images', hint);
  try {
    const plan = planImageFolder(dir, { testFraction: 0.5, splitSeed: opts.splitSeed ?? 0 });
    return { ...plan, notes: [HALVES_NOTE] };
  } catch (e) {
    if (e instanceof DataError)
      throw new DataError(e.code, e.detail, hint, { ...(e.path !== undefined ? { path: e.path } : {}), cause: e });
    throw e;
  }
}

/** EuroSAT (RGB): 10 land-cover classes of 64x64 Sentinel-2 images. */
export async function planEuroSat(path: string, opts: PublishedOptions = {}): Promise<PublishedPlan> {
  return classFolderSet(path, ['2750', 'EuroSAT/2750', 'EuroSAT_RGB'], EUROSAT_LAYOUT, opts);
}

/** PlantVillage as BSCD-FSL's CropDisease: 38 crop/disease classes. */
export async function planPlantVillage(path: string, opts: PublishedOptions = {}): Promise<PublishedPlan> {
  return classFolderSet(path, ['dataset/train', 'train'], PLANTVILLAGE_LAYOUT, opts);
}

/** The fields of one CSV line (double-quoted fields may hold commas and "" for a quote). */
export function csvFields(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** The seven classes of ISIC 2018 task 3, in the column order of the ground-truth file. */
export const ISIC_CLASSES = ['MEL', 'NV', 'BCC', 'AKIEC', 'BKL', 'DF', 'VASC'];

/** ISIC 2018 task 3 (HAM10000): one-hot ground truth, one image per row. */
export async function planIsic2018(path: string, opts: PublishedOptions = {}): Promise<PublishedPlan> {
  const hint = `pass the folder holding both extracted archives:\n${ISIC_LAYOUT}`;
  const imagesDir = join(path, 'ISIC2018_Task3_Training_Input');
  const csv = join(path, 'ISIC2018_Task3_Training_GroundTruth', 'ISIC2018_Task3_Training_GroundTruth.csv');
  requireFolder(imagesDir, 'the images', hint);
  requireFile(csv, 'the class of every image', hint);
  const lines = numberedLines(csv, hint);
  const header = `image,${ISIC_CLASSES.join(',')}`;
  if (lines[0]?.text.trim() !== header)
    throw lineError(csv, lines[0]?.n ?? 1, `the header "${header}"`, lines[0]?.text ?? '', hint);
  const onDisk = imagesUnder(imagesDir, 0);
  const entries: ImageEntry[] = [];
  const seen = new Map<string, number>();
  for (const { n, text } of lines.slice(1)) {
    const f = csvFields(text.trim());
    const values = f?.slice(1).map(Number);
    const ones = values?.filter((v) => v === 1).length;
    const ok =
      f !== null && f.length === 8 && /^[\w-]+$/.test(f[0]!) && values!.every((v) => v === 0 || v === 1) && ones === 1;
    if (!ok) throw lineError(csv, n, '"<image>" then seven values 0.0 or 1.0 with exactly one 1.0', text, hint);
    const id = f[0]!;
    const before = seen.get(id);
    if (before !== undefined)
      throw new DataError('DATA_FORMAT', `${csv} line ${n} gives ${id} again (first on line ${before}).`, hint, {
        path: csv,
      });
    seen.set(id, n);
    if (!onDisk.has(`${id}.jpg`))
      throw new DataError(
        'DATA_MISSING',
        `${csv} line ${n} labels ${id}, but ${join(imagesDir, `${id}.jpg`)} does not exist.`,
        hint,
        {
          path: join(imagesDir, `${id}.jpg`),
        },
      );
    entries.push({ file: join(imagesDir, `${id}.jpg`), label: values!.indexOf(1) });
  }
  refuseExtra(onDisk, new Set([...seen.keys()].map((id) => `${id}.jpg`)), imagesDir, csv, hint);
  entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    root: path,
    classNames: [...ISIC_CLASSES],
    ...seededHalves(entries, ISIC_CLASSES, opts.splitSeed ?? 0),
    notes: [HALVES_NOTE],
  };
}

/** The classes of BSCD-FSL's ChestX subset: rows whose only finding is one of these. */
export const CHESTX_CLASSES = [
  'Atelectasis',
  'Cardiomegaly',
  'Effusion',
  'Infiltration',
  'Mass',
  'Nodule',
  'Pneumothorax',
];

/** ChestX-ray8 as BSCD-FSL uses it: the images with exactly one finding among CHESTX_CLASSES. */
export async function planChestX(path: string, opts: PublishedOptions = {}): Promise<PublishedPlan> {
  const hint = `pass the folder holding Data_Entry_2017.csv and the images:\n${CHESTX_LAYOUT}`;
  const csv =
    ['Data_Entry_2017.csv', 'Data_Entry_2017_v2020.csv'].map((n) => join(path, n)).find(isFile) ??
    join(path, 'Data_Entry_2017.csv');
  requireFile(csv, 'the findings of every image', hint);
  // Images: images/ and any images_NNN/images/ (the Kaggle archive's parts).
  const where = new Map<string, string>();
  const folders = [join(path, 'images')];
  if (isDir(path))
    for (const d of listDir(path))
      if (d.isDirectory() && /^images_\d+$/.test(d.name)) folders.push(join(path, d.name, 'images'));
  let anyFolder = false;
  for (const dir of folders) {
    if (!isDir(dir)) continue;
    anyFolder = true;
    for (const name of imagesUnder(dir, 0)) {
      const before = where.get(name);
      if (before !== undefined)
        throw new DataError('DATA_MISMATCH', `${name} is both in ${before} and in ${dir}.`, `keep one copy. ${hint}`, {
          path: join(dir, name),
        });
      where.set(name, dir);
    }
  }
  if (!anyFolder) requireFolder(join(path, 'images'), 'the X-ray images', hint);
  const lines = numberedLines(csv, hint);
  const head = csvFields(lines[0]?.text ?? '');
  if (head === null || head[0] !== 'Image Index' || head[1] !== 'Finding Labels')
    throw lineError(
      csv,
      lines[0]?.n ?? 1,
      'a header starting "Image Index,Finding Labels"',
      lines[0]?.text ?? '',
      hint,
    );
  const labelOf = new Map(CHESTX_CLASSES.map((c, i) => [c, i]));
  const entries: ImageEntry[] = [];
  const named = new Set<string>();
  for (const { n, text } of lines.slice(1)) {
    const f = csvFields(text);
    if (f === null || f.length < 2 || !/\.png$/i.test(f[0]!) || f[1]!.trim() === '')
      throw lineError(csv, n, '"<name>.png,<finding>[|<finding>…],…"', text, hint);
    const name = f[0]!;
    if (named.has(name))
      throw new DataError('DATA_FORMAT', `${csv} line ${n} gives ${name} a second time.`, hint, { path: csv });
    named.add(name);
    const label = labelOf.get(f[1]!.trim());
    if (label === undefined) continue;
    const dir = where.get(name);
    if (dir === undefined)
      throw new DataError(
        'DATA_MISSING',
        `${csv} line ${n} gives ${name} the finding ${f[1]}, but no ${name} is in ${folders.filter(isDir).join(' or ')}.`,
        `extract every part of the archive (images_001 to images_012). ${hint}`,
        { path: join(path, 'images', name) },
      );
    entries.push({ file: join(dir, name), label });
  }
  const extra = [...where.keys()].filter((k) => !named.has(k)).sort();
  if (extra.length > 0)
    throw new DataError(
      'DATA_MISMATCH',
      `${extra.length} image(s) are in the image folders but not in ${csv}, e.g. ${extra
        .slice(0, 3)
        .map((k) => join(where.get(k)!, k))
        .join(', ')}.`,
      `the images and the table should come from the same release; remove the extra images. ${hint}`,
      { path: join(where.get(extra[0]!)!, extra[0]!) },
    );
  entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    root: path,
    classNames: [...CHESTX_CLASSES],
    ...seededHalves(entries, CHESTX_CLASSES, opts.splitSeed ?? 0),
    notes: [
      HALVES_NOTE,
      `${named.size - entries.length} rows of ${csv} have another finding, several or none, and are not used`,
    ],
  };
}
