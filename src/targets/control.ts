/**
 * The coordinator's control connection: preflight facts (version, mode, masters) and subscription checks,
 * summed over every node it was given (one for a single server; every cluster node for a cluster).
 */
import type { Redis } from 'ioredis';
import type { ControlConnection, TargetInfo } from './types.js';
import type { NodeHandle } from './node-connection.js';
import { readTopology } from './topology.js';
import { keySlot } from './slot.js';
import { hostPort } from './url.js';

/** Commands asked about per ACL DRYRUN pipeline. */
const DRYRUN_CHUNK = 1000;

/** Parses `INFO` / `CLUSTER INFO` text into field → value. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
}

/** Adds the counts of a `PUBSUB NUMSUB`-style flat reply ([channel, count, …]) into `totals`. */
function addCounts(reply: unknown, totals: number[], indexes: number[]): void {
  const flat = reply as unknown[];
  for (let i = 0; i < indexes.length; i++) totals[indexes[i]] += Number(flat[2 * i + 1] ?? 0);
}

/** Control connection over a set of node connections (the first one answers INFO). */
export class NodesControl implements ControlConnection {
  /**
   * @param handles one connection per node to ask.
   * @param shardOwner for sharded counts in a cluster: index into `handles` of the node owning a slot.
   */
  constructor(
    protected readonly handles: NodeHandle[],
    private readonly shardOwner?: (slot: number) => number,
  ) {}

  private get first(): Redis {
    return this.handles[0].redis;
  }

  async info(): Promise<TargetInfo> {
    const server = parseInfo(String(await this.first.info('server')));
    const cluster = parseInfo(String(await this.first.info('cluster')));
    const mode = cluster.get('cluster_enabled') === '1' ? 'cluster' : 'standalone';
    const redisVersion = server.get('redis_version') ?? 'unknown';
    if (mode === 'standalone') {
      const { host, port } = this.first.options;
      return { redisVersion, mode, masters: [hostPort({ host: String(host), port: Number(port) })] };
    }
    const topology = await readTopology(this.first);
    const replicas: Record<string, string[]> = {};
    for (const master of topology.masters) replicas[master] = [];
    for (const node of topology.nodes) if (node.master) replicas[node.master].push(node.name);
    return { redisVersion, mode, masters: topology.masters, slotRanges: topology.ranges, replicas };
  }

  async numsub(channels: string[], sharded: boolean): Promise<number[]> {
    const totals = new Array<number>(channels.length).fill(0);
    if (channels.length === 0) return totals;
    const all = channels.map((_, i) => i);
    if (!sharded) {
      // Classic subscribers may sit on any node; each node counts only its own clients.
      const replies = await Promise.all(this.handles.map((h) => h.redis.call('PUBSUB', 'NUMSUB', ...channels)));
      for (const reply of replies) addCounts(reply, totals, all);
      return totals;
    }
    if (!this.shardOwner) {
      addCounts(await this.first.call('PUBSUB', 'SHARDNUMSUB', ...channels), totals, all);
      return totals;
    }
    // Sharded subscribers live on the shard owning the slot: ask each owner about its own channels.
    const byOwner = new Map<number, number[]>();
    channels.forEach((channel, i) => {
      const owner = this.shardOwner!(keySlot(channel));
      const list = byOwner.get(owner);
      if (list) list.push(i);
      else byOwner.set(owner, [i]);
    });
    await Promise.all(
      [...byOwner].map(async ([owner, indexes]) => {
        const reply = await this.handles[owner].redis.call('PUBSUB', 'SHARDNUMSUB', ...indexes.map((i) => channels[i]));
        addCounts(reply, totals, indexes);
      }),
    );
    return totals;
  }

  async numpat(): Promise<number> {
    const replies = await Promise.all(this.handles.map((h) => h.redis.call('PUBSUB', 'NUMPAT')));
    return replies.reduce<number>((sum, r) => sum + Number(r), 0);
  }

  async aclDryRun(user: string, commands: string[][]): Promise<Array<string | null> | null> {
    const out: Array<string | null> = [];
    for (let from = 0; from < commands.length; from += DRYRUN_CHUNK) {
      const batch = this.first.pipeline();
      for (const c of commands.slice(from, from + DRYRUN_CHUNK)) batch.call('ACL', 'DRYRUN', user, ...c);
      const replies = await batch.exec().catch(() => null);
      if (!replies) return null;
      for (const [err, reply] of replies) {
        // An error is about asking (Redis 6 has no DRYRUN, the control user may not run ACL, no such user), never
        // about the command: the caller falls back to a probe.
        if (err) return null;
        out.push(String(reply) === 'OK' ? null : String(reply));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}
