/**
 * Thresholds during and after a run: the optional early abort (checked about once a second during the measure
 * phase) and the verdict on the final summary.
 */
import type { RunResult, RunSummary } from '../core/result.js';
import { nowUs } from '../core/clock.js';
import { evaluateThresholds, ThresholdAbortMonitor, thresholdsVerdict, type Threshold } from '../metrics/thresholds.js';
import type { RunAggregator } from '../metrics/aggregate.js';

/** How often the running summary is judged for an early abort. */
const ABORT_CHECK_EVERY_MS = 1000;

/** The thresholds of one run. */
export class RunGates {
  private readonly monitor: ThresholdAbortMonitor;
  private lastCheckMs = 0;
  /** Set when a failing threshold ended the run early. */
  aborted: { atMs: number; expressions: string[] } | undefined;

  constructor(private readonly thresholds: readonly Threshold[], graceMs: number) {
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

  /** The outcome for result.json, or undefined when the run had no thresholds. */
  verdict(summary: RunSummary): RunResult['thresholds'] {
    if (this.thresholds.length === 0) return undefined;
    const v = thresholdsVerdict(evaluateThresholds(this.thresholds, { summary }));
    return this.aborted ? { ...v, passed: false, aborted: this.aborted } : v;
  }
}
