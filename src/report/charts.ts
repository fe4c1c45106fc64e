// Vega-Lite chart specs built from report.json, and their rendering to SVG strings in Node
// (vega-lite compile → vega View with renderer 'none' → toSVG): no canvas, no browser. The spec
// builders are pure; vega and vega-lite are imported lazily by renderSvg only.
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRow } from '../train/summary.js';
import type { DepthHistogram, MetricInfo, Report } from './types.js';
import { methodLabel } from './render-md.js';
import { sweepCharts } from './sweep-section.js';

/** One chart of the report: a stable id (used to keep SVG ids unique), its title and spec. */
export interface ChartSpec {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

type Datum = Record<string, string | number>;

const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#9d755d', '#bab0ac'];
const FONT = 'sans-serif';
// Without a canvas, vega estimates text as 0.8 × font size per character (wider than real text)
// and sizes the SVG to fit: titles are wrapped so that estimate stays inside the plot's width.
const TITLE_CHARS = 30;

/** The shared look: generic fonts, white background, one colour per method in report order. */
function base(report: Report): { config: Record<string, unknown>; colour: Record<string, unknown> } {
  return {
    config: {
      font: FONT,
      background: 'white',
      padding: 8,
      view: { stroke: '#ddd' },
      axis: { labelFont: FONT, titleFont: FONT, labelFontSize: 11, titleFontSize: 11, gridColor: '#eee' },
      legend: { labelFont: FONT, titleFont: FONT, orient: 'bottom', labelFontSize: 11, titleFontSize: 11 },
      title: {
        font: FONT,
        fontSize: 13,
        fontWeight: 'bold',
        anchor: 'start',
        subtitleFont: FONT,
        subtitleColor: '#555',
        subtitleFontSize: 11,
      },
    },
    colour: {
      field: 'method',
      type: 'nominal',
      title: 'method',
      legend: { symbolOpacity: 1, symbolType: 'circle' },
      scale: {
        domain: report.methods.map(methodLabel),
        range: report.methods.map((_, i) => PALETTE[i % PALETTE.length]),
      },
    },
  };
}

/**
 * Mean of a metric against generation, one line per method, with its 95% interval as a band.
 * Percent metrics are plotted ×100.
 * @example metricChart(report, report.metrics[0]).spec.mark // undefined (layered)
 */
export function metricChart(report: Report, info: MetricInfo): ChartSpec {
  const scale = info.unit === '%' ? 100 : 1;
  const values: Datum[] = report.aggregates
    .filter((a) => a.metric === info.name)
    .map((a) => ({
      method: methodLabel(a.method),
      generation: a.generation,
      mean: a.mean * scale,
      low: a.ciLow * scale,
      high: a.ciHigh * scale,
    }));
  const { config, colour } = base(report);
  const gens = Array.from({ length: report.generations }, (_, g) => g);
  // Format '.0f', not 'd': 'd' makes vega-lite add tickMinStep, which drops some explicit values.
  const x = {
    field: 'generation',
    type: 'quantitative',
    title: 'generation',
    scale: { domain: [0, Math.max(1, report.generations - 1)], nice: false },
    axis: { values: gens, format: '.0f' },
  };
  const yTitle = info.unit === '%' ? 'mean (%)' : 'mean';
  const subtitle = [info.name, `${info.higherIsBetter ? 'higher' : 'lower'} is better; band: 95% CI`];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config,
    width: 270,
    height: 170,
    title: { text: wrap(info.label, TITLE_CHARS), subtitle },
    data: { values },
    layer: [
      {
        mark: { type: 'errorband', opacity: 0.2 },
        encoding: {
          x,
          y: { field: 'low', type: 'quantitative', title: yTitle, scale: { zero: false } },
          y2: { field: 'high' },
          color: colour,
        },
      },
      {
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: colour },
      },
    ],
  };
  return { id: `metric-${info.name}`, title: info.label, spec: spec as TopLevelSpec };
}

/** `text` broken into lines of at most `width` characters at spaces (a title never widens its chart). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;

/** Epochs per generation: one more than the largest epoch index in any curve. */
export function epochsPerGeneration(report: Report): number {
  return 1 + Math.max(0, ...report.curves.flatMap((c) => c.rows.map((r) => r.epoch)));
}

const SIDES = ['early', 'late'] as const;

/**
 * Per-epoch training curves over the global epoch index (generation × E + epoch), mean over
 * seeds per method: test top-1 (%) where evaluated on top, train loss below, and, for rows that
 * have it, each side's relative weight change per epoch on a log scale (solid early, dashed
 * late). Ascent epochs are shaded in the method's colour; dashed rules mark generation boundaries.
 * @example curveChart(report).id // 'curves'
 */
