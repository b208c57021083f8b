/**
 * Outputs of a capacity search (capacity.json is the source): the terminal table of steps and knees, and
 * capacity.html with latency and delivered rate charted against offered load, the knee marked.
 */
import type { CapacityReport, CapacityResult } from '../core/index.js';
import { NONE, formatLatencyUs, formatRate } from './format.js';
import { PALETTE, type VlSpec } from './html/charts.js';
import { html, type Html } from './html/escape.js';
import { figure, metaTable, page, table, textCell } from './html/page.js';
import { plainText, renderTable } from './table.js';
import { fitLine, formatError, formatPrediction, formatPredictedRate, predictionHtml } from './capacity-prediction.js';

/** Words for what limited a search. */
export const LIMIT_WORDS: Record<CapacityResult['limitedBy'], string> = {
  target: 'the target (Redis)',
  harness: 'the harness (a lower bound)',
  'max-rate': 'not reached (--max-rate)',
  'none-held': 'nothing held',
  interrupted: 'interrupted',
  'step-limit': 'step budget ran out',
};

/** The p99 measured at the knee (the last step at that rate), or null. */
function kneeP99(r: CapacityResult): number | null {
  return [...r.steps].reverse().find((s) => s.offeredRate === r.kneeRate)?.e2eP99Us ?? null;
}

/** The steps of one search as a plain-text table. */
export function formatSteps(r: CapacityResult): string {
  const rows = [['#', 'phase', 'offered', 'achieved', 'delivered', 'e2e p50', 'e2e p99', 'held', 'why not']];
  for (const s of r.steps) {
    rows.push([
      String(s.index + 1), s.phase, formatRate(s.offeredRate), formatRate(s.achievedRate), formatRate(s.deliveryRate),
      formatLatencyUs(s.e2eP50Us), formatLatencyUs(s.e2eP99Us), s.held ? '✓' : '✗', plainText(s.held ? '' : (s.reasons[0] ?? '')),
    ]);
  }
  return renderTable(rows, ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'left']);
}

/** The whole report: each search's steps and conclusion, then one capacity row per sweep value. */
export function formatCapacity(report: CapacityReport): string {
  const out: string[] = [`SLO: ${report.slo.map(plainText).join(', ')}`, ''];
  for (const row of report.rows) {
    out.push(plainText(row.label), formatSteps(row.result), `  → ${plainText(row.result.conclusion)}`, '');
  }
  const modelled = report.rows.some((r) => r.predicted);
  const summary = [['variant', 'knee', 'failed at', 'e2e p99 at knee', 'limited by', ...(modelled ? PREDICTED_HEADINGS : [])]];
  for (const row of report.rows) {
    const r = row.result;
    summary.push([plainText(row.label), r.kneeRate === null ? NONE : formatRate(r.kneeRate), r.failedRate === null ? NONE : formatRate(r.failedRate), formatLatencyUs(kneeP99(r)), LIMIT_WORDS[r.limitedBy],
      ...(modelled ? predictedCells(row) : [])]);
  }
  if (report.rows.length > 0) out.push('Capacity', renderTable(summary, ['left', 'right', 'right', 'right', 'left', ...PREDICTED_HEADINGS.map(() => 'right' as const)]));
  if (modelled) {
    out.push("  predicted: the capacity model fitted from each search's own held steps; budget one core less headroom, or the most CPU Redis");
    out.push('  used in any step (CPU reached). A knee far below 1 core of CPU was not set by Redis (see docs/capacity.md).');
  }
  if (report.prediction) out.push('', formatPrediction(report.prediction));
  return out.join('\n');
}

/**
 * The predicted knee of a row on one core and at the CPU Redis reached in the search, each with its error against the
 * measured knee, and the server CPU measured at the knee (a knee well below a full core was not set by Redis's CPU).
 */
function predictedCells(row: CapacityReport['rows'][number]): string[] {
  const at = (target: 'this-server' | 'cpu-reached'): string[] => {
    const p = row.predicted?.predictions.find((k) => k.target === target);
    return p ? [formatPredictedRate(p), formatError(p.rate, row.result.kneeRate)] : [NONE, NONE];
  };
  const knee = [...row.result.steps].reverse().find((s) => s.offeredRate === row.result.kneeRate)?.costPoint;
  const reached = row.predicted?.predictions.find((k) => k.target === 'cpu-reached');
  return [...at('this-server'), reached ? `${(reached.cores * 100).toFixed(0)}%` : NONE, ...at('cpu-reached'), knee ? `${(knee.cpuUsPerS / 1e4).toFixed(0)}%` : NONE];
}

/** Headings of predictedCells. */
const PREDICTED_HEADINGS = ['predicted (1 core)', 'error', 'CPU reached', 'predicted (at it)', 'error', 'CPU at knee'];

