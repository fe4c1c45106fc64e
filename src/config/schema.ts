// The run configuration: one typed object, one source of defaults (the SEAL reference
// code's, method.md §8), documented key by key so the CLI help is generated from here.
import type { KindValues, OptionDoc, OptionKind } from './options.js';

export const METHOD_NAMES = ['normal', 'llf', 'seal', 'llf+seal', 'reverse', 'freeze-late', 'ke'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
export const MODEL_NAMES = ['resnet18', 'resnet50', 'resnet18-cifar', 'resnet50-cifar', 'small-cnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const MEMORY_FORMATS = ['auto', 'nchw', 'nhwc'] as const;
export type MemoryFormatChoice = (typeof MEMORY_FORMATS)[number];
export const PRECISIONS = ['fp32', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

export const DEFAULTS = {
  method: 'seal',
  dataset: 'fashion-mnist',
  model: 'resnet50',
  width: 1,
  memoryFormat: 'auto',
  precision: 'fp32',
  tf32: false,
  deterministic: false,
  generations: 10,
  epochs: 160,
  batchSize: 32,
  evalBatchSize: 256,
  lr: 0.1,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 5e-4,
  labelSmoothing: 0.1,
  lrPolicy: 'cosine',
  warmupEpochs: null,
  ascentEpochs: null,
  ascentLrMultiplier: -0.01,
  ascentWdMultiplier: 0,
  splitAt: 'layer3',
  keSplitRate: 0.5,
  evalInterval: 2,
  cropPadding: 4,
  flip: true,
  seed: 0,
  device: 'cpu',
  threads: null,
  limitTrain: null,
  limitTest: null,
  out: null,
} as const satisfies RunConfig;

/** A config key's description; every int must also be a safe integer (<= 2^53-1). */
export type KeyDoc = OptionDoc<Exclude<OptionKind, 'ints' | 'strings'>>;

/** Most CPU threads a config may ask for on any machine (the CLI also bounds them by the core count). */
export const MAX_THREADS = 1024;
// Upper bounds of the counts a user gives, checked before any work starts: each is far beyond
// any real run (the paper trains 10 generations of 160 epochs) yet small enough that the
// per-epoch and per-generation bookkeeping stays within memory.
export const MAX_GENERATIONS = 1000;
export const MAX_EPOCHS = 10_000;
export const MAX_BATCH = 65_536;
export const MAX_IMAGES = 100_000_000;
/** Pixels of any image side (crop padding, resolutions). */
export const MAX_IMAGE_SIDE = 4096;

const KEY_DOCS = {
  method: {
    kind: 'enum',
    values: METHOD_NAMES,
    help: 'training method: normal (warm restarts), llf (later-layer forgetting), seal, llf+seal, reverse, freeze-late (ablations), ke (knowledge evolution)',
  },
  dataset: {
    kind: 'string',
    help: 'fashion-mnist, mnist, or KIND:PATH with KIND one of idx, cifar10, cifar100, folder, tiny-imagenet, or a published layout (seal data --help)',
  },
  model: {
    kind: 'enum',
    values: MODEL_NAMES,
    help: 'resnet18/resnet50 (7x7/2 stem + max-pool), the -cifar variants (3x3 stem, no pool), or small-cnn (4 conv layers, for tests and quick runs)',
  },
  width: {
    kind: 'number',
    min: 0.01,
    max: 16,
    help: 'multiplier of the stage widths 64-128-256-512 (small-cnn: of its 32 channels)',
  },
  memoryFormat: {
    kind: 'enum',
    values: MEMORY_FORMATS,
    help: 'layout of conv weights and activations: nhwc (channels_last), nchw, or auto (nhwc on the CPU, where it is faster); results agree to float rounding',
  },
  precision: {
    kind: 'enum',
    values: PRECISIONS,
    help: 'training arithmetic: fp32, or bf16 (autocast: convolutions and linear layers in bfloat16, float32 weights, optimizer and loss; evaluations stay fp32)',
  },
  tf32: {
    kind: 'boolean',
    help: 'GPU: let float32 convolutions and matrix products use TF32 (faster, 10-bit mantissa inputs); off keeps float32 exact',
  },
  deterministic: {
    kind: 'boolean',
    help: "GPU: deterministic cuDNN algorithms (off: cuDNN's benchmark mode picks the fastest per shape)",
  },
  generations: { kind: 'int', min: 1, max: MAX_GENERATIONS, help: 'generations (generation 0 is ordinary training)' },
  epochs: { kind: 'int', min: 1, max: MAX_EPOCHS, help: 'epochs per generation (E)' },
  batchSize: { kind: 'int', min: 1, max: MAX_BATCH, help: 'training batch size' },
  evalBatchSize: { kind: 'int', min: 1, max: MAX_BATCH, help: 'batch size for evaluation' },
  lr: { kind: 'number', min: 0, help: 'base learning rate' },
  momentum: { kind: 'number', min: 0, help: 'SGD momentum' },
  nesterov: {
    kind: 'boolean',
    help: 'Nesterov momentum (torch.optim.SGD nesterov=True); needs a momentum above 0',
  },
  weightDecay: { kind: 'number', min: 0, help: 'SGD weight decay (coupled, as torch.optim.SGD)' },
  labelSmoothing: { kind: 'number', min: 0, max: 1, maxOpen: true, help: 'label smoothing of the cross-entropy loss' },
  lrPolicy: {
    kind: 'enum',
    values: ['cosine', 'long-cosine'],
    help: 'cosine: warmup + cosine restarting every generation; long-cosine: one schedule over all generations',
  },
  warmupEpochs: { kind: 'int', min: 0, max: MAX_EPOCHS, nullable: true, help: 'linear warmup epochs (default E/8)' },
  ascentEpochs: {
    kind: 'int',
    min: 0,
    max: MAX_EPOCHS,
    nullable: true,
    help: 'k: epochs of ascent at the start of each generation >= 1 (default E/4, rounded; seal warns when k is 0, which makes an ascent method train like normal)',
  },
  ascentLrMultiplier: { kind: 'number', help: 'S: lr multiplier of the ascending layers (negative = ascent)' },
  ascentWdMultiplier: { kind: 'number', help: 'weight-decay multiplier of the ascending layers during ascent' },
  splitAt: { kind: 'string', help: 'first layer of the later part (layer1..layer4, or layerN.M for a block)' },
  keSplitRate: {
    kind: 'number',
    min: 0,
    minOpen: true,
    max: 1,
    help: 'ke: share of filters and channels kept in the fit hypothesis',
  },
  evalInterval: {
    kind: 'int',
    min: 1,
    max: MAX_EPOCHS,
    help: 'evaluate every N epochs (also after the ascent and at the end of each generation)',
  },
  cropPadding: { kind: 'int', min: 0, max: MAX_IMAGE_SIDE, help: 'random-crop padding in pixels (0 = no crop)' },
  flip: { kind: 'boolean', help: 'random horizontal flips' },
  seed: { kind: 'int', min: 0, help: 'seed of every random stream (init, shuffling, augmentation, re-initialisation)' },
  device: {
    kind: 'string',
    pattern: /^(cpu|cuda(:\d+)?)$/,
    expected: "'cpu', 'cuda' or 'cuda:N'",
    help: 'cpu, cuda or cuda:N',
  },
  threads: {
    kind: 'int',
    min: 1,
    max: MAX_THREADS,
    nullable: true,
    help: 'CPU threads (default: all cores; at most 4 per core)',
  },
  limitTrain: {
    kind: 'int',
    min: 1,
    max: MAX_IMAGES,
    nullable: true,
    help: 'use a stratified subset of N training images',
  },
  limitTest: { kind: 'int', min: 1, max: MAX_IMAGES, nullable: true, help: 'use a stratified subset of N test images' },
  out: {
    kind: 'string',
    nullable: true,
    help: 'run folder for config.json, metrics.jsonl, summary.json and checkpoints/',
  },
} as const satisfies Record<string, KeyDoc>;

/** The value an option of description D holds: its kind's (an enum's own values), or null when nullable. */
export type ValueOf<D> =
  | (D extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : D extends { kind: infer K extends OptionKind }
        ? KindValues[K]
        : never)
  | (D extends { nullable: true } ? null : never);

type KeyValues = { -readonly [K in keyof typeof KEY_DOCS]: ValueOf<(typeof KEY_DOCS)[K]> };
/**
 * The run configuration: one value per key, typed by its description above (inferred, not
 * written again). An interface rather than the alias, so that the API documentation lists every key.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RunConfig extends KeyValues {}

/** Every config key's description: its kind, bounds and help. */
export const KEYS: Readonly<Record<keyof RunConfig, KeyDoc>> = KEY_DOCS;

/** A config after defaults are resolved: the derived epoch counts are numbers. */
export interface ResolvedConfig extends RunConfig {
  warmupEpochs: number;
  ascentEpochs: number;
}
