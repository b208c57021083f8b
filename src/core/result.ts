/**
 * result.json: the source of truth of a run. Everything a report shows can be rebuilt from it.
 * Names may grow, never change meaning; bump RESULT_SCHEMA_VERSION on an incompatible change.
 */
import type { SegmentInfo } from './segment.js';
import type { MergedSegment } from './merged-segment.js';
import type { Counters, ErrorTextCount, OutageEvent, ViolationExample } from './messages.js';
import type { ChaosReport, TelemetrySample } from './reliability.js';
import type { ServerCost } from './server-cost.js';
import type { CapacityPrediction, CostPoint } from './capacity-model.js';
import type { RespVersion, Scenario } from './scenario.js';
import type { TargetDescription } from './target.js';

/** Schema version of result.json. */
export const RESULT_SCHEMA_VERSION = 1;

/** Percentiles of one latency histogram, in microseconds. */
export interface LatencySummaryUs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
  /** Number of recorded values. */
  count: number;
}

/** Phase of a run, for timeline entries and markers. */
export type Phase = 'warmup' | 'measure' | 'drain';

/** One interval of the timeline (normally one second). */
export interface TimelineEntry {
  /** Start and end of the interval, ms since the run's schedule start (negative before it). */
  fromMs: number;
  toMs: number;
  /** Phase the interval mostly belongs to. */
  phase: Phase;
  /** Messages published and deliveries received per second in this interval. */
  publishedPerS: number;
  receivedPerS: number;
  /** Open-loop target rate (msgs/s) in force, or null at --rate max. */
  targetPerS: number | null;
  /** End-to-end latency from intended send time in this interval (measured messages), µs. */
  e2eP50Us: number | null;
  e2eP99Us: number | null;
  e2eMaxUs: number | null;
  publishErrors: number;
  lateSends: number;
  duplicates: number;
  reordered: number;
  gapMessages: number;
  disconnects: number;
  reconnects: number;
  malformed: number;
  /**
   * Cluster redirections and slot-map changes handled in this interval (MOVED, ASK, slot-map re-reads): a failover or
   * a slot migration shows up here on the time axis. Absent when there were none, and in older results.
   */
  topologyEvents?: number;
  /** Subscriber churn events completed in this interval (`--subscriber-churn`); absent when there were none. */
  churnEvents?: number;
  /** Highest event-loop utilisation among workers (0..1), and the worst event-loop delay p99 (µs). */
  maxEventLoopUtilization: number;
  maxEventLoopDelayP99Us: number;
  /**
   * Resident set size of the harness process (every thread), bytes: the highest sample the coordinator took in the
   * interval. Absent in results written before memory was recorded.
   */
  rssBytes?: number;
  /**
   * V8 heap used by the harness, bytes: each worker thread's heap plus the main thread's (each its highest sample in
   * the interval). RSS growing with the heap points at JavaScript objects kept; RSS growing alone at buffers or native
   * memory. Absent in older results.
   */
  heapUsedBytes?: number;
  /** This interval's end-to-end (corrected) histogram, HdrHistogram compressed base64 ('' when empty): feeds .hlog. */
  e2eHistogram: string;
}

