/**
 * Judging the run: was the harness itself the bottleneck, and what must the user be warned about.
 * The harness watches itself so it never reports its own limit as Redis's.
 */
import type { HarnessHealth, LatencySummaryUs, RunSummary, TimelineEntry } from '../core/result.js';
import type { PublishMode } from '../core/scenario.js';
import type { TargetDescription } from '../core/target.js';
import { formatCompact, formatLatencyUs } from '../reporting/format.js';
import { describeErrorTexts } from '../metrics/error-texts.js';

/** A worker thread this busy (event-loop utilisation) cannot keep up with more work. */
export const SATURATED_ELU = 0.9;
/** Share of measure intervals that must be saturated before the harness counts as the bottleneck (one noisy second is not). */
export const SATURATED_SHARE = 0.25;
/** Achieved rate below this share of the target rate means the offered load was not delivered. */
export const RATE_SHORTFALL = 0.95;
/**
 * More late sends than this share of the measured sends means the schedule slipped. It is also the share of messages
 * above the p99: past it, late messages are among those the e2e p99 reports (see `lateSendDominance`).
 */
export const LATE_SHARE = 0.01;
/**
 * A worker event-loop delay p99 at least this share of the end-to-end p99 means the harness's own stalls are of the
 * size of the latency it reports: the numbers describe the load generator as much as Redis. Percentile against the
 * same percentile: a stall at the loop's p99 can only hold up about 1% of the deliveries, so it cannot make a p50.
 */
export const DELAY_VS_E2E_SHARE = 0.5;
/** Below this event-loop delay p99 (µs) the harness never dominates: timer jitter of an idle thread is not a stall. */
export const DELAY_FLOOR_US = 1000;
/**
 * An await publisher's reply wait explains a rate shortfall when its ceiling (publishers / RTT) is below this many
 * times the target: the wait then takes at least half of each message's time budget.
 */
export const AWAIT_CEILING_SLACK = 2;

/** Inputs to the health judgement. */
export interface HealthInput {
  summary: RunSummary;
  timeline: TimelineEntry[];
  processCpuCores: number;
  rateIsMax: boolean;
  /** The scenario's publish mode: an 'await' publisher sends one message per reply round trip. */
  publishMode: PublishMode;
  /** Publishers in the whole fleet (all worker threads). */
  publishers: number;
}

/** Decides whether the harness limited the run, and says why in plain words. */
export function judgeHealth({ summary, timeline, processCpuCores, rateIsMax, publishMode, publishers }: HealthInput): HarnessHealth {
  const measure = timeline.filter((t) => t.phase === 'measure');
  const maxElu = Math.max(0, ...measure.map((t) => t.maxEventLoopUtilization));
  const maxDelay = Math.max(0, ...measure.map((t) => t.maxEventLoopDelayP99Us));
  const saturated = measure.filter((t) => t.maxEventLoopUtilization >= SATURATED_ELU).length;
  const saturatedBottleneck = measure.length > 0 && saturated / measure.length >= SATURATED_SHARE;
  const delayed = delayedIntervals(measure, summary.latencyUs.endToEnd);
  const latencyDominated = measure.length > 0 && delayed.count / measure.length >= SATURATED_SHARE;
  const late = lateSendDominance(summary);
  const reasons: string[] = [];
  if (saturatedBottleneck) {
    reasons.push(
      `a worker thread was at least ${SATURATED_ELU * 100}% busy in ${saturated} of ${measure.length} measured intervals ` +
        `(peak ${(maxElu * 100).toFixed(0)}%): the harness, not Redis, may have set the pace` +
        (rateIsMax ? ' (at --rate max the throughput shown may be the harness limit; try more --workers)' : ''),
    );
  }
  if (latencyDominated && rateIsMax) {
    // A closed loop keeps every thread busy on purpose: deliveries then queue behind whole batches by design, so the
    // delay says what the latency figures mean, not that the harness held back the throughput.
    const e2e = summary.latencyUs.endToEnd;
    reasons.push(
      `at --rate max deliveries queue behind whole batches: a worker thread's event-loop delay p99 of ${formatLatencyUs(delayed.medianUs)} ` +
        `is part of the end-to-end latency reported (p50 ${formatLatencyUs(e2e.p50)}); measure latency at an open-loop --rate`,
    );
  } else if (latencyDominated) {
    const e2e = summary.latencyUs.endToEnd;
    reasons.push(
      `latency was dominated by the harness: in ${delayed.count} of ${measure.length} measured intervals a worker thread's ` +
        `event-loop delay p99 reached ${formatLatencyUs(delayed.medianUs)} (median; worst ${formatLatencyUs(maxDelay)}), ` +
        `comparable to the end-to-end latency reported (p50 ${formatLatencyUs(e2e.p50)}, p99 ${formatLatencyUs(e2e.p99)}); ` +
        'messages waited in the harness\'s own event loop, so these latencies describe pubsub-bench as much as Redis ' +
        '(try more --workers, or fewer connections per worker thread)',
    );
  }
  // No publishers offer no load: a "shortfall" then says nothing about Redis or the harness (the verdict is NO DATA).
  if (publishers > 0 && summary.targetRate !== null && summary.publishRate < summary.targetRate * RATE_SHORTFALL) {
    const share = ((summary.publishRate / summary.targetRate) * 100).toFixed(1);
    const who = saturatedBottleneck ? 'the harness was saturated' : 'Redis replies were the limit (harness threads had headroom)';
    reasons.push(`achieved ${share}% of the target publish rate: ${who}`);
    if (publishMode === 'await') {
      const why = awaitCeiling(summary.latencyUs.publish, publishers, summary.targetRate);
      if (why !== null) reasons.push(why);
    }
  }
  if ((summary.unsent ?? 0) > 0) {
    reasons.push(`${summary.unsent} scheduled messages were never sent: publishers were still behind when the measure phase ended`);
  }
  if (late.dominated) {
    const e2e = summary.latencyUs.endToEnd;
    reasons.push(
      `latency was dominated by sending late: ${late.text}, and the corrected e2e p99 of ${formatLatencyUs(e2e.p99)} is mostly ` +
        `that wait (from the actual send it was p99 ${formatLatencyUs(summary.latencyUs.endToEndUncorrected.p99)}); messages waited in the ` +
        'publisher (its event loop, its in-flight window, or an await round trip) before Redis saw them, so these latencies ' +
        'describe the load generator\'s backlog more than Redis (try more --publishers or --workers, or --publish-mode auto)',
    );
  } else if (late.text !== null) {
    reasons.push(`${late.text}; latency is still measured from the intended time, so the wait is included`);
  }
  return {
    maxEventLoopUtilization: maxElu, maxEventLoopDelayP99Us: maxDelay, processCpuCores,
    harnessBottleneck: saturatedBottleneck || ((latencyDominated || late.dominated) && !rateIsMax), reasons,
  };
}

