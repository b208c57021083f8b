/**
 * Judging the run: was the harness itself the bottleneck, and what must the user be warned about.
 * The harness watches itself so it never reports its own limit as Redis's.
 */
import type { HarnessHealth, RunSummary, TimelineEntry } from '../core/result.js';
import type { TargetDescription } from '../core/target.js';

/** A worker thread this busy (event-loop utilisation) cannot keep up with more work. */
export const SATURATED_ELU = 0.9;
/** Share of measure intervals that must be saturated before the harness counts as the bottleneck (one noisy second is not). */
export const SATURATED_SHARE = 0.25;
/** Achieved rate below this share of the target rate means the offered load was not delivered. */
export const RATE_SHORTFALL = 0.95;
/** More late sends than this share of published messages means the schedule slipped. */
export const LATE_SHARE = 0.01;

/** Inputs to the health judgement. */
export interface HealthInput {
  summary: RunSummary;
  timeline: TimelineEntry[];
  processCpuCores: number;
  rateIsMax: boolean;
}

/** Decides whether the harness limited the run, and says why in plain words. */
export function judgeHealth({ summary, timeline, processCpuCores, rateIsMax }: HealthInput): HarnessHealth {
  const measure = timeline.filter((t) => t.phase === 'measure');
  const maxElu = Math.max(0, ...measure.map((t) => t.maxEventLoopUtilization));
  const maxDelay = Math.max(0, ...measure.map((t) => t.maxEventLoopDelayP99Us));
  const saturated = measure.filter((t) => t.maxEventLoopUtilization >= SATURATED_ELU).length;
  const harnessBottleneck = measure.length > 0 && saturated / measure.length >= SATURATED_SHARE;
  const reasons: string[] = [];
  if (harnessBottleneck) {
    reasons.push(
      `a worker thread was at least ${SATURATED_ELU * 100}% busy in ${saturated} of ${measure.length} measured intervals ` +
        `(peak ${(maxElu * 100).toFixed(0)}%): the harness, not Redis, may have set the pace` +
        (rateIsMax ? ' (at --rate max the throughput shown may be the harness limit; try more --workers)' : ''),
    );
  }
  if (summary.targetRate !== null && summary.publishRate < summary.targetRate * RATE_SHORTFALL) {
    const share = ((summary.publishRate / summary.targetRate) * 100).toFixed(1);
    const who = harnessBottleneck ? 'the harness was saturated' : 'Redis replies were the limit (harness threads had headroom)';
    reasons.push(`achieved ${share}% of the target publish rate: ${who}`);
  }
  if ((summary.unsent ?? 0) > 0) {
    reasons.push(`${summary.unsent} scheduled messages were never sent: publishers were still behind when the measure phase ended`);
  }
  if (summary.published > 0 && summary.lateSends / summary.published > LATE_SHARE) {
    reasons.push(
      `${summary.lateSends} sends (${((summary.lateSends / summary.published) * 100).toFixed(1)}%) left over 5 ms after their intended time; ` +
        'latency is still measured from the intended time, so the wait is included',
    );
  }
  return { maxEventLoopUtilization: maxElu, maxEventLoopDelayP99Us: maxDelay, processCpuCores, harnessBottleneck, reasons };
}

/** Inputs to the warnings. */
export interface WarningInput {
  summary: RunSummary;
  health: HarnessHealth;
  target: TargetDescription;
  interrupted: boolean;
  /** True when PUBLISH replies count every receiver (false for classic pub/sub in a cluster). */
  repliesComparable: boolean;
  /** Deliveries above plan that were not duplicates (a foreign publisher using our envelope, or a bug). */
  overDelivered: number;
  subscriptionNotes: string[];
}

/** Everything the user should not miss, as plain sentences. */
export function buildWarnings(w: WarningInput): string[] {
  const out: string[] = [];
  const s = w.summary;
  if (w.interrupted) out.push('The run was interrupted: the numbers cover only the part that ran.');
  if (w.target.tlsInsecure) out.push('TLS certificate verification was OFF (--tls-insecure): the server was not authenticated.');
  if (s.lost > 0) {
    out.push(`${s.lost} of ${s.expectedDeliveries} expected deliveries were lost (${pct(s.lost, s.expectedDeliveries)}).`);
  }
  if (s.duplicates > 0) out.push(`${s.duplicates} duplicate deliveries were seen.`);
  if (s.reordered > 0) out.push(`${s.reordered} deliveries arrived out of order.`);
  if (s.malformed > 0) {
    out.push(`${s.malformed} deliveries were not messages of this run (another publisher on these channels, or corrupt payloads).`);
  }
  if (s.publishErrors > 0) out.push(`${s.publishErrors} publish commands failed.`);
  if (s.disconnects > 0) out.push(`${s.disconnects} connection losses (${s.reconnects} reconnected).`);
  if (w.overDelivered > 0) out.push(`${w.overDelivered} more unique deliveries than the plan expects: the loss count cannot be trusted.`);
  if (w.repliesComparable && s.publishReplyReceivers !== null && s.publishReplyReceivers !== s.expectedDeliveries) {
    const diff = s.publishReplyReceivers - s.expectedDeliveries;
    out.push(
      diff > 0
        ? `Redis counted ${diff} more receivers than the plan: another client subscribes to these channels (its deliveries are not ours to count).`
        : `Redis counted ${-diff} fewer receivers than the plan: subscriptions were missing while publishing (disconnects), so those deliveries could not happen.`,
    );
  }
  out.push(...w.subscriptionNotes);
  if (w.health.harnessBottleneck || w.health.reasons.length > 0) out.push(...w.health.reasons.map((r) => `Harness: ${r}.`));
  return out;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(3)}%` : '0%';
}
