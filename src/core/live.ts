/**
 * Live metrics: what the coordinator hands to sinks (an NDJSON file, a Prometheus endpoint) once per completed
 * interval, while the run goes on. result.json stays the source of truth; these are a view of it as it grows.
 */
import type { TimelineEntry } from './result.js';

/** Version of the {@link LiveInterval} shape: an NDJSON reader checks it before trusting the fields. */
export const LIVE_INTERVAL_VERSION = 1;

/** Counts of messages, summed over workers. The `*Measured` ones are the measure phase's (what the summary counts). */
export interface LiveCounts {
  /** Messages sent (all phases). */
  published: number;
  /** Deliveries received (all phases, duplicates included). */
  received: number;
  /** Messages sent whose intended time lies in the measure phase. */
  publishedMeasured: number;
  /** Deliveries the plan expects for those. */
  expectedMeasured: number;
  /** Unique deliveries of measured messages. */
  deliveredMeasured: number;
  publishErrors: number;
  disconnects: number;
  reconnects: number;
}

/**
 * One completed interval of a run: its timeline entry (without the encoded histogram), what happened in it, and the
 * running totals up to and including it. Emitted once, in order, when every live worker's snapshots for it are in.
 */
export interface LiveInterval extends Omit<TimelineEntry, 'e2eHistogram'> {
  v: typeof LIVE_INTERVAL_VERSION;
  /** The run's id (its folder name under --out). */
  runId: string;
  /** Scenario name. */
  scenario: string;
  /** The run's label in a series (a matrix variant, "run 2 of 5"); '' for a run outside a series. */
  variant: string;
  /** 0 for the run's first interval, then 1, 2, … with no gaps. */
  seq: number;
  /** Wall-clock time the interval was emitted, epoch ms. */
  emittedAtMs: number;
  /** What happened in this interval. */
  counts: LiveCounts;
  /** Sums of `counts` over every interval emitted so far, this one included. */
  totals: LiveCounts & {
    /** expectedMeasured − deliveredMeasured so far (deliveries still in flight count as lost until they arrive). */
    lostMeasured: number;
  };
}

/** Receives the intervals of every run it is given to; owned (opened, closed) by whoever put it in the request. */
export interface LiveSink {
  /** Called once per completed interval, in order. A sink that throws is dropped for the rest of the run (a warning says so). */
  interval(i: LiveInterval): void;
}
