/**
 * Formatting of threshold and baseline values for every output (terminal, JUnit, Markdown, HTML banner), so a
 * threshold reads the same everywhere: `✓ e2e.p99 < 5ms — measured 3.2 ms`.
 */
import type { BaselineCheck, ThresholdOutcome, ThresholdUnit } from '../../core/index.js';
import { NONE, formatCount, formatLatencyUs, formatRate } from '../format.js';

/** Formats a value in a threshold unit: latencies in µs/ms/s, rates per second, ratios as percentages. */
export function formatMetricValue(value: number | null, unit: ThresholdUnit): string {
  if (value === null || !Number.isFinite(value)) return NONE;
  if (unit === 'us') return formatLatencyUs(value);
  if (unit === 'per_s') return formatRate(value);
  if (unit === 'ratio') return `${Number((value * 100).toPrecision(3))}%`;
  return formatCount(value);
}

/** "measured 3.2 ms" or "could not be measured (no samples)". */
export function describeMeasured(o: ThresholdOutcome): string {
  return o.measured === null ? 'could not be measured (no samples or no target rate)' : `measured ${formatMetricValue(o.measured, o.unit)}`;
}

/** One line per threshold: `✓ e2e.p99 < 5ms — measured 3.2 ms`. */
export function formatOutcomeLine(o: ThresholdOutcome): string {
  return `${o.passed ? '✓' : '✗'} ${o.expression} — ${describeMeasured(o)}`;
}

/** Signed percentage of a relative change ("+12.3%"), or – when unknown. */
export function formatChange(change: number | null): string {
  if (change === null || !Number.isFinite(change)) return NONE;
  return `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;
}

/**
 * The two values a check judged: the means, or with `--baseline-stat min` the best run of each side (min or max), so
 * every table shows the values its change was computed from.
 */
export function judgedValues(c: BaselineCheck): { baseline: number | null; current: number | null } {
  if (c.statistic !== 'min' && c.statistic !== 'max') return { baseline: c.baselineMean, current: c.currentMean };
  const pick = (values: number[]): number | null => (values.length === 0 ? null : c.statistic === 'min' ? Math.min(...values) : Math.max(...values));
  return { baseline: pick(c.baselineValues), current: pick(c.currentValues) };
}

/** "baseline 1.00 ms → current 1.50 ms (+50.0%)"; "baseline min 1.00 ms → current min …" for the best-run rule. */
export function describeBaselineCheck(c: BaselineCheck): string {
  const v = judgedValues(c);
  const stat = c.statistic === 'min' || c.statistic === 'max' ? ` ${c.statistic}` : '';
  return `baseline${stat} ${formatMetricValue(v.baseline, c.unit)} → current${stat} ${formatMetricValue(v.current, c.unit)} (${formatChange(c.change)})`;
}
