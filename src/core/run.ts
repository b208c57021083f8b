/** The request the CLI builds and the coordinator runs; tests call the coordinator with it directly. */
import type { Scenario } from './scenario.js';
import type { TargetSpec } from './target.js';

/** A threshold as the coordinator needs it (parsed by src/metrics/thresholds.ts). */
export interface RunThreshold {
  expression: string;
  metric: string;
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  limit: number;
  unit: 'us' | 'count' | 'per_s' | 'ratio';
  abortOnFail: boolean;
}
import type { ChaosEvent } from './reliability.js';

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
  thresholds?: RunThreshold[];
  /** With abortOnFail thresholds: nothing is judged early during this first part of the measure phase (ms). */
  abortGraceMs?: number;
  /** Called about once a second with a one-line progress text. */
  onProgress?: (line: string) => void;
}
