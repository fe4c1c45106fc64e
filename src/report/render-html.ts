// report.json → one self-contained HTML file: inline CSS, charts as inline SVG rendered in Node,
// no scripts and no external references, so it opens anywhere (file://, an artifact viewer, mail).
import { chartSpecs, renderSvg, type ChartSpec } from './charts.js';
import {
  allGenerationRows,
  formatP,
  generationsNote,
  lastGeneration,
  methodLabel,
  metricTitle,
  metricsWithPrefix,
  rowCells,
  tableHeaders,
  tableNote,
  tableRows,
  type DifferenceCell,
  type TableRow,
} from './render-md.js';
import type { ClaimPart, Claims, Report } from './types.js';

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --good: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
.meta, .note { color: var(--muted); font-size: 13px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--soft); font-weight: 600; }
th:first-child, td:first-child { text-align: left; white-space: normal; min-width: 220px; }
td.gen { text-align: right; min-width: 0; }
td.diff { color: var(--muted); }
td.sig { font-weight: 700; }
td.sig.good { color: var(--good); }
td.sig.bad { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 16px; }
figure { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; overflow-x: auto; }
figure.wide { grid-column: 1 / -1; }
figure svg { display: block; max-width: 100%; height: auto; }
ul.findings li, ul.claims > li { margin: 4px 0; }
.verdict { font-weight: 700; }
.verdict.supported { color: var(--good); }
.verdict.contradicted { color: var(--bad); }
.verdict.noise, .verdict.not-evaluated { color: var(--muted); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow-x: auto; font-size: 12.5px; }
details summary { cursor: pointer; color: var(--muted); margin-top: 12px; }
`;

/** A difference's cell: bold and coloured when starred (Holm-adjusted p < 0.05), the p-values in its tooltip. */
function diffCell(d: DifferenceCell): string {
  const cls = d.significant ? `diff sig ${d.favoursA ? 'good' : 'bad'}` : 'diff';
  const tip =
    d.p === null || d.pAdjusted === null
      ? 'no test'
      : `raw p = ${formatP(d.p)}; Holm-adjusted p = ${formatP(d.pAdjusted)}` +
        (d.significant
          ? ` < 0.05 (${d.favoursA ? 'favours' : 'against'} ${methodLabel(d.a)})`
          : ' ≥ 0.05: not distinguishable from seed noise');
  return `<td class="${cls}" title="${escapeHtml(tip)}">${escapeHtml(d.text)}${d.significant ? ' *' : ''}</td>`;
}

/** One results table; `withGeneration` adds a generation column (rows grouped by metric). */
function htmlTable(report: Report, rows: TableRow[], withGeneration: boolean, id?: string): string {
  const head = [...(withGeneration ? ['Generation'] : []), ...tableHeaders(report)];
  const th = `<tr><th>Metric</th>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => {
    const methods = r.methods.length;
    const cells = rowCells(report, r, (d) => d.text).map((text, i) => {
      const d = r.differences[i - methods];
      if (i < methods || d === undefined) return `<td>${escapeHtml(text)}</td>`;
      return diffCell(d);
    });
    const gen = withGeneration ? `<td class="gen">${r.generation}</td>` : '';
    return `<tr><td>${escapeHtml(metricTitle(r.info))}</td>${gen}${cells.join('')}</tr>`;
  });
  return `<div class="table-wrap"><table${id !== undefined ? ` id="${escapeHtml(id)}"` : ''}><thead>${th}</thead><tbody>${body.join('')}</tbody></table></div>`;
}

