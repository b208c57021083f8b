/**
 * Load profiles: an open-loop publish rate that steps (`--stages 30s:1000,30s:5000,1m:10000`) or ramps linearly
 * (`ramp:30s:0-10000`) over time.
 *
 * The total rate R(t) defines a cumulative count N(t) = ∫R: the combined stream's message j is intended at the time
 * N reaches j. Publisher i of P sends the messages j = i, i + P, i + 2P, …, so P publishers together send one evenly
 * spread stream that follows the profile, exactly as constant-rate publishers with phase offsets do (pacing.ts).
 * Finding the time of message j inverts N: piecewise linear (steps) or quadratic (ramps) within a stage.
 * Parsing what users write lives in src/scenarios/stages.ts; this file is the maths only (no imports but types).
 */
import type { RateStage } from '../core/scenario.js';

/**
 * An open-loop publisher still sends messages due before the end for this long after it (the late-send threshold):
 * a timer that wakes a moment late must not turn the last due messages into 'unsent'. Beyond it, the backlog is a
 * real shortfall.
 */
export const END_GRACE_US = 5_000;

export { stagesDurationMs, type RateStage } from '../core/scenario.js';

/** What a publisher's send loop needs from a schedule; `Schedule` (pacing.ts) and `RateProfile` both provide it. */
export interface PublishSchedule {
  /** True for an open-loop schedule (intended times exist). */
  readonly open: boolean;
  /** Intended time of the publisher's first message (µs); Infinity when it never sends. */
  readonly firstUs: number;
  intendedUs(k: number): number;
  dueCount(k: number, atUs: number, limit: number): number;
  finished(k: number, atUs: number): boolean;
  /** Messages from index k on that the schedule meant to send at or after `fromUs` and before its end. */
  unsentFrom(k: number, fromUs: number): number;
}

/** Where a sequential reader of a curve left off (a segment index), so the next lookup resumes there. */
export interface CurveCursor {
  segment: number;
}

/** A stage placed on the time axis, with the count of messages sent before it (µs, msgs/µs). */
interface Segment {
  startUs: number;
  durationUs: number;
  /** Rate at the start (msgs/µs) and its slope (msgs/µs²). */
  rate0: number;
  slope: number;
  countBefore: number;
  count: number;
}

/**
 * The total rate over time, starting at `originUs`: optionally `holdBeforeUs` at the first stage's starting rate
 * (the warmup), then the stages, then the last stage's final rate for as long as the run lasts.
 */
export class RateCurve {
  readonly originUs: number;
  private readonly segments: Segment[] = [];
  private readonly tailRate: number;
  private readonly tailStartUs: number;
  private readonly tailCountBefore: number;

  constructor(stages: readonly RateStage[], originUs: number, holdBeforeUs = 0) {
    if (stages.length === 0) throw new RangeError('a rate profile needs at least one stage');
    this.originUs = originUs;
    const all = holdBeforeUs > 0 ? [{ durationMs: holdBeforeUs / 1000, fromRate: stages[0].fromRate, toRate: stages[0].fromRate }, ...stages] : stages;
    let startUs = 0;
    let countBefore = 0;
    for (const s of all) {
      const durationUs = s.durationMs * 1000;
      const rate0 = s.fromRate / 1e6;
      const slope = durationUs > 0 ? (s.toRate - s.fromRate) / 1e6 / durationUs : 0;
      const count = ((s.fromRate + s.toRate) / 2) * (durationUs / 1e6);
      this.segments.push({ startUs, durationUs, rate0, slope, countBefore, count });
      startUs += durationUs;
      countBefore += count;
    }
    this.tailRate = all[all.length - 1].toRate / 1e6;
    this.tailStartUs = startUs;
    this.tailCountBefore = countBefore;
  }

  /** Total rate (msgs/s) in force at `atUs`. */
  rateAt(atUs: number): number {
    const t = atUs - this.originUs;
    if (t < 0) return this.segments[0].rate0 * 1e6;
    for (const s of this.segments) if (t < s.startUs + s.durationUs) return (s.rate0 + s.slope * (t - s.startUs)) * 1e6;
    return this.tailRate * 1e6;
  }

  /** Messages of the combined stream intended in [originUs, atUs): N(t). */
  countAt(atUs: number): number {
    const t = atUs - this.originUs;
    if (t <= 0) return 0;
    for (const s of this.segments) {
      const tau = t - s.startUs;
      if (tau < s.durationUs) return s.countBefore + s.rate0 * tau + (s.slope * tau * tau) / 2;
    }
    return this.tailCountBefore + this.tailRate * (t - this.tailStartUs);
  }

