// report.json: everything a comparison produced, in one file. The HTML and Markdown reports
// are pure functions of it, so `seal report DIR` can rebuild them at any time.
import type { PairedStatus } from '../eval/stats.js';
import type { EpochRow } from '../train/summary.js';

/** One scalar measured on one (method, seed, generation). */
export interface MetricValue {
  method: string;
  seed: number;
  generation: number;
  metric: string;
  value: number;
}

/** Mean over seeds with a 95% confidence interval (t-distribution; n = number of seeds). */
export interface Aggregate {
  method: string;
  generation: number;
  metric: string;
  mean: number;
  ciLow: number;
  ciHigh: number;
  n: number;
}

/**
 * Why a paired difference has a test or not: 'paired-t' (n ≥ 3 seeds with some spread),
 * 'too-few-seeds' (n < 3: no interval, no test) or 'all-equal' (every paired difference the same:
 * zero spread, no test).
 */
export type TestStatus = PairedStatus;

/**
 * A paired difference a − b over seeds (same seed, same generation): its raw 95% t-interval, the
 * raw two-sided paired t-test and the test's p-value after Holm's adjustment over its family
 * (every metric × pair of the report at the same generation). Starred: `pAdjusted` < 0.05.
 */
export interface Difference {
  metric: string;
  generation: number;
  a: string;
  b: string;
  mean: number;
  /** The raw 95% t-interval (unadjusted); the point itself for one seed. Shown only where `test` is 'paired-t'. */
  ciLow: number;
  ciHigh: number;
  n: number;
  /** The fields below are absent from reports written before them; `seal report DIR` adds them. */
  test?: TestStatus;
  /** Sample standard deviation of the paired differences; null for one seed. */
  sd?: number | null;
  /** The paired t statistic, mean / (sd / √n), with n − 1 degrees of freedom; null without a test. */
  t?: number | null;
  /** Two-sided p-value of the paired t-test, before adjustment; null without a test. */
  p?: number | null;
  /** `p` after Holm's step-down adjustment over the family; null without a test. */
  pAdjusted?: number | null;
  /** The number of tests in the family `pAdjusted` was adjusted over (0 without a test). */
  family?: number;
  /** pAdjusted < 0.05: the difference holds for the whole family at the 5% family-wise error rate. */
  significant?: boolean;
}

/**
 * The seeds a paired t-test needs (two-sided α = 0.05, power 0.8) to detect a difference `delta`
 * of one metric at one generation, at the spread of its paired differences.
 */
export interface SeedsNeeded {
  metric: string;
  generation: number;
  /** The difference to detect, in the metric's units (0.01 = 1 point for a percentage). */
  delta: number;
  /** What `delta` is: 'one point' for percentages, '10% of the mean' otherwise. */
  deltaIs: string;
  /** The paired spread: root mean square of the pairs' standard deviations (pairs with 2+ seeds). */
  sd: number;
  /** The pairs whose spread was pooled. */
  pairs: number;
  /** The smallest number of seeds; null above a million. */
  seeds: number | null;
}

/** How the report tests its differences (absent from reports written before it). */
export interface Significance {
  test: string;
  adjustment: 'holm';
  /** What one family of tests is. */
  family: string;
  alpha: number;
  /** Fewer seeds give no interval and no test. */
  minSeeds: number;
  /** The power asked of the test in `seedsNeeded`. */
  power: number;
}

export type { MetricInfo } from '../eval/registry.js';
import type { MetricInfo } from '../eval/registry.js';

/** Histogram of prediction depths of one run's checkpoint (counts per depth 0..probes). */
export interface DepthHistogram {
  method: string;
  seed: number;
  generation: number;
  split: 'test' | 'train';
  probes: string[];
  counts: number[];
}

/**
 * A claim's verdict: 'noise' when the Holm-adjusted p is 0.05 or more, or there is no test
 * (fewer than 3 seeds, or every paired difference equal).
 */
export type Verdict = 'supported' | 'contradicted' | 'noise' | 'not-evaluated';

/** One paired difference a − b (by seed) behind a claim; the numbers are null when not evaluated. */
export interface ClaimPart {
  metric: string;
  label: string;
  unit: '%' | '';
  a: string;
  b: string;
  /** The sign of a − b that the paper claims. */
  claimed: 'higher' | 'lower';
  generation: number;
  n: number;
  mean: number | null;
  /** The raw 95% t-interval; null without a test (fewer than 3 seeds, or all differences equal). */
  ciLow: number | null;
  ciHigh: number | null;
  /** The fields below are absent from reports written before them. */
  test?: TestStatus | null;
  sd?: number | null;
  t?: number | null;
  /** Two-sided paired t-test p, before adjustment; null without a test. */
  p?: number | null;
  /** `p` after Holm's adjustment over every tested part of every claim; null without a test. */
  pAdjusted?: number | null;
  /** The number of tested parts `pAdjusted` was adjusted over. */
  family?: number;
  verdict: Verdict;
  text: string;
}

export interface Claim {
  id: 'a' | 'b' | 'c' | 'd';
  statement: string;
  verdict: Verdict;
  text: string;
  parts: ClaimPart[];
}

/** The paper's claims judged from this report's values (report/claims.ts). */
export interface Claims {
  generation: number;
  /** The number of tested parts, the family of Holm's adjustment (absent from older reports). */
  family?: number;
  scale: string;
  rule: string;
  claims: Claim[];
}

export interface Report {
  title: string;
  created: string;
  /** The exact settings: the compare options and the resolved training config shared by all runs. */
  settings: Record<string, unknown>;
  methods: string[];
  seeds: number[];
  generations: number;
  metrics: MetricInfo[];
  values: MetricValue[];
  aggregates: Aggregate[];
  differences: Difference[];
  /** How the differences are tested; absent from reports written before it. */
  significance?: Significance;
  /** Per metric and generation, the seeds needed to detect a difference; absent from older reports. */
  seedsNeeded?: SeedsNeeded[];
  /** Per-epoch rows of every run (for the training-curve chart with its ascent phases). */
  curves: { method: string; seed: number; rows: EpochRow[] }[];
  depthHistograms: DepthHistogram[];
  /** Lines that say plainly what the numbers show, including where SEAL does not win. */
  findings: string[];
  /** The paper's claims, judged; null without both SEAL and LLF. Absent from reports written before it existed. */
  claims?: Claims | null;
}
