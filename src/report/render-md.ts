// report.json → Markdown (for a README) and a plain-text headline table (for the terminal).
// Both are pure functions of the report. The table rows and the number formatting live here and
// are shared with the HTML report, so the three renderings always show the same numbers.
import { ALPHA } from '../eval/stats.js';
import { sweepMarkdown } from './sweep-section.js';
import type { Aggregate, Claims, Difference, MetricInfo, Report, SeedsNeeded } from './types.js';

/** How a method is named in tables and legends: the acronyms upper-cased, other names as given. */
export function methodLabel(method: string): string {
  return method === 'seal' || method === 'llf' ? method.toUpperCase() : method;
}

/**
 * Decimals used for one metric, from the narrowest 95% half-width among its aggregates (two
 * significant digits of it, 0..4), so an interval is always visible; without intervals, from
 * the magnitude of the means.
 * @example metricDecimals(report, { name: 'source_top1', unit: '%', ... }) // 1 for ±1.0 points
 */
export function metricDecimals(report: Report, info: MetricInfo): number {
  const scale = info.unit === '%' ? 100 : 1;
  const aggs = report.aggregates.filter((a) => a.metric === info.name);
  const halves = aggs
    .map((a) => Number((((a.ciHigh - a.ciLow) / 2) * scale).toPrecision(6)))
    .filter((h) => Number.isFinite(h) && h > 0);
  if (halves.length > 0) return Math.min(4, Math.max(0, 1 - Math.floor(Math.log10(Math.min(...halves)))));
  const largest = Math.max(0, ...aggs.map((a) => Math.abs(a.mean * scale)).filter(Number.isFinite));
  return info.unit === '%' ? 1 : largest >= 100 ? 0 : largest >= 10 ? 1 : 2;
}

/** A number with fixed decimals ('n/a' if not finite, never '-0.0'); `signed` adds a '+'. */
export function formatNumber(v: number, decimals: number, signed = false): string {
  if (!Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(decimals);
  const zero = Number(s) === 0;
  const t = zero ? (0).toFixed(decimals) : s;
  return signed && !zero && v > 0 ? `+${t}` : t;
}

/** A p-value with two significant digits: '0.012', '0.41', '1', and '4.2e-5' below 0.001. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/** One method's cell of a table row. */
export interface MethodCell {
  method: string;
  mean: string;
  half: string;
  text: string;
}
/**
 * One paired difference a − b of a table row: `text` is the mean with its raw 95% interval and
 * the raw and Holm-adjusted p-values (or why there is none); `significant` (the star) when the
 * adjusted p is below 0.05.
 */
export interface DifferenceCell {
  a: string;
  b: string;
  text: string;
  significant: boolean;
  favoursA: boolean;
  /** Raw and adjusted p, for a tooltip; null without a test. */
  p: number | null;
  pAdjusted: number | null;
}
/** One row of a results table: a metric at one generation, formatted. */
export interface TableRow {
  info: MetricInfo;
  generation: number;
  methods: MethodCell[];
  differences: DifferenceCell[];
  /** The seeds needed to detect δ ('14 (δ 1 pt)'), or '–'; absent from reports written before it. */
  seeds: string;
}

/** The (a, b) pairs of the report's differences, in their order of first appearance. */
export function differencePairs(report: Report): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const d of report.differences) if (!seen.has(`${d.a}\u0000${d.b}`)) seen.set(`${d.a}\u0000${d.b}`, [d.a, d.b]);
  return [...seen.values()];
}

/**
 * The formatted rows for `metrics` at `generation`: each method's mean ± 95% half-width and each
 * paired difference with its interval (percent metrics in points, ×100). Missing cells read '–'.
 * @example tableRows(report, report.metrics, report.generations - 1)[0].methods[0].text // '84.7 ± 1.0'
 */
