/**
 * The coordinator's pure merge of worker snapshots: counters are added, encoded histograms are added bucket by
 * bucket, and percentiles are computed once from the merged data (never averaged across workers or intervals).
 *
 * Ownership: the aggregator owns every histogram it creates (whole-run and per timeline bucket). The objects
 * returned by {@link RunAggregator.histograms} stay owned by it: read or encode them, never destroy them, and do
 * not use them after {@link RunAggregator.destroy}.
 */
import { addCounters, zeroCounters, type Counters, type ViolationExample, type WorkerMessage } from '../core/messages.js';
import type { Phase, RunSummary, TimelineEntry } from '../core/result.js';
import { createHistogram, mergeEncoded, mergeEncodedInto, summarizeHistogram, type Histogram } from './histogram.js';
import { BucketMemory, type ProcessMemorySample } from './memory.js';
import { ErrorTextTally } from './error-texts.js';

/** A worker's periodic snapshot message. */
export type SnapshotMessage = Extract<WorkerMessage, { type: 'snapshot' }>;

/** Times and settings of the run the aggregator serves. All times are epoch µs on the shared clock. */
export interface AggregatorOptions {
  /** Start of the open-loop schedule (warmup begins): timeline time 0. */
  scheduleStartUs: number;
  measureStartUs: number;
  /** End of the measure phase; may be moved earlier later with {@link RunAggregator.setMeasureEndUs}. */
  measureEndUs: number;
  /** Timeline bucket width (normally the snapshot interval, 1000 ms). */
  intervalMs: number;
  /** Offered open-loop rate (msgs/s), or null at --rate max. */
  targetRate: number | null;
  /**
   * The offered load when it changes over time (a load profile, see load/profile.ts `RateCurve`): timeline
   * targets and the summary's target rate follow it, and `targetRate` is not used.
   */
  offeredLoad?: OfferedLoad;
}

/** An open-loop load that varies over time; times are epoch µs on the shared clock. */
export interface OfferedLoad {
  /** Total rate (msgs/s) in force at `us`. */
  rateAt(us: number): number;
  /** Messages the schedule intends before `us` (from any fixed origin: only differences are used). */
  countAt(us: number): number;
}

/** How many violation examples the run keeps (the first ones, in arrival order). */
export const MAX_VIOLATION_EXAMPLES = 50;

/** What one worker contributed to one bucket, so rates use that worker's own covered time. */
interface WorkerSpan {
  fromUs: number;
  toUs: number;
  published: number;
  received: number;
  /** Busy time of that worker's event loop (utilisation × snapshot length), µs. */
  busyUs: number;
}

/** One timeline bucket: every snapshot whose midpoint falls in [index, index + 1) × interval. */
interface Bucket {
  index: number;
  /** Earliest start and latest end of the snapshots in it (µs). */
  fromUs: number;
  toUs: number;
  counters: Counters;
  perWorker: Map<number, WorkerSpan>;
  /**
   * End-to-end (corrected) histograms of the bucket's snapshots, still encoded: a decoded WASM histogram is some
   * 200 KB, and keeping one per interval grew a 10-minute run's RSS by 100 MB. Decoded only to build its entry.
   */
  e2eEncoded: string[];
  maxEventLoopDelayP99Us: number;
  memory: BucketMemory;
  /** Entry computed by the last timeline() call; cleared when a snapshot lands in the bucket. */
  cached: TimelineEntry | null;
}

/** Merges worker snapshots into run totals, per-worker totals, whole-run histograms and a timeline. */
export class RunAggregator {
  private readonly opts: AggregatorOptions;
  private readonly intervalUs: number;
  private readonly total = zeroCounters();
  private readonly perWorker = new Map<number, Counters>();
  private readonly buckets = new Map<number, Bucket>();
  private readonly violationExamples: ViolationExample[] = [];
  private readonly publishErrorTexts = new ErrorTextTally();
  private readonly whole: { endToEnd: Histogram; endToEndUncorrected: Histogram; publish: Histogram };
  private destroyed = false;

  constructor(opts: AggregatorOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    this.opts = { ...opts };
    this.intervalUs = opts.intervalMs * 1000;
    this.whole = { endToEnd: createHistogram(), endToEndUncorrected: createHistogram(), publish: createHistogram() };
  }

  /** Moves the end of the measure phase (an interrupted run stops early); phases are recomputed. */
  setMeasureEndUs(measureEndUs: number): void {
    this.opts.measureEndUs = measureEndUs;
    for (const b of this.buckets.values()) b.cached = null;
  }

