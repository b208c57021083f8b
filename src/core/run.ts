/** The request the CLI builds and the coordinator runs; tests call the coordinator with it directly. */
import type { Scenario } from './scenario.js';
import type { TargetSpec } from './target.js';
import type { Threshold } from './result.js';
import type { ChaosEvent } from './reliability.js';
import type { LiveSink } from './live.js';
import type { SegmentSpec } from './segment.js';

/** Default grace before abortOnFail thresholds are judged (ms): latency settles in the first seconds after warmup. */
export const DEFAULT_ABORT_GRACE_MS = 5000;

/** Everything one run needs. */
export interface RunRequest {
  /** Resolved, validated scenario. */
  scenario: Scenario;
  /** Target to load; null starts a throwaway local redis-server for the run. */
  target: TargetSpec | null;
  /** Worker threads. */
  workers: number;
  /** Base output folder; the run writes into `<outDir>/<runId>/`. */
  outDir: string;
  /** Snapshot interval in ms (default 1000). */
  intervalMs?: number;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Aborting it interrupts the run: publishers stop, short drain, results still written. */
  signal?: AbortSignal;
  /** Faults to inject during the measure phase (`--chaos`); `restart` needs `target: null`. */
  chaos?: ChaosEvent[];
  /** Thresholds judged on the measure phase; a failure makes the run exit 99. */
  thresholds?: Threshold[];
  /** With abortOnFail thresholds: nothing is judged early during this first part of the measure phase (ms, default DEFAULT_ABORT_GRACE_MS). */
  abortGraceMs?: number;
  /**
   * `--allow-config-set`: the scenario's `pubsubBufferLimit` may CONFIG SET a --target (read first, restored after).
   * Not needed for the throwaway local server.
   */
  allowConfigSet?: boolean;
  /** Called about once a second with a one-line progress text. */
  onProgress?: (line: string) => void;
  /** Called before measuring with each warning about the planned load (output-buffer limit, memory); also in result.json. */
  onWarning?: (text: string) => void;
  /** Receive each completed interval as the run goes (`--metrics-out`, `--prometheus-port`); the caller opens and closes them. */
  liveSinks?: LiveSink[];
  /** Names the run within a series (a matrix variant, "run 2 of 5"): live metrics carry it as `variant`. */
  label?: string;
  /** Set when this process runs one segment of a distributed run (`run --segment I/N --run-id ID`). */
  segment?: SegmentRequest;
}

/** One segment of a distributed run: which share, where the segments meet, how long to wait for the others. */
export interface SegmentRequest extends SegmentSpec {
  /** Where the rendezvous keys live (`--control-target`); the target under test when absent. */
  controlTarget?: TargetSpec;
  /** Longest wait at the start barrier for every segment (ms); the missing ones are named (exit 3). */
  barrierTimeoutMs: number;
}