/** Final numbers of the measure phase. */
export interface RunSummary {
  /** Messages published during the measure phase (by intended send time). */
  published: number;
  /** Deliveries the confirmed plan expects for them. */
  expectedDeliveries: number;
  /** Unique deliveries of those messages. */
  delivered: number;
  /** expectedDeliveries − delivered (never negative; see warnings). */
  lost: number;
  duplicates: number;
  reordered: number;
  /** Gap events seen in sequences and the messages they skipped. */
  gaps: number;
  gapMessages: number;
  malformed: number;
  publishErrors: number;
  /**
   * The failed publishes by the error text Redis (or the connection) gave: the first 10 distinct texts, most frequent
   * first, later ones counted under '(other error texts)'. Absent when none failed, and in results written before.
   */
  publishErrorTexts?: ErrorTextCount[];
  lateSends: number;
  /**
   * Measured messages the schedule called for that were never sent: the publisher was still behind when the
   * measure phase ended. Publishing stops on time rather than running over, so publishRate shows the shortfall.
   */
  unsent?: number;
  disconnects: number;
  reconnects: number;
  /** Cluster redirections (MOVED, ASK) and slot-map refreshes the connections handled. */
  topologyEvents?: number;
  /**
   * What the measure phase cost the server (per-node deltas of INFO counters between measure start and the end of
   * the drain; see src/metrics/server-cost.ts). Absent when the counters could not be read, and in older results.
   */
  serverCost?: ServerCost;
  /**
   * Subscriber churn (`--subscriber-churn`), absent without it: events completed (unsubscribe + subscribe, or
   * reconnect) and the measured deliveries not expected because their subscriber was unsubscribed when they were
   * published — already left out of `expectedDeliveries` (the rule: docs/churn.md).
   */
  churn?: { events: number; excludedDeliveries: number; reconnect: boolean };
  /** Sum of PUBLISH replies for measured messages (receivers as Redis counted them), or null when not comparable. */
  publishReplyReceivers: number | null;
  /** Measured messages per second over the measure phase. */
  publishRate: number;
  /** Unique measured deliveries per second over the measure phase. */
  deliveryRate: number;
  /** Offered open-loop rate, or null at --rate max. */
  targetRate: number | null;
  latencyUs: {
    /** From intended send time (coordinated-omission corrected). */
    endToEnd: LatencySummaryUs;
    /** From actual send time. */
    endToEndUncorrected: LatencySummaryUs;
    /** PUBLISH reply latency. */
    publish: LatencySummaryUs;
  };
}

/** Harness self-observation over the measure phase. */
export interface HarnessHealth {
  maxEventLoopUtilization: number;
  maxEventLoopDelayP99Us: number;
  /** CPU used by the harness process over the run, as a share of one core (1.0 = one core busy). */
  processCpuCores: number;
  /** True when the harness itself, not Redis, limited the run (see `reasons`). */
  harnessBottleneck: boolean;
  reasons: string[];
}

/** Unit of a threshold metric's value, so reports format it without knowing the metric catalogue. */
export type ThresholdUnit = 'us' | 'count' | 'per_s' | 'ratio';

/** Comparison operators a threshold may use. */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A parsed threshold (src/metrics/thresholds.ts parses and judges them). */
export interface Threshold {
  /** The expression as written (trimmed). */
  expression: string;
  metric: string;
  op: ThresholdOperator;
  /** Limit in the metric's unit (µs for latencies, a 0..1 share for ratios). */
  limit: number;
  unit: ThresholdUnit;
  /** End the run early when this threshold fails (see ThresholdAbortMonitor). */
  abortOnFail: boolean;
}

/** How one threshold (`e2e.p99 < 5ms`) fared on the measure phase. */
export interface ThresholdOutcome {
  /** The expression as written by the user (trimmed). */
  expression: string;
  /** Metric name from the catalogue (`e2e.p99`, `lost`, …). */
  metric: string;
  /** Measured value in the metric's unit (µs for latencies), or null when it could not be measured (no samples). */
  measured: number | null;
  /** The limit the expression compares with, in the same unit. */
  limit: number;
  /** Unit of `measured` and `limit`. */
  unit: ThresholdUnit;
  /** True when the comparison held. A metric that could not be measured fails. */
  passed: boolean;
}

