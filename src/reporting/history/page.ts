/**
 * index.html of a folder's runs: a table, newest first, with a link to each report, and trend charts of e2e p99,
 * delivery rate and loss across runs. Built like report.html: one file, SVG drawn at write time, no script, no fetch.
 */
import { CONFIG, FULL_WIDTH, HALF_WIDTH, RUN_PALETTE, type VlSpec } from '../html/charts.js';
import { html, type Html } from '../html/escape.js';
import { figure, page, table, textCell as t, type Cell } from '../html/page.js';
import { NONE, formatLatencyUs, formatPercent, formatRate } from '../format.js';
import type { HistoryEntry, HistoryIndex } from './entry.js';

/** One point of a trend chart: a run's value, coloured by scenario (mixing scenarios in one line would mislead). */
interface TrendRow {
  startedAt: string;
  series: string;
  value: number;
}

/** A value across runs: one line (with points) per scenario, time on x. */
function trendChart(rows: TrendRow[], yTitle: string, width: number, yScale: VlSpec = { zero: true }): VlSpec {
  const series = [...new Set(rows.map((r) => r.series))];
  return {
    width, height: 200, config: CONFIG,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.5, point: { size: 30 } },
    encoding: {
      x: { field: 'startedAt', type: 'temporal', title: 'run started', axis: { labelOverlap: true } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: yScale, axis: { minExtent: 44 } },
      color: { field: 'series', type: 'nominal', scale: { domain: series, range: RUN_PALETTE }, sort: series, ...(series.length > 4 ? { legend: { orient: 'bottom', columns: 2 } } : {}) },
    },
  };
}

/** Rows of one figure, runs without it (nothing delivered, nothing expected) left out rather than drawn as zero. */
function rowsOf(runs: HistoryEntry[], value: (e: HistoryEntry) => number | null): TrendRow[] {
  return runs.flatMap((e) => {
    const v = value(e);
    return v === null || !Number.isFinite(v) ? [] : [{ startedAt: e.startedAt, series: e.scenario, value: v }];
  });
}

/** The three trend charts (each only when some run has its figure). */
async function trends(runs: HistoryEntry[]): Promise<Html> {
  const p99 = rowsOf(runs, (e) => (e.e2eP99Us === null ? null : Math.max(e.e2eP99Us, 1) / 1000));
  const delivered = rowsOf(runs, (e) => e.deliveryRate);
  const loss = rowsOf(runs, (e) => (e.lostRatio === null ? null : e.lostRatio * 100));
  return html`<h2>Trends</h2>
${p99.length > 0 ? await figure('history-e2e-p99', trendChart(p99, 'e2e p99 (ms, log scale)', FULL_WIDTH, { type: 'log' }),
    'End-to-end p99 latency of each run (coordinated-omission corrected), one line per scenario.') : html`<p class="quiet">No run delivered a message: no latency to draw.</p>`}
<div class="row">${delivered.length > 0 ? await figure('history-delivery-rate', trendChart(delivered, 'deliveries / s', HALF_WIDTH), 'Delivery rate of each run.') : ''}${
  loss.length > 0 ? await figure('history-loss', trendChart(loss, 'lost (% of expected)', HALF_WIDTH), 'Lost deliveries as a share of those expected.') : ''}</div>`;
}

/** "2025-01-31 14:03:22" in UTC: sortable, and the same on every machine that opens the page. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}

function runRow(e: HistoryEntry): Cell[] {
  return [
    // The start time links to the report (one column fewer: the table fits a laptop screen); the scenario's
    // one-line description rides on the link's title.
    html`<a href="${e.report.split('/').map(encodeURIComponent).join('/')}" title="${e.description}" style="white-space: nowrap">${shortTime(e.startedAt)}</a>`,
    t(`${e.scenario} · ${e.client}`),
    t(e.target),
    { text: e.verdict, cls: e.verdict === 'ok' ? 'text' : 'bad text' },
    formatRate(e.publishRate), formatRate(e.deliveryRate),
    formatLatencyUs(e.e2eP50Us), formatLatencyUs(e.e2eP99Us),
    e.lost > 0 ? { text: `${e.lost} (${formatPercent(e.lostRatio ?? 0, 1)})`, cls: 'bad' } : e.lostRatio === null ? NONE : '0',
  ];
}

/** Renders index.html for the runs of one folder (`name` is the folder, for the title). */
export async function renderHistoryPage(index: HistoryIndex, name: string): Promise<string> {
  const runs = index.runs;
  const latest = runs[0];
  const body = html`<h1>pubsub-bench runs · ${name}</h1>
<p class="sub">${runs.length} run${runs.length === 1 ? '' : 's'}, newest first${latest ? html`; latest: <a href="${encodeURIComponent(latest.folder)}/report.html">${latest.folder}</a>` : ''}.
Updated ${shortTime(index.updatedAt)} UTC. Rebuilt from the run folders' result.json; deleting a folder removes its row at the next run.</p>
${runs.length === 0 ? html`<p class="quiet">No run folders here yet.</p>` : html`${await trends(runs)}
<h2>Runs</h2>
${table([t('started (UTC) · report'), t('scenario · client'), t('target'), t('verdict'), 'published', 'delivered', 'e2e p50', 'e2e p99', 'lost'], runs.map(runRow), 'history')}`}
<footer>Written by pubsub-bench after each run into this folder (index.json holds the same rows as data).</footer>`;
  return page(`pubsub-bench runs · ${name}`, body);
}
