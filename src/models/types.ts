// The contract every registered model keeps, so that training, methods and evaluation address a
// model's parts by declared names instead of reaching into one architecture's fields (timm's
// forward_features / forward_head / forward_intermediates / group_matcher).
import type { Tensor } from '../backend/index.js';
import type { Module } from '../nn/module.js';

export type NamedParam = [string, Tensor];

/** A model's parameters on either side of the split point: the early ones, and the later ones. */
export interface Split {
  early: NamedParam[];
  late: NamedParam[];
}

/**
 * One named group of a model's layers, e.g. ResNet's 'layer3'. `modules` are the group's parts
 * by full name (ResNet: its residual blocks 'layer3.0', 'layer3.1'), in registration order.
 */
export interface ModuleGroup {
  name: string;
  modules: [string, Module][];
}

/** What one forward pass gives the depth probes: the activations of `intermediateNames()`, and the features. */
export interface Intermediates {
  /** Feature maps [B, C, H, W], in the order of `intermediateNames()`. */
  activations: Tensor[];
  /** The same pass's `forwardFeatures` [B, featureDim]. */
  features: Tensor;
}

/**
 * An image classifier: a Module (parameters, state dict, train/eval) that declares its structure.
 * @example
 * const m = createModel({ model: 'small-cnn', width: 0.5, inChannels: 1, numClasses: 10, device: 'cpu', generator: new Generator(0) });
 * m.layerGroups().map((g) => g.name) // ['layer1', 'layer2', 'layer3', 'layer4', 'head']
 */
export interface Classifier extends Module {
  /** Width of the pooled features the head reads. */
  readonly featureDim: number;
  /** True when the features are globally pooled, so that inputs of any size (beyond a few pixels) run. */
  readonly anyInputSize: boolean;
  /** Logits [B, classes]. */
  forward(x: Tensor): Tensor;
  /** Features [B, featureDim] before the head. */
  forwardFeatures(x: Tensor): Tensor;
  /** Logits from `forwardFeatures`' output. */
  forwardHead(features: Tensor): Tensor;
  /** Names of the activations `intermediates` returns, shallowest first (the depth probes). */
  intermediateNames(): string[];
  intermediates(x: Tensor): Intermediates;
  /**
   * The layer groups in depth order. Together they hold every parameter once, in registration
   * order; a split point (`splitAt`) names a group or one of its modules. The last group is the
   * head: one Linear from featureDim to the classes (fine-tuning replaces it).
   */
  layerGroups(): ModuleGroup[];
  /** The weights among `params` that a re-initialisation redraws (BatchNorm parameters and biases are kept). */
  reinitTargets(params: NamedParam[]): NamedParam[];
}

/** A group's parameters under their full names, in registration order. */
export function groupParameters(group: ModuleGroup): NamedParam[] {
  return group.modules.flatMap(([name, m]) => m.namedParameters(`${name}.`));
}
