// Decodes lists of JPEG/PNG files into ImageSets with sharp (libvips), a bounded number of
// decodes in flight, each image optionally cut to a region before it is resized (CUB's bounding
// boxes, Aircraft's banner). sharp is imported lazily so that IDX/CIFAR users never load it.
import { readFile } from 'node:fs/promises';
import type { Sharp, SharpOptions } from 'sharp';
import { DataError, causeText } from './data-error.js';
import { checkImageSet } from './image-set.js';
import type { ImageSet, ImageSize, ProgressFn } from './types.js';

/** How an image whose aspect ratio differs from the target is resized (sharp's `fit`). */
export type ImageFit = 'fill' | 'cover' | 'contain';

/** A region of an image to keep before resizing: a box in pixels, or all but the bottom rows. */
export type ImageCrop =
  { kind: 'box'; left: number; top: number; width: number; height: number } | { kind: 'bottom'; rows: number };

/** One image file, its class index and an optional crop. */
export interface ImageEntry {
  file: string;
  label: number;
  crop?: ImageCrop;
}

/** Which files make up the splits of a dataset; a reader's listing, before any decoding. */
export interface DecodePlan {
  root: string;
  classNames: string[];
  train: ImageEntry[];
  test: ImageEntry[];
}

/** Options of decoding readers (class folders, Tiny-ImageNet, the published layouts). */
export interface DecodeOptions {
  /** Size of every image after resizing; default: the size of the first training image. */
  imageSize?: ImageSize;
  /** 1 (grey), 3 (RGB), or 'auto': 3 if any image has colour, else 1. Grey becomes RGB by repetition. */
  channels?: 1 | 3 | 'auto';
  /** Resize rule; default 'fill' (stretch to the size, no crop, no borders). */
  fit?: ImageFit;
  /**
   * After resizing to imageSize, keep only its centre region of this size (torchvision's Resize
   * then CenterCrop: offsets round((size - crop) / 2), halves to even). Needs imageSize.
   */
  centreCrop?: ImageSize;
  /** Decodes in flight; default 12. */
  concurrency?: number;
  /** Progress of the decoding, called after each image. */
  onProgress?: ProgressFn;
}

type SharpFactory = (input: Buffer, options?: SharpOptions) => Sharp;
let sharpModule: Promise<SharpFactory> | null = null;

async function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import('sharp')
    .then((m) => m.default as unknown as SharpFactory)
    .catch((e: unknown) => {
      sharpModule = null;
      throw new DataError(
        'DATA_MISSING',
        `the image decoder (npm package sharp) could not be loaded: ${causeText(e)}.`,
        'run `npm ci` in the seal folder; sharp ships its libvips binary inside its npm packages.',
        { cause: e },
      );
    });
  return sharpModule;
}

const corrupt = (file: string, e: unknown): DataError =>
  new DataError(
    'DATA_CORRUPT',
    `${file} could not be decoded as a JPEG or PNG image: ${causeText(e)}.`,
    'the file is damaged, cut short or not an image; delete or replace it (or move it out of the dataset folder).',
    { path: file, cause: e },
  );

/** The pixel region a crop keeps of a width x height image, clamped to the image. */
function cropRegion(
  crop: ImageCrop,
  width: number,
  height: number,
  file: string,
): { left: number; top: number; width: number; height: number } {
  if (crop.kind === 'bottom') {
    if (height <= crop.rows)
      throw new DataError(
        'DATA_FORMAT',
        `${file} is ${height} pixels high; cutting off its bottom ${crop.rows} rows (the banner) leaves nothing.`,
        'the file is not one of the dataset images; replace it with the original.',
        { path: file },
      );
    return { left: 0, top: 0, width, height: height - crop.rows };
  }
  const left = Math.min(crop.left, width);
  const top = Math.min(crop.top, height);
  const w = Math.min(crop.width, width - left);
  const h = Math.min(crop.height, height - top);
  if (w < 1 || h < 1)
    throw new DataError(
      'DATA_MISMATCH',
      `the box ${crop.left},${crop.top} ${crop.width}x${crop.height} of ${file} lies outside the ${width}x${height} image.`,
      'the bounding boxes do not belong to these images; extract the archive again.',
      { path: file },
    );
  return { left, top, width: w, height: h };
}

/** Width and height of an image file from its header; with `crop`, of the region the crop keeps. */
export async function probeImageSize(file: string, crop?: ImageCrop): Promise<ImageSize> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(await readFile(file)).metadata();
    if (meta.width === undefined || meta.height === undefined) throw new Error('no width or height in the header');
    const r = crop === undefined ? meta : cropRegion(crop, meta.width, meta.height, file);
    return { height: r.height!, width: r.width! };
  } catch (e) {
    throw e instanceof DataError ? e : corrupt(file, e);
  }
}

/**
 * Decodes one file, cut to its crop if it has one, to raw 8-bit pixels (HWC) of exactly `size`:
 * 1 channel when the file is grey or `grey` is asked for, 3 otherwise. Alpha is dropped.
 */
