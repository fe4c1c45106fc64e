// report.json: everything a comparison produced, in one file. The HTML and Markdown reports
// are pure functions of it, so `seal report DIR` can rebuild them at any time.
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

/** A paired difference a − b over seeds (same seed, same generation), with its 95% interval. */
export interface Difference {
  metric: string;
  generation: number;
  a: string;
  b: string;
  mean: number;
  ciLow: number;
  ciHigh: number;
  n: number;
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

/** A claim's verdict: 'noise' when the 95% interval includes 0 or there is one seed. */
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
  ciLow: number | null;
  ciHigh: number | null;
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
  /** Per-epoch rows of every run (for the training-curve chart with its ascent phases). */
  curves: { method: string; seed: number; rows: EpochRow[] }[];
  depthHistograms: DepthHistogram[];
  /** Lines that say plainly what the numbers show, including where SEAL does not win. */
  findings: string[];
  /** The paper's claims, judged; null without both SEAL and LLF. Absent from reports written before it existed. */
  claims?: Claims | null;
}
