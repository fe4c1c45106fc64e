// LLF, later-layer forgetting (method.md §4.2, §5.2): at the start of every generation >= 1
// the conv and fc weights from the split on are re-initialised with U(±1/√fan_in); BatchNorm
// (parameters and running statistics) and fc.bias are kept. Then the whole net descends.
import { NORMAL_EPOCH, type TrainingMethod } from './hooks.js';
import { reinitGenerator, reinitialise } from './reinit.js';

export const llf = (): TrainingMethod => ({
  name: 'llf',
  onGenerationStart: ({ generation, model, split, seed }) => {
    reinitialise(model.reinitTargets(split.late), reinitGenerator(seed, generation));
  },
  planEpoch: () => NORMAL_EPOCH,
});
