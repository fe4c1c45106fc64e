// Summary statistics for evaluation results: the mean of repeated measurements (episodes,
// seeds) and its 95% confidence interval. Pure functions, no tensors.

/** Mean, spread and 95% confidence interval of a list of numbers. */
export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for n < 2. */
  std: number;
  /** Half the interval's width: mean ± halfWidth; NaN for n < 2 (JSON writes it as null). */
  halfWidth: number;
  lower: number;
  upper: number;
  /** 't' (Student's t with n - 1 degrees of freedom, for n <= 30) or 'normal' (z = 1.96, for n > 30). */
  method: 't' | 'normal';
  /** The critical value used: t_{0.975, n-1} or z_{0.975}. */
  critical: number;
}

/**
 * Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. Above 30 the normal
 * quantile is within 2% of t's (t_{0.975,30} = 2.042 vs 1.960) and few-shot papers use it.
 */
const T_975 = [
  12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041, 2.2621572, 2.2281389,
  2.2009852, 2.1788128, 2.1603687, 2.1447867, 2.1314495, 2.1199053, 2.1098155, 2.100922, 2.0930241, 2.0859634,
  2.0796138, 2.0738731, 2.0686576, 2.0638986, 2.0595386, 2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725,
];
/** z_{0.975}: the normal quantile of a two-sided 95% interval. */
export const Z_975 = 1.959963984540054;
/** Largest n for which the t quantile is used. */
export const T_MAX_N = 30;

/** The 97.5% quantile of Student's t with `df` degrees of freedom (1..30), from a table. */
export function tQuantile975(df: number): number {
  const v = T_975[df - 1];
  if (!Number.isInteger(df) || v === undefined)
    throw new RangeError(`tQuantile975 covers 1..${T_975.length} degrees of freedom; got ${df}`);
  return v;
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (Bessel-corrected); NaN for fewer than 2 values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/**
 * The mean of `xs` with a 95% confidence interval mean ± c·std/√n, where c is Student's t
 * quantile (n - 1 degrees of freedom) for n <= 30 and the normal 1.96 above; `method` says which.
 * @example meanInterval([0.6, 0.7, 0.8]) // { mean: 0.7, halfWidth: 0.248, method: 't', ... }
 */
export function meanInterval(xs: readonly number[]): MeanInterval {
  const n = xs.length;
  if (n === 0) throw new RangeError('meanInterval needs at least one value; got an empty list');
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`meanInterval needs finite values; got ${x}`);
  const m = mean(xs);
  const std = sampleStd(xs);
  const method = n <= T_MAX_N ? 't' : 'normal';
  const critical = method === 't' ? (n >= 2 ? tQuantile975(n - 1) : NaN) : Z_975;
  const halfWidth = n >= 2 ? (critical * std) / Math.sqrt(n) : NaN;
  return { n, mean: m, std, halfWidth, lower: m - halfWidth, upper: m + halfWidth, method, critical };
}
