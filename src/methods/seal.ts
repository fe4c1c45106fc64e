// SEAL (Sarfi et al., CVPR 2023; official code amiiir-sarfi/SEAL, method.md §3-4): in every
// generation >= 1 the early layers take gradient ascent for the first k epochs (lr = S·lr_t,
// weight decay × wdMultiplier, 0 by default) while the later layers descend on the same loss.
// The optimizer is rebuilt at the generation start (by the loop) and again at epoch k.
// The ablations differ only in which side ascends and whether LLF's re-initialisation runs.
import { DESCEND, NORMAL_EPOCH, type EpochPlan, type GroupPlan, type TrainingMethod } from './hooks.js';
import { reinitGenerator, reinitialise } from './reinit.js';

export interface AscentConfig {
  ascentEpochs: number;
  ascentLrMultiplier: number;
  ascentWdMultiplier: number;
  lr: number;
}
type Variant = 'seal' | 'llf+seal' | 'reverse' | 'freeze-late';

function plan(c: AscentConfig, variant: Variant, generation: number, epoch: number): EpochPlan {
  if (generation === 0) return NORMAL_EPOCH;
  if (epoch >= c.ascentEpochs) return { ...NORMAL_EPOCH, resetOptimizer: epoch === c.ascentEpochs };
  const ascend: GroupPlan = { lrMultiplier: c.ascentLrMultiplier, wdMultiplier: c.ascentWdMultiplier };
  const divergenceHint =
    "the ascent diverged: make the early layers' step smaller with a smaller " +
    `|--ascent-lr-multiplier| (now ${c.ascentLrMultiplier}), fewer --ascent-epochs (now ${c.ascentEpochs}) or a lower --lr (now ${c.lr})`;
  switch (variant) {
    // reference `reverse=1`: the later layers (fc included) ascend, the early ones descend
    case 'reverse':
      return { early: DESCEND, late: ascend, resetOptimizer: false, phase: 'ascent', divergenceHint };
    // reference `freeze_descenders=1`: the later layers are left out of the optimizer
    case 'freeze-late':
      return {
        early: ascend,
        late: { lrMultiplier: 0, wdMultiplier: 0 },
        resetOptimizer: false,
        phase: 'ascent',
        divergenceHint,
      };
    default:
      return { early: ascend, late: DESCEND, resetOptimizer: false, phase: 'ascent', divergenceHint };
  }
}

/** The settings of the ascent: they act from generation 1 on (generation 0 is plain training). */
export const ASCENT_SETTINGS = ['ascentEpochs', 'ascentLrMultiplier', 'ascentWdMultiplier'] as const;

export function seal(c: AscentConfig, variant: Variant = 'seal'): TrainingMethod {
  return {
    name: variant,
    ...(variant === 'llf+seal'
      ? {
          onGenerationStart: ({ generation, model, split, seed }) => {
            reinitialise(model.reinitTargets(split.late), reinitGenerator(seed, generation));
          },
        }
      : {}),
    planEpoch: ({ generation, epoch }) => plan(c, variant, generation, epoch),
  };
}