/** The claims section: the scale note, each claim with its verdict and its parts, the rule. */
function htmlClaims(c: Claims): string {
  const part = (p: ClaimPart) => `<li>${escapeHtml(p.text)}</li>`;
  const items = c.claims.map(
    (x) =>
      `<li id="claim-${escapeHtml(x.id)}">(${escapeHtml(x.id)}) ${escapeHtml(x.statement)}: ` +
      `<span class="verdict ${escapeHtml(x.verdict)}">${escapeHtml(x.text)}</span><ul>${x.parts.map(part).join('')}</ul></li>`,
  );
  return (
    `<section id="claims"><h2>The paper's claims: generation ${c.generation}</h2><p class="note">${escapeHtml(c.scale)}</p>` +
    `<ul class="claims">${items.join('')}</ul><p class="note">${escapeHtml(c.rule)}</p></section>`
  );
}

/** A chart as a figure with its inline SVG; the curve and depth charts span the full width. */
function figure(chart: ChartSpec, svg: string): string {
  const wide = chart.id === 'curves' || chart.id.startsWith('depth-');
  return `<figure class="chart${wide ? ' wide' : ''}" id="chart-${escapeHtml(chart.id)}" aria-label="${escapeHtml(chart.title)}">${svg}</figure>`;
}

/** The created timestamp as 'YYYY-MM-DD HH:MM UTC' when it parses, else as given. */
function formatDate(created: string): string {
  const t = Date.parse(created);
  return Number.isNaN(t) ? created : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The whole report as one self-contained HTML page: title and date, the paper's claims judged
 * (when SEAL and LLF are both compared), the headline table for the last generation (every
 * metric, each method's mean ± 95% CI, the paired differences with raw and Holm-adjusted p, the
 * seeds needed), the charts as inline SVG,
 * per-generation transfer and few-shot tables, all generations in a collapsed table, the
 * findings and the exact settings. All report text is escaped.
 * @example writeFileSync('report.html', await renderHtml(report))
 */
export async function renderHtml(report: Report): Promise<string> {
  const charts = chartSpecs(report);
  const svgs: string[] = [];
  for (const c of charts) svgs.push(await renderSvg(c));
  const figures = charts.map((c, i) => figure(c, svgs[i]!)).join('\n');
  const g = lastGeneration(report);
  const sections: string[] = [];
  for (const [prefix, name, id] of [
    ['transfer_', 'Transfer', 'transfer'],
    ['fewshot_', 'Few-shot', 'fewshot'],
  ] as const) {
    const ms = metricsWithPrefix(report, prefix);
    if (ms.length > 0)
      sections.push(
        `<section id="${id}"><h2>${name}, by generation</h2>${htmlTable(report, allGenerationRows(report, ms), true)}` +
          `<p class="note">${escapeHtml(generationsNote(report))}</p></section>`,
      );
  }
  const findings =
    report.findings.length > 0 ? report.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('') : '<li>(none)</li>';
  const meta =
    `Created ${escapeHtml(formatDate(report.created))} · methods: ${escapeHtml(report.methods.map(methodLabel).join(', '))} · ` +
    `seeds: ${escapeHtml(report.seeds.join(', '))} · generations: ${report.generations}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(report.title)}</h1><p class="meta">${meta}</p></header>
${report.claims ? htmlClaims(report.claims) : ''}
<section id="headline"><h2>Headline: generation ${g}</h2>
${htmlTable(report, tableRows(report, report.metrics, g), false, 'headline-table')}
<p class="note">${escapeHtml(tableNote(report))} Green: the difference favours ${escapeHtml(methodLabel(report.differences[0]?.a ?? 'seal'))}; red: it favours the baseline.</p>
<details><summary>All metrics, every generation</summary>${htmlTable(report, allGenerationRows(report, report.metrics), true)}<p class="note">${escapeHtml(generationsNote(report))}</p></details>
</section>
<section id="findings"><h2>Findings</h2><ul class="findings">${findings}</ul></section>
<section id="charts"><h2>Charts</h2><div class="charts">
${figures}
</div></section>
${sections.join('\n')}
<section id="settings"><h2>Settings</h2><pre>${escapeHtml(JSON.stringify(report.settings, null, 2))}</pre></section>
</main>
</body>
</html>
`;
}
