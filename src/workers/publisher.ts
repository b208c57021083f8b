/**
 * One publisher connection's send loop, in the four publish modes:
 * - await: one PUBLISH in flight (unpipelined);
 * - pipeline: what is due (up to `batch`) goes out in one write, one batch in flight;
 * - multi: the same batches, each wrapped in MULTI … EXEC (what redis-py's pipeline() does by default);
 * - auto: continuous pipelining, at most `maxInFlight` commands in flight (never unbounded fire-and-forget).
 *
 * The loop is driven by events, not awaits: a timer when the next message is due, and one wake-up per burst of
 * replies. Messages are identified by a token (a slot in preallocated typed arrays holding their send time, channel
 * and whether they are measured), so the per-message path allocates no promise and no object; the connection
 * writes the frame bytes and we write only the envelope.
 */
import type { PublisherAssignment } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import type { PublishConnection } from '../targets/types.js';
import { recordUs } from '../metrics/histogram.js';
import { encodeEnvelope, ENVELOPE_HEADER_BYTES, FLAG_MEASURED } from '../load/envelope.js';
import { LATE_THRESHOLD_US, Schedule } from './pacing.js';
import { RateCurve, RateProfile, type PublishSchedule } from '../load/profile.js';
import type { WorkerContext } from './context.js';
import { channelCycle, cycleStart } from '../load/skew.js';

/**
 * Pause after a failed publish. While a connection is down, commands fail at once (no offline queue); without a
 * pause a closed-loop publisher would loop on rejected promises, starve the event loop and never let the
 * connection come back.
 */
const ERROR_BACKOFF_US = 1000;

/** Fills `buf` after the envelope header with bytes from a small seeded generator (mulberry32). */
export function fillPadding(buf: Buffer, seed: number, stream: number): void {
  let state = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  for (let i = ENVELOPE_HEADER_BYTES; i < buf.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    buf[i] = (t ^ (t >>> 14)) & 0xff;
  }
}

/**
 * A payload template: the padding after the envelope holds pseudo-random bytes from the scenario's seed and the
 * publisher's id — reproducible, never leftover process memory, and not trivially compressible like zeros.
 */
export function payloadTemplate(messageBytes: number, seed: number, publisherId: number): Buffer {
  const buf = Buffer.alloc(messageBytes);
  fillPadding(buf, seed, publisherId);
  return buf;
}

/** Most messages one publisher keeps in flight in its mode. */
export function windowOf(p: { mode: string; batch: number; maxInFlight: number }): number {
  if (p.mode === 'await') return 1;
  if (p.mode === 'auto') return Math.max(1, p.maxInFlight);
  return Math.max(1, p.batch);
}

/**
 * The channel cycle of an assignment. Publishers given the same weights (every one of a skew over 'all' channels)
 * share one cycle per worker thread: it may hold 64 Ki entries.
 */
const cycles = new Map<string, Uint32Array>();
function cycleOf(a: PublisherAssignment): Uint32Array {
  if (!a.channelWeights) return Uint32Array.from({ length: a.channels.length }, (_, p) => p);
  const key = a.channelWeights.join(',');
  let cycle = cycles.get(key);
  if (!cycle) {
    // Only the last run's cycles are kept: a worker thread may serve many runs (matrix, capacity).
    if (cycles.size >= 16) cycles.clear();
    cycle = channelCycle(a.channelWeights);
    cycles.set(key, cycle);
  }
  return cycle;
}

/** Waits shorter than this yield with setImmediate instead of a timer (µs). */
const SPIN_BELOW_US = 200;
/** Longest sleep between checks, so a stop request is seen soon even at very low rates (ms). */
const MAX_SLEEP_MS = 50;

