// Method name → factory. Adding a method is one file in methods/ plus one line here.
import type { MethodName, ResolvedConfig } from '../config/schema.js';
import type { TrainingMethod } from '../train/hooks.js';
import { ke } from './ke.js';
import { llf } from './llf.js';
import { normal } from './normal.js';
import { seal } from './seal.js';

/**
 * Every method also evaluates after epoch k (config.ascentEpochs, where the ascent methods end
 * their ascent), so the arms of a comparison are evaluated at the same epochs, and a generation 0
 * trained once for all of them (compare/plan.ts) is evaluated as each arm would evaluate it.
 */
function evaluatedAfterAscent(m: TrainingMethod, k: number): TrainingMethod {
  return {
    ...m,
    planEpoch: (ctx) => {
      const plan = m.planEpoch(ctx);
      return ctx.epoch === k && ctx.epoch > 0 ? { ...plan, evaluateAfter: true } : plan;
    },
  };
}

/** A factory whose methods also evaluate after epoch k. */
const withEvaluation =
  (make: (c: ResolvedConfig) => TrainingMethod) =>
  (c: ResolvedConfig): TrainingMethod =>
    evaluatedAfterAscent(make(c), c.ascentEpochs);

export const METHODS: Readonly<Record<MethodName, (c: ResolvedConfig) => TrainingMethod>> = Object.freeze({
  normal: withEvaluation(() => normal()),
  llf: withEvaluation(() => llf()),
  seal: withEvaluation((c) => seal(c, 'seal')),
  'llf+seal': withEvaluation((c) => seal(c, 'llf+seal')),
  reverse: withEvaluation((c) => seal(c, 'reverse')),
  'freeze-late': withEvaluation((c) => seal(c, 'freeze-late')),
  ke: withEvaluation((c) => ke(c.keSplitRate)),
});
