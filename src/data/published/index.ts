// The datasets read from their publishers' own layouts (docs/data.md §4): each name is a
// `KIND:PATH` source kind, with its reader, the layout it expects and the counts its publisher
// gives, which `seal data check` compares a folder against.
import { AIRCRAFT_LAYOUT, planAircraft, type AircraftLevel } from './aircraft.js';
import { CUB_LAYOUT, planCub } from './cub.js';
import {
  CHESTX_LAYOUT,
  EUROSAT_LAYOUT,
  ISIC_LAYOUT,
  PLANTVILLAGE_LAYOUT,
  planChestX,
  planEuroSat,
  planIsic2018,
  planPlantVillage,
} from './cross-domain.js';
import { DOGS_LAYOUT, planDogs } from './dogs.js';
import { FLOWERS_LAYOUT, planFlowers102 } from './flowers102.js';
import { MIT67_LAYOUT, planMit67 } from './mit67.js';
import type { PublishedOptions, PublishedPlan } from './common.js';

export type { ImageCrop } from '../decode.js';
export type { PublishedEntry, PublishedOptions, PublishedPlan } from './common.js';
export { CHESTX_CLASSES, ISIC_CLASSES } from './cross-domain.js';
export { AIRCRAFT_BANNER_ROWS, type AircraftLevel } from './aircraft.js';

/** The published-layout source kinds. */
export const PUBLISHED_KINDS = [
  'cub',
  'cub-bbox',
  'aircraft',
  'aircraft-family',
  'aircraft-manufacturer',
  'flowers102',
  'dogs',
  'mit67',
  'eurosat',
  'isic2018',
  'plantvillage',
  'chestx',
] as const;
/** One of PUBLISHED_KINDS. */
export type PublishedKind = (typeof PUBLISHED_KINDS)[number];

/** Image and class counts as published; null where the publisher gives none. */
export interface PublishedCounts {
  classes: number;
  /** Images of the official train split (null: no official split). */
  train: number | null;
  /** Images of the official test split (null: no official split). */
  test: number | null;
  /** All images the reader uses (null: not known). */
  total: number | null;
  /** Where the numbers come from. */
  source: string;
}

/** How the evaluation protocol feeds a dataset's images: resized to resize x resize, centre-cropped to crop x crop. */
export interface ProtocolInput {
  resize: number;
  crop: number;
  /** The rule in words, with where it comes from. */
  text: string;
}

/** Transfer targets (LLF and Knowledge Evolution's loaders, their test transform). */
const TRANSFER_INPUT: ProtocolInput = {
  resize: 256,
  crop: 224,
  text: 'resize 256x256, centre crop 224x224 (the test transform of the LLF and Knowledge Evolution loaders)',
};
/** The cross-domain few-shot targets (BSCD-FSL's test transform: resize to 1.15 x 224 = 257). */
const FEW_SHOT_INPUT: ProtocolInput = {
  resize: 257,
  crop: 224,
  text: 'resize 257x257, centre crop 224x224 (the BSCD-FSL test transform: resize to 1.15 x 224)',
};

/** A dataset read from its publisher's layout. */
export interface PublishedDataset {
  /** Its name as published. */
  title: string;
  /** The folder it expects, as the archives extract. */
  layout: string;
  /** How train and test are made. */
  protocol: string;
  counts: PublishedCounts;
  /** How its evaluation protocol feeds the images to a network. */
  input: ProtocolInput;
  /** True for the sets without an official split (seal splits each class 50/50, seeded). */
  fewShotOnly: boolean;
  /** Lists the folder into train and test without decoding (checks every file it names). */
  plan: (path: string, opts: PublishedOptions) => Promise<PublishedPlan>;
}

/**
 * A set with an official split: `split` is its classes, train and test images as published
 * (all images: train + test).
 */
function official(
  title: string,
  layout: string,
  protocol: string,
  [classes, train, test]: readonly [number, number, number],
  source: string,
  plan: PublishedDataset['plan'],
): PublishedDataset {
  const counts = { classes, train, test, total: train + test, source };
  return { title, layout, protocol, counts, input: TRANSFER_INPUT, fewShotOnly: false, plan };
}

const HALVES =
  'no official split: each class split 50/50 by a seeded rule (seal); few-shot episodes come from the test half';

