// The shapes that every reader returns and every consumer (loader, training, evaluation) reads.

/**
 * Decoded images of one split, in memory. `images` holds `count` images back to back, each
 * channel-major ([C, H, W], the layout of a [N, C, H, W] tensor), as uint8 in 0..255.
 * `labels[i]` is the class index of image i, in 0..numClasses-1.
 */
export interface ImageSet {
  name: string;
  images: Uint8Array;
  labels: Int32Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  numClasses: number;
  classNames: string[];
  /** Set by selectImages: the set these images were picked from, and their indices there (so
   * an evaluation can compute features of overlapping subsets once). */
  origin?: { root: ImageSet; indices: Int32Array };
  /**
   * Set when the images were decoded at their evaluation protocol's input (e.g. "resize 256x256,
   * centre crop 224x224"): a model that pools globally is fed them at this size, not its own.
   */
  protocolInput?: string;
}

/** Where a loaded dataset came from, for logs and run records. */
export interface DataSource {
  /** The spec as given to loadDataset, e.g. 'fashion-mnist' or 'folder:/data/flowers'. */
  spec: string;
  /** The reader used: 'idx', 'cifar10', 'cifar100', 'folder' or 'tiny-imagenet'. */
  kind: string;
  /** Absolute folder the data was read from. */
  path: string;
  /** True when the decoded images were read from the disk cache instead of being decoded. */
  fromCache: boolean;
  /** The cache file used or written, or null when this source is not cached. */
  cacheFile: string | null;
}

/**
 * A train and a test split plus the per-channel normalisation to use with them: `mean` and
 * `std` are in [0, 1] pixel units, one entry per channel.
 */
export interface DatasetSplits {
  train: ImageSet;
  test: ImageSet;
  mean: number[];
  std: number[];
  source: DataSource;
}

/** Called as decoding advances: `done` of `total` images are decoded. The library never prints. */
export type ProgressFn = (done: number, total: number) => void;

/** Target geometry for readers that decode compressed images. */
export interface ImageSize {
  height: number;
  width: number;
}
