// Test fixtures made at test time: temp folders, IDX files, small images written with sharp and
// synthetic ImageSets. Nothing binary is committed.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { ImageSet } from '../../src/data/index.js';
import type { DataError } from '../../src/data/index.js';

/** A fresh temp folder; call the returned cleanup when done. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `seal-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes bytes, creating parent folders. */
export function put(file: string, data: Uint8Array | string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  return file;
}

/** An IDX uint8 image file: magic 2051, count, rows, cols, then pixels. */
export function idxImages(
  count: number,
  h: number,
  w: number,
  pixel: (i: number, p: number) => number,
  magic = 2051,
): Buffer {
  const b = Buffer.alloc(16 + count * h * w);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(h, 8);
  b.writeUInt32BE(w, 12);
  for (let i = 0; i < count; i++) for (let p = 0; p < h * w; p++) b[16 + i * h * w + p] = pixel(i, p) & 255;
  return b;
}

/** An IDX uint8 label file: magic 2049, count, then labels. */
export function idxLabels(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(2049, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => {
    b[8 + i] = l;
  });
  return b;
}

/** A deterministic byte pattern (no Math.random in tests either). */
export const pattern = (i: number, p: number): number => (i * 37 + p * 11 + ((p * p) >> 3)) & 255;

/** Raw HWC pixels of a w x h image with `channels` channels, from pattern(seed, index). */
export function pixels(w: number, h: number, channels: number, seed: number): Buffer {
  const b = Buffer.alloc(w * h * channels);
  for (let p = 0; p < b.length; p++) b[p] = pattern(seed, p);
  return b;
}

/** Writes an image file with sharp; the format follows the extension (any case). Grey stays 1 channel. */
export async function writeImage(file: string, raw: Buffer, w: number, h: number, channels: 1 | 3): Promise<string> {
  mkdirSync(dirname(file), { recursive: true });
  let img = sharp(raw, { raw: { width: w, height: h, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  img = /\.png$/i.test(file) ? img.png() : img.jpeg({ quality: 95 });
  await img.toFile(file);
  return file;
}

/** Channel-major (CHW) copy of HWC pixels. */
export function toCHW(raw: Uint8Array, w: number, h: number, channels: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < w * h; p++) out[c * w * h + p] = raw[p * channels + c]!;
  return out;
}

/** Image i of a set, as a view. */
export function imageOf(set: ImageSet, i: number): Uint8Array {
  const per = set.channels * set.height * set.width;
  return set.images.subarray(i * per, (i + 1) * per);
}

/**
 * A synthetic ImageSet whose image i has pixel 0 of channel 0 equal to i (so a batch row can be
 * traced back to its image) and pattern bytes elsewhere; labels cycle through the classes.
 */
export function syntheticSet(
  count: number,
  channels: number,
  height: number,
  width: number,
  numClasses: number,
): ImageSet {
  const per = channels * height * width;
  const images = new Uint8Array(count * per);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < per; p++) images[i * per + p] = pattern(i, p);
    images[i * per] = i;
  }
  return {
    name: 'train',
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % numClasses),
    count,
    channels,
    height,
    width,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => `c${i}`),
  };
}

/** An assert.rejects/throws predicate: a DataError with this code whose message matches every pattern. */
export function dataError(code: string, ...patterns: (RegExp | string)[]): (e: unknown) => boolean {
  return (e: unknown) => {
    const err = e as DataError;
    if (err?.name !== 'DataError' || err.code !== code)
      throw new Error(`expected DataError ${code}, got ${String(e)}`, { cause: e });
    for (const p of patterns) {
      const ok = typeof p === 'string' ? err.message.includes(p) : p.test(err.message);
      if (!ok) throw new Error(`DataError message lacks ${String(p)}:\n${err.message}`);
    }
    if (!/\nhint: \S/.test(err.message)) throw new Error(`DataError message has no hint line:\n${err.message}`);
    return true;
  };
}
