// The HTML and Markdown renderings of report.json: structure, self-containment, escaping, number
// formatting against the sample fixture, and purity (same input → same output, input untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chartSpecs } from '../../src/report/charts.js';
import { renderHtml } from '../../src/report/render-html.js';
import { formatNumber, formatP, headlineTable, renderMarkdown, tableNote } from '../../src/report/render-md.js';
import type { Report } from '../../src/report/types.js';

const FIXTURE = fileURLToPath(new URL('../../../test/report/sample-report.json', import.meta.url));
const load = (): Report => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
const NAMESPACES = new Set([
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1999/xlink',
  'http://www.w3.org/1999/xhtml',
]);

/** The Markdown table rows (lines starting with '|') under the heading that starts with `heading`. */
function mdSection(md: string, heading: string): string[] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(start >= 0, `heading ${heading}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return rest.slice(0, end < 0 ? undefined : end).filter((l) => l.startsWith('|'));
}

test('the HTML has one inline <svg> per chart and every chart kind', async () => {
  const report = load();
  const html = await renderHtml(report);
  const charts = chartSpecs(report);
  assert.equal(charts.length, report.metrics.length + 2);
  assert.deepEqual(
    charts.slice(-2).map((c) => c.id),
    ['curves', 'depth-test'],
  );
  assert.equal(html.match(/<svg[\s>]/g)?.length, charts.length);
  for (const c of charts) assert.ok(html.includes(`id="chart-${c.id}"`), c.id);
  const fonts = new Set([...html.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]));
  assert.deepEqual([...fonts], ['sans-serif']);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'element ids are unique across the inlined SVGs');
});

test('the HTML is self-contained: no external URLs, scripts or linked resources', async () => {
  const html = await renderHtml(load());
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]).filter((u) => !NAMESPACES.has(u));
  assert.deepEqual(urls, []);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|\ssrc=|@import/i);
  for (const id of ['headline-table', 'findings', 'charts', 'transfer', 'fewshot', 'settings'])
    assert.ok(html.includes(`id="${id}"`), id);
});

test('all report text is escaped in the HTML', async () => {
  const report = load();
  report.title = '<script>alert("x")</script> & co';
  report.findings = ['a <b>bold</b> claim'];
  report.metrics[0]!.label = 'top-1 <i>';
  report.settings = { note: '</pre><script>alert(1)</script>' };
  const html = await renderHtml(report);
  assert.doesNotMatch(html, /<script|<b>|<i>|<\/pre><script/i);
  assert.ok(html.includes('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</title>'));
  assert.ok(html.includes('<li>a &lt;b&gt;bold&lt;/b&gt; claim</li>'));
  assert.ok(html.includes('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('the Markdown headline table has a row per metric, formatted as in the fixture', () => {
  const report = load();
  const md = renderMarkdown(report);
  const rows = mdSection(md, '## Headline (generation 2)');
  assert.equal(rows.length, 2 + report.metrics.length);
  assert.equal(rows[0], '| Metric | normal | LLF | SEAL | SEAL − LLF | SEAL − normal | Seeds for 80% power |');
  assert.equal(rows[1], '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  assert.deepEqual(
    rows.slice(2).map((r) => r.split(' | ')[0]!.slice(2)),
    report.metrics.map((m) => `${m.label}${m.unit === '%' ? ' (%)' : ''} ${m.higherIsBetter ? '↑' : '↓'}`),
  );
  // The fixture's finding reads "by 1.0 points (95% CI -0.2 to 2.2)": the table says the same,
  // with the raw p of the paired t-test and the Holm-adjusted p over the table's 12 tests.
  assert.equal(
    rows[2],
    '| Source test top-1 (last epoch) (%) ↑ | 84.7 ± 1.0 | 84.5 ± 1.0 | 85.3 ± 1.0 | +1.0 [-0.2, 2.2] p=0.07 adj=0.7 | +1.0 [-0.2, 2.2] p=0.07 adj=0.7 | 5 (δ 1 pt) |',
  );
  // Raw p 0.0028, × 12 = 0.033 < 0.05: starred.
  assert.equal(
    rows[3],
    '| Linear probe on MNIST (%) ↑ | 90.4 ± 1.0 | 86.3 ± 1.0 | 91.6 ± 1.0 | **+5.3 [4.1, 6.5] p=0.0028 adj=0.033** * | +1.0 [-0.2, 2.2] p=0.07 adj=0.7 | 5 (δ 1 pt) |',
  );
  assert.equal(
    rows[6],
    '| Mean prediction depth (test) ↓ | 3.605 ± 0.010 | 3.608 ± 0.010 | 3.613 ± 0.010 | +0.010 [-0.002, 0.022] p=0.07 adj=0.7 | +0.010 [-0.002, 0.022] p=0.07 adj=0.7 | 2 (δ 0.36) |',
  );
  // The raw interval excludes 0 (raw p 0.024), but not after the adjustment: no star.
  assert.equal(
    rows[7],
    '| Top Hessian eigenvalue ↓ | 40.002 ± 0.010 | 40.004 ± 0.010 | 40.014 ± 0.010 | +0.010 [-0.002, 0.022] p=0.07 adj=0.7 | +0.012 [0.004, 0.021] p=0.024 adj=0.27 | 2 (δ 4) |',
  );
  assert.match(md, /adj=that p after Holm's step-down adjustment over the 12 tests at generation 2 /);
  assert.match(md, /\* marks adj < 0\.05/);
  assert.equal(mdSection(md, '## Transfer, by generation').length, 2 + report.generations);
  assert.equal(mdSection(md, '## Few-shot, by generation').length, 2 + 2 * report.generations);
  for (const f of report.findings) assert.ok(md.includes(`- ${f}`));
  assert.ok(md.includes('"dataset": "fashion-mnist"'));
});

test('the HTML stars only an adjusted p below 0.05, with the raw and adjusted p in the tooltip', async () => {
  const html = await renderHtml(load());
  const starred = [...html.matchAll(/<td class="diff sig (good|bad)" title="([^"]*)">([^<]*)<\/td>/g)];
  assert.deepEqual(
    starred.map((m) => [m[1], m[2], m[3]]),
    [
      [
        'good',
        'raw p = 0.0028; Holm-adjusted p = 0.033 &lt; 0.05 (favours SEAL)',
        '+5.3 [4.1, 6.5] p=0.0028 adj=0.033 *',
      ],
    ].flatMap((x) => [x, x, x]), // the headline, the transfer table and the table of every generation
  );
  assert.ok(
    html.includes(
      '<td class="diff" title="raw p = 0.024; Holm-adjusted p = 0.27 ≥ 0.05: not distinguishable from seed noise">+0.012 [0.004, 0.021] p=0.024 adj=0.27</td>',
    ),
  );
  assert.ok(html.includes('<th>Seeds for 80% power</th>'));
});

test('fewer than 3 seeds, or all paired differences equal: the mean without interval or star', async () => {
  const report = load();
  const at = (metric: string, b: string) =>
    report.differences.find((d) => d.metric === metric && d.generation === 2 && d.a === 'seal' && d.b === b)!;
  // A 2-seed comparison once printed '+0.019 [0.019, 0.019]*'.
  Object.assign(at('transfer_mnist', 'llf'), {
    mean: 0.019,
    ciLow: 0.019,
    ciHigh: 0.019,
    n: 2,
    test: 'too-few-seeds',
    sd: 0,
    t: null,
    p: null,
    pAdjusted: null,
    family: 0,
    significant: false,
  });
  Object.assign(at('source_top1', 'normal'), {
    mean: 0.02,
    ciLow: 0.02,
    ciHigh: 0.02,
    test: 'all-equal',
    sd: 0,
    t: null,
    p: null,
    pAdjusted: null,
    family: 0,
    significant: false,
  });
  const rows = mdSection(renderMarkdown(report), '## Headline');
  assert.match(rows[3]!, /\| \+1\.9 \(n=2: too few seeds for an interval\) \|/);
  assert.match(rows[2]!, /\| \+2\.0 \(all 3 differences equal\) \| 5 \(δ 1 pt\) \|$/);
  assert.doesNotMatch(rows.join('\n'), /\*\*|\[1\.9, 1\.9\]|\[2\.0, 2\.0\]/);
  assert.match(headlineTable(report), /\+1\.9 \(n=2: too few seeds for an interval\) /);
  const html = await renderHtml(report);
  assert.ok(html.includes('<td class="diff" title="no test">+1.9 (n=2: too few seeds for an interval)</td>'));
  assert.doesNotMatch(html, /class="diff sig/);
  // With no test left at the generation, the note says so instead of naming a family of 0.
  for (const d of report.differences.filter((x) => x.generation === 2))
    Object.assign(d, { test: 'too-few-seeds', n: 2, p: null, pAdjusted: null, family: 0, significant: false });
  assert.match(
    tableNote(report),
    /No difference at generation 2 has a test \(fewer than 3 seeds, or all paired differences equal\)/,
  );
});

test('a report.json written before the tests renders its raw intervals, unstarred, and says how to add them', async () => {
  const report = load();
  for (const d of report.differences)
    for (const k of ['test', 'sd', 't', 'p', 'pAdjusted', 'family', 'significant'] as const) delete d[k];
  delete report.significance;
  delete report.seedsNeeded;
  const md = renderMarkdown(report);
  const rows = mdSection(md, '## Headline');
  assert.equal(rows[0], '| Metric | normal | LLF | SEAL | SEAL − LLF | SEAL − normal |');
  assert.equal(
    rows[3],
    '| Linear probe on MNIST (%) ↑ | 90.4 ± 1.0 | 86.3 ± 1.0 | 91.6 ± 1.0 | +5.3 [4.1, 6.5] | +1.0 [-0.2, 2.2] |',
  );
  assert.match(md, /predates the adjusted tests; run `seal report DIR` to add them/);
  assert.doesNotMatch(await renderHtml(report), /class="diff sig/);
});

test('Markdown escapes table-breaking and HTML characters', () => {
  const report = load();
  report.metrics[0]!.label = 'a | b <c>';
  const rows = mdSection(renderMarkdown(report), '## Headline');
  assert.ok(rows[2]!.startsWith('| a \\| b &lt;c&gt; (%) ↑ |'));
});

test('the terminal headline table: last generation, one aligned line per metric', () => {
  const report = load();
  const lines = headlineTable(report).split('\n');
  assert.equal(lines[0], 'normal vs LLF vs SEAL on fashion-mnist: generation 2 of 0..2, 3 seeds');
  assert.match(lines[1]!, /^metric +normal +LLF +SEAL +SEAL − LLF +SEAL − normal +Seeds for 80% power$/);
  assert.match(lines[2]!, /^-+( +-+){6}$/);
  const body = lines.slice(3, 3 + report.metrics.length);
  assert.deepEqual(
    body.map((l) => l.split(/\s+/)[0]),
    report.metrics.map((m) => m.name),
  );
  assert.match(
    body[1]!,
    /^transfer_mnist % ↑ +90\.4 ± 1\.0 +86\.3 ± 1\.0 +91\.6 ± 1\.0 +\+5\.3 \[4\.1, 6\.5\] p=0\.0028 adj=0\.033\* +\+1\.0 \[-0\.2, 2\.2\] p=0\.07 adj=0\.7 +5 \(δ 1 pt\)$/,
  );
  // Raw p 0.024 does not survive the adjustment: no star.
  assert.match(
    body[5]!,
    /^sharpness_top ↓ +40\.002 ± 0\.010 .* \+0\.012 \[0\.004, 0\.021\] p=0\.024 adj=0\.27 +2 \(δ 4\)$/,
  );
  // Right-aligned columns: every row's method cells end at the header's column ends.
  const seal = lines[1]!.indexOf('SEAL ') + 'SEAL'.length;
  for (const l of body)
    assert.equal(l.slice(0, seal).endsWith('± 1.0') || l.slice(0, seal).endsWith('± 0.010'), true, l);
  assert.equal(lines[3 + report.metrics.length], '');
});

test('rendering is pure: same input, same output, input untouched', async () => {
  const report = load();
  const before = structuredClone(report);
  assert.equal(renderMarkdown(report), renderMarkdown(report));
  assert.equal(headlineTable(report), headlineTable(report));
  assert.equal(await renderHtml(report), await renderHtml(report));
  assert.deepEqual(report, before);
});

test('a sparse report (one seed, no differences, curves or histograms) still renders', async () => {
  const report = load();
  report.seeds = [0];
  report.aggregates = report.aggregates.map((a) => ({ ...a, ciLow: a.mean, ciHigh: a.mean, n: 1 }));
  Object.assign(report, { differences: [], curves: [], depthHistograms: [], findings: [] });
  const html = await renderHtml(report);
  assert.equal(html.match(/<svg[\s>]/g)?.length, report.metrics.length);
  const rows = mdSection(renderMarkdown(report), '## Headline');
  assert.equal(rows[0], '| Metric | normal | LLF | SEAL |');
  assert.equal(rows[2], '| Source test top-1 (last epoch) (%) ↑ | 84.7 | 84.5 | 85.3 |');
});

test("the curve chart plots each side's weight change on a log scale, below the loss, when the rows have it", async () => {
  const report = load();
  type Layer = {
    data?: { values: Record<string, unknown>[] };
    encoding?: { y?: { title?: string; scale?: { type?: string } } };
  };
  const panels = (r: Report) =>
    (chartSpecs(r).find((c) => c.id === 'curves')?.spec as unknown as { vconcat: { layer: Layer[] }[] }).vconcat;
  assert.equal(panels(report).length, 2, 'rows written before the displacement was measured: no third panel');
  for (const c of report.curves) {
    for (const r of c.rows) {
      const ascent = r.phase === 'ascent';
      // A frozen side (0) and a side without parameters (null) have no place on a log scale.
      r.displacement = { early: ascent ? 2e-4 : 1e-2, late: c.seed === 0 && ascent ? 0 : 3e-2 };
      if (r.epoch === 0 && r.generation === 0) r.displacement.early = null;
    }
  }
  const moved = panels(report)[2]!.layer.at(-1)!;
  assert.equal(moved.encoding?.y?.scale?.type, 'log');
  assert.match(moved.encoding?.y?.title ?? '', /weight change/);
  const values = moved.data?.values ?? [];
  assert.ok(values.length > 0 && values.every((v) => typeof v.value === 'number' && v.value > 0));
  assert.ok(!values.some((v) => v.x === 0 && v.side === 'early'), 'an epoch without an early value has no early point');
  assert.ok(
    values.some((v) => v.method === 'SEAL' && v.side === 'early' && v.value === 2e-4),
    "the ascent's early change",
  );
  assert.ok((await renderHtml(report)).includes('weight change'));
});

test('formatP: two significant digits, an exponent below 0.001', () => {
  assert.deepEqual([0.0697, 0.033, 0.0028, 0.5, 1, 0.00013, 0.99999].map(formatP), [
    '0.07',
    '0.033',
    '0.0028',
    '0.5',
    '1',
    '1.3e-4',
    '1',
  ]);
});

test('formatNumber: fixed decimals, explicit sign, no negative zero, n/a', () => {
  assert.equal(formatNumber(1.25, 1, true), '+1.3');
  assert.equal(formatNumber(-0.0001, 2), '0.00');
  assert.equal(formatNumber(-0.0001, 2, true), '0.00');
  assert.equal(formatNumber(-1.5, 0), '-2');
  assert.equal(formatNumber(Number.NaN, 2), 'n/a');
});
