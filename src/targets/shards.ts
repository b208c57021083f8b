/**
 * Helpers for placing and accounting per cluster shard, shared by the factory (where connections go) and the
 * coordinator (per-node / per-shard counts in the result). Masters are always in TargetInfo.masters order.
 */
import { keySlot } from './slot.js';
import type { ConnectionOptions, TargetInfo } from './types.js';

/**
 * The master (host:port) owning `channel`'s slot — or, over client-sharded servers, the server holding it — or
 * undefined when the info has neither (single node).
 */
export function shardOfChannel(channel: string, info: Pick<TargetInfo, 'slotRanges' | 'masters' | 'clientSharding'>): string | undefined {
  if (info.clientSharding) return info.masters[serverOfChannel(channel, info.masters)];
  const ranges = info.slotRanges;
  if (!ranges) return undefined;
  const slot = keySlot(channel);
  // Few ranges (one per master unless resharded): a linear scan is fine off the hot path.
  for (const r of ranges) if (slot >= r.start && slot <= r.end) return r.master;
  return undefined;
}

/** The spread index of a connection: `spreadIndex`, else the trailing number of its client name, else 0. */
export function spreadIndexOf(opts: Pick<ConnectionOptions, 'spreadIndex' | 'clientName'>): number {
  if (opts.spreadIndex !== undefined) return opts.spreadIndex;
  const match = /(\d+)$/.exec(opts.clientName);
  return match ? Number(match[1]) : 0;
}

/** The master a classic cluster connection with this spread index is placed on. */
export function homeMaster(spreadIndex: number, masters: string[]): string {
  return masters[((spreadIndex % masters.length) + masters.length) % masters.length];
}

/** FNV-1a (32 bit) over UTF-8 bytes, finished with murmur3's fmix32 so that near names spread apart. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Index into `servers` (host:port names) of the server that holds `channel` under client sharding: rendezvous
 * hashing (the server with the highest hash of server + channel wins). Stable: the same on every machine and run,
 * whatever the order the servers were given in, and adding a server moves only the channels it wins (about 1/n).
 * A `{tag}` in the channel name is hashed alone, as Redis Cluster does, so channels that share a tag share a server.
 */
export function serverOfChannel(channel: string, servers: readonly string[]): number {
  const open = channel.indexOf('{');
  const close = open >= 0 ? channel.indexOf('}', open + 1) : -1;
  const key = close > open + 1 ? channel.slice(open + 1, close) : channel;
  let best = 0;
  let bestScore = -1;
  servers.forEach((server, i) => {
    const score = hash32(`${server}\n${key}`);
    // Ties (2^-32) go to the smaller name, so the order of the list never matters.
    if (score > bestScore || (score === bestScore && server < servers[best])) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}
