/**
 * Reading the results segments stored in Redis when they finished (`segmentKeys.result`), for `merge --from-redis`.
 * Waits until every segment's result is there or the wait ends; returns the JSON text of each one found. The keys are
 * read through the segments' own store (segment-store.ts), which goes to the node owning the run's hash tag.
 */
import type { TargetSpec } from '../core/target.js';
import { segmentKeys } from '../core/segment.js';
import { openSegmentStore, type SegmentStore } from './segment-store.js';

/** What to read and how long to wait for it. */
export interface SegmentReadOptions {
  runId: string;
  /** N when known; otherwise learnt from the first stored result (its `segment.count`). */
  count?: number;
  /** How long to wait for the missing ones (ms); 0 reads once. */
  waitMs: number;
  /** Time between reads while waiting (ms). */
  pollMs?: number;
  connectTimeoutMs: number;
  /** Called after each read that still misses segments (to say what it waits for). */
  onWaiting?: (missing: number[], count: number) => void;
}

/** The stored results found, by segment index, and N (null when no result of the run was found and N was not given). */
export interface StoredSegments {
  found: Map<number, string>;
  count: number | null;
}

/** Reads the results of run `runId`, waiting for the missing ones up to `waitMs`. */
export async function readStoredSegments(spec: TargetSpec, opts: SegmentReadOptions): Promise<StoredSegments> {
  // Any node's URL will do: the store finds the master owning the run's keys (segment-store.ts).
  const store = await openSegmentStore(spec, opts.runId, opts.connectTimeoutMs);
  const found = new Map<number, string>();
  let count = opts.count ?? null;
  const deadline = Date.now() + opts.waitMs;
  try {
    for (;;) {
      count ??= await discoverCount(store, opts.runId, found);
      const missing = count === null ? [] : Array.from({ length: count }, (_, i) => i).filter((i) => !found.has(i));
      for (const i of missing) {
        const text = await store.get(segmentKeys.result(opts.runId, i));
        if (text !== null) found.set(i, text);
      }
      const still = missing.filter((i) => !found.has(i));
      if ((count !== null && still.length === 0) || Date.now() >= deadline) return { found, count };
      if (count !== null) opts.onWaiting?.(still, count);
      await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - Date.now()))));
    }
  } finally {
    await store.close();
  }
}

/**
 * N from the stored result of any segment that registered its plan digest (every segment does, before the barrier),
 * or null when none has stored its result yet. Results read on the way are kept in `found`.
 */
async function discoverCount(store: SegmentStore, runId: string, found: Map<number, string>): Promise<number | null> {
  const registered = Object.keys(await store.hgetall(segmentKeys.digests(runId))).map(Number).filter((i) => Number.isInteger(i) && i >= 0);
  for (const i of registered.sort((a, b) => a - b)) {
    const text = await store.get(segmentKeys.result(runId, i));
    const n = countIn(text);
    if (text !== null) found.set(i, text);
    if (n !== null) return n;
  }
  return null;
}

/** `segment.count` of a stored result's JSON, or null when it has none. */
function countIn(text: string | null): number | null {
  if (text === null) return null;
  try {
    const n = (JSON.parse(text) as { segment?: { count?: unknown } }).segment?.count;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