/** How one key metric of the current runs compares with the baseline runs. */
export interface BaselineCheck {
  /** Metric name from the threshold catalogue (`e2e.p99`, `deliveryRate`, …). */
  metric: string;
  unit: ThresholdUnit;
  /** Which direction is better. */
  better: 'lower' | 'higher';
  /**
   * The statistic of each side that was judged: `mean` (Welch's t-test; `--baseline-stat mean`, the default), or
   * with `--baseline-stat min` the best run — `min` for a lower-is-better metric, `max` for a higher-is-better one.
   * Absent in results written before the flag existed (read as `mean`).
   */
  statistic?: 'mean' | 'min' | 'max';
  /** Per-run values (runs where the metric could not be measured are left out). */
  currentValues: number[];
  baselineValues: number[];
  /** Means of those values, or null when a side has none. */
  currentMean: number | null;
  baselineMean: number | null;
  /**
   * Signed relative change of the judged statistic (the mean, or the best run), (current − baseline) /
   * max(|baseline|, floor); 0.12 = +12%.
   */
  change: number | null;
  /** Largest change in the worse direction that is tolerated (0.1 = 10%). */
  tolerance: number;
  /** Welch's t-test two-sided p-value, or null with fewer than two runs on a side. */
  pValue: number | null;
  /**
   * regression / improvement: beyond the tolerance (and significant, when it can be tested);
   * not-significant: beyond the tolerance but within what noise explains; within-tolerance; skipped: no values.
   */
  verdict: 'regression' | 'improvement' | 'not-significant' | 'within-tolerance' | 'skipped';
  /** True when there were too few runs to test significance: judged by the tolerance alone. */
  inconclusive: boolean;
  /** False only for a regression. */
  passed: boolean;
  /** One plain sentence explaining the verdict. */
  note: string;
  /**
   * Minimum detectable change of this comparison (relative, 0.05 = 5%): the smallest change of the mean Welch's
   * t-test at 95% confidence would tell from the noise of both sides. Absent with a single run on a side.
   */
  mdc?: number;
  /**
   * `--baseline-stat min` only: whether each side's best run is confirmed by a second run of that side within 5% of
   * it (a minimum one run alone reaches may be a lucky run, and one that no run confirms may be disturbed).
   */
  confirmed?: { current: boolean; baseline: boolean };
}

/** The comparison of N current runs with M baseline runs. */
export interface BaselineComparison {
  currentRuns: number;
  baselineRuns: number;
  /** Significance level used (0.05). */
  alpha: number;
  /** The rule chosen with `--baseline-stat`; absent in results written before the flag existed (read as `mean`). */
  stat?: 'mean' | 'min';
  checks: BaselineCheck[];
  /** True when any check is a regression (exit code 98). */
  regressed: boolean;
  /** True when significance could not be tested (a single run on a side). */
  inconclusive: boolean;
  /** Things that make the comparison less meaningful (different scenarios, interrupted runs, too few runs). */
  warnings: string[];
}

/** One measured step of a capacity search (a whole run at one offered rate). */
export interface CapacityStep {
  index: number;
  /** Why this rate was tried: stepping up, down from a failing start, bisecting, or re-measuring the knee. */
  phase: 'up' | 'down' | 'bisect' | 'confirm';
  offeredRate: number;
  achievedRate: number;
  deliveryRate: number;
  e2eP50Us: number | null;
  e2eP99Us: number | null;
  /** True when every SLO threshold passed and the achieved rate kept up with the offered one. */
  held: boolean;
  harnessBottleneck: boolean;
  /** Why it failed (SLO lines, rate shortfall) and harness notes; empty when it held cleanly. */
  reasons: string[];
  outcomes: ThresholdOutcome[];
  /** Folder of the step's run (real runs). */
  runDir?: string;
  /** The step's server cost as rates, for the capacity model (single-node targets; absent in older reports). */
  costPoint?: CostPoint;
}

/** What limited a capacity search. */
export type CapacityLimit = 'target' | 'harness' | 'max-rate' | 'none-held' | 'interrupted' | 'step-limit';

