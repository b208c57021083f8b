/**
 * Hands each completed interval of a running run to the request's live sinks (reporting/live/), once and in order.
 *
 * An interval is complete when every worker still alive has sent a snapshot that lies past it: a worker's snapshots
 * are contiguous and in order, so nothing more can land in it. At the end of the run (every final snapshot in, or
 * the wait given up) the rest is flushed. Buckets are placed exactly as RunAggregator places them (by the snapshot's
 * midpoint), so the aggregator's timeline, sorted by bucket, lines up with the bucket numbers kept here.
 */
import { addCounters, zeroCounters, type Counters } from '../core/messages.js';
import { LIVE_INTERVAL_VERSION, type LiveCounts, type LiveSink } from '../core/live.js';
import type { TimelineEntry } from '../core/result.js';
import type { SnapshotMessage } from '../metrics/aggregate.js';

/** What the emitter needs from its run. */
export interface LiveIntervalsOptions {
  runId: string;
  scenario: string;
  variant: string;
  /** Workers the run started (ids 0 … workers − 1). */
  workers: number;
  /** A worker that failed sends nothing more and is not waited for. */
  isGone: (workerId: number) => boolean;
  /** Schedule start (epoch µs) and bucket width: the aggregator's own. */
  scheduleStartUs: number;
  intervalMs: number;
  /** The live aggregator's timeline (one entry per bucket, oldest first). */
  timeline: () => TimelineEntry[];
  sinks: readonly LiveSink[];
  /** A sink threw: it is dropped, the run goes on. */
  onSinkError: (err: unknown) => void;
}

/** Tracks which timeline buckets are complete and emits them. */
export class LiveIntervals {
  private readonly sinks: LiveSink[];
  /** Latest bucket each worker sent a snapshot into. */
  private readonly latest = new Map<number, number>();
  /** Every bucket seen, ascending: position k is the aggregator's timeline()[k]. */
  private readonly buckets: number[] = [];
  /** Counters of buckets not emitted yet. */
  private readonly pending = new Map<number, Counters>();
  /** How many of `buckets` were emitted (always a prefix). */
  private emitted = 0;
  private readonly totals = zeroCounters();
  /** Counts of a snapshot that landed in a bucket already emitted: added to the next line. */
  private carry = zeroCounters();

  constructor(private readonly o: LiveIntervalsOptions) {
    this.sinks = [...o.sinks];
  }

  /** Takes a snapshot the aggregator has already added; emits whatever it completed. */
  add(s: SnapshotMessage): void {
    const bucket = Math.floor(((s.fromUs + s.toUs) / 2 - this.o.scheduleStartUs) / (this.o.intervalMs * 1000));
    this.latest.set(s.workerId, Math.max(this.latest.get(s.workerId) ?? -Infinity, bucket));
    let c = this.pending.get(bucket);
    if (c === undefined) {
      if (this.emitted > 0 && bucket <= this.buckets[this.emitted - 1]) {
        // Cannot happen with contiguous snapshots; if it does, its counts go into the next line rather than vanish.
        c = this.carry;
      } else {
        this.pending.set(bucket, (c = zeroCounters()));
        this.insert(bucket);
      }
    }
    addCounters(c, s.counters);
    this.emitBefore(this.watermark());
  }

  /** Emits every bucket not emitted yet: the run is over. */
  flush(): void {
    this.emitBefore(Infinity);
  }

  /** Buckets below this are complete: the lowest latest bucket over live workers (−∞ while one has sent nothing). */
  private watermark(): number {
    let low = Infinity;
    for (let id = 0; id < this.o.workers; id++) {
      if (this.o.isGone(id)) continue;
      const l = this.latest.get(id);
      if (l === undefined) return -Infinity;
      low = Math.min(low, l);
    }
    return low;
  }

  private emitBefore(limit: number): void {
    if (this.emitted >= this.buckets.length || this.buckets[this.emitted] >= limit || this.sinks.length === 0) return;
    // One timeline() per emission round (about once an interval), not per snapshot: it copies every entry.
    const timeline = this.o.timeline();
    while (this.emitted < this.buckets.length && this.buckets[this.emitted] < limit) {
      const bucket = this.buckets[this.emitted];
      const entry = timeline[this.emitted];
      const c = addCounters(this.pending.get(bucket) ?? zeroCounters(), this.carry);
      this.pending.delete(bucket);
      this.carry = zeroCounters();
      addCounters(this.totals, c);
      const { e2eHistogram: _, ...fields } = entry;
      const t = this.totals;
      this.send({
        v: LIVE_INTERVAL_VERSION, runId: this.o.runId, scenario: this.o.scenario, variant: this.o.variant,
        seq: this.emitted, emittedAtMs: Date.now(), ...fields,
        counts: liveCounts(c),
        totals: { ...liveCounts(t), lostMeasured: Math.max(0, t.expectedMeasured - t.deliveredMeasured) },
      });
      this.emitted++;
    }
  }

  private send(i: Parameters<LiveSink['interval']>[0]): void {
    for (const sink of [...this.sinks]) {
      try {
        sink.interval(i);
      } catch (err) {
        this.sinks.splice(this.sinks.indexOf(sink), 1);
        this.o.onSinkError(err);
      }
    }
  }

  private insert(bucket: number): void {
    let k = this.buckets.length;
    while (k > 0 && this.buckets[k - 1] > bucket) k--;
    this.buckets.splice(k, 0, bucket);
  }
}

function liveCounts(c: Counters): LiveCounts {
  return {
    published: c.published, received: c.received, publishedMeasured: c.publishedMeasured, expectedMeasured: c.expectedMeasured,
    deliveredMeasured: c.deliveredMeasured, publishErrors: c.publishErrors, disconnects: c.disconnects, reconnects: c.reconnects,
  };
}