export function tableRows(report: Report, metrics: MetricInfo[], generation: number): TableRow[] {
  const pairs = differencePairs(report);
  return metrics.map((info) => {
    const scale = info.unit === '%' ? 100 : 1;
    const dec = metricDecimals(report, info);
    const methods = report.methods.map((method): MethodCell => {
      const a: Aggregate | undefined = report.aggregates.find(
        (x) => x.metric === info.name && x.generation === generation && x.method === method,
      );
      if (a === undefined) return { method, mean: '–', half: '–', text: '–' };
      const mean = formatNumber(a.mean * scale, dec);
      const half = formatNumber(((a.ciHigh - a.ciLow) / 2) * scale, dec);
      // One seed has no interval: show the mean alone rather than a misleading '± 0'.
      return a.n < 2 ? { method, mean, half: '–', text: mean } : { method, mean, half, text: `${mean} ± ${half}` };
    });
    const differences = pairs.map(([a, b]): DifferenceCell => {
      const d: Difference | undefined = report.differences.find(
        (x) => x.metric === info.name && x.generation === generation && x.a === a && x.b === b,
      );
      if (d === undefined) return { a, b, text: '–', significant: false, favoursA: false, p: null, pAdjusted: null };
      return { a, b, ...differenceText(d, scale, dec), favoursA: d.mean > 0 === info.higherIsBetter };
    });
    const need = report.seedsNeeded?.find((x) => x.metric === info.name && x.generation === generation);
    return { info, generation, methods, differences, seeds: need ? seedsText(need) : '–' };
  });
}

/**
 * A difference's cell text: 'mean [raw 95% CI] p=raw adj=Holm' when it was tested; the mean and
 * 'n=2: too few seeds for an interval' or 'all 3 differences equal' when not; the raw interval
 * alone (never starred) in a report.json written before the tests.
 */
function differenceText(
  d: Difference,
  scale: number,
  dec: number,
): Pick<DifferenceCell, 'text' | 'significant' | 'p' | 'pAdjusted'> {
  const mean = formatNumber(d.mean * scale, dec, true);
  const ci = `[${formatNumber(d.ciLow * scale, dec)}, ${formatNumber(d.ciHigh * scale, dec)}]`;
  const none = { significant: false, p: null, pAdjusted: null };
  if (d.test === undefined) return { text: `${mean} ${ci}`, ...none };
  if (d.test === 'too-few-seeds') return { text: `${mean} (n=${d.n}: too few seeds for an interval)`, ...none };
  if (d.test === 'all-equal') return { text: `${mean} (all ${d.n} differences equal)`, ...none };
  const p = d.p ?? null;
  const pAdjusted = d.pAdjusted ?? null;
  if (p === null || pAdjusted === null) return { text: `${mean} ${ci}`, ...none };
  return {
    text: `${mean} ${ci} p=${formatP(p)} adj=${formatP(pAdjusted)}`,
    significant: d.significant ?? pAdjusted < ALPHA,
    p,
    pAdjusted,
  };
}

/** '14 (δ 1 pt)' for a percentage, '9 (δ 0.19)' otherwise; '>1e6' when a million seeds are not enough. */
function seedsText(s: SeedsNeeded): string {
  const delta = s.deltaIs === 'one point' ? '1 pt' : String(s.delta);
  return `${s.seeds === null ? '>1e6' : String(s.seeds)} (δ ${delta})`;
}

/** The header of the seeds column. */
export const SEEDS_HEADER = 'Seeds for 80% power';

/**
 * Column headers of a results table after the metric column: methods, then 'A − B' pairs, then
 * the seeds needed (when the report has them).
 */
export function tableHeaders(report: Report): string[] {
  return [
    ...report.methods.map(methodLabel),
    ...differencePairs(report).map(([a, b]) => `${methodLabel(a)} − ${methodLabel(b)}`),
    ...(hasSeedsColumn(report) ? [SEEDS_HEADER] : []),
  ];
}

/** Whether tables show the seeds-needed column: the report has the numbers (newer reports with differences). */
export const hasSeedsColumn = (report: Report): boolean =>
  report.differences.length > 0 && (report.seedsNeeded?.length ?? 0) > 0;