/** Vega-Lite: one metric against offered load for every variant, the knees as vertical rules. */
function againstOffered(report: CapacityReport, field: 'e2eP99Ms' | 'deliveredPerS', title: string, log: boolean): VlSpec {
  const labels = report.rows.map((r) => r.label);
  const points = report.rows.flatMap((row) => row.result.steps.map((s) => ({
    series: row.label, offered: s.offeredRate, held: s.held ? 'held' : 'failed',
    e2eP99Ms: s.e2eP99Us === null ? null : Math.max(s.e2eP99Us / 1000, 0.001), deliveredPerS: s.deliveryRate,
  }))).filter((p) => p[field] !== null);
  const knees = report.rows.filter((r) => r.result.kneeRate !== null).map((r) => ({ series: r.label, offered: r.result.kneeRate }));
  const color = { field: 'series', type: 'nominal', scale: { domain: labels, range: PALETTE.slice(0, labels.length) } };
  return {
    width: 430, height: 220,
    config: { font: 'system-ui, sans-serif', legend: { orient: 'top', title: null } },
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'offered', type: 'quantitative', scale: { type: 'log' }, title: 'offered rate (msgs/s)' },
          y: { field, type: 'quantitative', scale: log ? { type: 'log' } : {}, title },
          color, shape: { field: 'held', type: 'nominal', scale: { domain: ['held', 'failed'], range: ['circle', 'cross'] } },
          // Steps run out of order (bisection): the line joins them by rate.
          order: { field: 'offered', type: 'quantitative' },
        },
      },
      { data: { values: knees }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { field: 'offered', type: 'quantitative' }, color } },
    ],
  };
}

/** capacity.html: settings, the capacity table, two charts and every step. */
export async function renderCapacityHtml(report: CapacityReport): Promise<string> {
  if (report.rows.length === 0 && report.prediction) {
    // `capacity --predict`: no search ran, only the model.
    return page('pubsub-bench capacity prediction', html`<h1>Capacity prediction</h1>
${metaTable([['target', report.target ? report.target.urls.join(', ') : 'local redis-server'], ['started', report.startedAt]])}
${predictionHtml(report.prediction)}`);
  }
  const settings = report.settings;
  const modelled = report.rows.some((r) => r.predicted);
  const summary = table(
    [textCell('variant'), 'knee', 'failed at', 'e2e p99 at knee', textCell('limited by'), ...(modelled ? PREDICTED_HEADINGS : []), textCell('conclusion')],
    report.rows.map((row) => {
      const r = row.result;
      return [textCell(row.label), r.kneeRate === null ? NONE : formatRate(r.kneeRate), r.failedRate === null ? NONE : formatRate(r.failedRate),
        formatLatencyUs(kneeP99(r)), textCell(LIMIT_WORDS[r.limitedBy]), ...(modelled ? predictedCells(row) : []), textCell(r.conclusion)];
    }),
  );
  const fits = report.rows.filter((r) => r.predicted).map((r) => html`<p>${r.label}: ${r.predicted ? fitLine(r.predicted.model) : ''}</p>`);
  const stepTables: Html[] = report.rows.map((row) => html`<h3>${row.label}</h3>${table(
    ['#', textCell('phase'), 'offered', 'achieved', 'delivered', 'e2e p50', 'e2e p99', textCell('held'), textCell('why not')],
    row.result.steps.map((s) => [s.index + 1, textCell(s.phase), formatRate(s.offeredRate), formatRate(s.achievedRate), formatRate(s.deliveryRate),
      formatLatencyUs(s.e2eP50Us), formatLatencyUs(s.e2eP99Us), s.held ? textCell('✓') : { text: '✗', cls: 'bad' }, textCell(s.held ? '' : s.reasons.join('; '))]),
  )}`);
  const body = html`<h1>Capacity search</h1>
${metaTable([
    ['SLO', report.slo.join(', ')],
    ['target', report.target ? report.target.urls.join(', ') : 'local redis-server'],
    ['search', `from ${formatRate(settings.startRate)} up to ${formatRate(settings.maxRate)}, ×2 then bisect to ${(settings.resolution * 100).toFixed(0)}%; achieved ≥ ${(settings.minAchievedShare * 100).toFixed(0)}% of offered`],
    ['each step', `${settings.stepWarmupMs} ms warmup, ${settings.stepDurationMs} ms measured`],
    ['started', report.startedAt],
  ])}
${summary}
${fits}
${report.prediction ? predictionHtml(report.prediction) : ''}
<div class="charts">${await figure('capacity-latency', againstOffered(report, 'e2eP99Ms', 'e2e p99 (ms)', true), 'End-to-end p99 against offered load; dashed: the knee')}
${await figure('capacity-delivered', againstOffered(report, 'deliveredPerS', 'delivered (msgs/s)', false), 'Deliveries per second against offered load')}</div>
<h2>Steps</h2>
${stepTables}`;
  return page('pubsub-bench capacity', body);
}
