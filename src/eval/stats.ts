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

// ---------------------------------------------------------------------------------------------
// Tests of paired differences: Student's t distribution, the paired t-test, Holm's step-down
// adjustment for a family of tests, and the number of seeds a paired t-test needs.

/** The significance level the report uses for every test (two-sided). */
export const ALPHA = 0.05;
/** The power the report asks of a paired t-test when it says how many seeds are needed. */
export const POWER = 0.8;
/** Fewer paired differences than this give no interval and no test in the report. */
export const MIN_PAIRED = 3;

/** ln Γ(x) for x > 0: Stirling's series at x + k ≥ 15, shifted down by Γ(x + 1) = x·Γ(x). */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`lnGamma needs a finite x > 0; got ${x}`);
  let shift = 0;
  let y = x;
  let product = 1;
  while (y < 15) {
    product *= y;
    y += 1;
  }
  if (product !== 1) shift = Math.log(product);
  const inv = 1 / y;
  const inv2 = inv * inv;
  // Bernoulli terms B_2k / (2k (2k − 1) y^(2k − 1)) for k = 1..5; the next is below 1e-15 at y ≥ 15.
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (y - 0.5) * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/**
 * The continued fraction of the regularized incomplete beta function, evaluated front to back
 * (modified Lentz): I_x(a, b) = x^a (1 − x)^b / (a B(a, b)) · 1 / (1 + d1 / (1 + d2 / (1 + …))),
 * with d(2m+1) = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and
 * d(2m) = m (b − m) x / ((a + 2m − 1)(a + 2m)). It converges fast for x < (a + 1) / (a + b + 2).
 */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let f = 1; // the value of 1 + d1/(1 + d2/(1 + ...)) so far
  let c = 1;
  let d = 0;
  for (let k = 1; k <= 100000; k++) {
    const m = Math.floor(k / 2);
    const coef =
      k % 2 === 1
        ? -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        : (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + coef * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + coef / c;
    if (Math.abs(c) < tiny) c = tiny;
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-16) return 1 / f;
  }
  throw new Error(`incomplete beta: no convergence for x=${x}, a=${a}, b=${b}`);
}

/**
 * The regularized incomplete beta function I_x(a, b) for 0 ≤ x ≤ 1, a, b > 0. `complement` is
 * 1 − x, passed separately where the caller has it without cancellation (e.g. t²/(df + t²)).
 */
export function betaIncomplete(x: number, a: number, b: number, complement = 1 - x): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`betaIncomplete needs 0 <= x <= 1; got ${x}`);
  if (!(a > 0 && b > 0)) throw new RangeError(`betaIncomplete needs a, b > 0; got ${a}, ${b}`);
  if (x === 0) return 0;
  if (complement === 0) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(complement) - (lnGamma(a) + lnGamma(b) - lnGamma(a + b)));
  // I_x(a, b) = 1 − I_{1−x}(b, a): use the side where the fraction converges.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(complement, b, a)) / b;
}

/** P(|T| ≥ |t|) for Student's t with `df` > 0 degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function tTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`tTwoSidedP needs df > 0; got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  return betaIncomplete(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** P(T ≤ t) for Student's t with `df` > 0 degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = tTwoSidedP(t, df) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The `p` quantile of Student's t with `df` > 0 degrees of freedom (any real df, unlike the
 * table of tQuantile975), by bisection on tCdf to double precision.
 * @example tQuantile(0.975, 2) // 4.302652729...
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile needs 0 < p < 1; got ${p}`);
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`tQuantile needs a finite df > 0; got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  // The upper tail 1 − p, searched on P(T ≥ t) = p2/2, which keeps precision for p near 1.
  const tail = 1 - p;
  let lo = 0;
  let hi = 1;
  while (tTwoSidedP(hi, df) / 2 > tail) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 2000 && hi - lo > 4 * Number.EPSILON * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSidedP(mid, df) / 2 > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A one-sample t-test of paired differences against 0 (two-sided). */
export interface PairedTTest {
  n: number;
  mean: number;
  /** Sample standard deviation of the differences; NaN for n < 2. */
  sd: number;
  /** mean / (sd / √n); NaN when there is no test (n < 2 or all differences equal). */
  t: number;
  /** n − 1. */
  df: number;
  /** Two-sided p-value; NaN when there is no test. */
  p: number;
  /** All differences equal (zero spread up to rounding): the test is undefined, not significant. */
  equal: boolean;
}

/**
 * The paired t-test of `diffs` (a − b per seed) against a mean of 0, two-sided, as
 * scipy.stats.ttest_1samp computes it, except that zero spread gives no test (t and p NaN,
 * `equal` true) rather than an infinite t. The spread counts as zero below 1e-12 of `scale`, the
 * magnitude of the values the differences came from (default: the largest |difference|), so
 * rounding in a − b of equal steps does not pass for a real spread.
 * @example pairedTTest([0.02, 0.03, 0.025]) // { t: 8.66, df: 2, p: 0.013, ... }
 */
