/** A Redis Cluster's layout as one node reports it (CLUSTER NODES): who owns which slot, who replicates whom. */
import type { Redis } from 'ioredis';
import { slotCount } from './slot.js';
import { hostPort } from './url.js';

/** One node of the cluster. */
export interface TopologyNode {
  host: string;
  port: number;
  /** host:port, the id used everywhere in results. */
  name: string;
  role: 'master' | 'replica';
  /** For replicas: the master's name. */
  master?: string;
}

/** The cluster layout. */
export interface Topology {
  /** Masters that own slots, sorted by name (the order used for round-robin and per-shard results). */
  masters: string[];
  /** Every node, masters first. */
  nodes: TopologyNode[];
  /** For every slot, the index into `masters` of its owner (-1 when no one owns it). */
  slotOwner: Int16Array;
  /** Slot ranges (inclusive) and their masters, sorted by start. */
  ranges: Array<{ start: number; end: number; master: string }>;
}

/** Splits `ip:port@cport[,hostname]` into host and port. */
function endpointOf(address: string, fallbackHost: string): { host: string; port: number } {
  const hostPortPart = address.split('@')[0];
  const colon = hostPortPart.lastIndexOf(':');
  const host = hostPortPart.slice(0, colon);
  // A node that does not know its own address reports an empty host; it is the one we asked.
  return { host: host === '' ? fallbackHost : host, port: Number(hostPortPart.slice(colon + 1)) };
}

/**
 * Reads the topology through `redis` (any cluster node) with CLUSTER NODES. (CLUSTER SLOTS would hide
 * replicas until their replication offset moves, which can take seconds on an idle new cluster.)
 */
export async function readTopology(redis: Redis): Promise<Topology> {
  const text = String(await redis.call('CLUSTER', 'NODES'));
  const fallbackHost = String(redis.options.host ?? '127.0.0.1');
  const byId = new Map<string, TopologyNode & { masterId?: string }>();
  const ranges: Array<{ start: number; end: number; master: string }> = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, address, flags, masterId] = fields;
    if (/(^|,)(fail|noaddr|handshake)(,|$)/.test(flags)) continue;
    const endpoint = endpointOf(address, fallbackHost);
    const name = hostPort(endpoint);
    const isMaster = flags.split(',').includes('master');
    byId.set(id, { ...endpoint, name, role: isMaster ? 'master' : 'replica', ...(isMaster ? {} : { masterId }) });
    if (!isMaster) continue;
    // Slot fields: "0-5460", "5461", or "[slot->-id]" / "[slot-<-id]" for migrations in progress (skipped).
    for (const slots of fields.slice(8)) {
      if (slots.startsWith('[')) continue;
      const [start, end] = slots.split('-');
      ranges.push({ start: Number(start), end: Number(end ?? start), master: name });
    }
  }
  const masters = [...new Set(ranges.map((r) => r.master))].sort();
  const index = new Map(masters.map((m, i) => [m, i]));
  const slotOwner = new Int16Array(slotCount).fill(-1);
  for (const r of ranges) slotOwner.fill(index.get(r.master) as number, r.start, r.end + 1);
  const all = [...byId.values()];
  const masterNodes = masters.map((name) => all.find((n) => n.name === name) as TopologyNode);
  const replicas = all
    .filter((n) => n.role === 'replica' && n.masterId !== undefined && index.has(byId.get(n.masterId)?.name ?? ''))
    .map(({ masterId, ...n }) => ({ ...n, master: byId.get(masterId as string)?.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  ranges.sort((a, b) => a.start - b.start);
  return { masters, nodes: [...masterNodes.map(({ host, port, name }) => ({ host, port, name, role: 'master' as const })), ...replicas], slotOwner, ranges };
}
