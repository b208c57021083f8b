/**
 * The delivery path of one subscriber connection: decode the envelope from the Buffer, check ordering per
 * (subscription, publisher, channel), count unique deliveries of measured messages and record their latency.
 * Nothing here decodes strings or allocates per message on the in-order path.
 */
import type { SubscriberAssignment } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import { NO_PATTERN, type SubscriberHandlers } from '../targets/types.js';
import { recordUs } from '../metrics/histogram.js';
import { SeqOutcome, SequenceTracker } from '../metrics/sequence.js';
import { SubscriptionWindows } from '../metrics/windows.js';
import { decodeEnvelope, FLAG_MEASURED, newDecodedEnvelope } from '../load/envelope.js';
import { MAX_EXAMPLES_PER_WORKER, type WorkerContext } from './context.js';
import { LossAttribution } from './outages.js';
import { withRecoveryError } from '../metrics/error-texts.js';
import type { OutageEvent } from '../core/messages.js';

/** Builds the handlers for one subscriber connection and owns its sequence trackers. */
export class SubscriberSink implements SubscriberHandlers {
  private readonly ctx: WorkerContext;
  private readonly subscriberId: number;
  /** Tracker for channel (and sharded channel) subscriptions: one subscription per channel, so the key suffices. */
  private readonly direct = new SequenceTracker();
  /** One tracker per pattern subscription, in the order the patterns were subscribed. */
  private readonly byPattern: SequenceTracker[];
  private readonly patterns: string[];
  private readonly env = newDecodedEnvelope();
  private readonly trackers: SequenceTracker[];
  private disconnected = false;
  /** The outage in progress, then the one whose loss is being attributed after recovery. */
  private outage: OutageEvent | null = null;
  private attribution: LossAttribution | null = null;
  /** Subscription windows under churn; null without churn (the delivery path then pays one null check). */
  readonly windows: SubscriptionWindows | null;

  constructor(ctx: WorkerContext, assignment: SubscriberAssignment) {
    this.ctx = ctx;
    this.subscriberId = assignment.subscriberId;
    this.patterns = assignment.patterns;
    this.byPattern = assignment.patterns.map(() => new SequenceTracker());
    this.trackers = [this.direct, ...this.byPattern];
    this.windows = ctx.task.scenario.subscriberChurn ? new SubscriptionWindows() : null;
  }

  onMessage(buf: Buffer, start: number, end: number, _chan: Buffer, _chanStart: number, _chanEnd: number, pattern: number): void {
    if (pattern === NO_PATTERN) {
      this.deliver(this.direct, -1, buf, start, end);
      return;
    }
    const tracker = pattern >= 0 ? this.byPattern[pattern] : undefined;
    if (tracker === undefined) {
      this.ctx.counters.received++;
      this.ctx.counters.malformed++;
      return;
    }
    this.deliver(tracker, pattern, buf, start, end);
  }

