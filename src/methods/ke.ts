// Knowledge Evolution (Taha et al. 2021; method.md §4.4) with the KELS split: every conv and
// linear weight keeps a fixed "fit hypothesis", the first ceil(r·C_out) filters × the first
// ceil(r·C_in) input channels (the first conv keeps all its input channels; the classifier
// keeps all its outputs). At every generation >= 1 the rest is re-initialised with
// U(±1/√fan_in); BatchNorm and biases are kept, and the whole net keeps training.
import { ones, zeros, type Tensor } from '../backend/index.js';
import { NORMAL_EPOCH, type TrainingMethod } from './hooks.js';
import { Linear } from '../nn/layers.js';
import { reinitGenerator, reinitialise } from './reinit.js';

/** The KELS fit-hypothesis mask of a weight (bool, same shape). */
export function kelsMask(w: Tensor, rate: number, opts: { allInputs: boolean; allOutputs: boolean }): Tensor {
  const [out = 1, inp = 1] = w.shape;
  const keepOut = opts.allOutputs ? out : Math.ceil(rate * out);
  const keepIn = opts.allInputs ? inp : Math.ceil(rate * inp);
  const mask = zeros(w.shape, { dtype: 'bool', device: w.device });
  const block = ones([keepOut, keepIn, ...w.shape.slice(2)], { dtype: 'bool', device: w.device });
  const rows = mask.narrow(0, 0, keepOut);
  const cell = rows.narrow(1, 0, keepIn);
  cell.copy_(block);
  for (const t of [block, rows, cell]) t.dispose();
  return mask;
}

/** KE's setting: the fit hypothesis' share, used from the first re-initialisation (generation 1) on. */
export const KE_SETTINGS = ['keSplitRate'] as const;

export const ke = (splitRate: number): TrainingMethod => ({
  name: 'ke',
  onGenerationStart: ({ generation, model, seed }) => {
    const params = model.namedParameters();
    const owner = model.parameterOwners();
    const weights = model.reinitTargets(params);
    const first = weights[0]?.[0];
    reinitialise(weights, reinitGenerator(seed, generation), (name, w) =>
      kelsMask(w, splitRate, { allInputs: name === first, allOutputs: owner.get(name) instanceof Linear }),
    );
  },
  planEpoch: () => NORMAL_EPOCH,
});
