// Model name → constructor.
import type { Generator } from '../backend/index.js';
import type { MemoryFormatChoice, ModelName } from '../config/schema.js';
import { ResNet } from './resnet.js';

export interface ModelSpec {
  model: ModelName; width: number; inChannels: number; numClasses: number; device: string; generator: Generator;
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

export function createModel(s: ModelSpec): ResNet {
  const [depth, stem] = ({
    resnet18: [18, 'imagenet'], resnet50: [50, 'imagenet'], 'resnet18-cifar': [18, 'cifar'], 'resnet50-cifar': [50, 'cifar'],
  } as const)[s.model];
  return new ResNet({
    depth, stem, width: s.width, inChannels: s.inChannels, numClasses: s.numClasses, device: s.device, generator: s.generator,
    memoryFormat: resolveMemoryFormat(s.memoryFormat ?? 'auto', s.device),
  });
}
