/**
 * One segment's side of the rendezvous (keys of core/segment.ts in the Redis under test, or `--control-target`):
 *
 *   clock offset (TIME) ─▶ plan digest ─▶ ready (subscriptions confirmed) ─▶ barrier: one start time (SET NX)
 *     ─▶ heartbeat + progress every 250 ms: global drain, silent segments, the abort key ─▶ result stored
 *
 * Every wait is bounded; a segment that fails or is interrupted sets the abort key so the others stop too.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { localNowUs, nowUs, setClockShift } from '../core/clock.js';
import { TargetError, UsageError } from '../core/errors.js';
import type { SegmentRequest } from '../core/run.js';
import { segmentKeys } from '../core/segment.js';
import type { TargetSpec } from '../core/target.js';
import { openSegmentStore, type SegmentStore } from '../targets/segment-store.js';
import { digestMismatches, judgeProgress, measureClock, missingSegments, type ClockReading, type SegmentProgress } from './segment-progress.js';

/** TIME round trips per clock reading (the best one counts). */
const CLOCK_SAMPLES = 16;
/** How often a segment polls the barrier and writes its progress. */
const POLL_MS = 250;
/** Lead from the barrier to the first scheduled message: every segment must read the start and tell its workers. */
export const BARRIER_LEAD_US = 1_500_000;
/** A segment that has not written its progress for this long (and is not done) is taken for gone. */
export const SILENT_AFTER_US = 8_000_000;

/** What the barrier records per segment (segmentKeys.ready). */
export interface ReadyEntry {
  host: string;
  clockOffsetUs: number;
  clockUncertaintyUs: number;
}

/** The session of one segment; open it before planning, close it after the result is stored. */
export class SegmentSession {
  readonly host = process.env.POD_NAME || hostname();
  /** The offset reading at the start (applied to every thread's clock) and at the end (drift). */
  clockStart!: ClockReading;
  clockEnd: ClockReading | null = null;
  /** Set by the heartbeat: why another segment stopped the run, and whether the whole run is drained. */
  remoteAbort: string | null = null;
  drained = false;
  /** Local progress, read by the heartbeat (set by executeRun). */
  progress: () => Omit<SegmentProgress, 'atUs' | 'done'> = () => ({ publishingDone: false, expected: 0, delivered: 0 });
  private heartbeat: Promise<void> | null = null;
  private stopHeartbeat = false;
  private startUs = 0;
  private abortSent = false;

  private constructor(readonly req: SegmentRequest, private readonly store: SegmentStore, readonly skewUs: number) {}