/** A row's cells after the metric (and generation) column, in tableHeaders' order; `star` formats a difference. */
export function rowCells(report: Report, r: TableRow, star: (d: DifferenceCell) => string): string[] {
  return [...r.methods.map((m) => m.text), ...r.differences.map(star), ...(hasSeedsColumn(report) ? [r.seeds] : [])];
}

/** '↑' when higher is better, '↓' when lower is. */
export const direction = (info: MetricInfo): string => (info.higherIsBetter ? '↑' : '↓');

/** The metric's label with its unit and direction, e.g. 'Source top-1 (%) ↑'. */
export const metricTitle = (info: MetricInfo): string =>
  `${info.label}${info.unit === '%' ? ' (%)' : ''} ${direction(info)}`;

/** The generation shown in headline tables: the last one. */
export const lastGeneration = (report: Report): number => Math.max(0, report.generations - 1);

/**
 * The sentences under a results table that say what its numbers are: which are raw, which are
 * adjusted, what the star means, and what the seeds column is. `generation` (default the last)
 * gives the family size of the headline table.
 */
export function tableNote(report: Report, generation = lastGeneration(report)): string {
  const seeds = `${report.seeds.length} seed${report.seeds.length === 1 ? '' : 's'}`;
  const head = `Mean ± 95% CI half-width over ${seeds}; differences are paired by seed; percentages and their differences are in points. `;
  const diffs = report.differences.filter((d) => d.generation === generation);
  if (report.significance === undefined || diffs.some((d) => d.test === undefined))
    return (
      head +
      'Differences are shown as mean [raw 95% CI], without a test: this report.json predates the adjusted tests; ' +
      'run `seal report DIR` to add them.'
    );
  const family = Math.max(0, ...diffs.map((d) => d.family ?? 0));
  const s = report.significance;
  const seedsLine = hasSeedsColumn(report)
    ? ` ${SEEDS_HEADER}: the seeds a paired t-test (two-sided, α = ${s.alpha}) needs to detect δ with probability ${s.power} ` +
      "at the metric's pooled paired spread (root mean square of the pairs' standard deviations); δ is 1 point for " +
      'percentages, 10% of the mean otherwise.'
    : '';
  if (family === 0)
    return (
      head +
      `No difference at generation ${generation} has a test (fewer than ${s.minSeeds} seeds, or all paired differences ` +
      'equal), so none has an interval or a star.' +
      seedsLine
    );
  return (
    head +
    "A difference reads: mean [raw 95% t-interval] p=raw p of a two-sided paired t-test, adj=that p after Holm's " +
    `step-down adjustment over the ${family} tests at generation ${generation} (every metric × pair of this table). ` +
    `* marks adj < ${s.alpha}: the difference holds at a 5% family-wise error rate. Fewer than ${s.minSeeds} seeds: ` +
    'no interval and no test; all paired differences equal: no test.' +
    seedsLine
  );
}

/** The sentence under a table with every generation: each generation is its own family. */
export function generationsNote(report: Report): string {
  return report.significance === undefined
    ? 'Differences as mean [raw 95% CI], without a test.'
    : "Each generation's differences are one family for Holm's adjustment (every metric × pair at that generation); " +
        `* marks adjusted p < ${report.significance.alpha}. Raw intervals and p-values are unadjusted.`;
}

const mdCell = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');

