/**
 * compare.html: the winner of each metric family, overlaid percentile spectra, side-by-side throughput and latency,
 * and the metric table with better/worse against the first run. Self-contained like the run report (SVG rendered at
 * write time). Runs are drawn in neutral colours: red and green mean worse and better everywhere else.
 */
import type { RunResult } from '../../core/index.js';
import { compareResults, formatChange, formatMetric, significanceNote, uniqueLabels, winnerLines, type Comparison, type ComparisonOptions, type MetricComparison } from '../compare.js';
import { describeScenario, describeTarget, judge } from '../describe.js';
import { formatDurationMs } from '../format.js';
import { FULL_WIDTH, RUN_PALETTE, groupedBarChart, spectrumChart, type BarRow, type VlSpec } from './charts.js';
import { html, type Html } from './escape.js';
import { figure, page, table, textCell as t, type Cell } from './page.js';
import { spectrumPoints } from './spectrum.js';

/** The chart with its runs in RUN_PALETTE: the shared builders colour the second series red, which reads as "worse". */
function neutral(spec: VlSpec): VlSpec {
  const encoding = spec.encoding as { color?: { scale?: { domain?: string[]; range?: string[] } } } | undefined;
  const scale = encoding?.color?.scale;
  if (scale) scale.range = RUN_PALETTE.slice(0, Math.max(1, scale.domain?.length ?? RUN_PALETTE.length));
  return spec;
}

/** The winner lines and what they can claim about noise. */
function winners(c: Comparison): Html {
  const lines = winnerLines(c, c.groups);
  if (lines.length === 0) return html``;
  return html`<h2>Winners</h2>
<ul class="winners">${lines.map((w) => html`<li>${w.text}</li>`)}</ul>
<p class="quiet">${significanceNote(c.groups)}</p>`;
}

const PERCENTILES = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99.9'], ['max', 'max']] as const;

function changeCell(m: MetricComparison, i: number): Cell {
  const text = formatChange(m, i);
  const change = m.changes[i];
  return { text, cls: change === 'better' ? 'better' : change === 'worse' ? 'bad' : '' };
}

/** Metric table: each run's value and, for runs after the first, the change against the first. */
function metricTable(labels: string[], metrics: MetricComparison[]): Html {
  const head = ['metric', labels[0], ...labels.slice(1).flatMap((l) => [l, `vs ${labels[0]}`])];
  const rows = metrics.map((m) => [
    m.label, formatMetric(m.unit, m.values[0]),
    ...labels.slice(1).flatMap((_, k) => [formatMetric(m.unit, m.values[k + 1]), changeCell(m, k + 1)]),
  ]);
  return table(head, rows, 'compare');
}

/** Which runs are listed, with their verdicts. */
function runsTable(results: RunResult[], labels: string[]): Html {
  return table(['run', t('verdict'), t('scenario'), t('target'), 'measured', t('started')], results.map((r, i) => {
    const v = judge(r);
    return [
      t(labels[i]), { text: v.kind, cls: v.kind === 'ok' ? 'text' : 'bad text' },
      t(describeScenario(r.scenario, r.resp)), t(describeTarget(r.target, r.versions.redis)),
      formatDurationMs(r.measureMs), t(r.startedAt),
    ];
  }));
}

/** Throughput bars (published vs target, delivered) and latency bars (e2e percentiles), runs side by side. */
async function sideBySide(results: RunResult[], labels: string[]): Promise<Html> {
  const rateRows: BarRow[] = [];
  results.forEach((r, i) => {
    if (r.summary.targetRate !== null) rateRows.push({ group: 'target', series: labels[i], value: r.summary.targetRate });
    rateRows.push({ group: 'published', series: labels[i], value: r.summary.publishRate });
  });
  const deliveredRows = results.map((r, i) => ({ group: 'delivered', series: labels[i], value: r.summary.deliveryRate }));
  const latencyRows: BarRow[] = results.flatMap((r, i) => (r.summary.latencyUs.endToEnd.count === 0 ? [] : PERCENTILES.map(([key, name]) => ({
    group: name, series: labels[i], value: Math.max(r.summary.latencyUs.endToEnd[key], 1) / 1000,
  }))));
  const rateGroups = rateRows.some((r) => r.group === 'target') ? ['target', 'published'] : ['published'];
  return html`<h2>Throughput</h2>
<div class="row">${await figure('compare-publish-rate', neutral(groupedBarChart(rateRows, rateGroups, labels, 'messages / s')))}${
  await figure('compare-delivered-rate', neutral(groupedBarChart(deliveredRows, ['delivered'], labels, 'deliveries / s')))}</div>
<h2>Latency side by side</h2>
${latencyRows.length > 0
    ? await figure('compare-latency', neutral(groupedBarChart(latencyRows, PERCENTILES.map(([, n]) => n), labels, 'end-to-end latency (ms, log scale)', FULL_WIDTH, { type: 'log' })),
      'End-to-end latency from the intended send time (coordinated-omission corrected).')
    : html`<p class="quiet">No latency was recorded.</p>`}`;
}

/** Overlaid spectra of one histogram kind, one series per run. */
async function spectra(results: RunResult[], labels: string[], key: 'endToEnd' | 'publish', name: string): Promise<Html> {
  const points = results.flatMap((r, i) => spectrumPoints(r.histograms[key], labels[i]));
  const series = labels.filter((l) => points.some((p) => p.series === l));
  if (points.length === 0) return html`<p class="quiet">No ${name} latency was recorded.</p>`;
  return figure(`compare-spectrum-${key}`, neutral(spectrumChart(points, series)), `${name} latency percentile spectrum, runs overlaid.`);
}

/**
 * Renders compare.html for two or more runs. `labels` name the runs (made unique for display; runs given one label
 * are repeats, compared by their means in the winner lines); the first run is the baseline every change is
 * measured against.
 */
export async function renderCompareReport(results: RunResult[], labels: string[], opts: ComparisonOptions = {}): Promise<string> {
  const shown = uniqueLabels(labels);
  const c = compareResults(results, shown, { ...opts, groups: labels });
  const body = html`<h1>pubsub-bench comparison</h1>
<p class="sub">${shown.length} runs, compared against <strong>${shown[0]}</strong>. Lower latency, loss and errors are better;
higher rates are better; differences under 1% count as the same.</p>
${runsTable(results, shown)}
${c.warnings.map((w) => html`<div class="warning">${w}</div>`)}
${winners(c)}
<h2>Latency percentile spectra</h2>
${await spectra(results, shown, 'endToEnd', 'End-to-end (corrected)')}
${await spectra(results, shown, 'publish', 'Publish (reply)')}
${await sideBySide(results, shown)}
<h2>All metrics</h2>
${metricTable(shown, c.metrics)}
<footer>Built from ${shown.length} result.json files by pubsub-bench ${results[0].versions.harness}. Each chart's Vega-Lite spec is embedded next to it.</footer>`;
  return page(`pubsub-bench comparison · ${shown.join(' vs ')}`, body);
}
