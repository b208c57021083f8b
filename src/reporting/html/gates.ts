/**
 * Report sections for what a run was judged against: thresholds and baseline runs.
 * Each is present only when result.json holds the (optional) field.
 */
import type { RunResult } from '../../core/index.js';
import { describeMeasured, formatChange, formatMetricValue, judgedValues } from '../ci/values.js';
import { NONE, formatShare } from '../format.js';
import { html, type Html } from './escape.js';
import { table, textCell as t } from './page.js';

/** Thresholds: every expression, pass/fail, measured against limit. */
export function thresholdsSection(result: RunResult): Html {
  const th = result.thresholds;
  if (!th) return html``;
  const failed = th.outcomes.filter((o) => !o.passed).length;
  return html`<h2>Thresholds</h2>
<p>${failed === 0 ? `All ${th.outcomes.length} thresholds held.` : `${failed} of ${th.outcomes.length} thresholds failed.`}${
    th.aborted ? ` The run was stopped early at ${Math.round(th.aborted.atMs / 1000)} s by: ${th.aborted.expressions.join(', ')}.` : ''}</p>
${table(['', t('threshold'), 'measured', 'limit'], th.outcomes.map((o) => [
    o.passed ? { text: '✓ pass', cls: 'text better' } : { text: '✗ FAIL', cls: 'text bad' },
    t(o.expression),
    o.measured === null ? { text: describeMeasured(o), cls: 'text bad' } : formatMetricValue(o.measured, o.unit),
    formatMetricValue(o.limit, o.unit),
  ]))}`;
}

/** Baseline comparison: each key metric's baseline and current means (or best runs), change, tolerance, significance, verdict. */
export function baselineSection(result: RunResult): Html {
  const b = result.baseline;
  if (!b) return html``;
  const intro = `${b.currentRuns} current run(s) against ${b.baselineRuns} baseline run(s)`
    + (b.stat === 'min' ? ': the best run of each side (min, or max where higher is better) beyond the tolerance, no significance test.' : b.inconclusive ? '; too few runs to test significance, so changes are judged by the tolerance alone.' : `, significance level ${b.alpha}.`);
  return html`<h2>Baseline</h2>
<p>${intro}</p>
${b.warnings.map((w) => html`<div class="warning">${w}</div>`)}
${table(['metric', 'baseline', 'current', 'change', 'tolerance', 'p-value', t('verdict'), t('why')], b.checks.map((c) => [
    c.metric, formatMetricValue(judgedValues(c).baseline, c.unit), formatMetricValue(judgedValues(c).current, c.unit), formatChange(c.change),
    `±${formatShare(c.tolerance)}`, c.pValue === null ? NONE : c.pValue.toPrecision(2),
    { text: c.verdict, cls: c.verdict === 'regression' ? 'text bad' : c.verdict === 'improvement' ? 'text better' : 'text' },
    t(c.note),
  ]))}`;
}
