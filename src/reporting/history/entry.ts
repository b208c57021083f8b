/**
 * One line of a folder's run history: the few figures of a run worth seeing across runs, read from its result.json.
 * index.json keeps these so the index page is rebuilt without reopening every (large) result.json.
 */
import type { RunResult } from '../../core/index.js';
import { clientOf, describeScenario, describeTarget, judge, type VerdictKind } from '../describe.js';

/** Version of index.json's layout; an index of another version is rebuilt from the result.json files. */
export const HISTORY_SCHEMA_VERSION = 1;

/** One run folder in the history. */
export interface HistoryEntry {
  /** The run folder's name inside the indexed folder (the run id, unless renamed by hand). */
  folder: string;
  runId: string;
  /** ISO time the run started. */
  startedAt: string;
  scenario: string;
  /** The scenario in one line (fleet, size, rate, mode, client). */
  description: string;
  /** The target in one line; URLs are redacted in result.json already. */
  target: string;
  client: string;
  verdict: VerdictKind;
  publishRate: number;
  deliveryRate: number;
  /** End-to-end latency (corrected), µs; null when nothing was delivered. */
  e2eP50Us: number | null;
  e2eP99Us: number | null;
  lost: number;
  /** lost / expected deliveries; null when no delivery was expected. */
  lostRatio: number | null;
  /** Link to the run's report, relative to the indexed folder (`<folder>/report.html`). */
  report: string;
}

/** index.json: every run folder of one `--out` folder, newest first. */
export interface HistoryIndex {
  schemaVersion: number;
  /** ISO time the index was last written. */
  updatedAt: string;
  runs: HistoryEntry[];
}

/**
 * True when `data` is a pubsub-bench result.json. It decides what `--keep` may delete, so it asks for the fields
 * only this tool writes together, not just any JSON file of that name.
 */
export function isRunResult(data: unknown): data is RunResult {
  if (typeof data !== 'object' || data === null) return false;
  const r = data as Partial<RunResult>;
  return typeof r.schemaVersion === 'number' && typeof r.runId === 'string' && typeof r.startedAt === 'string'
    && typeof r.summary === 'object' && r.summary !== null && typeof r.scenario === 'object' && r.scenario !== null
    && typeof r.target === 'object' && r.target !== null && typeof r.histograms === 'object';
}

/** The history line of one run, in folder `folder` of the indexed folder. */
export function entryFromResult(result: RunResult, folder: string): HistoryEntry {
  const s = result.summary;
  const e2e = s.latencyUs.endToEnd;
  return {
    folder, runId: result.runId, startedAt: result.startedAt,
    scenario: result.scenario.name,
    description: describeScenario(result.scenario, result.resp),
    target: describeTarget(result.target, result.versions.redis),
    client: clientOf(result.scenario),
    verdict: judge(result).kind,
    publishRate: s.publishRate, deliveryRate: s.deliveryRate,
    e2eP50Us: e2e.count > 0 ? e2e.p50 : null,
    e2eP99Us: e2e.count > 0 ? e2e.p99 : null,
    lost: s.lost,
    lostRatio: s.expectedDeliveries > 0 ? s.lost / s.expectedDeliveries : null,
    report: `${folder}/report.html`,
  };
}

/** Newest first; the folder name breaks ties so the order never depends on the file system. */
export function byNewest(a: HistoryEntry, b: HistoryEntry): number {
  return b.startedAt.localeCompare(a.startedAt) || b.folder.localeCompare(a.folder);
}
