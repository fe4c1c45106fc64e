// The paper's four qualitative claims, each judged from the report's own values: a difference
// paired by seed at the last generation, its raw 95% t-interval and paired t-test, and a verdict
// that says only what the test allows after Holm's adjustment over all the claims' parts. Pure:
// a function of the Report alone, so report.json, report.md and report.html always agree and the
// judging can be tested with made-up numbers.
import { DEFAULTS } from '../config/schema.js';
import { ALPHA, holmFamily, pairedComparison } from '../eval/stats.js';
import { formatNumber, formatP, methodLabel, metricDecimals, metricsWithPrefix } from './render-md.js';
import type { Claim, ClaimPart, Claims, MetricInfo, Report, Verdict } from './types.js';

export const VERDICT_WORDS: Record<Verdict, string> = {
  supported: 'supported',
  contradicted: 'contradicted',
  noise: 'not distinguishable from noise',
  'not-evaluated': 'not evaluated',
};

/** What a part compares: metric(s) picked from the report, or a stand-in when none was measured. */
interface PartSpec {
  kind: string;
  metrics: MetricInfo[];
  fallback: MetricInfo;
  a: string;
  b: string;
  claimed: 'higher' | 'lower';
}

const methodName = (m: string): string => (m === 'normal' ? 'normal training' : methodLabel(m));

/** Why a part has no numbers: a method left out, an evaluation not run, or no paired values yet. */
function missing(report: Report, spec: PartSpec, measured: boolean, generation: number): string {
  const absent = [spec.a, spec.b]
    .filter((m) => !report.methods.includes(m))
    .map((m) => `needs ${methodName(m)}: add ${m} to --methods`);
  const evals = report.settings['evals'];
  const requested =
    spec.kind === 'source' || (Array.isArray(evals) && evals.some((id) => String(id).split(':')[0] === spec.kind));
  if (!measured) absent.push(requested ? `no values at generation ${generation}` : `run with --eval ${spec.kind}`);
  else if (absent.length === 0)
    absent.push(`no seed has both ${methodLabel(spec.a)} and ${methodLabel(spec.b)} at generation ${generation}`);
  return absent.join('; ');
}

/** seed → value of one (method, generation, metric); a non-finite value is left out (the seed count shows it). */
function bySeed(report: Report, method: string, generation: number, metric: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of report.values)
    if (v.method === method && v.generation === generation && v.metric === metric && Number.isFinite(v.value))
      out.set(v.seed, v.value);
  return out;
}

/** A part before Holm's adjustment: its raw test, and how to word it once the adjusted p is known. */
interface Draft {
  part: ClaimPart;
  word: (pAdjusted: number | null, family: number) => Pick<ClaimPart, 'verdict' | 'text'>;
}

