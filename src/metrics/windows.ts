/**
 * Subscription windows under churn (`--subscriber-churn`): which deliveries a subscriber that comes and goes is
 * expected to get. Pure bookkeeping, one instance per subscriber connection, on the delivery path only when churn is on.
 *
 * The rule, per stream (subscription, publisher, channel):
 *  - window 0 opens with the run's subscriptions, confirmed before anything is published: every message is in it
 *    until the first unsubscribe is confirmed;
 *  - a window closes when the unsubscribe (or the connection close) is confirmed: its last message is the last one
 *    seen before that — after an UNSUBSCRIBE confirmation Redis sends nothing more of that channel;
 *  - the next window opens at the first message seen after the subscribe is confirmed (`admit`);
 *  - the sequence numbers strictly between the two — published while unsubscribed — are excluded from the expected
 *    deliveries; everything from a window's first message on is tracked as without churn, so a number missing inside
 *    a window is a gap, and a loss, exactly as without churn.
 *
 * What the rule cannot see (docs/churn.md): a message lost right at a window's edge — just before the unsubscribe was
 * confirmed, or just after the resubscribe — is indistinguishable from one published while unsubscribed. Inside a
 * window nothing is hidden: excluding numbers only ever happens at a window's first message.
 *
 * Measured or not: the publisher marks a message measured by its intended time, so along one stream the measured
 * messages are a suffix (nothing is published after the measure phase). Excluded numbers are measured when the first
 * message of the new window is measured and the last one before the gap was measured too; the churn driver holds a
 * subscriber's next churn event until every stream it has seen has a measured last message (`settled`), so a span
 * never straddles the measure start — except for a stream seen for the first time after a churn event (it delivered
 * nothing in the subscriber's first window), whose skipped numbers count as measured when its first message is.
 */
import type { SequenceTracker } from './sequence.js';

/** The windows of one subscriber connection's streams. */
export class SubscriptionWindows {
  /** Index of the current window (0: the run's first subscriptions). */
  private epoch = 0;
  /** Per stream: the window its last message was seen in. */
  private readonly seenIn = new Map<number, number>();
  /** Streams whose last message seen was not measured (warmup). */
  private readonly unmeasuredLast = new Set<number>();
  /** Measured sequence numbers excluded since the last `takeExcluded` (published while unsubscribed). */
  private excluded = 0;

  /**
   * Called for every valid delivery before `tracker` observes it. `id` identifies the stream across the connection's
   * trackers, `key` within `tracker`. Opens the stream's window on its first message after a churn event.
   */
  admit(tracker: SequenceTracker, id: number, key: number, seq: number, measured: boolean): void {
    if (measured) {
      if (this.unmeasuredLast.size > 0) this.unmeasuredLast.delete(id);
    } else {
      this.unmeasuredLast.add(id);
    }
    const seen = this.seenIn.get(id);
    if (seen === this.epoch) return;
    this.seenIn.set(id, this.epoch);
    if (this.epoch === 0) return;
    const skipped = seq - tracker.nextOf(key);
    if (skipped <= 0) return;
    tracker.skipTo(key, seq);
    if (measured) this.excluded += skipped;
  }

  /** The unsubscribe (or close) is confirmed: every stream's window closes here. */
  close(): void {
    this.epoch++;
  }

  /** Every stream seen so far last delivered a measured message: a churn event now cannot straddle the measure start. */
  settled(): boolean {
    return this.unmeasuredLast.size === 0;
  }

  /** Measured deliveries excluded since the last call. */
  takeExcluded(): number {
    const n = this.excluded;
    this.excluded = 0;
    return n;
  }
}
