/**
 * The terminal summary printed at the end of a run: compact, plain text, colour only when asked for.
 */
import type { LatencySummaryUs, RunResult } from '../core/index.js';
import { describeScenario, describeTarget, judge } from './describe.js';
import {
  NONE, formatCount, formatDurationMs, formatLatencyUs, formatPercent, formatRate, formatShare,
} from './format.js';
import { heading, makeStyler, plainText, renderTable, type Styler } from './table.js';
import { describeBaselineCheck, formatOutcomeLine } from './ci/values.js';
import { NOISE_HEADER, noiseClause, noiseLegend, noiseRows, noiseTitle } from './noise-table.js';
import { describeStage, stageFigures } from './stages.js';
import { chaosLines, errorLines, shardLines } from './terminal-reliability.js';
import { describeMemory, memoryFigures } from './memory.js';
import { serverCostLines } from './server-cost.js';
import { segmentLines } from './terminal-segments.js';
import { streamsLines } from './streams.js';

export { formatLatencyUs } from './format.js';

/** Options of `formatSummary`. */
export interface SummaryOptions {
  /** Use ANSI colours and bold (only on a TTY that wants them). */
  color: boolean;
}

/** Builds the end-of-run summary table. No ANSI codes unless `opts.color` is true. */
export function formatSummary(result: RunResult, opts: SummaryOptions = { color: false }): string {
  const st = makeStyler(opts.color);
  const lines: string[] = [];
  const verdict = judge(result);
  const verdictStyle = verdict.kind === 'ok' ? st.green : verdict.kind === 'interrupted' || verdict.kind === 'partial' ? st.yellow : st.red;
  lines.push(verdictStyle(st.bold(verdict.title)));
  lines.push(...errorLines(result, st));
  lines.push(...verdict.details.map((d) => verdictStyle(`  ${plainText(d)}`)));
  lines.push(...runSection(result));
  lines.push(...segmentLines(result, st), '');
  lines.push(heading('Throughput', st), throughputTable(result, st), '');
  lines.push(heading('Delivery', st), deliveryTable(result, st), '');
  lines.push(heading('Latency (measure phase)', st), latencyTable(result), '');
  lines.push(...stageLines(result, st));
  lines.push(heading('Harness health', st), ...healthLines(result, st));
  lines.push(...serverCostLines(result, st));
  lines.push(...streamsLines(result, st));
  lines.push(...gateLines(result, st));
  lines.push(...noiseLines(result, st));
  lines.push(...chaosLines(result, st), ...shardLines(result, st));
  if (result.warnings.length > 0) {
    lines.push('', heading('Warnings', st), ...result.warnings.map((w) => st.yellow(`  ! ${plainText(w)}`)));
  }
  return lines.join('\n');
}

function runSection(result: RunResult): string[] {
  const measured = formatDurationMs(result.measureMs)
    + ` (warmup ${formatDurationMs(result.scenario.warmupMs)}, whole run ${formatDurationMs(result.durationMs)})`
    + (result.interrupted ? ' — interrupted' : '');
  return [renderTable([
    ['target', plainText(describeTarget(result.target, result.versions.redis))],
    ['scenario', plainText(describeScenario(result.scenario, result.resp))],
    ['measured', measured],
    ['run', `${plainText(result.runId)} · started ${result.startedAt} · ${result.plan.workers} worker thread(s)`],
  ], ['left', 'left'])];
}

function throughputTable(result: RunResult, st: Styler): string {
  const s = result.summary;
  let target = 'target: max';
  if (s.targetRate !== null) {
    const share = s.targetRate > 0 ? s.publishRate / s.targetRate : 1;
    const text = `target ${formatRate(s.targetRate)} (${formatShare(share)} achieved)`;
    // Below 95% of the offered rate the run did not apply the load it was asked to.
    target = share < 0.95 ? st.red(text) : text;
  }
  return renderTable([
    ['published', formatRate(s.publishRate), target],
    ['delivered', formatRate(s.deliveryRate), `${formatCount(s.delivered)} unique deliveries`],
  ], ['left', 'right', 'left']);
}

function deliveryTable(result: RunResult, st: Styler): string {
  const s = result.summary;
  const bad = (n: number, text = formatCount(n)) => (n > 0 ? st.red(text) : text);
  const lost = s.lost > 0 ? st.red(`${formatCount(s.lost)} (${formatPercent(s.lost, s.expectedDeliveries)})`) : '0';
  const replies = s.publishReplyReceivers === null ? NONE : formatCount(s.publishReplyReceivers);
  return renderTable([
    ['published', formatCount(s.published), 'duplicates', bad(s.duplicates), 'publish errors', bad(s.publishErrors)],
    ['expected', formatCount(s.expectedDeliveries), 'reordered', bad(s.reordered), 'late sends', bad(s.lateSends)],
    ['delivered', formatCount(s.delivered), 'gaps', bad(s.gaps, `${formatCount(s.gaps)} (${formatCount(s.gapMessages)} msgs)`),
      'disconnects', bad(s.disconnects)],
    ['lost', lost, 'malformed', bad(s.malformed), 'reconnects', bad(s.reconnects)],
    ['PUBLISH replies', replies, ...(s.churn ? ['churn events', formatCount(s.churn.events), 'not expected (away)', formatCount(s.churn.excludedDeliveries)] : [])],
  ], ['left', 'right', 'left', 'right', 'left', 'right']);
}