/** The answer of one capacity search. */
export interface CapacityResult {
  /** Highest offered rate that held (msgs/s), or null when none did. */
  kneeRate: number | null;
  /** Lowest rate above the knee that failed, or null when none failed. */
  failedRate: number | null;
  limitedBy: CapacityLimit;
  /** The answer in plain words. */
  conclusion: string;
  steps: CapacityStep[];
}

/** capacity.json: one search per sweep value (a single row without --sweep). */
export interface CapacityReport {
  schemaVersion: number;
  /** ISO time the search started. */
  startedAt: string;
  /** The SLO expressions every step had to pass. */
  slo: string[];
  /** Search settings as used. */
  settings: { startRate: number; maxRate: number; resolution: number; minAchievedShare: number; stepDurationMs: number; stepWarmupMs: number };
  target: TargetDescription | null;
  rows: Array<{
    label: string;
    scenario: Scenario;
    result: CapacityResult;
    /** The knee the capacity model predicts from this search's own held steps, beside the measured one. */
    predicted?: CapacityPrediction;
  }>;
  /** `capacity --predict`: the prediction for a shape (rows is then empty unless a search ran too). */
  prediction?: CapacityPrediction;
}

/** Counts of one channel over the measure phase. */
export interface ChannelBreakdown {
  name: string;
  /** Direct and pattern subscriptions that receive this channel. */
  receivers: number;
  published: number;
  expected: number;
  delivered: number;
  /** Under a channel skew: the share of all published messages this channel is meant to get (0..1). */
  share?: number;
}

/** Counts of one cluster shard (master host:port) over the measure phase. */
export interface ShardBreakdown {
  master: string;
  channels: number;
  /** Subscriptions to channels this shard owns (direct ones; patterns span every shard). */
  subscriptions: number;
  published: number;
  expected: number;
  delivered: number;
}

/**
 * Transport 'streams': what the run's streams held on the server after the drain (read just before they were
 * deleted), and how the clean-up went.
 */
export interface StreamsReport {
  /** The XADD MAXLEN ~ cap per stream. */
  maxLen: number;
  /** Streams of the run that existed (one per channel). */
  keys: number;
  /** Entries kept over all streams (XLEN): at most about keys × maxLen. */
  entries: number;
  /** MEMORY USAGE summed over the streams, bytes. */
  memoryBytes: number;
  /** Consumer groups (one per subscriber and stream it reads). */
  groups: number;
  /** Entries delivered and never acknowledged, over all groups. */
  pendingEntries: number;
  /** Streams deleted after the run (this run's keys only). */
  removedKeys: number;
}