  /**
   * Adds one snapshot. Snapshots may arrive in any order; several may fall into one bucket.
   * @param main the coordinator's memory sample taken as the snapshot arrived (leaves the entry's RSS out when absent)
   */
  addSnapshot(s: SnapshotMessage, main?: ProcessMemorySample): void {
    this.assertAlive();
    addCounters(this.total, s.counters);
    this.publishErrorTexts.addAll(s.publishErrorTexts);
    let w = this.perWorker.get(s.workerId);
    if (w === undefined) this.perWorker.set(s.workerId, (w = zeroCounters()));
    addCounters(w, s.counters);
    // Workers record measured messages only, so the snapshot histograms add straight into the whole-run ones.
    mergeEncodedInto(this.whole.endToEnd, s.histograms.endToEnd);
    mergeEncodedInto(this.whole.endToEndUncorrected, s.histograms.endToEndUncorrected);
    mergeEncodedInto(this.whole.publish, s.histograms.publish);

    // By the snapshot's midpoint: its ends sit on interval boundaries give or take timer jitter, so either end
    // could land in a neighbouring bucket and leave a false empty interval in the timeline.
    const b = this.bucketFor((s.fromUs + s.toUs) / 2);
    b.fromUs = Math.min(b.fromUs, s.fromUs);
    b.toUs = Math.max(b.toUs, s.toUs);
    addCounters(b.counters, s.counters);
    if (s.histograms.endToEnd !== '') b.e2eEncoded.push(s.histograms.endToEnd);
    b.maxEventLoopDelayP99Us = Math.max(b.maxEventLoopDelayP99Us, s.health.eventLoopDelayP99Us);
    b.memory.add(s.workerId, s.health.heapUsedBytes, main);
    let span = b.perWorker.get(s.workerId);
    if (span === undefined) {
      span = { fromUs: s.fromUs, toUs: s.toUs, published: 0, received: 0, busyUs: 0 };
      b.perWorker.set(s.workerId, span);
    }
    span.fromUs = Math.min(span.fromUs, s.fromUs);
    span.toUs = Math.max(span.toUs, s.toUs);
    span.published += s.counters.published;
    span.received += s.counters.received;
    // Utilisation is weighted by time: a 100 ms drain snapshot taken while busy must not count as a busy second.
    span.busyUs += s.health.eventLoopUtilization * (s.toUs - s.fromUs);
    b.cached = null;

    for (const v of s.violations) {
      if (this.violationExamples.length >= MAX_VIOLATION_EXAMPLES) break;
      this.violationExamples.push(v);
    }
  }

  /**
   * The timeline, oldest bucket first. Entries of buckets that got no snapshot since the last call are reused, so
   * calling this every second (the progress line) does not re-encode the whole run. Entries are fresh copies.
   */
  timeline(): TimelineEntry[] {
    this.assertAlive();
    const sorted = [...this.buckets.values()].sort((a, b) => a.index - b.index);
    return sorted.map((b) => ({ ...(b.cached ??= this.entryOf(b)) }));
  }

  /** Counter totals over the whole run (every phase), a copy. */
  totals(): Counters {
    return addCounters(zeroCounters(), this.total);
  }

  /** Counter totals per worker id over the whole run, copies. */
  workerTotals(): Map<number, Counters> {
    const out = new Map<number, Counters>();
    for (const [id, c] of this.perWorker) out.set(id, addCounters(zeroCounters(), c));
    return out;
  }

  /** The merged whole-run (measure-only) histograms; still owned by the aggregator (see the file comment). */
  histograms(): { endToEnd: Histogram; endToEndUncorrected: Histogram; publish: Histogram } {
    this.assertAlive();
    return { ...this.whole };
  }

  /** The first {@link MAX_VIOLATION_EXAMPLES} violation examples, in arrival order (a copy). */
  examples(): ViolationExample[] {
    return [...this.violationExamples];
  }

  /**
   * Final numbers. published / expected / delivered and the rates use the measured counters; duplicates,
   * reordered, gaps, errors and connection events are whole-run totals, because workers count them per interval
   * without splitting by phase (the timeline shows when they happened). Late sends are measured messages only, failed
   * ones included: a share of them is a share of published + publish errors, never of published alone.
   *
   * @param measureMs length of the measure phase actually run
   * @param publishRepliesComparable whether PUBLISH replies count every receiver (single node, or sharded pub/sub);
   *   when not, publishReplyReceivers is null
   */
  summary(measureMs: number, publishRepliesComparable: boolean, churn?: { reconnect: boolean }): RunSummary {
    this.assertAlive();
    const t = this.total;
    const measureS = measureMs / 1000;
    const perS = (n: number): number => (measureS > 0 ? n / measureS : 0);
    return {
      published: t.publishedMeasured,
      expectedDeliveries: t.expectedMeasured,
      delivered: t.deliveredMeasured,
      lost: Math.max(0, t.expectedMeasured - t.deliveredMeasured),
      duplicates: t.duplicates,
      reordered: t.reordered,
      gaps: t.gaps,
      gapMessages: t.gapMessages,
      malformed: t.malformed,
      publishErrors: t.publishErrors,
      ...(t.publishErrors > 0 && this.publishErrorTexts.list() ? { publishErrorTexts: this.publishErrorTexts.list() } : {}),
      lateSends: t.lateSends,
      unsent: t.unsentMeasured,
      topologyEvents: t.topologyEvents,
      disconnects: t.disconnects,
      reconnects: t.reconnects,
      ...(churn ? { churn: { events: t.churnEvents, excludedDeliveries: t.churnExcluded, reconnect: churn.reconnect } } : {}),
      publishReplyReceivers: publishRepliesComparable ? t.publishRepliesMeasured : null,
      publishRate: perS(t.publishedMeasured),
      deliveryRate: perS(t.deliveredMeasured),
      targetRate: this.offeredRate(this.opts.measureStartUs, this.opts.measureEndUs) ?? this.opts.targetRate,
      latencyUs: {
        endToEnd: summarizeHistogram(this.whole.endToEnd),
        endToEndUncorrected: summarizeHistogram(this.whole.endToEndUncorrected),
        publish: summarizeHistogram(this.whole.publish),
      },
    };
  }

