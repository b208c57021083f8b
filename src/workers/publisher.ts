/**
 * One publisher connection's send loop, in the three publish modes:
 * - await: one PUBLISH in flight (unpipelined);
 * - pipeline: what is due (up to `batch`) goes out as one ioredis pipeline, one pipeline in flight;
 * - auto: ioredis auto-pipelining, at most `maxInFlight` commands in flight (never unbounded fire-and-forget).
 *
 * Payload buffers are allocated once, zero-filled (padding never leaks process memory), and reused only after the
 * command that carried them has settled, so the per-message path allocates nothing of its own.
 */
import type { PublisherAssignment } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import type { PublishConnection } from '../targets/types.js';
import { recordUs } from '../metrics/histogram.js';
import { encodeEnvelope, ENVELOPE_HEADER_BYTES, FLAG_MEASURED } from './envelope.js';
import { LATE_THRESHOLD_US, Schedule, sleepUntilUs } from './pacing.js';
import { RateCurve, RateProfile, type PublishSchedule } from './profile.js';
import type { WorkerContext } from './context.js';

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

/** Publishes one assignment's messages until the schedule ends or the context says stop. */
export class Publisher {
  private readonly ctx: WorkerContext;
  private readonly conn: PublishConnection;
  private readonly assignment: PublisherAssignment;
  private readonly channels: number[];
  private readonly receivers: number[];
  private readonly messageBytes: number;
  /** Next sequence number per channel (index into `channels`). */
  private readonly seqs: Uint32Array;
  /** Position in the round-robin over `channels`. */
  private cursor = 0;
  /** Messages built so far (index into the schedule). */
  private sent = 0;

  constructor(ctx: WorkerContext, conn: PublishConnection, assignment: PublisherAssignment) {
    this.ctx = ctx;
    this.conn = conn;
    this.assignment = assignment;
    this.channels = assignment.channels;
    this.receivers = ctx.task.receiversPerChannel;
    this.messageBytes = ctx.task.scenario.publishers.messageBytes;
    this.seqs = new Uint32Array(assignment.channels.length);
  }

  /** Runs the loop of the scenario's publish mode. */
  async run(): Promise<void> {
    const schedule = this.schedule();
    if (this.channels.length === 0) return;
    const { mode, batch, maxInFlight } = this.ctx.task.scenario.publishers;
    // A profile may never reach this publisher's first message (Infinity): then it only waits for the end.
    await sleepUntilUs(Math.min(schedule.firstUs, this.ctx.window.measureEndUs));
    if (mode === 'await') await this.runAwait(schedule);
    else if (mode === 'pipeline') await this.runPipeline(schedule, batch);
    else await this.runAuto(schedule, maxInFlight);
    // An interrupt cuts the measure phase itself short: what was not sent then is not a shortfall.
    if (!this.ctx.stopPublishing) this.ctx.counters.unsentMeasured += schedule.unsentFrom(this.sent, this.ctx.window.measureStartUs);
  }

  /**
   * A load profile's share for this publisher (message i, i + P, … of the combined stream; the warmup held at the
   * first stage's rate), or the constant-rate schedule.
   */
  private schedule(): PublishSchedule {
    const { startUs, measureStartUs, measureEndUs } = this.ctx.window;
    const stages = this.ctx.task.scenario.stages;
    if (stages && this.assignment.rate !== 'max') {
      const curve = new RateCurve(stages, startUs, measureStartUs - startUs);
      return new RateProfile(curve, measureEndUs, this.assignment.publisherId, this.ctx.publisherCount);
    }
    return new Schedule(this.assignment.rate, startUs, this.assignment.phaseOffsetUs, measureEndUs);
  }

  /**
   * A payload buffer: the padding after the envelope holds pseudo-random bytes from the scenario's seed and this
   * publisher's id — reproducible, never leftover process memory, and not trivially compressible like zeros.
   */
  private newPayload(): Buffer {
    const buf = Buffer.alloc(this.messageBytes);
    fillPadding(buf, this.ctx.task.scenario.seed, this.assignment.publisherId);
    return buf;
  }

  /**
   * Writes the next message's envelope into `buf` and returns its channel position in `channels`.
   * Counts it as published (and as expected deliveries when measured).
   */
  private fill(buf: Buffer, intendedUs: number, actualUs: number): number {
    const ctx = this.ctx;
    const pos = this.cursor;
    this.cursor = pos + 1 === this.channels.length ? 0 : pos + 1;
    const channel = this.channels[pos];
    const measured = intendedUs >= ctx.window.measureStartUs && intendedUs < ctx.window.measureEndUs;
    const seq = this.seqs[pos]++;
    encodeEnvelope(buf, ctx.task.runTag, this.assignment.publisherId, channel, seq, intendedUs, actualUs, measured ? FLAG_MEASURED : 0);
    const c = ctx.counters;
    c.published++;
    if (measured) {
      c.publishedMeasured++;
      c.expectedMeasured += this.receivers[channel];
      ctx.publishedPerChannel[channel]++;
      if (actualUs - intendedUs > LATE_THRESHOLD_US) c.lateSends++;
    }
    this.sent++;
    return pos;
  }

