/**
 * Contracts for what a run learns about faults: server telemetry samples (result.json `server`) and chaos
 * events (flags `--chaos`, result.json `chaos`). Types only.
 */

/** A `client-output-buffer-limit` class as the server reports it (CONFIG GET), in bytes and seconds. */
export interface OutputBufferLimit {
  /** Hard limit: a client above it is disconnected at once (0 = none). */
  hardBytes: number;
  /** Soft limit: a client above it for `softSeconds` in a row is disconnected (0 = none). */
  softBytes: number;
  softSeconds: number;
}

/** A harness connection with a non-empty output buffer at sample time. */
export interface ClientBuffer {
  /** CLIENT SETNAME of the connection (`pb-sub-3`, `pb-pub-0`). */
  client: string;
  /** Output buffer (CLIENT LIST `omem`), bytes. */
  omemBytes: number;
}

/** One telemetry sample of one server node (INFO and CLIENT LIST, read on a separate connection). */
export interface TelemetrySample {
  /** Node as host:port. */
  node: string;
  /** When the sample was read, ms since the run's schedule start (the timeline's origin; negative before it). */
  atMs: number;
  /** Server CPU (used_cpu_sys + used_cpu_user) since this node's previous sample, % of one core; null on the first. */
  cpuPercent: number | null;
  connectedClients: number;
  usedMemoryBytes: number;
  /** instantaneous_ops_per_sec as the server computes it. */
  opsPerSec: number;
  pubsubChannels: number;
  pubsubPatterns: number;
  /** Sharded channels (Redis 7+; absent on servers that do not report it). */
  pubsubShardChannels?: number;
  /** Bytes the server has written to clients since it started (total_net_output_bytes). */
  netOutputBytes: number;
  /** Largest output buffer among all clients over the last seconds (client_recent_max_output_buffer), bytes. */
  recentMaxOutputBufferBytes: number;
  /**
   * The harness's connections on this node (names `pb-sub-*`, `pb-pub-*`) and their output buffers (CLIENT LIST
   * `omem`); all four are absent when the server does not allow CLIENT LIST to this user.
   */
  harnessClients?: number;
  maxOmemBytes?: number;
  totalOmemBytes?: number;
  /** The harness connections with the largest non-empty output buffers (at most 20), largest first. */
  buffers?: ClientBuffer[];
  /** The `pubsub` class of client-output-buffer-limit, when CONFIG GET is allowed. */
  pubsubLimit?: OutputBufferLimit;
  /**
   * PUBLISH + SPUBLISH calls this node executed since its previous sample (INFO commandstats) and the µs per call
   * inside Redis (null with no calls). Absent on the first sample, after a reset of the counters, and when INFO
   * commandstats is not allowed.
   */
  publishCalls?: number;
  usPerPublish?: number | null;
}

/** Faults `--chaos` can inject during the measure phase. */
export type ChaosKind = 'kill-subscribers' | 'pause' | 'restart';

/** One planned fault, parsed from `--chaos KIND@TIME[:DURATION]`. */
export interface ChaosEvent {
  kind: ChaosKind;
  /** When, ms after the measure phase starts. */
  atMs: number;
  /** How long (pause only), ms. */
  durationMs?: number;
  /** The spec as the user wrote it, for reports. */
  spec: string;
}

/** What one chaos event did and cost (result.json `chaos`). */
export interface ChaosReport extends ChaosEvent {
  /** When it was carried out, ms since the schedule start (timeline origin); null when it never ran. */
  firedAtMs: number | null;
  /** What happened, in plain words ("killed 4 subscriber connections"), or why it did not. */
  outcome: string;
  /** True when the fault could not be injected. */
  failed: boolean;
  /** Connection outages that began in the event's window. */
  outages: number;
  /**
   * Messages the subscribers of those outages missed (sequence gaps seen after they recovered). This includes
   * messages whose PUBLISH failed while the server was unreachable: the summary counts those as publish errors, not
   * as lost, so with publish errors this can exceed what the summary calls lost.
   */
  missedMessages: number;
  /** Publish commands that failed in the timeline intervals of the event's window (an interval's midpoint in it). */
  publishErrors: number;
  /** From the event until the last of those connections was usable again, ms; null without outages or if one never recovered. */
  recoveryMs: number | null;
  /** End-to-end p99 before the event (median of the measured intervals before it) and its peak in its window, µs. */
  e2eP99BeforeUs: number | null;
  e2eP99PeakUs: number | null;
  /**
   * From the event until the first interval after the peak whose p99 was back near its level before (≤ 2× or ≤ +1 ms,
   * whichever is larger), ms; 0 when there was no such spike; null when it never came back during the run.
   */
  latencyRecoveryMs: number | null;
}