export function pairedTTest(diffs: readonly number[], scale?: number): PairedTTest {
  const n = diffs.length;
  for (const x of diffs) if (!Number.isFinite(x)) throw new RangeError(`pairedTTest needs finite values; got ${x}`);
  const m = mean(diffs);
  const sd = sampleStd(diffs);
  const size = scale ?? Math.max(0, ...diffs.map(Math.abs));
  const equal = n >= 2 && sd <= 1e-12 * size;
  if (n < 2 || equal) return { n, mean: m, sd: equal ? 0 : sd, t: NaN, df: n - 1, p: NaN, equal };
  const t = m / (sd / Math.sqrt(n));
  return { n, mean: m, sd, t, df: n - 1, p: tTwoSidedP(t, n - 1), equal };
}

/**
 * Holm's step-down adjustment of a family of p-values, in the input order: sorted ascending,
 * the k-th smallest (k = 1..m) becomes max over j ≤ k of min(1, (m − j + 1)·p_(j)). Rejecting
 * where the adjusted p is below α controls the family-wise error rate at α under any dependence.
 * @example holm([0.01, 0.04, 0.03]) // [0.03, 0.06, 0.06]
 */
export function holm(pValues: readonly number[]): number[] {
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`holm needs p-values in [0, 1]; got ${p}`);
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/** The largest number of seeds seedsNeeded searches; above it, it answers Infinity. */
export const MAX_SEEDS_NEEDED = 1_000_000;

/**
 * The smallest number of seeds n (≥ 2) at which a two-sided paired t-test at level `alpha`
 * detects a true mean difference `delta` with probability `power`, when the differences have
 * standard deviation `sd`. Approximation: the noncentral t of the test statistic is replaced by a
 * central t shifted by δ√n/sd (the normal approximation with t quantiles in place of normal
 * ones), so n is the smallest with n ≥ ((t_{1−α/2, n−1} + t_{power, n−1})·sd/δ)². It is within
 * one seed of the exact noncentral-t answer (tested). Infinity above MAX_SEEDS_NEEDED.
 * @example seedsNeeded(1, 1) // 10 (the exact noncentral-t answer is 9.94 → 10)
 */
export function seedsNeeded(sd: number, delta: number, power = POWER, alpha = ALPHA): number {
  if (!(sd >= 0) || !Number.isFinite(sd)) throw new RangeError(`seedsNeeded needs a finite sd >= 0; got ${sd}`);
  if (!(delta > 0) || !Number.isFinite(delta))
    throw new RangeError(`seedsNeeded needs a finite delta > 0; got ${delta}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`seedsNeeded needs 0 < power < 1; got ${power}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`seedsNeeded needs 0 < alpha < 1; got ${alpha}`);
  const enough = (n: number) => {
    const c = (tQuantile(1 - alpha / 2, n - 1) + tQuantile(power, n - 1)) * (sd / delta);
    return n >= c * c;
  };
  // `enough` is monotone in n (the quantiles fall as df grows): bisect on [2, MAX].
  if (enough(2)) return 2;
  if (!enough(MAX_SEEDS_NEEDED)) return Infinity;
  let lo = 2; // not enough
  let hi = MAX_SEEDS_NEEDED; // enough
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Why a paired comparison has a test or not (see pairedComparison). */
export type PairedStatus = 'paired-t' | 'too-few-seeds' | 'all-equal';

/** A paired comparison as the report shows it: the raw t-interval and the raw test, or why there is none. */
export interface PairedComparison {
  n: number;
  mean: number;
  /** Sample standard deviation of the differences (0 when all are equal); null for one value. */
  sd: number | null;
  /** The raw 95% interval (meanInterval's); null without a test. */
  ciLow: number | null;
  ciHigh: number | null;
  /** The t statistic and its two-sided p-value; null without a test. */
  t: number | null;
  p: number | null;
  status: PairedStatus;
}

/**
 * The paired differences `diffs` summarised for a verdict: below `minN` (default 3) values no
 * interval and no test ('too-few-seeds'); all values equal, no test either ('all-equal'), never a
 * zero-width interval; otherwise the raw 95% interval of meanInterval (t up to 30 values, normal
 * above) and the paired t-test ('paired-t').
 * `scale` is passed on to pairedTTest.
 */
export function pairedComparison(diffs: readonly number[], scale?: number, minN = MIN_PAIRED): PairedComparison {
  const r = pairedTTest(diffs, scale);
  const sd = r.n >= 2 ? r.sd : null;
  const none = { n: r.n, mean: r.mean, sd, ciLow: null, ciHigh: null, t: null, p: null };
  if (r.n < minN) return { ...none, status: 'too-few-seeds' };
  if (r.equal) return { ...none, status: 'all-equal' };
  const m = meanInterval(diffs);
  return { ...none, ciLow: m.lower, ciHigh: m.upper, t: r.t, p: r.p, status: 'paired-t' };
}

/**
 * Holm's adjustment over the p-values that exist: nulls (comparisons without a test) stay null and
 * are not counted in the family. Returns the adjusted values in the input order and the family size.
 */
export function holmFamily(pValues: readonly (number | null)[]): { adjusted: (number | null)[]; family: number } {
  const tested = pValues.filter((p): p is number => p !== null);
  const adjusted = holm(tested);
  let k = 0;
  return { adjusted: pValues.map((p) => (p === null ? null : adjusted[k++]!)), family: tested.length };
}
