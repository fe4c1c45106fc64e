// The extension surface: a training method is a small object that acts only through these
// hooks. The loop (train/iterative.ts) never branches on a method's name. It lives with the
// methods so that they depend on nothing of the loop's.
import type { Classifier, Split } from '../models/types.js';

/** Multipliers on the scheduled lr and on the weight decay of one side of the split. */
export interface GroupPlan {
  lrMultiplier: number;
  wdMultiplier: number;
}

export interface EpochPlan {
  early: GroupPlan;
  late: GroupPlan;
  /** Rebuild the optimizer (reset momentum) before this epoch. */
  resetOptimizer: boolean;
  phase: 'ascent' | 'descent';
  /** Evaluate on the test set after this epoch, besides the loop's every-evalInterval and last-epoch evaluations. */
  evaluateAfter?: boolean;
  /** What to change when the loss diverges in this epoch (the error's hint), in the method's own settings;
   * without it the hint names the loop's (lr, warmup). */
  divergenceHint?: string;
}

export interface GenerationContext {
  generation: number;
  model: Classifier;
  split: Split;
  seed: number;
}
export interface EpochContext {
  generation: number;
  epoch: number;
}

export interface TrainingMethod {
  readonly name: string;
  /** Runs at the start of every generation >= 1, before the optimizer is rebuilt (e.g. re-initialisation). */
  onGenerationStart?(ctx: GenerationContext): void;
  /** Pure: how each side trains in this epoch. */
  planEpoch(ctx: EpochContext): EpochPlan;
}

export const DESCEND: GroupPlan = Object.freeze({ lrMultiplier: 1, wdMultiplier: 1 });
export const NORMAL_EPOCH: EpochPlan = Object.freeze({
  early: DESCEND,
  late: DESCEND,
  resetOptimizer: false,
  phase: 'descent',
});
