// The data layer: readers, the decoded-image cache, the dataset registry and the batch loader.
export type { ImageSet, DatasetSplits, DataSource, ProgressFn, ImageSize } from './types.js';
export { DataError, type DataErrorCode } from './data-error.js';
export { readIdxImages, readIdxLabels, loadIdxPair, loadIdxFolder, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './idx.js';
export { loadCifar, type CifarVariant } from './cifar.js';
export {
  decodePlan,
  probeImageSize,
  type DecodeOptions,
  type DecodePlan,
  type ImageCrop,
  type ImageEntry,
  type ImageFit,
} from './decode.js';
export {
  loadImageFolder,
  planImageFolder,
  heldOutCount,
  IMAGE_EXTENSIONS,
  type ImageFolderOptions,
} from './image-folder.js';
export { loadTinyImageNet, planTinyImageNet } from './tiny-imagenet.js';
export { cacheKey, readCache, writeCache, cachedSets, defaultCacheDir } from './cache.js';
export {
  loadDataset,
  datasetShape,
  parseDatasetSpec,
  nearestName,
  DATASET_NAMES,
  SOURCE_KINDS,
  PUBLISHED_STATS,
  type LoadDatasetOptions,
  type DatasetSpec,
} from './registry.js';
export {
  PUBLISHED,
  PUBLISHED_KINDS,
  isPublishedKind,
  AIRCRAFT_BANNER_ROWS,
  CHESTX_CLASSES,
  ISIC_CLASSES,
  type PublishedKind,
  type PublishedDataset,
  type PublishedCounts,
  type ProtocolInput,
  type PublishedOptions,
  type PublishedPlan,
  type PublishedEntry,
  type AircraftLevel,
} from './published/index.js';
export { channelStats, classCounts, selectImages, stratifiedSubset, checkImageSet } from './image-set.js';
export { BatchLoader, type Batch, type BatchLoaderOptions, type AugmentOptions } from './loader.js';
export { writeSample, normalizationTable, hflip, padCrop, IDENTITY, type AugmentParams } from './transforms.js';
export { deriveSeed, streamGenerator } from './seed.js';