/**
 * Late sends against the latency reported. `text` says how many sends left late when more than LATE_SHARE did
 * (null otherwise). `dominated` when those late messages reach into the p99 (over LATE_SHARE of sends) and the
 * wait before sending is at least DELAY_VS_E2E_SHARE of the corrected e2e p99: corrected latency counts from the
 * intended send time, uncorrected from the actual one, so per message their difference is exactly how late it
 * left, and p99 corrected − p99 uncorrected is that wait at the percentile reported. A Redis that answers slowly
 * makes both percentiles grow alike; a backlog before the send only grows the corrected one.
 */
export function lateSendDominance(summary: RunSummary): { text: string | null; dominated: boolean } {
  // Late sends count every measured send, failed ones too, while `published` drops the failed ones: the share is of
  // both, or a run with many failed publishes shows more late sends than sends (over 100%).
  const sends = summary.published + summary.publishErrors;
  if (!(sends > 0 && summary.lateSends / sends > LATE_SHARE)) return { text: null, dominated: false };
  const text = `${summary.lateSends} of ${sends} measured sends (${((summary.lateSends / sends) * 100).toFixed(1)}%) left over 5 ms after their intended time`;
  const e2e = summary.latencyUs.endToEnd;
  const uncorrected = summary.latencyUs.endToEndUncorrected;
  if (e2e.count === 0 || uncorrected.count === 0) return { text, dominated: false };
  const waitUs = e2e.p99 - uncorrected.p99;
  return { text, dominated: waitUs >= DELAY_FLOOR_US && waitUs >= e2e.p99 * DELAY_VS_E2E_SHARE };
}

/**
 * Measured intervals whose worst worker event-loop delay p99 is of the size of the end-to-end latency the run
 * reports, and the median of those delays. Like saturation, it must hold in a share of the run (SATURATED_SHARE): one
 * stall (a GC pause, a neighbour process) is noise, a steady delay is the harness.
 */
function delayedIntervals(measure: TimelineEntry[], e2e: LatencySummaryUs): { count: number; medianUs: number } {
  if (e2e.count === 0) return { count: 0, medianUs: 0 };
  const bar = Math.max(DELAY_FLOOR_US, e2e.p99 * DELAY_VS_E2E_SHARE);
  const delays = measure.map((t) => t.maxEventLoopDelayP99Us).filter((d) => d >= bar).sort((a, b) => a - b);
  return { count: delays.length, medianUs: delays.length > 0 ? delays[Math.floor(delays.length / 2)] : 0 };
}

/**
 * Why an await fleet fell short: each connection waits for a reply before the next send, so it sends at most
 * 1 / RTT. Null when the measured RTT leaves enough room that the wait does not explain the shortfall.
 */
function awaitCeiling(publish: LatencySummaryUs, publishers: number, targetRate: number): string | null {
  if (publish.count === 0 || !(publish.p50 > 0) || publishers < 1) return null;
  const perPublisher = 1e6 / publish.p50;
  const ceiling = perPublisher * publishers;
  if (ceiling >= targetRate * AWAIT_CEILING_SLACK) return null;
  const fleet = publishers > 1 ? `, ${formatCompact(ceiling)} msgs/s with ${publishers} publishers` : '';
  return `one connection waiting for each reply sends at most 1/RTT (RTT measured: ${formatLatencyUs(publish.p50)} → ` +
    `${formatCompact(perPublisher)} msgs/s per publisher${fleet}); add --publishers or use --publish-mode auto`;
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
  if (s.publishErrors > 0) out.push(`${s.publishErrors} publish commands failed${s.publishErrorTexts ? `: ${describeErrorTexts(s.publishErrorTexts)}` : ''}.`);
  if (s.disconnects > 0) out.push(`${s.disconnects} connection losses (${s.reconnects} reconnected).`);
  if (w.overDelivered > 0) out.push(`${w.overDelivered} more unique deliveries than the plan expects: the loss count cannot be trusted.`);
  if (w.repliesComparable && s.publishReplyReceivers !== null && s.publishReplyReceivers !== s.expectedDeliveries) {
    const diff = s.publishReplyReceivers - s.expectedDeliveries;
    out.push(
      diff > 0 && s.churn?.reconnect
        ? `Redis counted ${diff} more receivers than the subscription windows: deliveries in flight to connections the churn closed (written by Redis, never read; by the window rule not expected, so not lost — an application that reconnects loses them).`
        : diff > 0
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