/** Publishes one assignment's messages until the schedule ends or the context says stop. */
export class Publisher {
  private readonly ctx: WorkerContext;
  private readonly conn: PublishConnection;
  private readonly assignment: PublisherAssignment;
  private readonly channels: number[];
  private readonly receivers: number[];
  /** Next sequence number per channel (index into `channels`). */
  private readonly seqs: Uint32Array;
  /**
   * Position (index into `channels`) of every message of a repeating cycle: 0, 1, 2, … (round-robin), or a channel
   * skew's weighted cycle. One typed-array read per message, whatever the skew.
   */
  private readonly cycle: Uint32Array;
  /** Position in `cycle`. */
  private cursor = 0;
  /** Messages built so far (index into the schedule). */
  private sent = 0;
  /** Continuous window (auto) or one batch at a time (await, pipeline, multi). */
  private readonly continuous: boolean;
  private readonly window: number;
  /** Per token: send time, channel index, measured flag; and the stack of free tokens. */
  private readonly sentUs: Float64Array;
  private readonly channelOf: Uint32Array;
  private readonly measuredOf: Uint8Array;
  private readonly free: Uint32Array;
  private freeCount: number;
  private inFlight = 0;
  private schedule!: PublishSchedule;
  private backoffUntilUs = 0;
  private wakeArmed = false;
  private pumpQueued = false;
  private finished = false;
  private resolveDone: () => void = () => undefined;
  private readonly pumpNow = (): void => {
    this.wakeArmed = false;
    this.pump();
  };
  private readonly pumpAfterReplies = (): void => {
    this.pumpQueued = false;
    this.pump();
  };

  constructor(ctx: WorkerContext, conn: PublishConnection, assignment: PublisherAssignment) {
    this.ctx = ctx;
    this.conn = conn;
    this.assignment = assignment;
    this.channels = assignment.channels;
    this.receivers = ctx.task.receiversPerChannel;
    this.seqs = new Uint32Array(assignment.channels.length);
    this.cycle = cycleOf(assignment);
    // Skewed publishers start at staggered points of their cycle, so they do not all hit the hot channel together.
    if (assignment.channelWeights) this.cursor = cycleStart(assignment.publisherId, ctx.publisherCount, this.cycle.length);
    const p = ctx.task.scenario.publishers;
    this.continuous = p.mode === 'auto';
    this.window = windowOf(p);
    this.sentUs = new Float64Array(this.window);
    this.channelOf = new Uint32Array(this.window);
    this.measuredOf = new Uint8Array(this.window);
    this.free = new Uint32Array(this.window);
    for (let i = 0; i < this.window; i++) this.free[i] = this.window - 1 - i;
    this.freeCount = this.window;
  }

  /** Runs until the schedule ends (or a stop) and every reply is in. */
  async run(): Promise<void> {
    this.schedule = this.makeSchedule();
    if (this.channels.length === 0) return;
    this.conn.onReply = (token, reply) => this.settle(token, reply);
    await new Promise<void>((resolve) => {
      this.resolveDone = resolve;
      // A profile may never reach this publisher's first message (Infinity): then it only waits for the end.
      this.wakeAt(Math.min(this.schedule.firstUs, this.ctx.window.measureEndUs));
    });
    // An interrupt cuts the measure phase itself short: what was not sent then is not a shortfall.
    if (!this.ctx.stopPublishing) this.ctx.counters.unsentMeasured += this.schedule.unsentFrom(this.sent, this.ctx.window.measureStartUs);
  }

  /**
   * A load profile's share for this publisher (message i, i + P, … of the combined stream; the warmup held at the
   * first stage's rate), or the constant-rate schedule.
   */
  private makeSchedule(): PublishSchedule {
    const { startUs, measureStartUs, measureEndUs } = this.ctx.window;
    const stages = this.ctx.task.scenario.stages;
    if (stages && this.assignment.rate !== 'max') {
      const curve = new RateCurve(stages, startUs, measureStartUs - startUs);
      return new RateProfile(curve, measureEndUs, this.assignment.publisherId, this.ctx.publisherCount);
    }
    return new Schedule(this.assignment.rate, startUs, this.assignment.phaseOffsetUs, measureEndUs);
  }

  /** Calls pump at about `targetUs` (one wake-up armed at a time). */
  private wakeAt(targetUs: number): void {
    if (this.wakeArmed) return;
    this.wakeArmed = true;
    const waitUs = targetUs - nowUs();
    if (waitUs < SPIN_BELOW_US) setImmediate(this.pumpNow);
    else setTimeout(this.pumpNow, Math.min(MAX_SLEEP_MS, Math.max(1, Math.floor(waitUs / 1000 - 0.5))));
  }

