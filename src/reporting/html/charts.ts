/**
 * Vega-Lite specifications of the report's charts. Pure data in, spec out: rendering to SVG happens in svg.ts.
 * Headings live in the HTML, not in the charts, so charts stay compact.
 */
import type { ChartTimeline, PhaseSpan } from './timeline.js';
import { spectrumTicks, type SpectrumPoint } from './spectrum.js';

/** A Vega-Lite spec as plain JSON (the compiler checks it; see svg.ts). */
export type VlSpec = Record<string, unknown>;

/** Chart sizes (px) chosen to fit a 1280-px laptop screen: full width, or two side by side. */
export const FULL_WIDTH = 980;
export const HALF_WIDTH = 430;
const HEIGHT = 220;

/** Series colours, fixed so the same series has the same colour in every chart and report. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/**
 * Colours for runs set side by side (comparisons, run history): no red and no green, which the reports use for
 * worse and better, so the second run never looks like the bad one.
 */
export const RUN_PALETTE = ['#1f77b4', '#ff7f0e', '#7b4fa6', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

/** Fonts, axes and legends every chart shares, so the run report, comparison and run history look alike. */
export const CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top', direction: 'horizontal', title: null, labelLimit: 400 },
  view: { stroke: '#ccc' },
};

/** Rough legend width in px (11-px labels ≈ 6.5 px a character, plus the symbol and spacing). */
function legendWidthPx(domain: string[]): number {
  return domain.reduce((sum, label) => sum + label.length * 6.5 + 40, 0);
}

/**
 * Colour by series. A legend wider than the chart would widen the SVG and shrink the whole chart when it is scaled
 * to the page (long run labels in comparisons), so such legends go below the chart, one entry per line.
 */
function colorScale(domain: string[], range: string[] = PALETTE, width = FULL_WIDTH): VlSpec {
  const legend = legendWidthPx(domain) > width ? { legend: { orient: 'bottom', direction: 'vertical', columns: 1 } } : {};
  return { field: 'series', type: 'nominal', scale: { domain, range: range.slice(0, domain.length) }, sort: domain, ...legend };
}

/** Shaded background and a label for warmup and drain (measure stays unshaded: it is what the numbers describe). */
function phaseLayers(phases: PhaseSpan[]): VlSpec[] {
  const shaded = phases.filter((p) => p.phase !== 'measure').map((p) => ({ ...p, midS: (p.fromS + p.toS) / 2 }));
  if (shaded.length === 0) return [];
  return [
    {
      data: { values: shaded },
      mark: { type: 'rect', opacity: 0.5 },
      encoding: {
        x: { field: 'fromS', type: 'quantitative' }, x2: { field: 'toS' },
        color: { field: 'phase', type: 'nominal', scale: { domain: ['warmup', 'drain'], range: ['#eeeeee', '#e8eef7'] }, legend: null },
      },
    },
    {
      data: { values: shaded },
      mark: { type: 'text', baseline: 'top', dy: 2, fontSize: 10, color: '#666' },
      encoding: { x: { field: 'midS', type: 'quantitative' }, y: { value: 0 }, text: { field: 'phase' } },
    },
  ];
}

/** Stage labels are left out above this many stages: they would overlap; the boundaries still show. */
const MAX_STAGE_LABELS = 12;