function latencyRow(name: string, l: LatencySummaryUs): string[] {
  if (l.count === 0) return [name, NONE, NONE, NONE, NONE, NONE, NONE, '0'];
  return [name, ...[l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map((v) => formatLatencyUs(v)), formatCount(l.count)];
}

function latencyTable(result: RunResult): string {
  const l = result.summary.latencyUs;
  return renderTable([
    ['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'count'],
    latencyRow('end-to-end (corrected)', l.endToEnd),
    latencyRow('end-to-end (uncorrected)', l.endToEndUncorrected),
    latencyRow('publish (reply)', l.publish),
  ]);
}

/** One line per stage of a load profile: offered and achieved rate, e2e p99 (nothing without a profile). */
function stageLines(result: RunResult, st: Styler): string[] {
  const figures = stageFigures(result);
  if (figures.length === 0) return [];
  const rows = figures.map((f) => {
    const published = `published ${formatRate(f.publishedPerS)}`;
    const short = f.targetPerS !== null && f.publishedPerS !== null && f.publishedPerS < f.targetPerS * 0.95;
    return [
      `${f.number}`, plainText(describeStage(f.stage)) + (f.partial ? ' (cut short)' : ''), `target ${formatRate(f.targetPerS)}`,
      short ? st.red(published) : published, `e2e p99 ${formatLatencyUs(f.e2e?.p99)}`,
    ];
  });
  return [heading('Load profile (per stage)', st), renderTable(rows, ['right', 'left', 'left', 'left', 'left']), ''];
}

function healthLines(result: RunResult, st: Styler): string[] {
  const h = result.health;
  const figures = `event loop ${formatShare(h.maxEventLoopUtilization)} busy, delay p99 ${formatLatencyUs(h.maxEventLoopDelayP99Us)}, `
    + `CPU ${h.processCpuCores.toFixed(2)} cores`;
  // Results written before memory was recorded have no figures: no line rather than a row of dashes.
  const mem = memoryFigures(result.timeline);
  const memory = mem ? [`  memory      ${describeMemory(mem, result.measureMs)}`] : [];
  // Notes that did not make the harness the bottleneck (a few late sends, a shortfall Redis caused) stay beside the
  // "no", so it never reads as "all clear" next to them.
  if (!h.harnessBottleneck) {
    return [`  bottleneck  ${st.green('no')} (${figures})`, ...h.reasons.map((r) => st.yellow(`    - ${plainText(r)}`)), ...memory];
  }
  return [
    `  bottleneck  ${st.red(st.bold('YES'))} — the harness, not Redis, limited this run (${figures})`,
    ...h.reasons.map((r) => st.red(`    - ${plainText(r)}`)),
    ...memory,
  ];
}

/** Outages this many or fewer are listed one per line; more are summarised. */
const OUTAGE_LINES = 5;

/** The spread of the key metrics over a `--repeat` series, and what a gate can tell from it. */
function noiseLines(result: RunResult, st: Styler): string[] {
  if (!result.noise || result.noise.metrics.length === 0) return [];
  const rows = [NOISE_HEADER, ...noiseRows(result.noise)];
  return ['', heading(noiseTitle(result.noise), st), renderTable(rows, NOISE_HEADER.map((_, i) => (i === 0 ? 'left' : 'right'))),
    st.dim(`  ${noiseLegend(result.noise)}`)];
}

/** Thresholds, baseline checks and connection outages, when the result has them. */
function gateLines(result: RunResult, st: Styler): string[] {
  const lines: string[] = [];
  if (result.thresholds) {
    lines.push('', heading('Thresholds', st));
    for (const o of result.thresholds.outcomes) lines.push((o.passed ? st.green : st.red)(`  ${plainText(formatOutcomeLine(o))}`));
  }
  if (result.baseline) {
    lines.push('', heading(`Baseline (${result.baseline.currentRuns} run(s) vs ${result.baseline.baselineRuns})`, st));
    for (const c of result.baseline.checks) {
      const text = plainText(`  ${c.metric}: ${describeBaselineCheck(c)} — ${c.verdict}${c.inconclusive ? ' (inconclusive)' : ''}${noiseClause(c)}`);
      lines.push(c.verdict === 'regression' ? st.red(text) : c.verdict === 'improvement' ? st.green(text) : text);
    }
    // What weakens the comparison (unlike scenarios, a single run) belongs beside it, not only in result.json.
    lines.push(...result.baseline.warnings.map((w) => st.yellow(`  ! ${plainText(w)}`)));
  }
  const outages = result.outages ?? [];
  if (outages.length > 0) {
    const missed = outages.reduce((sum, o) => sum + o.lostMessages, 0);
    lines.push('', heading('Connection outages', st), st.red(`  ${formatCount(outages.length)} connection loss(es), ${formatCount(missed)} message(s) missed`));
    for (const o of outages.slice(0, OUTAGE_LINES)) {
      const down = o.durationMs === null ? 'never recovered' : `down ${formatCount(o.durationMs)} ms`;
      lines.push(`    ${o.role} ${o.id}: ${plainText(o.cause)}; ${down}; ${formatCount(o.lostMessages)} missed`);
    }
    if (outages.length > OUTAGE_LINES) lines.push(st.dim(`    … ${outages.length - OUTAGE_LINES} more in result.json and report.html`));
  }
  return lines;
}