/** A set without an official split, each class split 50/50 by seal (HALVES, then any `more`). */
function halved(
  title: string,
  layout: string,
  classes: number,
  total: number | null,
  source: string,
  plan: PublishedDataset['plan'],
  more = '',
): PublishedDataset {
  const counts = { classes, train: null, test: null, total, source };
  return { title, layout, protocol: `${HALVES}${more}`, counts, input: FEW_SHOT_INPUT, fewShotOnly: true, plan };
}

const CUB_SPLIT = [200, 5994, 5794] as const;
const CUB_SOURCE = 'Wah et al. 2011, CUB-200-2011 technical report';

/** FGVC-Aircraft at one label level (6,667 trainval and 3,333 test images at every level). */
const aircraft = (level: AircraftLevel, name: string, protocol: string, classes: number): PublishedDataset =>
  official(
    `FGVC-Aircraft 2013b, ${name}`,
    AIRCRAFT_LAYOUT,
    protocol,
    [classes, 6667, 3333],
    'Maji et al. 2013, FGVC-Aircraft 2013b README',
    (p, o) => planAircraft(p, level, o),
  );

/** Every published-layout dataset by kind. */
export const PUBLISHED: Readonly<Record<PublishedKind, PublishedDataset>> = {
  cub: official('CUB-200-2011', CUB_LAYOUT, 'train/test from train_test_split.txt', CUB_SPLIT, CUB_SOURCE, (p, o) =>
    planCub(p, { ...o, cropBoxes: o.cropBoxes ?? false }),
  ),
  'cub-bbox': official(
    'CUB-200-2011, cropped to bounding boxes',
    CUB_LAYOUT,
    'train/test from train_test_split.txt; each image cropped to its bounding_boxes.txt box',
    CUB_SPLIT,
    CUB_SOURCE,
    (p, o) => planCub(p, { ...o, cropBoxes: true }),
  ),
  aircraft: aircraft(
    'variant',
    'variants',
    'train = trainval, test = test; bottom 20 rows (copyright banner) cropped off',
    100,
  ),
  'aircraft-family': aircraft('family', 'families', 'as aircraft, labels from images_family_*.txt', 70),
  'aircraft-manufacturer': aircraft(
    'manufacturer',
    'manufacturers',
    'as aircraft, labels from images_manufacturer_*.txt',
    30,
  ),
  flowers102: official(
    'Oxford Flowers-102',
    FLOWERS_LAYOUT,
    'train = trnid + valid, test = tstid (setid.mat)',
    [102, 2040, 6149],
    'Nilsback & Zisserman 2008; setid.mat',
    planFlowers102,
  ),
  dogs: official(
    'Stanford Dogs',
    DOGS_LAYOUT,
    'train/test from train_list.mat and test_list.mat (100 training images a breed)',
    [120, 12000, 8580],
    'Khosla et al. 2011, FGVC workshop',
    planDogs,
  ),
  mit67: official(
    'MIT Indoor-67',
    MIT67_LAYOUT,
    'train/test from TrainImages.txt and TestImages.txt (80 and 20 a class)',
    [67, 5360, 1340],
    'Quattoni & Torralba 2009, CVPR',
    planMit67,
  ),
  eurosat: halved('EuroSAT (RGB)', EUROSAT_LAYOUT, 10, 27000, 'Helber et al. 2019, IEEE JSTARS', planEuroSat),
  isic2018: halved(
    'ISIC 2018 task 3 (HAM10000)',
    ISIC_LAYOUT,
    7,
    10015,
    'Codella et al. 2019; Tschandl et al. 2018',
    planIsic2018,
  ),
  plantvillage: halved(
    'PlantVillage (CropDisease, as in BSCD-FSL)',
    PLANTVILLAGE_LAYOUT,
    38,
    43456,
    'Guo et al. 2020 (BSCD-FSL), its dataset table',
    planPlantVillage,
  ),
  chestx: halved(
    'ChestX-ray8, the 7-class single-finding subset of BSCD-FSL',
    CHESTX_LAYOUT,
    7,
    null,
    'Guo et al. 2020 (BSCD-FSL) loader; image count not checked here',
    planChestX,
    '; rows whose Finding Labels is exactly one of the 7 classes',
  ),
};

/** True when `kind` is a published-layout kind. */
export const isPublishedKind = (kind: string): kind is PublishedKind => Object.hasOwn(PUBLISHED, kind);
