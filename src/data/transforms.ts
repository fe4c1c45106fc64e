// Per-image transforms on typed arrays. The loader's hot path is writeSample(): random crop with
// zero padding, horizontal flip and normalisation fused into one pass from uint8 to float32, with
// normalisation as a 256-entry table per channel, so a pixel costs one load and one store.
// hflip() and padCrop() are the same operations on uint8 images, for tests and tools.

/** Where to cut the crop from the padded image, and whether to mirror it. */
export interface AugmentParams {
  /** Padding added on every side before cropping back to H x W (0 = no crop). */
  padding: number;
  /** Column of the crop's left edge in the padded image, 0..2*padding. */
  dx: number;
  /** Row of the crop's top edge in the padded image, 0..2*padding. */
  dy: number;
  /** Mirror left-right after cropping. */
  flip: boolean;
}

/** No crop, no flip. */
export const IDENTITY: AugmentParams = { padding: 0, dx: 0, dy: 0, flip: false };

/**
 * Table of normalised values: entry c*256+v is (v/255 - mean[c]) / std[c].
 * @example const lut = normalizationTable([0.286], [0.353], 1)
 */
export function normalizationTable(mean: readonly number[], std: readonly number[], channels: number): Float32Array {
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(
      `normalisation needs one mean and one std per channel (${channels}); got ${mean.length} means and ${std.length} stds`,
    );
  }
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    if (!(s > 0)) throw new RangeError(`std[${c}] must be positive; got ${s}`);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - m) / s;
  }
  return lut;
}

/**
 * Writes one image (uint8, [C,H,W] at `src[srcOff]`) as normalised float32 into `dst[dstOff]`,
 * cropped and flipped per `aug`. A pixel from the padding is 0 before normalisation, as with
 * torchvision's RandomCrop(padding) applied before ToTensor/Normalize. The crop is taken first,
 * then mirrored, also as torchvision does.
 */
export function writeSample(
  src: Uint8Array,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  c: number,
  h: number,
  w: number,
  lut: Float32Array,
  aug: AugmentParams = IDENTITY,
): void {
  const plane = h * w;
  if (aug.padding === 0 && !aug.flip) {
    for (let ch = 0; ch < c; ch++) {
      const t = ch * 256;
      const s0 = srcOff + ch * plane;
      const d0 = dstOff + ch * plane;
      for (let p = 0; p < plane; p++) dst[d0 + p] = lut[t + src[s0 + p]!]!;
    }
    return;
  }
  const shift = aug.dx - aug.padding; // source column = (output column, mirrored if flipping) + shift
  // Output columns whose source column lies inside the image; the rest are padding.
  const x0 = aug.flip ? Math.max(0, shift) : Math.max(0, -shift);
  const x1 = aug.flip ? Math.min(w, w + shift) : Math.min(w, w - shift);
  for (let ch = 0; ch < c; ch++) {
    const t = ch * 256;
    const zero = lut[t]!;
    for (let y = 0; y < h; y++) {
      const sy = y + aug.dy - aug.padding;
      const d = dstOff + ch * plane + y * w;
      if (sy < 0 || sy >= h || x0 >= x1) {
        dst.fill(zero, d, d + w);
        continue;
      }
      const row = srcOff + ch * plane + sy * w;
      if (x0 > 0) dst.fill(zero, d, d + x0);
      if (aug.flip) {
        // source column of output x is w-1-x+shift
        for (let x = x0, s = row + w - 1 - x0 + shift; x < x1; x++, s--) dst[d + x] = lut[t + src[s]!]!;
      } else {
        for (let x = x0, s = row + x0 + shift; x < x1; x++, s++) dst[d + x] = lut[t + src[s]!]!;
      }
      if (x1 < w) dst.fill(zero, d + x1, d + w);
    }
  }
}

/** A left-right mirror image of a uint8 [C,H,W] image. */
export function hflip(image: Uint8Array, c: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(c * h * w);
  for (let r = 0; r < c * h; r++) {
    for (let x = 0; x < w; x++) out[r * w + x] = image[r * w + w - 1 - x]!;
  }
  return out;
}

/** Pads a uint8 [C,H,W] image with `padding` zeros on every side and crops H x W at (dy, dx). */
export function padCrop(
  image: Uint8Array,
  c: number,
  h: number,
  w: number,
  padding: number,
  dx: number,
  dy: number,
): Uint8Array {
  const out = new Uint8Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const sy = y + dy - padding;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx = x + dx - padding;
        if (sx >= 0 && sx < w) out[(ch * h + y) * w + x] = image[(ch * h + sy) * w + sx]!;
      }
    }
  }
  return out;
}
