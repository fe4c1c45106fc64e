// The sweep part of a report: when the arms of a comparison are the cells of a grid over one or
// two settings of one method (what `seal sweep` makes), each metric's paired difference to the
// baseline at the last generation as a heatmap over the grid (cells whose 95% interval excludes
// 0 marked), the line plots along each setting, and the same as Markdown tables.
import type { TopLevelSpec } from 'vega-lite';
import type { Difference, MetricInfo, Report } from './types.js';

interface Arm {
  name: string;
  method: string;
  overrides: Record<string, unknown>;
}
export interface SweepGrid {
  method: string;
  baseline: string;
  axes: { key: string; values: unknown[] }[];
  cells: { name: string; at: unknown[] }[];
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The grid of a sweep's report: the one its settings record, or for a sweep made before they
 * recorded it, the one its arms form; null when the arms are not a grid's cells.
 */
export function sweepGrid(report: Report): SweepGrid | null {
  const arms = (report.settings['arms'] as Arm[] | undefined) ?? [];
  const recorded = report.settings['grid'] as Omit<SweepGrid, 'cells'> | undefined;
  if (recorded !== undefined) {
    const cells = arms.filter((a) => a.name !== recorded.baseline && a.method === recorded.method);
    return {
      ...recorded,
      cells: cells.map((c) => ({ name: c.name, at: recorded.axes.map((x) => c.overrides[x.key]) })),
    };
  }
  const baseline = report.settings['baseline'] as string | undefined;
  if (baseline === undefined) return null;
  const cells = arms.filter((a) => a.name !== baseline && Object.keys(a.overrides).length > 0);
  const method = cells[0]?.method;
  if (method === undefined || cells.some((c) => c.method !== method)) return null;
  const keys = Object.keys(cells[0]!.overrides);
  if (keys.length > 2 || cells.some((c) => Object.keys(c.overrides).join() !== keys.join())) return null;
  const axes = keys.map((key) => ({
    key,
    values: [...new Map(cells.map((c) => [JSON.stringify(c.overrides[key]), c.overrides[key]])).values()],
  }));
  return { method, baseline, axes, cells: cells.map((c) => ({ name: c.name, at: keys.map((k) => c.overrides[k]) })) };
}

const lastGen = (r: Report) => r.generations - 1;
const diffOf = (r: Report, grid: SweepGrid, metric: string, cell: string): Difference | undefined =>
  r.differences.find(
    (d) => d.metric === metric && d.generation === lastGen(r) && d.a === cell && d.b === grid.baseline,
  );
/** Starred as the report's tables are: the difference holds after Holm's adjustment over the generation's comparisons. */
const starred = (d: Difference): boolean => d.significant === true;
const scaleOf = (info: MetricInfo) => (info.unit === '%' ? 100 : 1);

/** The metrics with at least one cell measured. */
function sweptMetrics(r: Report, grid: SweepGrid): MetricInfo[] {
  return r.metrics.filter((m) => grid.cells.some((c) => diffOf(r, grid, m.name, c.name)));
}

/** Per metric, a table of cell − baseline (rows: first setting, columns: second), '*' where it holds after Holm's adjustment. */
export function sweepMarkdown(r: Report): string[] {
  const grid = sweepGrid(r);
  if (!grid) return [];
  const [rows, cols] = [grid.axes[0]!, grid.axes[1] ?? { key: '', values: [''] }];
  const out = [
    `## Sweep: ${grid.method} − ${grid.baseline} at generation ${lastGen(r)}`,
    '',
    `Paired difference of each cell to ${grid.baseline} (mean over ${r.seeds.length} seeds; * where the difference holds after Holm's adjustment over the report's comparisons, adjusted p < 0.05). ` +
      `Rows: --${kebab(rows.key)}${cols.key ? `; columns: --${kebab(cols.key)}` : ''}.`,
    '',
  ];
  for (const m of sweptMetrics(r, grid)) {
    const head = cols.key ? cols.values.map(String) : ['cell − baseline'];
    out.push(
      `**${m.label}** (${m.name}, ${m.higherIsBetter ? 'higher' : 'lower'} is better${m.unit === '%' ? ', points' : ''})`,
      '',
      `| ${kebab(rows.key)} | ${head.join(' | ')} |`,
      `|---|${head.map(() => '---:').join('|')}|`,
    );
    for (const rv of rows.values) {
      const cells = cols.values.map((cv) => {
        const cell = grid.cells.find(
          (c) =>
            JSON.stringify(c.at[0]) === JSON.stringify(rv) &&
            (!cols.key || JSON.stringify(c.at[1]) === JSON.stringify(cv)),
        );
        const d = cell && diffOf(r, grid, m.name, cell.name);
        if (!d) return '-';
        const x = d.mean * scaleOf(m);
        return `${x >= 0 ? '+' : ''}${x.toPrecision(3)}${starred(d) ? '*' : ''}`;
      });
      out.push(`| ${String(rv)} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out;
}

export interface SweepChart {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

/** Per metric: the heatmap over the grid, and the difference along each setting with its interval. */
export function sweepCharts(r: Report, config: Record<string, unknown>): SweepChart[] {
  const grid = sweepGrid(r);
  if (!grid) return [];
  const charts: SweepChart[] = [];
  const [a0, a1] = grid.axes;
  const label = (k: string | undefined) => (k ? kebab(k) : '');
  for (const m of sweptMetrics(r, grid)) {
    const s = scaleOf(m);
    const values = grid.cells.flatMap((c) => {
      const d = diffOf(r, grid, m.name, c.name);
      if (!d) return [];
      return [
        {
          x0: String(c.at[0]),
          x1: String(c.at[1] ?? ''),
          n0: Number(c.at[0]),
          n1: Number(c.at[1] ?? 0),
          mean: d.mean * s,
          low: d.ciLow * s,
          high: d.ciHigh * s,
          text: `${(d.mean * s).toPrecision(2)}${starred(d) ? '*' : ''}`,
        },
      ];
    });
    const subtitle = [
      `${grid.method} − ${grid.baseline}, generation ${lastGen(r)}; * = Holm-adjusted p < 0.05`,
      `${m.higherIsBetter ? 'higher' : 'lower'} is better`,
    ];
    const heat = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      width: 240,
      height: 160,
      title: { text: m.label, subtitle },
      data: { values },
      encoding: {
        x: { field: 'x0', type: 'ordinal', title: label(a0?.key), sort: a0?.values.map(String) },
        ...(a1 ? { y: { field: 'x1', type: 'ordinal', title: label(a1.key), sort: a1.values.map(String) } } : {}),
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: {
              field: 'mean',
              type: 'quantitative',
              title: m.unit === '%' ? 'points' : 'difference',
              scale: { scheme: m.higherIsBetter ? 'redblue' : 'blueorange', domainMid: 0 },
            },
          },
        },
        { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'text', type: 'nominal' } } },
      ],
    };
    charts.push({ id: `sweep-heat-${m.name}`, title: `${m.label}: sweep`, spec: heat as unknown as TopLevelSpec });
    for (const [along, by] of [
      [a0, a1],
      [a1, a0],
    ] as const) {
      if (!along) continue;
      const xf = along === a0 ? 'n0' : 'n1',
        cf = along === a0 ? 'x1' : 'x0';
      const colour = by ? { color: { field: cf, type: 'nominal', title: label(by.key) } } : {};
      const line = {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        config,
        width: 240,
        height: 160,
        title: { text: `${m.label} along ${label(along.key)}`, subtitle: subtitle.slice(0, 1) },
        data: { values },
        encoding: {
          x: { field: xf, type: 'quantitative', title: label(along.key), scale: { zero: false } },
          ...colour,
        },
        layer: [
          { mark: { type: 'rule' }, encoding: { y: { datum: 0 }, color: { value: '#999' } } },
          {
            mark: { type: 'errorbar' },
            encoding: {
              y: { field: 'low', type: 'quantitative', title: m.unit === '%' ? 'difference (points)' : 'difference' },
              y2: { field: 'high' },
            },
          },
          { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
        ],
      };
      charts.push({
        id: `sweep-line-${m.name}-${along.key}`,
        title: `${m.label} along ${label(along.key)}`,
        spec: line as unknown as TopLevelSpec,
      });
    }
  }
  return charts;
}
