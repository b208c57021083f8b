/**
 * Open-loop pacing: when each message of a publisher is meant to leave.
 *
 * Message k of a publisher is due at `firstUs + k × intervalUs`, where firstUs = schedule start + the publisher's
 * phase offset, so P publishers at R/P msgs/s each together send an evenly spaced stream at R msgs/s (no per-second
 * bursts). Latency is measured from these intended times, so a harness or server that falls behind cannot hide the
 * wait it caused (coordinated omission). At `rate: 'max'` there is no schedule: a message is intended when it is built.
 */
import { setImmediate as setImmediateP, setTimeout as setTimeoutP } from 'node:timers/promises';
import { nowUs } from '../core/clock.js';
import { END_GRACE_US } from '../load/profile.js';

/** A send counts as late when it leaves more than this after its intended time. */
export const LATE_THRESHOLD_US = 5_000;


/** The schedule of one publisher. */
export class Schedule {
  /** Spacing between two messages of this publisher (µs); 0 at rate 'max'. */
  readonly intervalUs: number;
  /** Intended time of message 0 (µs). */
  readonly firstUs: number;
  /** Publishing stops at this time (µs): no message is intended at or after it. */
  readonly endUs: number;

  constructor(rate: number | 'max', startUs: number, phaseOffsetUs: number, endUs: number) {
    this.intervalUs = rate === 'max' ? 0 : 1e6 / rate;
    this.firstUs = startUs + phaseOffsetUs;
    this.endUs = endUs;
  }

  /** True when this is an open-loop schedule (a numeric rate). */
  get open(): boolean {
    return this.intervalUs > 0;
  }

  /** Intended send time of message k (open loop only). */
  intendedUs(k: number): number {
    return this.firstUs + k * this.intervalUs;
  }

  /**
   * How many messages from index k on are due at time `atUs`, capped at `limit` and at the end of the schedule.
   * Open loop only.
   */
  dueCount(k: number, atUs: number, limit: number): number {
    if (atUs < this.firstUs) return 0;
    const lastDue = Math.floor((Math.min(atUs, this.endUs - 1e-3) - this.firstUs) / this.intervalUs);
    const due = lastDue - k + 1;
    return due <= 0 ? 0 : due < limit ? due : limit;
  }

  /**
   * True when message k would fall at or after the end, or the end has passed. An open-loop publisher that is
   * behind stops at the end too, instead of running over into the drain with its backlog (see `unsentFrom`).
   */
  finished(k: number, atUs: number): boolean {
    if (!this.open) return atUs >= this.endUs;
    return this.intendedUs(k) >= this.endUs || atUs >= this.endUs + END_GRACE_US;
  }

  /** Messages from index k on that the schedule meant to send at or after `fromUs` and before the end (open loop). */
  unsentFrom(k: number, fromUs: number): number {
    if (!this.open || this.endUs <= this.firstUs) return 0;
    const total = Math.ceil((this.endUs - this.firstUs) / this.intervalUs);
    const firstFrom = Math.max(0, Math.ceil((fromUs - this.firstUs) / this.intervalUs));
    return Math.max(0, total - Math.max(k, firstFrom));
  }
}

/** Waits shorter than this yield with setImmediate instead of a timer (µs). */
const SPIN_BELOW_US = 200;

/**
 * Waits until about `targetUs` on the shared clock. Node timers have millisecond granularity and fire a little
 * late, so a publisher may leave up to about a millisecond after its intended time; that delay is part of the
 * corrected latency, never hidden. Spinning (setImmediate) is kept for waits under 200 µs only: spinning longer
 * would burn a core and make an idle harness look saturated in its own health figures.
 */
export async function sleepUntilUs(targetUs: number): Promise<void> {
  const waitUs = targetUs - nowUs();
  if (waitUs < SPIN_BELOW_US) await setImmediateP();
  else await setTimeoutP(Math.max(1, Math.floor(waitUs / 1000 - 0.5)));
}
