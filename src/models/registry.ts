// Model name → constructor.
import type { Generator } from '../backend/index.js';
import type { ModelName } from '../config/schema.js';
import { ResNet } from './resnet.js';

export interface ModelSpec { model: ModelName; width: number; inChannels: number; numClasses: number; device: string; generator: Generator }

export function createModel(s: ModelSpec): ResNet {
  const [depth, stem] = ({
    resnet18: [18, 'imagenet'], resnet50: [50, 'imagenet'], 'resnet18-cifar': [18, 'cifar'], 'resnet50-cifar': [50, 'cifar'],
  } as const)[s.model];
  return new ResNet({ depth, stem, width: s.width, inChannels: s.inChannels, numClasses: s.numClasses, device: s.device, generator: s.generator });
}
