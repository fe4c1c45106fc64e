// Method name → what seal knows of it: how to make it, which of its settings act only from
// generation 1 on, and which method it trains exactly like without an ascent. Plans, CLI checks
// and the loop ask here; adding a method is one file in methods/ plus one entry here.
import type { MethodName, ResolvedConfig, RunConfig } from '../config/schema.js';
import type { TrainingMethod } from './hooks.js';
import { ke, KE_SETTINGS } from './ke.js';
import { llf } from './llf.js';
import { normal } from './normal.js';
import { ASCENT_SETTINGS, seal } from './seal.js';

export interface MethodEntry {
  make(c: ResolvedConfig): TrainingMethod;
  /** Its own settings; they act from generation 1 on, so arms that differ only in them share generation 0. */
  settings: readonly (keyof RunConfig)[];
  /** For a method that ascends for the first k epochs of a generation: the method it trains exactly like when k = 0. */
  withoutAscent?: MethodName;
  /** True when its generation 0 is not plain training (its planEpoch differs from NORMAL_EPOCH
   * there): then a comparison trains this method's generation 0 itself instead of sharing it. */
  ownGenerationZero?: true;
}

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

const ascent = (variant: 'seal' | 'llf+seal' | 'reverse' | 'freeze-late', without: MethodName): MethodEntry => ({
  make: withEvaluation((c) => seal(c, variant)),
  settings: ASCENT_SETTINGS,
  withoutAscent: without,
});

export const METHOD_ENTRIES: Readonly<Record<MethodName, MethodEntry>> = Object.freeze({
  normal: { make: withEvaluation(() => normal()), settings: [] },
  llf: { make: withEvaluation(() => llf()), settings: [] },
  seal: ascent('seal', 'normal'),
  'llf+seal': ascent('llf+seal', 'llf'),
  reverse: ascent('reverse', 'normal'),
  'freeze-late': ascent('freeze-late', 'normal'),
  ke: { make: withEvaluation((c) => ke(c.keSplitRate)), settings: KE_SETTINGS },
});

export const METHODS: Readonly<Record<MethodName, (c: ResolvedConfig) => TrainingMethod>> = Object.freeze(
  Object.fromEntries(Object.entries(METHOD_ENTRIES).map(([name, e]) => [name, e.make])) as Record<
    MethodName,
    (c: ResolvedConfig) => TrainingMethod
  >,
);

/** The method and every method's own settings: what differs between arms that can share a generation 0. */
export const LATER_GENERATION_KEYS: readonly string[] = [
  'method',
  ...new Set(Object.values(METHOD_ENTRIES).flatMap((e) => e.settings)),
];