  /** Frees every histogram (WASM memory). Idempotent; the aggregator is unusable afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.whole.endToEnd.destroy();
    this.whole.endToEndUncorrected.destroy();
    this.whole.publish.destroy();
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error('RunAggregator used after destroy()');
  }

  private bucketFor(fromUs: number): Bucket {
    const index = Math.floor((fromUs - this.opts.scheduleStartUs) / this.intervalUs);
    let b = this.buckets.get(index);
    if (b === undefined) {
      b = {
        index, fromUs, toUs: fromUs, counters: zeroCounters(), perWorker: new Map(), e2eEncoded: [],
        maxEventLoopDelayP99Us: 0, memory: new BucketMemory(), cached: null,
      };
      this.buckets.set(index, b);
    }
    return b;
  }

  /**
   * Mean offered rate (msgs/s) over [fromUs, toUs] under a load profile, or null without one. Nothing is offered
   * after the measure phase ends (publishing stops there), so a span reaching into the drain averages in zeros.
   */
  private offeredRate(fromUs: number, toUs: number): number | null {
    const load = this.opts.offeredLoad;
    if (!load) return null;
    const end = this.opts.measureEndUs;
    if (toUs <= fromUs) return fromUs < end ? load.rateAt(fromUs) : 0;
    return ((load.countAt(Math.min(toUs, end)) - load.countAt(Math.min(fromUs, end))) / (toUs - fromUs)) * 1e6;
  }

  private phaseAt(us: number): Phase {
    if (us < this.opts.measureStartUs) return 'warmup';
    return us > this.opts.measureEndUs ? 'drain' : 'measure';
  }

  private entryOf(b: Bucket): TimelineEntry {
    const start = this.opts.scheduleStartUs;
    // The covered span (not the nominal bucket) places and labels the entry: a worker's snapshot that starts late
    // in one bucket covers mostly the next interval, and its phase should say so.
    const phase = this.phaseAt((b.fromUs + b.toUs) / 2);
    // Rates add each worker's own rate over its own covered time, so workers whose snapshot boundaries are not
    // aligned do not dilute each other. A zero-length span counts as 1 ms rather than dividing by zero.
    let publishedPerS = 0;
    let receivedPerS = 0;
    for (const span of b.perWorker.values()) {
      const seconds = Math.max(span.toUs - span.fromUs, 1000) / 1e6;
      publishedPerS += span.published / seconds;
      receivedPerS += span.received / seconds;
    }
    const { summary: e2e, encoded } = mergeEncoded(b.e2eEncoded);
    const c = b.counters;
    const target = this.opts.targetRate;
    const offered = this.offeredRate(b.fromUs, b.toUs);
    return {
      fromMs: (b.fromUs - start) / 1000,
      toMs: (b.toUs - start) / 1000,
      phase,
      publishedPerS,
      receivedPerS,
      targetPerS: offered ?? (target === null ? null : phase === 'drain' ? 0 : target),
      e2eP50Us: e2e?.p50 ?? null,
      e2eP99Us: e2e?.p99 ?? null,
      e2eMaxUs: e2e?.max ?? null,
      publishErrors: c.publishErrors,
      lateSends: c.lateSends,
      duplicates: c.duplicates,
      reordered: c.reordered,
      gapMessages: c.gapMessages,
      disconnects: c.disconnects,
      reconnects: c.reconnects,
      malformed: c.malformed,
      ...(c.topologyEvents > 0 ? { topologyEvents: c.topologyEvents } : {}),
      ...(c.churnEvents > 0 ? { churnEvents: c.churnEvents } : {}),
      maxEventLoopUtilization: busiestWorker(b),
      maxEventLoopDelayP99Us: b.maxEventLoopDelayP99Us,
      ...b.memory.fields(),
      e2eHistogram: encoded,
    };
  }
}

/** The highest time-weighted event-loop utilisation of any worker over the bucket (0..1). */
function busiestWorker(b: Bucket): number {
  let max = 0;
  for (const span of b.perWorker.values()) {
    const spanUs = span.toUs - span.fromUs;
    if (spanUs > 0) max = Math.max(max, Math.min(1, span.busyUs / spanUs));
  }
  return max;
}
