// report.json: everything a comparison produced, in one file. The HTML and Markdown reports
// are pure functions of it, so `seal report DIR` can rebuild them at any time.
import type { EpochRow } from '../train/summary.js';

/** One scalar measured on one (method, seed, generation). */
export interface MetricValue { method: string; seed: number; generation: number; metric: string; value: number }

/** Mean over seeds with a 95% confidence interval (t-distribution; n = number of seeds). */
export interface Aggregate { method: string; generation: number; metric: string; mean: number; ciLow: number; ciHigh: number; n: number }

/** A paired difference a − b over seeds (same seed, same generation), with its 95% interval. */
export interface Difference { metric: string; generation: number; a: string; b: string; mean: number; ciLow: number; ciHigh: number; n: number }

export interface MetricInfo { name: string; label: string; higherIsBetter: boolean; unit: '%' | '' }

/** Histogram of prediction depths of one run's checkpoint (counts per depth 0..probes). */
export interface DepthHistogram { method: string; seed: number; generation: number; split: 'test' | 'train'; probes: string[]; counts: number[] }

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
}
