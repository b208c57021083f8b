/**
 * Messages between the coordinator (main thread) and worker threads. Every message carries `type` and `v`.
 * Histograms cross threads encoded (HdrHistogram compressed base64); percentiles are computed once, in the coordinator.
 */
import type { Scenario } from './scenario.js';
import type { TargetSpec } from './target.js';

/** Version of the worker message protocol; bump on any shape change. The coordinator refuses other versions. */
export const WORKER_PROTOCOL_VERSION = 4;

/** One publisher this worker runs. */
export interface PublisherAssignment {
  /** Global publisher id (0..P-1), written into every envelope. */
  publisherId: number;
  /** Channel indexes this publisher writes to, round-robin. */
  channels: number[];
  /** Messages per second for this publisher, or 'max'. */
  rate: number | 'max';
  /** Offset of this publisher's schedule from the common start, spreading publishers evenly (µs). */
  phaseOffsetUs: number;
  /**
   * Channel skew: relative weight per entry of `channels` (its share of this publisher's messages), walked as a
   * precomputed cycle (src/load/skew.ts channelCycle). Absent: plain round-robin.
   */
  channelWeights?: number[];
}

/** One subscriber connection this worker runs. */
export interface SubscriberAssignment {
  /** Global subscriber id (0..S-1). */
  subscriberId: number;
  /** Channel indexes to SUBSCRIBE / SSUBSCRIBE. */
  channels: number[];
  /** Patterns to PSUBSCRIBE. */
  patterns: string[];
  /** A slow consumer on purpose: µs it spends on each delivery (`slowSubscribers`); absent: as fast as it can. */
  slowUs?: number;
}

/** Everything one worker thread needs for its single long task. */
export interface WorkerTask {
  v: number;
  workerId: number;
  /** Random tag of this run, written into envelopes so foreign and stale messages are recognised. */
  runTag: number;
  scenario: Scenario;
  target: TargetSpec;
  /** Channel names, index = channel index. */
  channelNames: string[];
  /** For each channel index, how many subscriptions in the whole plan receive it (channel + pattern matches). */
  receiversPerChannel: number[];
  publishers: PublisherAssignment[];
  subscribers: SubscriberAssignment[];
  /** Background patterns this worker PSUBSCRIBEs on one extra connection (they match nothing); absent: none. */
  backgroundPatterns?: string[];
  /** Snapshot interval (ms). */
  intervalMs: number;
  /** Connect timeout (ms). */
  connectTimeoutMs: number;
  /**
   * Set in a segment of a distributed run: which segment this is (publisher p belongs to segment p mod count), and
   * the clock shift every thread applies (core/clock.ts setClockShift: the measured server offset, plus the test
   * hook's skew) so that all segments stamp and read times in the server's time base.
   */
  segment?: { index: number; count: number; clockOffsetUs: number; clockSkewUs: number };
}

/**
 * What a segment's worker adds to its final snapshot, over the whole measure phase: deliveries by the publisher's
 * segment, end-to-end histograms split into same-segment and cross-segment publishers, and negative latencies.
 */
export interface SegmentDeliveries {
  /** Index = publisher segment. */
  deliveredFromSegment: number[];
  /** HdrHistogram compressed base64 (µs), '' when empty. */
  same: string;
  cross: string;
  /** Deliveries whose corrected latency came out negative (recorded as 0 in the histograms). */
  negativeLatencies: number;
}

/** Coordinator → worker. */
export type ControlMessage =
  | {
      type: 'start';
      v: number;
      /** Epoch µs (shared clock) at which the schedule starts; warmup runs [startUs, measureStartUs). */
      startUs: number;
      measureStartUs: number;
      /** Publishing stops here; then drain. */
      measureEndUs: number;
    }
  /** Send snapshots every `intervalMs` from now on (faster during the drain). */
  | { type: 'interval'; v: number; intervalMs: number }
  /** Stop publishing now (interrupt). */
  | { type: 'stop-publishing'; v: number }
  /** Send a last snapshot, close connections and finish the task. */
  | { type: 'finish'; v: number };

/** Counters a worker accumulates over one snapshot interval (all are deltas for that interval). */
export interface Counters {
  /** Messages sent (all phases). */
  published: number;
  /** Messages sent whose intended time lies in the measure phase. */
  publishedMeasured: number;
  /** Deliveries the plan expects for the measured messages sent (Σ receivers of their channel). */
  expectedMeasured: number;
  /** Sum of PUBLISH/SPUBLISH replies (receiver counts reported by Redis) for measured messages. */
  publishRepliesMeasured: number;
  /**
   * Measured messages the open-loop schedule wanted sent before the end of the measure phase that never left,
   * because the publisher was still behind when the phase ended (the offered load was not delivered).
   */
  unsentMeasured: number;
  /** Publish commands that failed. */
  publishErrors: number;
  /** Measured messages that left later than their intended time by more than the late threshold (5 ms). */
  lateSends: number;
  /** Deliveries received (all phases, including duplicates). */
  received: number;
  /** Unique deliveries of measured messages (duplicates excluded). */
  deliveredMeasured: number;
  /** Deliveries whose payload is not a valid envelope of this run. */
  malformed: number;
  /** Ordering outcomes (measured and warmup messages alike). */
  inOrder: number;
  duplicates: number;
  reordered: number;
  /** Gap events and the number of messages skipped by them. */
  gaps: number;
  gapMessages: number;
  /** Cluster redirections (MOVED, ASK) and slot-map refreshes seen by the connections. */
  topologyEvents: number;
  /** Connection losses and reconnects seen. */
  disconnects: number;
  reconnects: number;
  /** Churn events completed (`--subscriber-churn`: an unsubscribe + subscribe, or a reconnect, of one subscriber). */
  churnEvents: number;
  /**
   * Measured deliveries taken out of `expectedMeasured` because they were published while their subscriber was
   * unsubscribed (between two subscription windows, src/metrics/windows.ts); already subtracted there.
   */
  churnExcluded: number;
}