function mdTable(report: Report, rows: TableRow[], withGeneration: boolean): string {
  const head = ['Metric', ...(withGeneration ? ['Generation'] : []), ...tableHeaders(report)];
  const lines = [
    `| ${head.map(mdCell).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const r of rows) {
    const cells = [
      metricTitle(r.info),
      ...(withGeneration ? [String(r.generation)] : []),
      ...rowCells(report, r, (d) => (d.significant ? `**${d.text}** *` : d.text)),
    ];
    lines.push(`| ${cells.map(mdCell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Metrics whose name starts with `prefix` (e.g. 'transfer_', 'fewshot_'). */
export const metricsWithPrefix = (report: Report, prefix: string): MetricInfo[] =>
  report.metrics.filter((m) => m.name.startsWith(prefix));

/** Every generation's rows for `metrics`, grouped by metric. */
export function allGenerationRows(report: Report, metrics: MetricInfo[]): TableRow[] {
  return metrics.flatMap((m) => Array.from({ length: report.generations }, (_, g) => tableRows(report, [m], g)).flat());
}

/** The claims section: the scale note, one line per claim with its verdict, one per part, the rule. */
function mdClaims(c: Claims): string[] {
  const lines = c.claims.flatMap((x) => [
    `- (${x.id}) ${mdCell(x.statement)}: **${mdCell(x.text)}**`,
    ...x.parts.map((p) => `  - ${mdCell(p.text)}`),
  ]);
  return [
    `## The paper's claims (generation ${c.generation})`,
    '',
    mdCell(c.scale),
    '',
    ...lines,
    '',
    mdCell(c.rule),
    '',
  ];
}

/**
 * The report as Markdown: title, date, the paper's claims judged (when SEAL and LLF are both
 * compared), the headline table (last generation), per-generation tables for transfer and
 * few-shot metrics, the findings and the settings (pure).
 * @example writeFileSync('REPORT.md', renderMarkdown(report))
 */
export function renderMarkdown(report: Report): string {
  const g = lastGeneration(report);
  const out = [
    `# ${mdCell(report.title)}`,
    '',
    `Created ${mdCell(report.created)}. Methods: ${report.methods.map(methodLabel).join(', ')}; ` +
      `seeds: ${report.seeds.join(', ')}; generations: ${report.generations}.`,
    '',
    ...(report.claims ? mdClaims(report.claims) : []),
    `## Headline (generation ${g})`,
    '',
    mdTable(report, tableRows(report, report.metrics, g), false),
    '',
    tableNote(report),
    '',
  ];
  for (const [prefix, name] of [
    ['transfer_', 'Transfer'],
    ['fewshot_', 'Few-shot'],
  ] as const) {
    const ms = metricsWithPrefix(report, prefix);
    if (ms.length > 0)
      out.push(
        `## ${name}, by generation`,
        '',
        mdTable(report, allGenerationRows(report, ms), true),
        '',
        generationsNote(report),
        '',
      );
  }
  out.push(...sweepMarkdown(report));
  out.push(
    '## Findings',
    '',
    ...(report.findings.length > 0 ? report.findings.map((f) => `- ${mdCell(f)}`) : ['- (none)']),
    '',
  );
  out.push(
    '## Settings',
    '',
    '```json',
    JSON.stringify(report.settings, null, 2).replace(/```/g, '`\u200b``'),
    '```',
    '',
  );
  return out.join('\n');
}

/**
 * A plain-text table for the terminal: the last generation, one line per metric (by name), each
 * method's mean ± half-CI, each paired difference with its raw interval and raw and Holm-adjusted
 * p ('*' where the adjusted p is below 0.05), and the seeds needed.
 * @example console.log(headlineTable(report))
 */
export function headlineTable(report: Report): string {
  const g = lastGeneration(report);
  const rows = tableRows(report, report.metrics, g);
  const grid = [
    ['metric', ...tableHeaders(report)],
    ...rows.map((r) => [
      `${r.info.name}${r.info.unit === '%' ? ' %' : ''} ${direction(r.info)}`,
      ...rowCells(report, r, (d) => `${d.text}${d.significant ? '*' : ' '}`),
    ]),
  ];
  const widths = grid[0]!.map((_, c) => Math.max(...grid.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `${report.title}: generation ${g} of 0..${report.generations - 1}, ${report.seeds.length} seeds`,
    line(grid[0]!),
    rule,
    ...grid.slice(1).map(line),
    '',
    tableNote(report),
  ].join('\n');
}
