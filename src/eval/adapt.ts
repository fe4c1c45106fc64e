// Feeding any image set to any checkpoint. The rule, in order:
//  1. channels: grey → colour repeats the grey channel; colour → grey takes the luma
//     0.299 R + 0.587 G + 0.114 B;
//  2. size: an image no larger than the model's input and at least 2/3 of it in each side is
//     zero-padded around the centre (e.g. 20x20 digits into 28x28, as MNIST was made);
//     anything else is resized bilinearly (8x8 → 28x28, 64x64 → 28x28);
//  3. normalisation with the checkpoint's source-data mean and std (the loader does this).
import { interpolate, pad, tensor, tidy } from '../backend/index.js';
import type { ImageSet } from '../data/types.js';

export interface InputShape {
  channels: number;
  height: number;
  width: number;
}

const CHUNK = 512;

/** What adaptImages does to images of shape `from` for a model taking `to` (the rule above). */
export function adaptationRule(
  from: InputShape,
  to: InputShape,
): { channels: 'unchanged' | 'repeat' | 'luma'; size: 'unchanged' | 'pad' | 'resize' } {
  const channels = from.channels === to.channels ? 'unchanged' : from.channels === 1 ? 'repeat' : 'luma';
  const { height: h, width: w } = from;
  const pads = h <= to.height && w <= to.width && 3 * h >= 2 * to.height && 3 * w >= 2 * to.width;
  const size = h === to.height && w === to.width ? 'unchanged' : pads ? 'pad' : 'resize';
  return { channels, size };
}

/**
 * The shape a model taking `to` is fed `set` at: `to`, except that images decoded at their
 * evaluation protocol's input (ImageSet.protocolInput) keep their size when the model takes any
 * size (`anySize`: it pools globally); only their channels are converted.
 */
export function feedShape(
  set: InputShape & Pick<ImageSet, 'protocolInput'>,
  to: InputShape,
  anySize: boolean,
): InputShape {
  return set.protocolInput !== undefined && anySize
    ? { channels: to.channels, height: set.height, width: set.width }
    : { channels: to.channels, height: to.height, width: to.width };
}

/**
 * `set` converted to the model's input shape (a new ImageSet; `set` itself if nothing changes);
 * with `anySize`, to its feedShape.
 */
export function adaptImages(set: ImageSet, model: InputShape, anySize = false): ImageSet {
  const to = feedShape(set, model, anySize);
  const { channels: c, height: h, width: w } = set;
  if (c === to.channels && h === to.height && w === to.width) return set;
  if (![1, 3].includes(c) || ![1, 3].includes(to.channels)) {
    throw new Error(`cannot convert ${c}-channel images to ${to.channels} channels; only 1 and 3 are supported`);
  }
  const rule = adaptationRule(set, to);
  const per = to.channels * to.height * to.width;
  const out = new Uint8Array(set.count * per);
  for (let start = 0; start < set.count; start += CHUNK) {
    const n = Math.min(CHUNK, set.count - start);
    const chunk = tidy(() => {
      let x = tensor(set.images.subarray(start * c * h * w, (start + n) * c * h * w), [n, c, h, w], {
        dtype: 'float32',
      });
      if (c === 1 && to.channels === 3) x = x.expand([n, 3, h, w]);
      if (c === 3 && to.channels === 1) x = x.mul(tensor([0.299, 0.587, 0.114], [1, 3, 1, 1])).sum(1, true);
      if (rule.size === 'pad') {
        const top = (to.height - h) >> 1,
          left = (to.width - w) >> 1;
        x = pad(x, [left, to.width - w - left, top, to.height - h - top]);
      } else if (rule.size === 'resize') {
        x = interpolate(x, [to.height, to.width], 'bilinear');
      }
      return x.clamp(0, 255).add(0.5).floor().to('uint8').contiguous();
    });
    out.set(chunk.toArray() as Uint8Array, start * per);
    chunk.dispose();
  }
  return { ...set, images: out, channels: to.channels, height: to.height, width: to.width };
}
