// Model name → constructor.
import type { Generator } from '../backend/index.js';
import type { MemoryFormatChoice, ModelName } from '../config/schema.js';
import { ResNet } from './resnet.js';
import { SmallCnn } from './small-cnn.js';
import type { Classifier } from './types.js';

export interface ModelSpec {
  model: ModelName;
  width: number;
  inChannels: number;
  numClasses: number;
  device: string;
  generator: Generator;
  /** Default 'auto'. */
  memoryFormat?: MemoryFormatChoice;
}

/**
 * The layout a model runs in. 'auto' picks NHWC on the CPU, where it measured faster for these
 * ResNets (oneDNN's convolutions work in NHWC, so NCHW costs a reorder around every conv), and
 * NCHW elsewhere, where it was not measured.
 */
export function resolveMemoryFormat(choice: MemoryFormatChoice, device: string): 'nchw' | 'nhwc' {
  if (choice !== 'auto') return choice;
  return device === 'cpu' ? 'nhwc' : 'nchw';
}

const resnet =
  (depth: 18 | 50, stem: 'imagenet' | 'cifar') =>
  (s: ModelSpec): Classifier =>
    new ResNet({
      depth,
      stem,
      width: s.width,
      inChannels: s.inChannels,
      numClasses: s.numClasses,
      device: s.device,
      generator: s.generator,
      memoryFormat: resolveMemoryFormat(s.memoryFormat ?? 'auto', s.device),
    });

/** Model name → factory. Adding a model is one file implementing Classifier plus one line here. */
export const MODELS: Readonly<Record<ModelName, (s: ModelSpec) => Classifier>> = Object.freeze({
  resnet18: resnet(18, 'imagenet'),
  resnet50: resnet(50, 'imagenet'),
  'resnet18-cifar': resnet(18, 'cifar'),
  'resnet50-cifar': resnet(50, 'cifar'),
  // `width` scales its 32 channels as it scales a ResNet's stage widths; pooled features fit any image size.
  'small-cnn': (s) =>
    new SmallCnn({
      inChannels: s.inChannels,
      channels: Math.max(1, Math.round(32 * s.width)),
      numClasses: s.numClasses,
      device: s.device,
      generator: s.generator,
      memoryFormat: resolveMemoryFormat(s.memoryFormat ?? 'auto', s.device),
    }),
});

/**
 * The model `s.model` names, freshly initialised from `s.generator`.
 * @example
 * const m = createModel({ model: 'resnet18', width: 1, inChannels: 3, numClasses: 200, device: 'cpu', generator: new Generator(0) });
 */
export function createModel(s: ModelSpec): Classifier {
  return MODELS[s.model](s);
}

/**
 * Two state-dict entries whose shapes follow from a model's settings alone: the input conv's
 * weight, and the head's weight, whose rows are the classes. A file can be checked against its
 * metadata with them before that metadata decides how large a model to allocate.
 */
export function declaredShapes(s: Pick<ModelSpec, 'model' | 'width' | 'inChannels' | 'numClasses'>): {
  input: [string, number[]];
  head: [string, number];
} {
  const [base, k] = s.model === 'small-cnn' ? [32, 3] : [64, s.model.endsWith('-cifar') ? 3 : 7];
  return {
    input: ['conv1.weight', [Math.max(1, Math.round(base * s.width)), s.inChannels, k, k]],
    head: ['fc.weight', s.numClasses],
  };
}