/** The curves' series, each a mean over seeds per (method, epoch): train loss, test top-1, each side's weight change, and the ascent epochs. */
function curveSeries(report: Report, e: number): { loss: Datum[]; top1: Datum[]; moved: Datum[]; ascent: Datum[] } {
  const groups = new Map<
    string,
    {
      method: string;
      rank: number;
      x: number;
      loss: number[];
      top1: number[];
      early: number[];
      late: number[];
      ascent: boolean;
    }
  >();
  for (const c of report.curves) {
    for (const r of c.rows) {
      const x = r.generation * e + r.epoch;
      const key = `${c.method}\u0000${x}`;
      const g = groups.get(key) ?? {
        method: methodLabel(c.method),
        rank: report.methods.indexOf(c.method),
        x,
        loss: [],
        top1: [],
        early: [],
        late: [],
        ascent: false,
      };
      if (Number.isFinite(r.trainLoss)) g.loss.push(r.trainLoss);
      // Rows written before it was measured have no displacement; a frozen side's 0 has no log.
      const moved = r.displacement as EpochRow['displacement'] | undefined;
      for (const side of SIDES) {
        const v = moved?.[side];
        if (typeof v === 'number' && v > 0 && Number.isFinite(v)) g[side].push(v);
      }
      if (r.testTop1 !== null) g.top1.push(r.testTop1 * 100);
      g.ascent ||= r.phase === 'ascent';
      groups.set(key, g);
    }
  }
  // In report order, so the last method (SEAL in a comparison) is drawn on top.
  const all = [...groups.values()].sort((a, b) => a.rank - b.rank || a.x - b.x);
  const loss: Datum[] = all
    .filter((g) => g.loss.length > 0)
    .map((g) => ({ method: g.method, x: g.x, value: mean(g.loss) }));
  const top1: Datum[] = all
    .filter((g) => g.top1.length > 0)
    .map((g) => ({ method: g.method, x: g.x, value: mean(g.top1) }));
  const moved: Datum[] = all.flatMap((g) =>
    SIDES.filter((side) => g[side].length > 0).map((side) => ({
      method: g.method,
      x: g.x,
      side,
      value: mean(g[side]),
    })),
  );
  const ascent: Datum[] = all.filter((g) => g.ascent).map((g) => ({ method: g.method, x0: g.x - 0.5, x1: g.x + 0.5 }));
  return { loss, top1, moved, ascent };
}

export function curveChart(report: Report): ChartSpec {
  const e = epochsPerGeneration(report);
  const { loss, top1, moved, ascent } = curveSeries(report, e);
  const total = Math.max(1, report.generations * e);
  const bounds: Datum[] = Array.from({ length: Math.max(0, report.generations - 1) }, (_, g) => ({
    x: (g + 1) * e - 0.5,
  }));
  const genLabels: Datum[] = Array.from({ length: report.generations }, (_, g) => ({
    x: g * e + (e - 1) / 2,
    text: 900 / report.generations >= 90 ? `generation ${g}` : `${g}`,
  }));
  const { config, colour } = base(report);
  const xScale = { domain: [-0.5, total - 0.5], nice: false, zero: false };
  const x = {
    field: 'x',
    type: 'quantitative',
    scale: xScale,
    title: `epoch (generation × ${e} + epoch)`,
    axis: { format: 'd', tickMinStep: 1 },
  };
  const backdrop = [
    {
      data: { values: ascent },
      mark: { type: 'rect', opacity: 0.15 },
      encoding: { x: { field: 'x0', type: 'quantitative', scale: xScale }, x2: { field: 'x1' }, color: colour },
    },
    {
      data: { values: bounds },
      mark: { type: 'rule', color: '#888', strokeDash: [4, 3] },
      encoding: { x: { field: 'x', type: 'quantitative', scale: xScale } },
    },
  ];
  const panel = (
    values: Datum[],
    title: string,
    extra: object[],
    o: { y?: object; more?: object; points?: boolean } = {},
  ): object => ({
    width: 900,
    height: 170,
    layer: [
      ...backdrop,
      ...extra,
      {
        data: { values },
        mark: { type: 'line', point: o.points === false ? false : { size: 25 }, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title, ...(o.y ?? { scale: { zero: false } }) },
          color: colour,
          ...o.more,
        },
      },
    ],
  });
  const side = {
    field: 'side',
    type: 'nominal',
    title: 'side',
    scale: {
      domain: [...SIDES],
      range: [
        [1, 0],
        [5, 3],
      ],
    },
    legend: { symbolType: 'stroke', symbolStrokeColor: '#555', symbolStrokeWidth: 2 },
  };
  // Without points: their (filled) symbols would stand in the side legend and hide its dashes.
  const movedPanel =
    moved.length > 0
      ? [
          panel(moved, 'weight change ‖Δw‖/‖w‖', [], {
            y: { scale: { type: 'log' }, axis: { format: '.0e' } },
            more: { strokeDash: side },
            points: false,
          }),
        ]
      : [];
  const labels = {
    data: { values: genLabels },
    mark: { type: 'text', baseline: 'top', dy: 3, color: '#666', fontSize: 10 },
    encoding: { x: { field: 'x', type: 'quantitative', scale: xScale }, y: { value: 0 }, text: { field: 'text' } },
  };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config,
    title: {
      text: 'Training curves',
      subtitle: [
        'mean over seeds; shaded: ascent epochs; dashed: generation boundaries',
        ...(moved.length > 0
          ? ['weight change: ‖w_end − w_start‖ / ‖w_start‖ of each side over each epoch, log scale']
          : []),
      ],
    },
    vconcat: [panel(top1, 'test top-1 (%)', [labels]), panel(loss, 'train loss', []), ...movedPanel],
    resolve: { scale: { color: 'shared' } },
  };
  return { id: 'curves', title: 'Training curves', spec: spec as TopLevelSpec };
}

