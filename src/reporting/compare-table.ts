/**
 * The comparison for the terminal: run lines, warnings, the metric table laid out to fit the terminal, and the
 * winner lines. With few runs each run is a column (its value and its change against the first); with many runs,
 * or when that is too wide, the table is transposed — one row per run, the key metrics as columns, as many as fit.
 */
import { formatChange, formatMetric, type Comparison, type MetricComparison } from './compare.js';
import { significanceNote, winnerLines } from './compare-winners.js';
import { COMPARE_NOISE_NOTE, compareNoise, compareNoiseRows } from './compare-noise.js';
import { heading, makeStyler, plainText, renderTable, visibleWidth, type Styler } from './table.js';

/** Width when the output is not a terminal (a pipe, a CI log): what most log viewers show without wrapping. */
export const DEFAULT_WIDTH = 100;
/** More runs than this are transposed even when they would fit: long rows of pairs are hard to read. */
export const MAX_RUN_COLUMNS = 4;

/** Metrics of the transposed table, most telling first; columns are added in this order while they fit. */
const TRANSPOSED_KEYS = [
  'publishRate', 'deliveryRate', 'lostShare', 'latency.endToEnd.p50', 'latency.endToEnd.p99', 'latency.endToEnd.p999',
  'latency.endToEnd.max', 'latency.publish.p99', 'lost', 'duplicates', 'reordered', 'gaps', 'publishErrors', 'lateSends',
  'disconnects', 'targetRate',
];

/** Options of the terminal comparison. */
export interface ComparisonFormat {
  color: boolean;
  /** Columns available (process.stdout.columns, else DEFAULT_WIDTH). */
  width?: number;
}

/** Cuts text to `max` characters with an ellipsis (labels and descriptions, never numbers). */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/** Word-wraps a sentence to `width` columns, continuation lines indented under the first word. */
export function wrap(text: string, width: number, lead: string, indent = ' '.repeat(lead.length)): string[] {
  const lines: string[] = [];
  let line = lead;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = line === lead || line === indent ? '' : ' ';
    if (line.length + prefix.length + word.length > width && line.trim() !== '' && line !== lead) {
      lines.push(line);
      line = indent + word;
    } else line += prefix + word;
  }
  lines.push(line);
  return lines;
}

const widthOf = (table: string): number => Math.max(0, ...table.split('\n').map(visibleWidth));

function styledChange(m: MetricComparison, i: number, text: string, st: Styler): string {
  return m.changes[i] === 'better' ? st.green(text) : m.changes[i] === 'worse' ? st.red(text) : st.dim(text);
}

/** Runs as columns: metric, first run's value, then each run's value and its change against the first. */
function byMetric(c: Comparison, labels: string[], st: Styler): string {
  // Column heads stay short (the title names the first run): each label heads two columns' worth of numbers.
  const heads = labels.map((l) => truncate(l, 20));
  const head = ['', heads[0]];
  for (const label of heads.slice(1)) head.push(label, 'vs first');
  const rows = [head.map((h) => st.bold(h))];
  for (const m of c.metrics) {
    const row = [m.label, formatMetric(m.unit, m.values[0])];
    for (let i = 1; i < labels.length; i++) row.push(formatMetric(m.unit, m.values[i]), styledChange(m, i, formatChange(m, i), st));
    rows.push(row);
  }
  return renderTable(rows);
}

/** Runs as rows, key metrics as columns (coloured better/worse against the first run), as many as fit `width`. */
function byRun(c: Comparison, labels: string[], st: Styler, width: number): { table: string; shown: number } {
  const metrics = TRANSPOSED_KEYS.flatMap((k) => c.metrics.filter((m) => m.key === k && m.values.some((v) => v !== null)));
  const build = (cols: MetricComparison[]): string => renderTable([
    ['run', ...cols.map((m) => m.label)].map((h) => st.bold(h)),
    ...labels.map((label, i) => [label, ...cols.map((m) => (i === 0 ? formatMetric(m.unit, m.values[i]) : styledChange(m, i, formatMetric(m.unit, m.values[i]), st)))]),
  ]);
  let cols = metrics.slice(0, 1);
  for (const m of metrics.slice(1)) {
    if (widthOf(build([...cols, m])) > width) break;
    cols = [...cols, m];
  }
  return { table: build(cols), shown: cols.length };
}

/** The comparison as terminal text fitting `width` columns; colour marks better (green) and worse (red) when asked for. */
export function formatComparison(c: Comparison, opts: ComparisonFormat = { color: false }): string {
  const st: Styler = makeStyler(opts.color);
  const width = Math.max(40, opts.width ?? DEFAULT_WIDTH);
  const labels = c.labels.map((l) => truncate(plainText(l), Math.max(12, Math.floor(width / 3))));
  const runs = labels.map((l, i) => truncate(`  ${l}: ${plainText(c.descriptions[i])}`, width));
  const warnings = c.warnings.flatMap((w) => wrap(plainText(w), width, '  ! ', '    ').map((l) => st.yellow(l)));
  const wide = labels.length <= MAX_RUN_COLUMNS ? byMetric(c, labels, st) : null;
  let table: string;
  let title = `Comparison (against ${labels[0]})`;
  if (wide !== null && widthOf(wide) <= width) {
    table = wide;
  } else {
    const t = byRun(c, labels, st, width);
    const left = c.metrics.filter((m) => m.values.some((v) => v !== null)).length - t.shown;
    table = t.table + (left > 0 ? `\n${wrap(`${left} more metrics in compare.html (the table is cut to ${width} columns)`, width, '  ').map((l) => st.dim(l)).join('\n')}` : '');
    title = `Comparison (one run per row; green/red against ${labels[0]})`;
  }
  const winners = winnerLines(c, c.groups).flatMap((w) => wrap(plainText(w.text), width, '  ', '    '));
  const head = (t: string): string => heading(truncate(t, width - 8), st, Math.min(72, width));
  return [
    head('Runs'), ...runs, ...warnings, '', head(title), table,
    ...(winners.length > 0 ? ['', head('Winners'), ...winners, ...wrap(significanceNote(c.groups), width, '  ').map((l) => st.dim(l))] : []),
    ...noiseSection(c, head, width, st),
  ].join('\n');
}

/** Repeated sides: per metric the spread (cv) and the minimum detectable change at 95%. */
function noiseSection(c: Comparison, head: (t: string) => string, width: number, st: Styler): string[] {
  const rows = compareNoiseRows(compareNoise(c, c.groups));
  if (rows.length === 0) return [];
  return ['', head('Noise of the repeats'), renderTable(rows, rows[0].map((_, i) => (i === 0 ? 'left' : 'right'))),
    ...wrap(COMPARE_NOISE_NOTE, width, '  ').map((l) => st.dim(l))];
}