  /** Connects to the rendezvous node and reads the clock offset (every later nowUs() of this thread is server time). */
  static async open(req: SegmentRequest, target: TargetSpec, connectTimeoutMs: number, skewUs: number): Promise<SegmentSession> {
    const store = await openSegmentStore(req.controlTarget ?? target, req.runId, connectTimeoutMs);
    const session = new SegmentSession(req, store, skewUs);
    try {
      setClockShift(0, skewUs);
      session.clockStart = await measureClock(localNowUs, () => store.timeUs(), CLOCK_SAMPLES);
      setClockShift(session.clockStart.offsetUs, skewUs);
      return session;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  private get label(): string {
    return `segment ${this.req.index}/${this.req.count}`;
  }

  /** Registers this segment's plan digest and refuses a run whose segments disagree (exit 2). */
  async checkDigest(digest: string): Promise<void> {
    await this.store.hset(segmentKeys.digests(this.req.runId), String(this.req.index), digest);
    await this.refuseMismatch(digest);
  }

  private async refuseMismatch(digest: string): Promise<void> {
    const bad = digestMismatches(await this.store.hgetall(segmentKeys.digests(this.req.runId)), digest);
    if (bad.length === 0) return;
    const reason = `plan digest of segment(s) ${bad.join(', ')} differs from ${this.label}'s (${digest})`;
    await this.abort(reason);
    throw new UsageError([{
      field: '--segment', message: `${reason}: the segments of run ${this.req.runId} run different scenarios, flags or harness versions`,
      hint: 'give every segment the same scenario, flags, --segment count and image, or a new --run-id',
    }], 'Segments disagree');
  }

  /**
   * Says this segment's subscriptions are confirmed and waits until every segment's are; returns the common start
   * (common time base, epoch µs). Refuses a digest mismatch, stops on the abort key, and names the missing segments
   * when `barrierTimeoutMs` passes (exit 3).
   */
  async barrier(digest: string, signal: AbortSignal | undefined): Promise<number> {
    const { runId, count, barrierTimeoutMs } = this.req;
    const entry: ReadyEntry = { host: this.host, clockOffsetUs: this.clockStart.offsetUs, clockUncertaintyUs: this.clockStart.uncertaintyUs };
    await this.store.hset(segmentKeys.ready(runId), String(this.req.index), JSON.stringify(entry));
    const deadline = Date.now() + barrierTimeoutMs;
    for (;;) {
      if (signal?.aborted) throw new TargetError(`Interrupted at the start barrier of run ${runId} (${this.label}).`);
      const aborted = await this.store.get(segmentKeys.abort(runId));
      if (aborted !== null) throw new TargetError(`Run ${runId} was aborted before it started: ${aborted}`);
      await this.refuseMismatch(digest);
      const missing = missingSegments(await this.store.hgetall(segmentKeys.ready(runId)), count);
      if (missing.length === 0) break;
      if (Date.now() >= deadline) {
        const reason = `${this.label} waited ${barrierTimeoutMs} ms at the start barrier; missing segment(s): ${missing.join(', ')}`;
        await this.abort(reason);
        throw new TargetError(`${reason}. Hint: start every segment of run ${runId} (indexes 0 to ${count - 1}), or give --barrier-timeout more time.`);
      }
      await sleep(POLL_MS);
    }
    // The first segment that sees everyone ready sets the start; the others read it.
    await this.store.setIfAbsent(segmentKeys.start(runId), String(Math.round(nowUs() + BARRIER_LEAD_US)));
    const start = Number(await this.store.get(segmentKeys.start(runId)));
    if (!Number.isFinite(start)) throw new TargetError(`Run ${runId}: the start key holds no time.`);
    this.startUs = start;
    return start;
  }

  /** Starts writing this segment's progress and reading everyone's (drain, silence, abort) every 250 ms. */
  startHeartbeat(): void {
    this.heartbeat ??= (async () => {
      while (!this.stopHeartbeat) {
        await this.beat(false).catch(() => undefined);
        await sleep(POLL_MS);
      }
    })();
  }

  private async beat(done: boolean): Promise<void> {
    const { runId, count, index } = this.req;
    const mine: SegmentProgress = { ...this.progress(), atUs: nowUs(), done };
    await this.store.hset(segmentKeys.progress(runId), String(index), JSON.stringify(mine));
    if (done) return;
    const [abort, hash] = await Promise.all([this.store.get(segmentKeys.abort(runId)), this.store.hgetall(segmentKeys.progress(runId))]);
    const judged = judgeProgress(hash, count, nowUs(), this.startUs, SILENT_AFTER_US);
    this.drained = judged.drained;
    if (abort !== null && !this.abortSent) this.remoteAbort ??= abort;
    const silent = judged.silent.filter((i) => i !== index);
    if (silent.length > 0 && this.remoteAbort === null) {
      const reason = `segment(s) ${silent.join(', ')} stopped reporting for over ${SILENT_AFTER_US / 1e6} s (seen by ${this.label})`;
      this.remoteAbort = reason;
      await this.abort(reason);
    }
  }

  /** Stops the heartbeat after a last write marking this segment done. */
  async finishHeartbeat(): Promise<void> {
    this.stopHeartbeat = true;
    await this.heartbeat;
    this.heartbeat = null;
    await this.beat(true).catch(() => undefined);
  }

  /** Sets the abort key (first reason wins) so the other segments stop. Never throws. */
  async abort(reason: string): Promise<void> {
    this.abortSent = true;
    await this.store.setIfAbsent(segmentKeys.abort(this.req.runId), `${this.label} on ${this.host}: ${reason}`).catch(() => false);
  }

  /** Reads the clock offset again, for drift (the clock shift stays as it was). */
  async measureEnd(): Promise<void> {
    this.clockEnd = await measureClock(localNowUs, () => this.store.timeUs(), CLOCK_SAMPLES).catch(() => null);
  }

  /** Stores this segment's result.json for `merge --from-redis`. */
  async storeResult(json: string): Promise<void> {
    await this.store.set(segmentKeys.result(this.req.runId, this.req.index), json);
  }

  get node(): string {
    return this.store.node;
  }

  async close(): Promise<void> {
    this.stopHeartbeat = true;
    await this.heartbeat;
    await this.store.close().catch(() => undefined);
  }
}
