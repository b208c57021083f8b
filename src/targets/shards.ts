/**
 * Helpers for placing and accounting per cluster shard, shared by the factory (where connections go) and the
 * coordinator (per-node / per-shard counts in the result). Masters are always in TargetInfo.masters order.
 */
import { keySlot } from './slot.js';
import type { ConnectionOptions, TargetInfo } from './types.js';

/** The master (host:port) owning `channel`'s slot, or undefined when the info has no slot map (single node). */
export function shardOfChannel(channel: string, info: Pick<TargetInfo, 'slotRanges'>): string | undefined {
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
