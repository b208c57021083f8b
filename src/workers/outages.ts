/**
 * Connection outages of one worker: when each connection was lost, why, how long until it was usable again, and
 * (for subscribers) how many messages the gaps seen right after the recovery show were missed.
 */
import type { OutageEvent } from '../core/messages.js';
import { nowUs } from '../core/clock.js';

/** Most outages one worker keeps; beyond it they are still counted in the interval counters. */
export const MAX_OUTAGES_PER_WORKER = 1000;

/** Collects outage events of all connections of a worker. */
export class OutageLog {
  readonly events: OutageEvent[] = [];

  /** Starts an outage; returns it (or null when the log is full) so the connection can close it later. */
  open(role: OutageEvent['role'], id: number, cause: string): OutageEvent | null {
    if (this.events.length >= MAX_OUTAGES_PER_WORKER) return null;
    const event: OutageEvent = { role, id, cause, atUs: nowUs(), durationMs: null, lostMessages: 0 };
    this.events.push(event);
    return event;
  }

  /** Marks an outage as over. */
  close(event: OutageEvent | null): void {
    if (event) event.durationMs = Math.round((nowUs() - event.atUs) / 100) / 10;
  }
}

/**
 * Attributes loss to the last outage of a subscriber connection: the first delivery of each stream after the
 * recovery shows, through its sequence gap, how many messages that stream missed while the connection was down.
 * Stops once every stream known before the outage has been seen again, so the hot path is back to one null check.
 */
export class LossAttribution {
  private readonly seen = new Set<number>();

  constructor(
    readonly event: OutageEvent,
    private readonly streamsBefore: number,
  ) {}

  /**
   * Books one delivery of stream `streamKey` (unique across the connection's subscriptions) whose sequence was
   * `skipped` ahead of the expected one (0 when in order). Returns false when attribution is complete.
   */
  observe(streamKey: number, skipped: number): boolean {
    if (this.seen.has(streamKey)) return true;
    this.seen.add(streamKey);
    if (skipped > 0) this.event.lostMessages += skipped;
    return this.seen.size < this.streamsBefore;
  }
}
