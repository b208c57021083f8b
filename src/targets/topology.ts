/** A Redis Cluster's layout as one node reports it (CLUSTER SLOTS): who owns which slot, who replicates whom. */
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
}

function endpointOf(entry: unknown, fallbackHost: string): { host: string; port: number } {
  const [ip, port] = entry as [unknown, unknown];
  const host = String(ip ?? '');
  // A node that does not know its own address reports '' (or '?'); it is the one we asked.
  return { host: host === '' || host === '?' ? fallbackHost : host, port: Number(port) };
}

/** Reads the topology through `redis` (any cluster node). */
export async function readTopology(redis: Redis): Promise<Topology> {
  const reply = (await redis.call('CLUSTER', 'SLOTS')) as unknown[][];
  const fallbackHost = String(redis.options.host ?? '127.0.0.1');
  const masterSet = new Set<string>();
  const replicaOf = new Map<string, TopologyNode>();
  const ranges: Array<{ start: number; end: number; master: string }> = [];
  const endpoints = new Map<string, { host: string; port: number }>();
  for (const range of reply) {
    const master = endpointOf(range[2], fallbackHost);
    const masterName = hostPort(master);
    masterSet.add(masterName);
    endpoints.set(masterName, master);
    ranges.push({ start: Number(range[0]), end: Number(range[1]), master: masterName });
    for (const replicaEntry of range.slice(3)) {
      const replica = endpointOf(replicaEntry, fallbackHost);
      const name = hostPort(replica);
      replicaOf.set(name, { ...replica, name, role: 'replica', master: masterName });
    }
  }
  const masters = [...masterSet].sort();
  const index = new Map(masters.map((m, i) => [m, i]));
  const slotOwner = new Int16Array(slotCount).fill(-1);
  for (const r of ranges) slotOwner.fill(index.get(r.master) as number, r.start, r.end + 1);
  const nodes: TopologyNode[] = [
    ...masters.map((name) => ({ ...(endpoints.get(name) as { host: string; port: number }), name, role: 'master' as const })),
    ...[...replicaOf.values()].sort((a, b) => a.name.localeCompare(b.name)),
  ];
  return { masters, nodes, slotOwner };
}