/** One example of an ordering violation. */
export interface ViolationExample {
  kind: 'duplicate' | 'reordered' | 'gap';
  subscriberId: number;
  /** Channel index and name of the message. */
  channel: number;
  /** Pattern, when delivered through a pattern subscription. */
  pattern?: string;
  publisherId: number;
  expectedSeq: number;
  gotSeq: number;
  /** Epoch µs when it was seen. */
  atUs: number;
}

/** A connection loss and its recovery, with the messages it cost. */
export interface OutageEvent {
  role: 'subscriber' | 'publisher';
  /** Subscriber or publisher id. */
  id: number;
  /** Why, in plain words (server closed the connection, error text, timeout). */
  cause: string;
  /** Epoch µs when the loss was seen. */
  atUs: number;
  /** Time until the connection was usable again (subscribers: resubscribed), ms; null if it never came back. */
  durationMs: number | null;
  /** Messages the sequence gaps after recovery show were missed while it was down (subscribers only). */
  lostMessages: number;
}

/** Failures that share one error text (`NOPERM …`, `connection lost: …`), and how many there were. */
export interface ErrorTextCount {
  text: string;
  count: number;
}

/** Harness health of one worker thread over an interval. */
export interface WorkerHealth {
  /** Event-loop utilisation 0..1 (busy share of the thread). */
  eventLoopUtilization: number;
  /**
   * Event-loop delay, µs: how late the loop ran a timer beyond its period (the monitor's sampling period is taken
   * out, so an idle thread shows about 0, not the period).
   */
  eventLoopDelayP99Us: number;
  eventLoopDelayMaxUs: number;
  /**
   * V8 heap used by this worker thread's isolate (v8.getHeapStatistics().used_heap_size), bytes. Optional so the
   * message keeps its shape for readers that do not know it; the coordinator treats a missing value as unknown.
   */
  heapUsedBytes?: number;
}

/** Encoded histograms of one interval (HdrHistogram compressed base64; empty string when nothing was recorded). */
export interface EncodedHistograms {
  /** End-to-end latency from the intended send time (coordinated-omission corrected). */
  endToEnd: string;
  /** End-to-end latency from the actual send time. */
  endToEndUncorrected: string;
  /** Publish command latency: reply time − actual send time. */
  publish: string;
}

/** Worker → coordinator. */
export type WorkerMessage =
  | {
      type: 'snapshot';
      v: number;
      workerId: number;
      /** Snapshot sequence number within this worker (0, 1, 2, …). */
      seq: number;
      fromUs: number;
      toUs: number;
      counters: Counters;
      /** Histograms of measured messages only (warmup excluded). */
      histograms: EncodedHistograms;
      health: WorkerHealth;
      /** New violation examples since the last snapshot (bounded per worker). */
      violations: ViolationExample[];
      /** Measured messages published and unique measured deliveries per channel index; final snapshot only. */
      perChannel?: { published: number[]; delivered: number[] };
      /**
       * The interval's failed publishes by error text (first few distinct texts; Σ counts = counters.publishErrors).
       * Absent when none failed.
       */
      publishErrorTexts?: ErrorTextCount[];
      /** Connection outages, sent complete with the final snapshot only (their loss is attributed until the end). */
      outages: OutageEvent[];
      /** True once every publisher of this worker has sent its last message (counters then hold all of them). */
      publishingDone: boolean;
      /** True on the last snapshot of the task. */
      final: boolean;
      /** A segment's split of the deliveries (final snapshot of a segment's worker only). */
      segment?: SegmentDeliveries;
    }
  /**
   * All connections are up and every subscription is confirmed. `confirmedSubscriptions` (channels + patterns) is
   * checked against the plan's count, so a data path that confirms less than it was asked fails the run.
   */
  | { type: 'ready'; v: number; workerId: number; confirmedSubscriptions: number }
  /**
   * Something went wrong that ends this worker. `exitCode` is one of ExitCode (src/core/errors.ts): `target` (3) for
   * a refused connection, authentication or subscription, `internal` (1) for a bug in the harness, whose `stack` is
   * kept for the run's error log.
   */
  | { type: 'fatal'; v: number; workerId: number; exitCode: number; message: string; stack?: string };

/** Returns counters with every field zero. */
export function zeroCounters(): Counters {
  return {
    published: 0, publishedMeasured: 0, unsentMeasured: 0, expectedMeasured: 0, publishRepliesMeasured: 0, publishErrors: 0,
    lateSends: 0, received: 0, deliveredMeasured: 0, malformed: 0, inOrder: 0, duplicates: 0, reordered: 0,
    gaps: 0, gapMessages: 0, topologyEvents: 0, disconnects: 0, reconnects: 0, churnEvents: 0, churnExcluded: 0,
  };
}

/** Adds `b` into `a` field by field. */
export function addCounters(a: Counters, b: Counters): Counters {
  for (const key of Object.keys(a) as Array<keyof Counters>) a[key] += b[key];
  return a;
}