/** The complete result of a run. */
export interface RunResult {
  schemaVersion: number;
  runId: string;
  /** ISO time when the run started. */
  startedAt: string;
  /** Wall time of the whole run, connect to stop. */
  durationMs: number;
  /** Measure phase length actually run (shorter when interrupted). */
  measureMs: number;
  /** True when Ctrl-C / SIGTERM cut the run short. */
  interrupted: boolean;
  /** Versions; gitCommit is the HEAD of the git repository the run was started in, when there is one. */
  versions: { harness: string; node: string; redis: string | null; gitCommit?: string };
  /** The schedule in epoch µs: first message, start and end of the measure phase (as cut short when interrupted). */
  schedule?: { startUs: number; measureStartUs: number; measureEndUs: number };
  target: TargetDescription;
  scenario: Scenario;
  /**
   * RESP version the data plane (publishers, subscribers) spoke. Absent in results written before `--resp`: those
   * spoke RESP2 on the native client and RESP3 on ioredis 6 (its default then).
   */
  resp?: RespVersion;
  plan: { workers: number; publishersPerWorker: number[]; subscribersPerWorker: number[]; subscriptions: number };
  summary: RunSummary;
  timeline: TimelineEntry[];
  /** Whole-measure histograms, HdrHistogram compressed base64 (µs). */
  histograms: { endToEnd: string; endToEndUncorrected: string; publish: string };
  ordering: { inOrder: number; duplicates: number; reordered: number; gaps: number; gapMessages: number; examples: ViolationExample[] };
  /** Totals per worker thread over the whole run. */
  workers: Array<{ workerId: number; publishers: number; subscribers: number; counters: Counters }>;
  health: HarnessHealth;
  /**
   * Per channel (measured messages): published, expected deliveries (published × receivers) and unique deliveries.
   * Left out above MAX_CHANNELS_IN_RESULT channels to keep result.json small; `shards` still covers them.
   */
  channels?: ChannelBreakdown[];
  /**
   * Per cluster master, by the slot of each channel's name: the channels it owns and their counts. For classic
   * pub/sub every node forwards every message, so this splits the load by channel name, not by delivering node.
   */
  shards?: ShardBreakdown[];
  /** Every connection loss: who, why, when (µs since epoch), how long until usable again, and the messages it cost. */
  outages?: OutageEvent[];
  /**
   * Server telemetry read on separate connections once per interval, every node (every master of a cluster):
   * INFO figures and the output buffers of the harness's connections. Absent when no sample could be read.
   */
  server?: { samples: TelemetrySample[] };
  /** Faults injected with `--chaos`, in time order, with what each one cost. */
  chaos?: ChaosReport[];
  /** Transport 'streams' only: the streams' footprint on the server after the drain. */
  streams?: StreamsReport;
  /**
   * Failures of the harness during the run (a worker thread that crashed or gave up). The data of the other
   * workers is kept, but the run failed: it exits 1.
   */
  errors?: string[];
  /** Plain-words warnings (loss cross-check mismatch, harness bottleneck, insecure TLS, …). */
  warnings: string[];
  /** Threshold outcomes, present when the run had thresholds (scenario `thresholds` or `--threshold`). */
  thresholds?: {
    /** True when every threshold held. */
    passed: boolean;
    outcomes: ThresholdOutcome[];
    /** Present when a failing threshold ended the run early (abortOnFail). */
    aborted?: { atMs: number; expressions: string[] };
  };
  /** Present when the run was compared with baseline runs (`--baseline`); the same object for every repeat. */
  baseline?: BaselineComparison;
  /** Present in every run of a `--repeat N` series (N ≥ 2): the spread of the key metrics over the series. */
  noise?: NoiseReport;
  /** Present in the result of one segment of a distributed run (`run --segment I/N`); `merge` turns a set into one run. */
  segment?: SegmentInfo;
  /** Present in a merged result (`pubsub-bench merge`): the segments it was made of, in index order. */
  segments?: MergedSegment[];
  /** Present in a merged result made with `--allow-partial` when segments were missing: their indexes. */
  missingSegments?: number[];
}

/** Spread of one metric over the runs of a series, and the smallest change a baseline gate could tell from it. */
export interface NoiseMetric {
  /** Metric name from the threshold catalogue (`e2e.p99`, `deliveryRate`, `server.usPerPublish`, …). */
  metric: string;
  unit: ThresholdUnit;
  /** Runs the metric could be measured in, and their mean, extremes, median and sample standard deviation. */
  n: number;
  mean: number;
  min: number;
  median: number;
  max: number;
  sd: number;
  /** Coefficient of variation sd / |mean| (0.05 = 5%); null when the mean is 0 but the values differ. */
  cv: number | null;
  /**
   * Minimum detectable change: the smallest relative change of the mean that Welch's t-test at 95% confidence
   * would call significant against a next series of the same size and spread (power not considered: a true change
   * of this size is caught about half of the time). Null when it cannot be computed (`mdcNote` says why).
   */
  mdc: number | null;
  mdcNote?: string;
}

/** The noise of a `--repeat` series. */
export interface NoiseReport {
  /** Runs in the series that completed (interrupted runs are left out). */
  runs: number;
  /** Significance level the MDC is computed for (0.05). */
  alpha: number;
  metrics: NoiseMetric[];
}