/** Dashed rules where the load profile's stages change, and each stage's rate written at the top. */
function stageLayers(stages: ChartTimeline['stages']): VlSpec[] {
  if (stages.length === 0) return [];
  const rows = stages.map((s) => ({ fromS: s.fromS, midS: (s.fromS + s.toS) / 2, label: `${s.number} · ${s.rateLabel}` }));
  const rules: VlSpec = {
    data: { values: rows.slice(1) },
    mark: { type: 'rule', strokeDash: [4, 3], color: '#888', strokeWidth: 1 },
    encoding: { x: { field: 'fromS', type: 'quantitative' } },
  };
  const labels: VlSpec = {
    data: { values: rows },
    mark: { type: 'text', baseline: 'top', dy: 2, fontSize: 10, color: '#555' },
    encoding: { x: { field: 'midS', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
  };
  return [...(rows.length > 1 ? [rules] : []), ...(rows.length <= MAX_STAGE_LABELS ? [labels] : [])];
}

/** Long-format rows {tS, series, value} for the given point fields (nulls dropped: they are gaps, not zeros). */
function fold(tl: ChartTimeline, fields: Array<[key: keyof ChartTimeline['points'][number], series: string]>): VlSpec[] {
  const rows: VlSpec[] = [];
  for (const p of tl.points) {
    for (const [key, series] of fields) {
      const value = p[key];
      if (typeof value === 'number' && Number.isFinite(value)) rows.push({ tS: p.tS, series, value });
    }
  }
  return rows;
}

/** Options of a time-series chart. */
export interface TimeChartOptions {
  width: number;
  yTitle: string;
  yScale?: VlSpec;
  series: string[];
  colors?: string[];
  /** Draw points on the lines (useful for sparse event counts). */
  points?: boolean;
  /** Extra layers drawn under the lines: outage bands and chaos events (markers.ts). */
  markers?: VlSpec[];
}

/**
 * A time-series chart: lines per series over phase shading. The x domain is the whole timeline, so every time chart
 * of a report (client and server side) shares one axis and events line up across them.
 */
export function timeChart(tl: ChartTimeline, rows: VlSpec[], o: TimeChartOptions): VlSpec {
  const xTitle = tl.groupSize > 1 ? `time (s) — each point covers ${tl.groupSize} intervals` : 'time (s)';
  // Not rounded outwards ('nice'): a run from -0.2 s to 13.9 s would get an axis from -2 to 16, mostly empty.
  const domain = tl.phases.length > 0 ? { domain: [tl.phases[0].fromS, tl.phases[tl.phases.length - 1].toS], nice: false } : {};
  return {
    width: o.width, height: HEIGHT, config: CONFIG,
    layer: [
      ...phaseLayers(tl.phases),
      ...stageLayers(tl.stages),
      ...(o.markers ?? []),
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.5, interpolate: 'linear', point: o.points ? { size: 18 } : false },
        encoding: {
          x: { field: 'tS', type: 'quantitative', title: xTitle, axis: { format: '~g', tickMinStep: 1 }, scale: domain },
          // A fixed minimum room for the y labels keeps the plots of full-width time charts exactly above each other.
          y: { field: 'value', type: 'quantitative', title: o.yTitle, scale: o.yScale ?? { zero: true }, axis: { minExtent: 44 } },
          color: colorScale(o.series, o.colors, o.width),
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

/** Latency percentile spectrum: latency (ms, log) against 1/(1−p) (log), labelled with percentiles. */
export function spectrumChart(points: SpectrumPoint[], series: string[], width = FULL_WIDTH): VlSpec {
  const maxX = Math.max(2, ...points.map((p) => p.x));
  return {
    width, height: 300, config: CONFIG,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
    encoding: {
      x: {
        field: 'x', type: 'quantitative', title: 'percentile',
        scale: { type: 'log', domain: [1, maxX] },
        axis: { values: spectrumTicks(maxX), labelExpr: "datum.value <= 1 ? '0%' : format(100 - 100 / datum.value, '.10~f') + '%'" },
      },
      y: { field: 'latencyMs', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
      color: colorScale(series, PALETTE, width),
    },
  };
}

/** End-to-end latency p50 / p99 / max per interval, with phase shading. */
export function latencyOverTimeChart(tl: ChartTimeline, markers: VlSpec[] = []): VlSpec {
  const series = ['p50', 'p99', 'max'];
  const rows = fold(tl, [['p50Ms', 'p50'], ['p99Ms', 'p99'], ['maxMs', 'max']]);
  return timeChart(tl, rows, {
    width: FULL_WIDTH, yTitle: 'end-to-end latency (ms, log scale)', yScale: { type: 'log' }, series,
    colors: ['#2ca02c', '#ff7f0e', '#d62728'], markers,
  });
}

/** Target vs achieved publish rate. */
export function publishRateChart(tl: ChartTimeline, markers: VlSpec[] = []): VlSpec {
  const hasTarget = tl.points.some((p) => p.targetPerS !== null);
  const series = hasTarget ? ['target', 'published'] : ['published'];
  const rows = fold(tl, hasTarget ? [['targetPerS', 'target'], ['publishedPerS', 'published']] : [['publishedPerS', 'published']]);
  return timeChart(tl, rows, { width: HALF_WIDTH, yTitle: 'messages published / s', series, colors: hasTarget ? ['#999999', PALETTE[0]] : [PALETTE[0]], markers });
}

/** Delivered (received) rate: deliveries, so fan-out multiplies it; a chart of its own keeps both readable. */
export function deliveredRateChart(tl: ChartTimeline, markers: VlSpec[] = []): VlSpec {
  return timeChart(tl, fold(tl, [['receivedPerS', 'delivered']]), {
    width: HALF_WIDTH, yTitle: 'deliveries received / s', series: ['delivered'], colors: [PALETTE[2]], markers,
  });
}

/** Event kinds of the violations chart: point field and legend name. */
const EVENT_KINDS = [
  ['gapMessages', 'gap messages'], ['duplicates', 'duplicates'], ['reordered', 'reordered'], ['malformed', 'malformed'],
  ['publishErrors', 'publish errors'], ['disconnects', 'disconnects'], ['reconnects', 'reconnects'], ['lateSends', 'late sends'],
  ['topologyEvents', 'cluster topology events'], ['churnEvents', 'churn events'],
] as const;

/** Losses and violations over time; null when nothing happened (the report then says so in words). */
export function violationsChart(tl: ChartTimeline): VlSpec | null {
  const present = EVENT_KINDS.filter(([key]) => tl.points.some((p) => p[key] > 0));
  if (present.length === 0) return null;
  const rows = fold(tl, present.map(([key, name]) => [key, name]));
  return timeChart(tl, rows, {
    // symlog: a handful of gaps and thousands of late sends must both stay visible.
    width: FULL_WIDTH, yTitle: tl.groupSize > 1 ? 'events per point (symlog)' : 'events per interval (symlog)',
    yScale: { type: 'symlog' }, series: present.map(([, name]) => name), points: true,
  });
}

/** Harness health: event-loop utilisation and delay of the busiest worker. */
export function healthCharts(tl: ChartTimeline): [VlSpec, VlSpec] {
  return [
    timeChart(tl, fold(tl, [['eventLoopPct', 'busiest worker']]), {
      width: HALF_WIDTH, yTitle: 'event-loop utilisation (%)', yScale: { domain: [0, 100] }, series: ['busiest worker'],
      colors: [PALETTE[4]],
    }),
    timeChart(tl, fold(tl, [['eventLoopDelayMs', 'worst worker']]), {
      width: HALF_WIDTH, yTitle: 'event-loop delay p99 (ms)', series: ['worst worker'], colors: [PALETTE[5]],
    }),
  ];
}

/** One bar of a grouped bar chart. */
export interface BarRow {
  /** Group on the x axis (a metric such as "p99", or a run label). */
  group: string;
  /** Colour series within the group (a run label). */
  series: string;
  value: number;
}

/** Grouped bars: one group per `group`, one coloured bar per series (runs side by side). */
export function groupedBarChart(rows: BarRow[], groups: string[], series: string[], yTitle: string, width = HALF_WIDTH, yScale: VlSpec = {}): VlSpec {
  return {
    width, height: HEIGHT, config: CONFIG,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'group', type: 'nominal', sort: groups, title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: series },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: yScale, stack: false },
      // On a log scale a bar has no zero to start from: start it at the bottom of the plot instead.
      ...(yScale.type === 'log' ? { y2: { value: 'height' } } : {}),
      color: colorScale(series, PALETTE, width),
    },
  };
}