  /**
   * Time (µs) at which the cumulative count reaches `n`; Infinity when the rate drops to zero for good before that.
   * `cursor` (optional) says which segment to start searching from and is moved to the segment found, so sequential
   * callers resume where they were without allocating anything per call.
   */
  timeOfCount(n: number, cursor: CurveCursor = { segment: 0 }): number {
    const from = cursor.segment;
    // A count before the segment to resume from (a caller going back) restarts the search at the beginning.
    const fromCount = from < this.segments.length ? this.segments[from].countBefore : this.tailCountBefore;
    for (let i = n < fromCount ? 0 : from; i < this.segments.length; i++) {
      const s = this.segments[i];
      if (n >= s.countBefore + s.count || s.count === 0) continue;
      const m = Math.max(0, n - s.countBefore);
      // Solve rate0·τ + slope·τ²/2 = m. This form of the quadratic root avoids cancellation and also covers
      // rate0 = 0 (ramp from zero) and slope < 0 (ramp down).
      const tau = m === 0 ? 0 : (2 * m) / (s.rate0 + Math.sqrt(Math.max(0, s.rate0 * s.rate0 + 2 * s.slope * m)));
      cursor.segment = i;
      return this.originUs + s.startUs + Math.min(tau, s.durationUs);
    }
    cursor.segment = this.segments.length;
    if (this.tailRate <= 0) return Infinity;
    return this.originUs + this.tailStartUs + (n - this.tailCountBefore) / this.tailRate;
  }
}

/** The schedule of ONE publisher (index `index` of `publishers`) under a load profile. Same methods as `Schedule`. */
export class RateProfile implements PublishSchedule {
  readonly open = true;
  readonly firstUs: number;
  /** Publishing stops here: no message is intended at or after it. */
  readonly endUs: number;
  private readonly curve: RateCurve;
  private readonly index: number;
  private readonly publishers: number;
  /** Segment of the last lookup: send loops ask for k in increasing order. */
  private readonly cursor: CurveCursor = { segment: 0 };

  constructor(curve: RateCurve, endUs: number, index: number, publishers: number) {
    if (!(publishers >= 1 && index >= 0 && index < publishers)) throw new RangeError(`publisher ${index} of ${publishers}`);
    this.curve = curve;
    this.endUs = endUs;
    this.index = index;
    this.publishers = publishers;
    this.firstUs = this.intendedUs(0);
  }

  /** Intended send time of this publisher's message k (global message index + k × P). */
  intendedUs(k: number): number {
    return this.curve.timeOfCount(this.index + k * this.publishers, this.cursor);
  }

  /** How many messages from k on are due at `atUs`, capped at `limit` and at the end. */
  dueCount(k: number, atUs: number, limit: number): number {
    let due = 0;
    // Compared one by one with intendedUs, so a message reported due is exactly one whose intended time has passed.
    while (due < limit) {
      const t = this.intendedUs(k + due);
      if (t > atUs || t >= this.endUs) break;
      due++;
    }
    return due;
  }

  /**
   * True when message k falls at or after the end, or the end has passed: like `Schedule`, a publisher that is
   * behind stops at the end instead of running over into the drain with its backlog (see `unsentFrom`).
   */
  finished(k: number, atUs: number): boolean {
    return this.intendedUs(k) >= this.endUs || atUs >= this.endUs + END_GRACE_US;
  }

  /** Messages from index k on that the profile meant to send at or after `fromUs` and before the end. */
  unsentFrom(k: number, fromUs: number): number {
    return Math.max(0, this.firstIndexAt(this.endUs) - Math.max(k, this.firstIndexAt(fromUs)));
  }

  /** The first of this publisher's message indexes intended at or after `atUs`. */
  private firstIndexAt(atUs: number): number {
    // Estimate from the cumulative count, then settle on intendedUs itself, so the answer agrees exactly with the
    // times the send loop used (floating-point rounding may put the estimate one message off).
    let k = Math.max(0, Math.ceil((Math.ceil(this.curve.countAt(atUs)) - this.index) / this.publishers));
    while (k > 0 && this.intendedUs(k - 1) >= atUs) k--;
    while (this.intendedUs(k) < atUs) k++;
    return k;
  }
}
