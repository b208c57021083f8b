/**
 * Reading the results segments stored in Redis when they finished (`segmentKeys.result`), for `merge --from-redis`.
 * Waits until every segment's result is there or the wait ends; returns the JSON text of each one found. A run's keys
 * share one hash tag, so on a cluster they live on one node: a MOVED reply says which, and the reader goes there.
 */
import type { TargetSpec } from '../core/target.js';
import { segmentKeyPrefix, segmentKeys } from '../core/segment.js';
import { connectNode, type NodeHandle } from './node-connection.js';
import { nodeContext } from './context.js';

/** What to read and how long to wait for it. */
export interface SegmentReadOptions {
  runId: string;
  /** N when known; otherwise learnt from the first result found (its `segment.count`). */
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

/** Glob-escapes a run id for SCAN MATCH (`*?[]\` are special). */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Reads the results of run `runId`, waiting for the missing ones up to `waitMs`. */
export async function readStoredSegments(spec: TargetSpec, opts: SegmentReadOptions): Promise<StoredSegments> {
  const ctx = nodeContext(spec);
  const connect = (node: { host: string; port: number }) => connectNode(ctx, node, { clientName: 'pubsub-bench-merge', connectTimeoutMs: opts.connectTimeoutMs }, {
    onDisconnect: () => undefined, onReconnect: () => undefined,
  });
  let handle: NodeHandle = await connect(spec.nodes[0]);
  const found = new Map<number, string>();
  let count = opts.count ?? null;
  const deadline = Date.now() + opts.waitMs;
  try {
    for (;;) {
      try {
        count ??= await discoverCount(handle, opts.runId);
        if (count !== null) await readMissing(handle, opts.runId, count, found);
      } catch (err) {
        // A cluster node that does not own the run's slot answers MOVED slot host:port: read from that node instead.
        const moved = /^MOVED \d+ (.+):(\d+)$/.exec(err instanceof Error ? err.message : '');
        if (!moved) throw err;
        await handle.close();
        handle = await connect({ host: moved[1], port: Number(moved[2]) });
        continue;
      }
      const missing = count === null ? [] : Array.from({ length: count }, (_, i) => i).filter((i) => !found.has(i));
      if ((count !== null && missing.length === 0) || Date.now() >= deadline) return { found, count };
      if (count !== null) opts.onWaiting?.(missing, count);
      await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - Date.now()))));
    }
  } finally {
    await handle.close();
  }
}

/** N from the first stored result of the run, or null when none is stored yet. */
async function discoverCount(handle: NodeHandle, runId: string): Promise<number | null> {
  // A GET of a key first, so a cluster node that does not own the slot says MOVED (SCAN would just find nothing).
  await handle.redis.exists(segmentKeys.result(runId, 0));
  const match = `${globEscape(segmentKeyPrefix(runId))}result:*`;
  let cursor = '0';
  do {
    const [next, keys] = await handle.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const text = await handle.redis.get(key);
      const n = countIn(text);
      if (n !== null) return n;
    }
  } while (cursor !== '0');
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

async function readMissing(handle: NodeHandle, runId: string, count: number, found: Map<number, string>): Promise<void> {
  const wanted = Array.from({ length: count }, (_, i) => i).filter((i) => !found.has(i));
  if (wanted.length === 0) return;
  const texts = await handle.redis.mget(...wanted.map((i) => segmentKeys.result(runId, i)));
  texts.forEach((text, k) => {
    if (text !== null) found.set(wanted[k], text);
  });
}