  /** Books one settled publish: reply receivers and the command latency, or an error (-1). */
  private settle(buf: Buffer, reply: number, sentUs: number, doneUs: number): void {
    const c = this.ctx.counters;
    if (reply < 0) {
      c.publishErrors++;
      // A failed publish did not reach its subscribers as far as anyone can tell: it is an error, not a loss,
      // so it leaves the measured counts. (Should Redis have run it before the connection died, its deliveries
      // show up as more than expected, which the run reports as a warning.)
      if (buf[3] & FLAG_MEASURED) {
        const channel = buf.readUInt32LE(12);
        c.publishedMeasured--;
        c.expectedMeasured -= this.receivers[channel];
        this.ctx.publishedPerChannel[channel]--;
      }
      return;
    }
    if (buf[3] & FLAG_MEASURED) {
      c.publishRepliesMeasured += reply;
      recordUs(this.ctx.publish, doneUs - sentUs);
    }
  }

  /** Time the next message is meant to leave, or -1 when the schedule is over. */
  private nextIntendedUs(schedule: PublishSchedule, now: number): number {
    if (this.ctx.stopPublishing || schedule.finished(this.sent, now)) return -1;
    return schedule.open ? schedule.intendedUs(this.sent) : now;
  }

  private async runAwait(schedule: PublishSchedule): Promise<void> {
    const buf = this.newPayload();
    for (;;) {
      let now = nowUs();
      const intended = this.nextIntendedUs(schedule, now);
      if (intended < 0) return;
      if (intended > now) {
        await sleepUntilUs(intended);
        continue;
      }
      now = nowUs();
      const pos = this.fill(buf, intended, now);
      let reply: number;
      try {
        reply = await this.conn.publish(this.ctx.channelBuffers[this.channels[pos]], buf);
      } catch {
        reply = -1;
      }
      this.settle(buf, reply, now, nowUs());
      if (reply < 0) await sleepUntilUs(nowUs() + ERROR_BACKOFF_US);
    }
  }

  private async runPipeline(schedule: PublishSchedule, batch: number): Promise<void> {
    const payloads: Buffer[] = [];
    for (let i = 0; i < batch; i++) payloads.push(this.newPayload());
    const channelArgs: Buffer[] = new Array(batch);
    const replies = new Float64Array(batch);
    for (;;) {
      let now = nowUs();
      const first = this.nextIntendedUs(schedule, now);
      if (first < 0) return;
      if (first > now) {
        await sleepUntilUs(first);
        continue;
      }
      now = nowUs();
      const n = schedule.open ? schedule.dueCount(this.sent, now, batch) : batch;
      for (let i = 0; i < n; i++) {
        const intended = schedule.open ? schedule.intendedUs(this.sent) : now;
        const pos = this.fill(payloads[i], intended, now);
        channelArgs[i] = this.ctx.channelBuffers[this.channels[pos]];
      }
      let failed: number;
      try {
        failed = await this.conn.publishBatch(channelArgs, payloads, n, replies);
      } catch {
        replies.fill(-1, 0, n);
        failed = n;
      }
      const done = nowUs();
      for (let i = 0; i < n; i++) this.settle(payloads[i], replies[i], now, done);
      if (failed > 0) await sleepUntilUs(done + ERROR_BACKOFF_US);
    }
  }

  private async runAuto(schedule: PublishSchedule, maxInFlight: number): Promise<void> {
    const free: Buffer[] = [];
    let inFlight = 0;
    let failedRecently = false;
    let wake: (() => void) | null = null;
    const onSettled = (buf: Buffer, reply: number, sentUs: number): void => {
      this.settle(buf, reply, sentUs, nowUs());
      if (reply < 0) failedRecently = true;
      free.push(buf);
      inFlight--;
      if (wake) {
        const w = wake;
        wake = null;
        w();
      }
    };
    const waitForSlot = (): Promise<void> => new Promise((resolve) => (wake = resolve));
    for (;;) {
      const now = nowUs();
      const intended = this.nextIntendedUs(schedule, now);
      if (intended < 0) break;
      if (intended > now) {
        await sleepUntilUs(intended);
        continue;
      }
      if (inFlight >= maxInFlight) {
        await waitForSlot();
        continue;
      }
      if (failedRecently) {
        failedRecently = false;
        await sleepUntilUs(nowUs() + ERROR_BACKOFF_US);
        continue;
      }
      const buf = free.pop() ?? this.newPayload();
      const sentUs = nowUs();
      const pos = this.fill(buf, intended, sentUs);
      inFlight++;
      this.conn.publish(this.ctx.channelBuffers[this.channels[pos]], buf).then(
        (reply) => onSettled(buf, reply, sentUs),
        () => onSettled(buf, -1, sentUs),
      );
      // Yield now and then so replies are read while we keep the window full.
      if ((this.sent & 63) === 0) await sleepUntilUs(0);
    }
    while (inFlight > 0) await waitForSlot();
  }
}