function judgePart(report: Report, spec: PartSpec, info: MetricInfo | undefined, generation: number): Draft {
  const m = info ?? spec.fallback;
  const base = {
    metric: m.name,
    label: m.label,
    unit: m.unit,
    a: spec.a,
    b: spec.b,
    claimed: spec.claimed,
    generation,
  };
  const pair = `${methodLabel(spec.a)} − ${methodLabel(spec.b)}`;
  const a = bySeed(report, spec.a, generation, m.name);
  const b = bySeed(report, spec.b, generation, m.name);
  const seeds = report.seeds.filter((s) => a.has(s) && b.has(s));
  const diffs = seeds.map((s) => (a.get(s) as number) - (b.get(s) as number));
  if (
    info === undefined ||
    diffs.length === 0 ||
    !report.methods.includes(spec.a) ||
    !report.methods.includes(spec.b)
  ) {
    const why = missing(report, spec, info !== undefined, generation);
    const part: ClaimPart = {
      ...base,
      n: diffs.length,
      mean: null,
      ciLow: null,
      ciHigh: null,
      test: null,
      sd: null,
      t: null,
      p: null,
      pAdjusted: null,
      family: 0,
      verdict: 'not-evaluated',
      text: `${pair}, ${m.label}: not evaluated (${why})`,
    };
    return { part, word: () => ({ verdict: part.verdict, text: part.text }) };
  }
  const scale = Math.max(0, ...seeds.flatMap((s) => [Math.abs(a.get(s) as number), Math.abs(b.get(s) as number)]));
  const c = pairedComparison(diffs, scale);
  const unit = m.unit === '%' ? 100 : 1;
  const dec = metricDecimals(report, m);
  const f = (x: number, signed = false) => formatNumber(x * unit, dec, signed);
  const points = m.unit === '%' ? ' points' : '';
  const part: ClaimPart = {
    ...base,
    n: c.n,
    mean: c.mean,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    test: c.status,
    sd: c.sd,
    t: c.t,
    p: c.p,
    pAdjusted: null,
    family: 0,
    verdict: 'noise',
    text: '',
  };
  const word = (pAdjusted: number | null, family: number): Pick<ClaimPart, 'verdict' | 'text'> => {
    const holds = pAdjusted !== null && pAdjusted < ALPHA;
    const verdict: Verdict = !holds
      ? 'noise'
      : c.mean > 0 === (spec.claimed === 'higher')
        ? 'supported'
        : 'contradicted';
    const span =
      c.status === 'paired-t' && c.ciLow !== null && c.ciHigh !== null && c.p !== null && pAdjusted !== null
        ? `95% CI ${f(c.ciLow)} to ${f(c.ciHigh)}, ${c.n} seeds; p = ${formatP(c.p)}, Holm-adjusted over ${family} part${family === 1 ? '' : 's'} p = ${formatP(pAdjusted)}`
        : c.status === 'all-equal'
          ? `all ${c.n} differences equal: no test`
          : `n=${c.n}: too few seeds for an interval`;
    return {
      verdict,
      text: `${pair}, ${m.label} [${m.name}]: ${f(c.mean, true)}${points} (${span}): ${VERDICT_WORDS[verdict]}`,
    };
  };
  return { part, word };
}

/** One part per metric measured (all of a kind's metrics), or one not-evaluated part. */
function judgeParts(report: Report, spec: PartSpec, generation: number): Draft[] {
  return spec.metrics.length === 0
    ? [judgePart(report, spec, undefined, generation)]
    : spec.metrics.map((i) => judgePart(report, spec, i, generation));
}

/**
 * Several parts: contradicted if any part is, supported only if every part is; otherwise noise
 * when some measured part is noise, else not evaluated (the parts that were measured all agree).
 */
export function combine(parts: ClaimPart[]): { verdict: Verdict; text: string } {
  const count = (v: Verdict) => parts.filter((p) => p.verdict === v).length;
  const verdict: Verdict =
    count('contradicted') > 0
      ? 'contradicted'
      : count('supported') === parts.length
        ? 'supported'
        : count('noise') > 0
          ? 'noise'
          : 'not-evaluated';
  if (parts.length === 1 || count(verdict) === parts.length) return { verdict, text: VERDICT_WORDS[verdict] };
  const tally = (['supported', 'contradicted', 'noise', 'not-evaluated'] as const)
    .filter((v) => count(v) > 0)
    .map((v) => `${count(v)} ${VERDICT_WORDS[v]}`);
  return { verdict, text: `${VERDICT_WORDS[verdict]} (of ${parts.length} parts: ${tally.join(', ')})` };
}

/** The one line that keeps a verdict in proportion: the paper's scale against this report's. */
export function scaleNote(report: Report): string {
  const t = (report.settings['train'] ?? {}) as Record<string, unknown>;
  const get = <K extends 'dataset' | 'model' | 'width' | 'epochs' | 'limitTrain'>(k: K) => t[k] ?? DEFAULTS[k];
  const images = get('limitTrain');
  const seeds = `${report.seeds.length} seed${report.seeds.length === 1 ? '' : 's'}`;
  return (
    `The paper's results come from ResNets on Tiny-ImageNet (64 px) at 10 generations x 160 epochs; this report's from ${String(get('model'))} ` +
    `(width ${String(get('width'))}) on ${String(get('dataset'))}${images === null ? '' : ` (${String(images)} training images)`} at ` +
    `${report.generations} generations x ${String(get('epochs'))} epochs, ${seeds}. A verdict here is about these settings only.`
  );
}

