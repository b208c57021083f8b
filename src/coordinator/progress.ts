/** The live progress line: phase, time left, rates and latency of the last complete interval, loss so far. */
import type { Scenario } from '../core/scenario.js';
import { nowUs } from '../core/clock.js';
import type { RunAggregator } from '../metrics/aggregate.js';
import { formatLatencyUs, formatRate } from '../reporting/format.js';

/** One line describing the run right now (no newline, no terminal control characters). */
export function formatProgress(agg: RunAggregator, startUs: number, measureStartUs: number, measureEndUs: number, scenario: Scenario): string {
  const now = nowUs();
  const phase = now < measureStartUs ? 'warmup' : now < measureEndUs ? 'measure' : 'drain';
  const leftS = phase === 'warmup' ? (measureStartUs - now) / 1e6 : phase === 'measure' ? (measureEndUs - now) / 1e6 : 0;
  const timeline = agg.timeline();
  // Workers send one snapshot per interval, at its end: the newest bucket in the timeline is already complete.
  const last = timeline[timeline.length - 1];
  const t = agg.totals();
  const parts = [
    `[${phase}${phase === 'drain' ? '' : ` ${leftS.toFixed(0)}s left`}]`,
    `elapsed ${((now - startUs) / 1e6).toFixed(0)}s`,
    // Under a load profile the interval's own target is the one in force, not the profile's mean.
    `pub ${formatRate(last?.publishedPerS ?? 0)}` + (scenario.publishers.rate === 'max' ? '' : ` (target ${formatRate(last?.targetPerS ?? scenario.publishers.rate)})`),
    `recv ${formatRate(last?.receivedPerS ?? 0)}`,
    `e2e p99 ${formatLatencyUs(last?.e2eP99Us)}`,
    `delivered ${t.deliveredMeasured}/${t.expectedMeasured}`,
  ];
  if (t.lateSends > 0) parts.push(`late ${t.lateSends}`);
  if (t.gaps + t.duplicates + t.reordered > 0) parts.push(`violations ${t.gaps + t.duplicates + t.reordered}`);
  if (t.disconnects > 0) parts.push(`disconnects ${t.disconnects}`);
  if (t.publishErrors > 0) parts.push(`errors ${t.publishErrors}`);
  return parts.join('  ');
}
