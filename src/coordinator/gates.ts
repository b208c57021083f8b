/**
 * Thresholds during and after a run: the optional early abort (checked about once a second during the measure
 * phase) and the verdict on the final summary (pure, used by assemble.ts).
 */
import type { RunResult, RunSummary } from '../core/result.js';
import { nowUs } from '../core/clock.js';
import { evaluateThresholds, ThresholdAbortMonitor, thresholdsVerdict, type Threshold } from '../metrics/thresholds.js';
import type { RunAggregator } from '../metrics/aggregate.js';

/** Set when a failing abortOnFail threshold ended the run early. */
export interface ThresholdAbort {
  /** Measured time when it happened (ms). */
  atMs: number;
  expressions: string[];
}

/** The thresholds outcome for result.json, or undefined when the run had none. Pure. */
export function thresholdsOutcome(thresholds: readonly Threshold[], summary: RunSummary, aborted?: ThresholdAbort): RunResult['thresholds'] {
  if (thresholds.length === 0) return undefined;
  const v = thresholdsVerdict(evaluateThresholds(thresholds, { summary }));
  return aborted ? { ...v, passed: false, aborted } : v;
}

/** How often the running summary is judged for an early abort. */
const ABORT_CHECK_EVERY_MS = 1000;

/** The early abort of one run's thresholds, judged during the measure phase. */
export class RunGates {
  private readonly monitor: ThresholdAbortMonitor;
  private lastCheckMs = 0;
  /** Set when a failing threshold ended the run early. */
  aborted: ThresholdAbort | undefined;

  constructor(thresholds: readonly Threshold[], graceMs: number) {
    this.monitor = new ThresholdAbortMonitor(thresholds, graceMs);
  }

  /**
   * True when an abortOnFail threshold has failed for good. Cheap to call often: the running summary (which
   * merges histograms) is built at most once a second.
   */
  shouldAbort(agg: RunAggregator, measureStartUs: number, repliesComparable: boolean): boolean {
    if (this.monitor.idle || this.aborted) return this.aborted !== undefined;
    const now = nowUs();
    if (now < measureStartUs || Date.now() - this.lastCheckMs < ABORT_CHECK_EVERY_MS) return false;
    this.lastCheckMs = Date.now();
    const elapsedMs = (now - measureStartUs) / 1000;
    const failing = this.monitor.check(agg.summary(Math.max(1, elapsedMs), repliesComparable), elapsedMs);
    if (failing) this.aborted = { atMs: Math.round(elapsedMs), expressions: failing.map((o) => o.expression) };
    return failing !== null;
  }
}