const info = (name: string, label: string, higherIsBetter: boolean, unit: '%' | ''): MetricInfo => ({
  name,
  label,
  higherIsBetter,
  unit,
});

/**
 * The four claims of the SEAL paper, judged at the last generation; null unless the comparison
 * has both SEAL and LLF (nothing to judge without them).
 * @example judgeClaims(report)?.claims[0].verdict // 'supported' | 'contradicted' | 'noise' | 'not-evaluated'
 */
export function judgeClaims(report: Report): Claims | null {
  if (!report.methods.includes('seal') || !report.methods.includes('llf')) return null;
  const g = Math.max(0, report.generations - 1);
  const known = (name: string) => report.metrics.filter((m) => m.name === name);
  const source = info('source_top1', 'Source test top-1', true, '%');
  const transfer = info('transfer_*', 'Transfer (linear probe)', true, '%');
  const fewshot = info('fewshot_*', 'Few-shot accuracy', true, '%');
  const depth = info('depth_test', 'Mean prediction depth, test images', false, '');
  const spec = (
    kind: string,
    metrics: MetricInfo[],
    fallback: MetricInfo,
    a: string,
    b: string,
    claimed: 'higher' | 'lower',
  ): PartSpec => ({ kind, metrics, fallback, a, b, claimed });
  const T = metricsWithPrefix(report, 'transfer_');
  const F = metricsWithPrefix(report, 'fewshot_');
  const D = known('depth_test');
  const table: [Claim['id'], string, PartSpec[]][] = [
    ['a', 'SEAL beats LLF on the source task', [spec('source', known('source_top1'), source, 'seal', 'llf', 'higher')]],
    ['b', 'LLF is worse than normal training on transfer', [spec('transfer', T, transfer, 'llf', 'normal', 'lower')]],
    [
      'c',
      'SEAL beats LLF on transfer and few-shot',
      [spec('transfer', T, transfer, 'seal', 'llf', 'higher'), spec('fewshot', F, fewshot, 'seal', 'llf', 'higher')],
    ],
    [
      'd',
      "SEAL's prediction depth is lower than LLF's and than normal training's",
      [spec('depth', D, depth, 'seal', 'llf', 'lower'), spec('depth', D, depth, 'seal', 'normal', 'lower')],
    ],
  ];
  const drafts = table.map(([id, statement, specs]) => ({
    id,
    statement,
    drafts: specs.flatMap((s) => judgeParts(report, s, g)),
  }));
  // Holm's adjustment over every tested part of every claim: the claims are one family.
  const all = drafts.flatMap((c) => c.drafts);
  const { adjusted, family } = holmFamily(all.map((d) => d.part.p ?? null));
  const judged = new Map(
    all.map((d, i): [Draft, ClaimPart] => {
      const pAdjusted = adjusted[i] ?? null;
      const fam = pAdjusted === null ? 0 : family;
      return [d, { ...d.part, pAdjusted, family: fam, ...d.word(pAdjusted, family) }];
    }),
  );
  const claims = drafts.map(({ id, statement, drafts: ds }): Claim => {
    const parts = ds.map((d) => judged.get(d) as ClaimPart);
    return { id, statement, ...combine(parts), parts };
  });
  const rule =
    `Each line is a difference paired by seed at generation ${g}: its raw 95% t-interval, the raw p of a two-sided paired ` +
    `t-test, and that p after Holm's adjustment over the ${family} tested part${family === 1 ? '' : 's'} of all four claims. ` +
    'Supported: the adjusted p is below 0.05 and the difference has the claimed sign; contradicted: below 0.05 with the ' +
    'other sign; otherwise not distinguishable from noise, as always with fewer than 3 seeds or with every paired ' +
    'difference equal (no test). A claim with several parts is supported only if every part is, and contradicted if any part is.';
  return { generation: g, family, scale: scaleNote(report), rule, claims };
}
