// The evaluations a comparison can run on every generation checkpoint: the `seal eval` flags
// each one gets by default, and how its result JSON becomes report metrics.
import type { MetricInfo } from '../report/types.js';

export interface EvalKind {
  /** Flags passed to `seal eval <kind>` (the settings every checkpoint is measured with). */
  args: string[];
  metrics(result: Record<string, unknown>): { info: MetricInfo; value: number }[];
  histogram?(result: Record<string, unknown>): { split: 'test' | 'train'; probes: string[]; counts: number[] } | null;
}

export const EVAL_KINDS: Record<string, EvalKind> = {};