/** The x label of depth d: the probe where the prediction settles, or 'output' past the last probe. */
const depthLabel = (probes: string[], d: number): string => `${d}: ${probes[d] ?? 'output'}`;

/**
 * Prediction-depth histograms of the last generation for one split, bars per method side by side
 * (counts summed over seeds; x = depth and the probe it stands for).
 * @example depthChart(report, 'test')?.id // 'depth-test'
 */
export function depthChart(report: Report, split: DepthHistogram['split']): ChartSpec | null {
  const hs = report.depthHistograms.filter((h) => h.split === split);
  const last = Math.max(-1, ...hs.map((h) => h.generation));
  const mine = hs.filter((h) => h.generation === last);
  if (mine.length === 0) return null;
  const probes = mine[0]!.probes;
  const sums = new Map<string, number[]>();
  for (const h of mine) {
    const s = sums.get(h.method) ?? [];
    h.counts.forEach((c, d) => {
      s[d] = (s[d] ?? 0) + c;
    });
    sums.set(h.method, s);
  }
  const values: Datum[] = report.methods.flatMap((m) =>
    (sums.get(m) ?? []).map((count, d) => ({ method: methodLabel(m), depth: d, label: depthLabel(probes, d), count })),
  );
  const seeds = new Set(mine.map((h) => h.seed)).size;
  const { config, colour } = base(report);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config,
    width: 900,
    height: 220,
    data: { values },
    title: {
      text: `Prediction depth (${split}), generation ${last}`,
      subtitle: `counts summed over ${seeds} seed${seeds === 1 ? '' : 's'}; lower depth = decided earlier`,
    },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'label',
        type: 'ordinal',
        sort: { field: 'depth' },
        title: 'prediction depth: probe where the prediction settles',
        axis: { labelAngle: -30 },
      },
      xOffset: { field: 'method', type: 'nominal', scale: { domain: report.methods.map(methodLabel) } },
      y: { field: 'count', type: 'quantitative', title: 'inputs' },
      color: colour,
    },
  };
  return { id: `depth-${split}`, title: `Prediction depth (${split})`, spec: spec as TopLevelSpec };
}

/**
 * Every chart of the report, in display order: one per metric with aggregates, the training
 * curves (if any), then one depth histogram per split present.
 * @example chartSpecs(report).length // 8 for the sample report
 */
export function chartSpecs(report: Report): ChartSpec[] {
  const charts = report.metrics
    .filter((m) => report.aggregates.some((a) => a.metric === m.name))
    .map((m) => metricChart(report, m));
  if (report.curves.some((c) => c.rows.length > 0)) charts.push(curveChart(report));
  for (const split of ['test', 'train'] as const) {
    const c = depthChart(report, split);
    if (c !== null) charts.push(c);
  }
  charts.push(...sweepCharts(report, base(report).config));
  return charts;
}

/**
 * Renders one chart to a standalone SVG string in Node. Element ids inside the SVG are prefixed
 * with the chart id, so several SVGs can be inlined in one page and the output is deterministic.
 * @example const svg = await renderSvg(chartSpecs(report)[0]) // '<svg xmlns=...'
 */
export async function renderSvg(chart: ChartSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // vega numbers clip paths and gradients with process-wide counters: renumber them per chart.
    const ids = [...new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!))];
    const prefix = chart.id.replace(/[^A-Za-z0-9_-]/g, '_');
    const fresh = new Map(ids.map((id, k) => [id, `${prefix}-${k}`]));
    const out = svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (all, pre: string, id: string) =>
      fresh.has(id) ? `${pre}${fresh.get(id)!}` : all,
    );
    return out;
  } finally {
    view.finalize();
  }
}
