// Normal iterative training (method.md §4.3): every generation restarts the lr schedule and
// the optimizer's momentum; nothing is forgotten.
import { NORMAL_EPOCH, type TrainingMethod } from './hooks.js';

export const normal = (): TrainingMethod => ({ name: 'normal', planEpoch: () => NORMAL_EPOCH });