  /** Sends what is due and fits; arms the next wake-up when nothing is. */
  private pump(): void {
    if (this.finished) return;
    const ctx = this.ctx;
    const schedule = this.schedule;
    const conn = this.conn;
    let now = nowUs();
    for (;;) {
      if (ctx.stopPublishing || schedule.finished(this.sent, now)) {
        if (this.inFlight === 0) this.finish();
        return;
      }
      if (this.backoffUntilUs > now) {
        this.wakeAt(this.backoffUntilUs);
        return;
      }
      const room = this.continuous ? this.window - this.inFlight : this.inFlight === 0 ? this.window : 0;
      if (room <= 0) return; // a reply wakes us
      let n = room;
      if (schedule.open) {
        const first = schedule.intendedUs(this.sent);
        if (first > now) {
          this.wakeAt(first);
          return;
        }
        n = schedule.dueCount(this.sent, now, room);
        if (n <= 0) {
          this.wakeAt(now + SPIN_BELOW_US);
          return;
        }
      }
      let k = 0;
      for (; k < n && conn.hasRoom(); k++) {
        const token = this.free[--this.freeCount];
        const intended = schedule.open ? schedule.intendedUs(this.sent) : now;
        const at = this.cursor;
        this.cursor = at + 1 === this.cycle.length ? 0 : at + 1;
        const pos = this.cycle[at];
        const channel = this.channels[pos];
        const buf = conn.add(channel, token);
        this.fill(buf, conn.payloadOffset, token, pos, channel, intended, now);
        this.inFlight++;
      }
      if (k > 0) conn.send();
      if (k < n || !this.continuous) return; // buffers full, or one batch in flight: a reply wakes us
      now = nowUs();
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone();
  }

  /**
   * Writes message `sent`'s envelope at buf[at…] and books it under `token`. Counts it as published (and as
   * expected deliveries when measured).
   */
  private fill(buf: Buffer, at: number, token: number, pos: number, channel: number, intendedUs: number, actualUs: number): void {
    const ctx = this.ctx;
    const measured = intendedUs >= ctx.window.measureStartUs && intendedUs < ctx.window.measureEndUs;
    const seq = this.seqs[pos]++;
    encodeEnvelope(buf, ctx.task.runTag, this.assignment.publisherId, channel, seq, intendedUs, actualUs, measured ? FLAG_MEASURED : 0, at);
    const c = ctx.counters;
    c.published++;
    if (measured) {
      c.publishedMeasured++;
      c.expectedMeasured += this.receivers[channel];
      ctx.publishedPerChannel[channel]++;
      if (actualUs - intendedUs > LATE_THRESHOLD_US) c.lateSends++;
    }
    this.sentUs[token] = actualUs;
    this.channelOf[token] = channel;
    this.measuredOf[token] = measured ? 1 : 0;
    this.sent++;
  }

  /** Books one reply: receivers and the command latency, or an error (-1); wakes the loop once per burst. */
  private settle(token: number, reply: number): void {
    const ctx = this.ctx;
    const c = ctx.counters;
    this.inFlight--;
    this.free[this.freeCount++] = token;
    const measured = this.measuredOf[token] === 1;
    if (reply < 0) {
      c.publishErrors++;
      ctx.publishErrorTexts.add(this.conn.lastError);
      // A failed publish did not reach its subscribers as far as anyone can tell: it is an error, not a loss,
      // so it leaves the measured counts. (Should Redis have run it before the connection died, its deliveries
      // show up as more than expected, which the run reports as a warning.)
      if (measured) {
        const channel = this.channelOf[token];
        c.publishedMeasured--;
        c.expectedMeasured -= this.receivers[channel];
        ctx.publishedPerChannel[channel]--;
      }
      this.backoffUntilUs = nowUs() + ERROR_BACKOFF_US;
    } else if (measured) {
      c.publishRepliesMeasured += reply;
      recordUs(ctx.publish, nowUs() - this.sentUs[token]);
    }
    if (!this.pumpQueued) {
      this.pumpQueued = true;
      process.nextTick(this.pumpAfterReplies);
    }
  }
}
