/**
 * The Markdown summary for CI job pages: GitHub Actions shows whatever is appended to the file named by
 * `$GITHUB_STEP_SUMMARY`. Text from users' files (scenario names, warnings) is escaped so it cannot break the
 * tables or inject HTML.
 */
import { appendFile } from 'node:fs/promises';
import type { BaselineComparison, RunResult, ThresholdOutcome } from '../../core/index.js';
import { describeScenario, describeTarget, noDataReason } from '../describe.js';
import { formatCount, formatLatencyUs, formatPercent, formatRate } from '../format.js';
import { describeMeasured, formatChange, formatMetricValue, judgedValues } from './values.js';
import { NOISE_HEADER, noiseClause, noiseLegend, noiseRows, noiseTitle } from '../noise-table.js';

/** Escapes text for Markdown table cells and paragraphs: no HTML, no emphasis, no table breaks, one line. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>|#&~]/g, (c) => `\\${c}`).replace(/\s*[\r\n]+\s*/g, ' ');
}

/** An expression in a code span; `|` is escaped because GitHub splits table cells before reading code spans. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')}\``;
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** Builds the Markdown: verdict heading, key numbers, thresholds, baseline checks and warnings. */
export function renderStepSummary(result: RunResult, outcomes: readonly ThresholdOutcome[], baseline?: BaselineComparison): string {
  const s = result.summary;
  const failed = outcomes.filter((o) => !o.passed).length;
  const regressions = baseline?.checks.filter((c) => c.verdict === 'regression').length ?? 0;
  const noData = noDataReason(result);
  const failures = [
    noData !== null ? `NO DATA: ${noData}` : '',
    failed > 0 ? `${failed} of ${outcomes.length} thresholds failed` : '', regressions > 0 ? `${regressions} regression(s)` : '',
  ].filter(Boolean);
  const verdict = failures.length > 0 ? `❌ ${markdownText(failures.join(', '))}` : result.interrupted ? '⚠️ interrupted' : '✅ passed';
  const e2e = s.latencyUs.endToEnd;
  const lines = [
    `## pubsub-bench: ${markdownText(result.scenario.name)} — ${verdict}`,
    '',
    `${markdownText(describeScenario(result.scenario))}  `,
    `Target ${markdownText(describeTarget(result.target, result.versions.redis))}, measured ${formatCount(result.measureMs / 1000)} s, run \`${result.runId.replace(/`/g, "'")}\``,
    '',
    ...table(['publish rate', 'delivery rate', 'e2e p50', 'e2e p99', 'e2e p99.9', 'e2e max', 'lost', 'reordered', 'duplicates'], [[
      formatRate(s.publishRate), formatRate(s.deliveryRate), formatLatencyUs(e2e.p50), formatLatencyUs(e2e.p99), formatLatencyUs(e2e.p999),
      formatLatencyUs(e2e.max), `${formatCount(s.lost)} (${formatPercent(s.lost, s.expectedDeliveries)})`, formatCount(s.reordered), formatCount(s.duplicates),
    ]]),
  ];
  if (outcomes.length > 0) {
    lines.push('', '### Thresholds', '', ...table(['', 'threshold', 'measured'], outcomes.map((o) => [
      o.passed ? '✅' : '❌', code(o.expression), markdownText(o.measured === null ? describeMeasured(o) : formatMetricValue(o.measured, o.unit)),
    ])));
  }
  if (baseline) {
    const rule = baseline.stat === 'min' ? ', best run of each side' : '';
    lines.push('', `### Baseline (${baseline.currentRuns} current vs ${baseline.baselineRuns} baseline run(s)${rule})`, '');
    lines.push(...table(['', 'metric', 'baseline', 'current', 'change', 'p', 'verdict'], baseline.checks.map((c) => [
      c.verdict === 'regression' ? '❌' : c.verdict === 'improvement' ? '🟢' : c.verdict === 'skipped' ? '–' : '✅',
      code(c.metric), formatMetricValue(judgedValues(c).baseline, c.unit), formatMetricValue(judgedValues(c).current, c.unit), formatChange(c.change),
      c.pValue === null ? 'n/a' : c.pValue.toPrecision(2), `${c.verdict}${c.inconclusive && c.verdict !== 'skipped' ? ' (inconclusive)' : ''}${markdownText(noiseClause(c))}`,
    ])));
    lines.push(...baseline.warnings.map((w) => `\n> ${markdownText(w)}`));
  }
  if (result.noise && result.noise.metrics.length > 0) {
    lines.push('', `### ${noiseTitle(result.noise)}`, '', ...table(NOISE_HEADER, noiseRows(result.noise).map((r) => [code(r[0]), ...r.slice(1).map(markdownText)])));
    lines.push('', `> ${markdownText(noiseLegend(result.noise))}`);
  }
  if (result.warnings.length > 0) lines.push('', '### Warnings', '', ...result.warnings.map((w) => `- ${markdownText(w)}`));
  return lines.join('\n') + '\n';
}

/**
 * Appends `markdown` to the file named by `$GITHUB_STEP_SUMMARY`, when the variable is set (GitHub Actions).
 * Returns the path written, or null when there is none.
 */
export async function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return null;
  await appendFile(file, markdown.endsWith('\n') ? `${markdown}\n` : `${markdown}\n\n`, 'utf8');
  return file;
}