async function decodeOne(
  sharp: SharpFactory,
  entry: ImageEntry,
  size: ImageSize,
  fit: ImageFit,
  grey: boolean,
  centre?: ImageSize,
): Promise<{ data: Buffer; colour: boolean }> {
  const { file, crop } = entry;
  try {
    // failOn 'truncated': a cut-short file is an error, harmless libjpeg warnings are not.
    // EXIF orientation is not applied, as with PIL's loader that torchvision datasets use.
    const img = sharp(await readFile(file), { failOn: 'truncated' });
    const meta = await img.metadata();
    const colour = (meta.channels ?? 3) > 2;
    if (crop !== undefined) {
      if (meta.width === undefined || meta.height === undefined) throw new Error('no width or height in the header');
      // Called before resize, extract cuts the region out of the file's own pixels.
      img.extract(cropRegion(crop, meta.width, meta.height, file));
    }
    img.removeAlpha().resize(size.width, size.height, { fit });
    // Called after resize, extract cuts the region out of the resized image.
    if (centre !== undefined) img.extract(centreRegion(size, centre));
    const out = centre ?? size;
    const { data, info } = await img
      .toColourspace(grey || !colour ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const channels = grey || !colour ? 1 : 3;
    if (info.width !== out.width || info.height !== out.height || info.channels !== channels) {
      throw new Error(
        `decoded to ${info.width}x${info.height}x${info.channels}, expected ${out.width}x${out.height}x${channels}`,
      );
    }
    return { data, colour };
  } catch (e) {
    throw e instanceof DataError ? e : corrupt(file, e);
  }
}

/** Python's round (halves to even), as torchvision's CenterCrop rounds its offsets. */
const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** The centre region of `crop` in an image of `size`. */
export function centreRegion(
  size: ImageSize,
  crop: ImageSize,
): { left: number; top: number; width: number; height: number } {
  return {
    left: roundHalfEven((size.width - crop.width) / 2),
    top: roundHalfEven((size.height - crop.height) / 2),
    width: crop.width,
    height: crop.height,
  };
}

/** HWC pixels into image slot `out` (CHW, `outChannels`), repeating a grey plane into 3 channels. */
function storeCHW(
  src: Uint8Array,
  srcChannels: number,
  dst: Uint8Array,
  offset: number,
  outChannels: number,
  plane: number,
): void {
  if (srcChannels === 1) {
    for (let c = 0; c < outChannels; c++) dst.set(src.subarray(0, plane), offset + c * plane);
    return;
  }
  for (let c = 0; c < 3; c++) {
    const base = offset + c * plane;
    for (let p = 0, s = c; p < plane; p++, s += 3) dst[base + p] = src[s]!;
  }
}

/** Calls fn(i) for i in 0..n-1 with at most `limit` calls pending; stops at the first error. */
async function forEachLimit(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < n) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, worker));
}

/**
 * Decodes every file of a plan into a train and a test ImageSet of one size and channel count,
 * each image cut to its crop (when it has one) before it is resized. The default size is the first
 * training image's, after its crop.
 * @example const { train, test } = await decodePlan(planImageFolder('/data/flowers'), { imageSize: { height: 64, width: 64 } })
 */
export async function decodePlan(
  plan: DecodePlan,
  opts: DecodeOptions = {},
): Promise<{ train: ImageSet; test: ImageSet }> {
  const sharp = await loadSharp();
  const first = plan.train[0] ?? plan.test[0];
  if (first === undefined) {
    throw new DataError(
      'DATA_MISSING',
      `${plan.root} holds no images to decode.`,
      'put .jpg, .jpeg or .png files in the class folders.',
      { path: plan.root },
    );
  }
  const size = opts.imageSize ?? (await probeImageSize(first.file, first.crop));
  if (!(Number.isInteger(size.height) && Number.isInteger(size.width) && size.height > 0 && size.width > 0)) {
    throw new DataError(
      'DATA_OPTION',
      `the image size for ${plan.root} must be positive whole numbers; got ${size.height}x${size.width}.`,
      'pass imageSize as { height, width }, e.g. { height: 64, width: 64 }.',
    );
  }
  const centre = opts.centreCrop;
  if (
    centre !== undefined &&
    (centre.height > size.height || centre.width > size.width || centre.height < 1 || centre.width < 1)
  ) {
    throw new DataError(
      'DATA_OPTION',
      `the centre crop ${centre.height}x${centre.width} for ${plan.root} does not fit in the image size ${size.height}x${size.width}.`,
      'give a centre crop no larger than the image size.',
    );
  }
  const out = centre ?? size;
  const want = opts.channels ?? 'auto';
  const fit = opts.fit ?? 'fill';
  const plane = out.height * out.width;
  // Decode into 3 channels unless grey is asked for; an all-grey 'auto' set is compacted after.
  const slots = want === 1 ? 1 : 3;
  const all = [...plan.train, ...plan.test];
  const pixels = new Uint8Array(all.length * slots * plane);
  let anyColour = false;
  let done = 0;
  await forEachLimit(all.length, opts.concurrency ?? 12, async (i) => {
    const entry = all[i]!;
    const { data, colour } = await decodeOne(sharp, entry, size, fit, want === 1, centre);
    anyColour ||= colour;
    storeCHW(data, want === 1 || !colour ? 1 : 3, pixels, i * slots * plane, slots, plane);
    opts.onProgress?.(++done, all.length);
  });
  let channels = slots;
  let images = pixels;
  if (want === 'auto' && !anyColour) {
    channels = 1;
    images = new Uint8Array(all.length * plane);
    for (let i = 0; i < all.length; i++) images.set(pixels.subarray(i * 3 * plane, i * 3 * plane + plane), i * plane);
  }
  const per = channels * plane;
  const make = (name: string, from: number, entries: ImageEntry[]): ImageSet =>
    checkImageSet(
      {
        name,
        images: images.subarray(from * per, (from + entries.length) * per),
        labels: Int32Array.from(entries, (e) => e.label),
        count: entries.length,
        channels,
        height: out.height,
        width: out.width,
        numClasses: plan.classNames.length,
        classNames: [...plan.classNames],
      },
      plan.root,
    );
  return { train: make('train', 0, plan.train), test: make('test', plan.train.length, plan.test) };
}
