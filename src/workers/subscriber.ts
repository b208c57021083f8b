/**
 * The delivery path of one subscriber connection: decode the envelope from the Buffer, check ordering per
 * (subscription, publisher, channel), count unique deliveries of measured messages and record their latency.
 * Nothing here decodes strings or allocates per message on the in-order path.
 */
import type { SubscriberAssignment } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import type { SubscriberHandlers } from '../targets/types.js';
import { recordUs } from '../metrics/histogram.js';
import { SeqOutcome, SequenceTracker } from '../metrics/sequence.js';
import { decodeEnvelope, FLAG_MEASURED, newDecodedEnvelope } from './envelope.js';
import type { WorkerContext } from './context.js';

/** Builds the handlers for one subscriber connection and owns its sequence trackers. */
export class SubscriberSink implements SubscriberHandlers {
  private readonly ctx: WorkerContext;
  private readonly subscriberId: number;
  /** Tracker for channel (and sharded channel) subscriptions: one subscription per channel, so the key suffices. */
  private readonly direct = new SequenceTracker();
  /** One tracker per pattern subscription. */
  private readonly byPattern = new Map<string, SequenceTracker>();
  private readonly env = newDecodedEnvelope();
  private readonly trackers: SequenceTracker[];
  private disconnected = false;

  constructor(ctx: WorkerContext, assignment: SubscriberAssignment) {
    this.ctx = ctx;
    this.subscriberId = assignment.subscriberId;
    for (const p of assignment.patterns) this.byPattern.set(p, new SequenceTracker());
    this.trackers = [this.direct, ...this.byPattern.values()];
  }

  onMessage(_channel: Buffer, payload: Buffer): void {
    this.deliver(this.direct, undefined, payload);
  }

  onPatternMessage(pattern: string, _channel: Buffer, payload: Buffer): void {
    const tracker = this.byPattern.get(pattern);
    if (tracker === undefined) {
      this.ctx.counters.received++;
      this.ctx.counters.malformed++;
      return;
    }
    this.deliver(tracker, pattern, payload);
  }

  onDisconnect(): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.ctx.counters.disconnects++;
  }

  onReconnect(): void {
    if (!this.disconnected) return;
    this.disconnected = false;
    this.ctx.counters.reconnects++;
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
  }

  private deliver(tracker: SequenceTracker, pattern: string | undefined, payload: Buffer): void {
    const ctx = this.ctx;
    const c = ctx.counters;
    const env = this.env;
    c.received++;
    if (
      !decodeEnvelope(payload, env) ||
      env.runTag !== ctx.task.runTag ||
      env.channelIndex >= ctx.channelCount ||
      env.publisherId >= ctx.publisherCount
    ) {
      c.malformed++;
      return;
    }
    const outcome = tracker.observe(env.publisherId * ctx.channelCount + env.channelIndex, env.seq);
    if (outcome !== SeqOutcome.InOrder) {
      if (ctx.examplesKept < 20) {
        ctx.addExample({
          kind: outcome === SeqOutcome.Duplicate ? 'duplicate' : outcome === SeqOutcome.Reordered ? 'reordered' : 'gap',
          subscriberId: this.subscriberId,
          channel: env.channelIndex,
          pattern,
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
      const now = nowUs();
      recordUs(ctx.e2e, now - env.intendedUs);
      recordUs(ctx.e2eUncorrected, now - env.actualUs);
    }
  }
}
