/**
 * The contract of a run split into segments (several processes or pods, one global plan): what a segment is, what a
 * segment's result carries so that `merge` loses nothing, and where the segments meet in Redis. Pure data and string
 * builders; imports nothing.
 */

/** Which share of the global plan this process runs: segment `index` of `count` (0 ≤ index < count). */
export interface SegmentSpec {
  index: number;
  count: number;
  /** The id every segment of one run shares (from `--run-id` or the environment); the run tag is derived from it. */
  runId: string;
}

/**
 * What a segment's result.json carries beside an ordinary RunResult (as `segment`). A merged result carries the
 * segments' entries as `segments` and no `segment`; `report` and `compare` refuse a result that still has `segment`.
 */
export interface SegmentInfo {
  index: number;
  count: number;
  runId: string;
  /** Digest of the global plan (scenario, channels, fleet): every segment of one run must agree on it. */
  planDigest: string;
  /** Host or pod name the segment ran on. */
  host: string;
  /** Server time minus local time (µs), measured with TIME: local epoch µs + offset = server epoch µs. */
  clockOffsetUs: number;
  /** Half of the smallest round trip of the offset measurement (µs): the offset is known to ± this. */
  clockUncertaintyUs: number;
  /** Change of the offset between the start and the end of the run, per second of run (µs/s); null if not measured. */
  clockDriftUsPerS: number | null;
  /** Publishers and subscribers this segment ran (global ids). */
  publisherIds: number[];
  subscriberIds: number[];
  /**
   * Unique measured deliveries received by this segment's subscribers, by the segment of the message's publisher
   * (index = publisher segment, publisher p belongs to segment p mod count).
   */
  deliveredFromSegment: number[];
  /**
   * Measure-phase end-to-end histograms (HdrHistogram compressed base64, µs) split by where the publisher ran:
   * this segment (`same`) or another one (`cross`): clock error shows in cross only.
   */
  histograms: { same: string; cross: string };
  /** Deliveries whose corrected latency came out negative (clock error larger than the latency); counted, never clamped silently. */
  negativeLatencies: number;
}

/** Environment variables a segment reads when the flags are absent (one manifest serves every pod). */
export const SEGMENT_ENV = {
  /** Segment index; Kubernetes Indexed Jobs set it on every pod. */
  index: 'JOB_COMPLETION_INDEX',
  count: 'PUBSUB_BENCH_SEGMENTS',
  runId: 'PUBSUB_BENCH_RUN_ID',
} as const;

/** Every rendezvous key of a run starts with this prefix; all carry a TTL. */
export function segmentKeyPrefix(runId: string): string {
  return `pubsub-bench:seg:{${runId}}:`;
}

/**
 * The rendezvous keys of a run. The run id is in braces (a hash tag), so on a cluster every key of a run lives on
 * one node and a Lua script or MULTI may touch several.
 */
export const segmentKeys = {
  /** Hash: segment index → plan digest. */
  digests: (runId: string) => `${segmentKeyPrefix(runId)}digests`,
  /** Hash: segment index → JSON { host, clockOffsetUs, clockUncertaintyUs } once its subscriptions are confirmed. */
  ready: (runId: string) => `${segmentKeyPrefix(runId)}ready`,
  /** String: the common start (server epoch µs), set once by the first segment that sees every segment ready. */
  start: (runId: string) => `${segmentKeyPrefix(runId)}start`,
  /** Hash: segment index → JSON { publishingDone, expected, delivered } for the global drain. */
  progress: (runId: string) => `${segmentKeyPrefix(runId)}progress`,
  /** String: why the run was aborted, and by which segment (set by a failed or interrupted segment). */
  abort: (runId: string) => `${segmentKeyPrefix(runId)}abort`,
  /** String: segment `index`'s result.json, stored when it finished, for `merge --from-redis`. */
  result: (runId: string, index: number) => `${segmentKeyPrefix(runId)}result:${index}`,
} as const;

/** How long rendezvous keys live (s): long enough for a merge Job that starts after the last segment. */
export const SEGMENT_KEY_TTL_S = 24 * 3600;