  onDisconnect(cause: string): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.ctx.counters.disconnects++;
    this.outage = this.ctx.outages.open('subscriber', this.subscriberId, cause);
    // Attribution starts here, not at onReconnect: the first deliveries after a resubscribe can arrive in the same
    // read as its confirmation, before the reconnect is reported, and their gaps belong to this outage.
    let streams = 0;
    for (const t of this.trackers) streams += t.streamCount();
    this.attribution = this.outage && streams > 0 ? new LossAttribution(this.outage, streams) : null;
  }

  onRecoveryError(cause: string): void {
    if (this.outage) this.outage.cause = withRecoveryError(this.outage.cause, cause);
  }

  onTopologyEvent(): void {
    this.ctx.counters.topologyEvents++;
  }

  onReconnect(): void {
    if (!this.disconnected) return;
    this.disconnected = false;
    this.ctx.counters.reconnects++;
    this.ctx.outages.close(this.outage);
    this.outage = null;
  }

  /** Moves the ordering counts gathered since the last call into the interval counters. */
  flushOrderingCounts(): void {
    const c = this.ctx.counters;
    for (const t of this.trackers) {
      const d = t.takeCounts();
      c.inOrder += d.inOrder;
      c.duplicates += d.duplicates;
      c.reordered += d.reordered;
      c.gaps += d.gaps;
      c.gapMessages += d.gapMessages;
    }
    if (this.windows !== null) {
      // Published while this subscriber was unsubscribed: not expected of it (the publisher counted them).
      const excluded = this.windows.takeExcluded();
      c.expectedMeasured -= excluded;
      c.churnExcluded += excluded;
    }
  }

  /** `pattern`: index of the pattern subscription, -1 for the channel subscription. */
  private deliver(tracker: SequenceTracker, pattern: number, buf: Buffer, start: number, end: number): void {
    const ctx = this.ctx;
    const c = ctx.counters;
    const env = this.env;
    c.received++;
    if (
      !decodeEnvelope(buf, env, start, end) ||
      env.runTag !== ctx.task.runTag ||
      env.channelIndex >= ctx.channelCount ||
      env.publisherId >= ctx.publisherCount
    ) {
      c.malformed++;
      return;
    }
    const key = env.publisherId * ctx.channelCount + env.channelIndex;
    if (this.windows !== null) this.windows.admit(tracker, (pattern + 1) * 2 ** 40 + key, key, env.seq, (env.flags & FLAG_MEASURED) !== 0);
    const outcome = tracker.observe(key, env.seq);
    if (this.attribution !== null) {
      const skipped = outcome === SeqOutcome.Gap ? env.seq - tracker.lastExpected : 0;
      // Streams of different subscriptions share keys; the tracker's position in the list tells them apart.
      if (!this.attribution.observe((pattern + 1) * 2 ** 40 + key, skipped)) this.attribution = null;
    }
    if (outcome !== SeqOutcome.InOrder) {
      if (ctx.examplesKept < MAX_EXAMPLES_PER_WORKER) {
        ctx.addExample({
          kind: outcome === SeqOutcome.Duplicate ? 'duplicate' : outcome === SeqOutcome.Reordered ? 'reordered' : 'gap',
          subscriberId: this.subscriberId,
          channel: env.channelIndex,
          pattern: pattern >= 0 ? this.patterns[pattern] : undefined,
          publisherId: env.publisherId,
          expectedSeq: tracker.lastExpected,
          gotSeq: env.seq,
          atUs: nowUs(),
        });
      }
      if (outcome === SeqOutcome.Duplicate) return;
    }
    if (env.flags & FLAG_MEASURED) {
      c.deliveredMeasured++;
      ctx.deliveredPerChannel[env.channelIndex]++;
      const now = nowUs();
      const latencyUs = now - env.intendedUs;
      recordUs(ctx.e2e, latencyUs);
      recordUs(ctx.e2eUncorrected, now - env.actualUs);
      if (ctx.segmentCount > 0) this.recordSegment(env.publisherId, latencyUs);
    }
  }

  /**
   * A segment's split: where the publisher ran (clock error between hosts shows in `cross` only) and negative
   * corrected latencies, counted because recordUs records them as 0.
   */
  private recordSegment(publisherId: number, latencyUs: number): void {
    const ctx = this.ctx;
    const from = publisherId % ctx.segmentCount;
    ctx.deliveredFromSegment[from]++;
    if (latencyUs < 0) ctx.negativeLatencies++;
    recordUs(from === ctx.segmentIndex ? ctx.e2eSame! : ctx.e2eCross!, latencyUs);
  }
}

/**
 * Handlers of the background-pattern connection: its patterns match no channel of the run, so anything delivered
 * there is not this run's traffic pattern and is counted as malformed (never as a delivery). Its outages are not
 * the fleet's: it carries no expected delivery.
 */
export function unexpectedDeliveries(ctx: WorkerContext): SubscriberHandlers {
  return {
    onMessage: () => {
      ctx.counters.received++;
      ctx.counters.malformed++;
    },
    onDisconnect: () => undefined,
    onReconnect: () => undefined,
  };
}
