/**
 * Where the segments of a distributed run meet: a few keys under the run id (core/segment.ts segmentKeys), each
 * written with the TTL, on the node that owns the run's hash tag (one node on a cluster, so every key of a run is
 * in one place), and that node's TIME as the common clock. Plain commands, no scripts: every key is either a hash
 * field owned by one segment or a SET NX that the first writer wins.
 */
import type { TargetSpec } from '../core/target.js';
import { SEGMENT_KEY_TTL_S, segmentKeyPrefix } from '../core/segment.js';
import { connectNode, type NodeHandle } from './node-connection.js';
import { nodeContext, quietEvents } from './context.js';
import { readTopology } from './topology.js';
import { keySlot } from './slot.js';
import { splitHostPort } from './telemetry.js';

/** The rendezvous commands a segment needs. Times are server epoch µs. */
export interface SegmentStore {
  /** The server's TIME, epoch µs. */
  timeUs(): Promise<number>;
  /** Sets one field of a hash (and the hash's TTL). */
  hset(key: string, field: string, value: string): Promise<void>;
  hgetall(key: string): Promise<Record<string, string>>;
  /** Sets `key` (with the TTL) unless it exists; true when this call set it. */
  setIfAbsent(key: string, value: string): Promise<boolean>;
  /** Sets `key` with the TTL, replacing any value. */
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
  /** Where the store is, for messages (host:port). */
  readonly node: string;
  close(): Promise<void>;
}

/**
 * True when the node answers for the run's keys with MOVED: a cluster node that does not own them. A cluster node
 * that does own them is as good as a single server for a store whose keys share one hash tag. (INFO cluster would
 * need a permission the store does not otherwise; this needs only the key access it needs anyway.)
 */
async function ownedElsewhere(handle: NodeHandle, runId: string): Promise<boolean> {
  try {
    await handle.redis.exists(segmentKeyPrefix(runId));
    return false;
  } catch (err) {
    if (/^MOVED /.test(err instanceof Error ? err.message : '')) return true;
    throw err;
  }
}

/**
 * Connects to the node that owns the run's keys: the single server, or on a cluster the master of the run id's hash
 * slot (read once from CLUSTER NODES; the keys of a run never move during it in the cases we support). A URL given
 * as one server (`--control-target redis://node:7000`, `merge --from-redis`) that turns out to be a cluster node not
 * owning the keys is treated as a cluster too: its MOVED replies would otherwise abort the MULTI of hset.
 */
export async function openSegmentStore(spec: TargetSpec, runId: string, connectTimeoutMs: number): Promise<SegmentStore> {
  const ctx = nodeContext(spec);
  const opts = { clientName: 'pb-segment', connectTimeoutMs };
  let handle = await connectNode(ctx, spec.nodes[0], opts, quietEvents);
  let node = `${spec.nodes[0].host}:${spec.nodes[0].port}`;
  try {
    if (spec.kind === 'cluster' || (await ownedElsewhere(handle, runId))) {
      const topology = await readTopology(handle.redis);
      const owner = topology.masters[topology.slotOwner[keySlot(segmentKeyPrefix(runId))]];
      if (owner !== undefined && owner !== node) {
        const seed = handle;
        handle = await connectNode(ctx, splitHostPort(owner), opts, quietEvents);
        node = owner;
        await seed.close();
      }
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  return new RedisSegmentStore(handle, node);
}

class RedisSegmentStore implements SegmentStore {
  constructor(private readonly handle: NodeHandle, readonly node: string) {}

  async timeUs(): Promise<number> {
    const [s, us] = (await this.handle.redis.call('TIME')) as [string, string];
    return Number(s) * 1e6 + Number(us);
  }

  async hset(key: string, field: string, value: string): Promise<void> {
    await this.handle.redis.multi().hset(key, field, value).expire(key, SEGMENT_KEY_TTL_S).exec();
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return this.handle.redis.hgetall(key);
  }

  async setIfAbsent(key: string, value: string): Promise<boolean> {
    return (await this.handle.redis.set(key, value, 'EX', SEGMENT_KEY_TTL_S, 'NX')) === 'OK';
  }

  async set(key: string, value: string): Promise<void> {
    await this.handle.redis.set(key, value, 'EX', SEGMENT_KEY_TTL_S);
  }

  get(key: string): Promise<string | null> {
    return this.handle.redis.get(key);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
