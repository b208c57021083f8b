/**
 * The coordinator's side of the streams transport, on a connection of its own (the control user's): are the
 * consumer groups in place before measuring, what do the streams weigh on the server after the drain, and the
 * clean-up that deletes this run's streams (only keys named with its run tag).
 */
import type { TargetSpec } from '../core/target.js';
import { connectNode, type NodeHandle } from './node-connection.js';
import { nodeContext, quietEvents } from './context.js';

/** Keys per pipeline (MEMORY USAGE, XINFO GROUPS, UNLINK). */
const CHUNK = 1000;

/** What the run's streams hold on the server. */
export interface StreamFootprint {
  /** Streams that exist. */
  keys: number;
  /** Entries kept over all streams (XLEN). */
  entries: number;
  /** MEMORY USAGE … SAMPLES 0 (exact) summed over the streams, bytes. */
  memoryBytes: number;
  /** Consumer groups over all streams. */
  groups: number;
  /** Entries delivered to a consumer and not acknowledged, over all groups. */
  pendingEntries: number;
}

/** Streams housekeeping on one server. */
export class StreamControl {
  private constructor(private readonly handle: NodeHandle) {}

  static async open(spec: TargetSpec, connectTimeoutMs: number): Promise<StreamControl> {
    const handle = await connectNode(nodeContext(spec), spec.nodes[0], { clientName: 'pb-control', connectTimeoutMs }, quietEvents);
    return new StreamControl(handle);
  }

  /** Runs `command(key)` for every key, a pipeline per chunk; each reply, or the error. */
  private async each(keys: string[], command: (key: string) => string[]): Promise<Array<[Error | null, unknown]>> {
    const out: Array<[Error | null, unknown]> = [];
    for (let from = 0; from < keys.length; from += CHUNK) {
      const batch = this.handle.redis.pipeline();
      for (const key of keys.slice(from, from + CHUNK)) {
        const [name, ...args] = command(key);
        batch.call(name, ...args);
      }
      out.push(...((await batch.exec()) ?? []));
    }
    return out;
  }

  /** Consumer groups per stream (0 for a stream that does not exist). */
  async groupCounts(keys: string[]): Promise<number[]> {
    const replies = await this.each(keys, (key) => ['XINFO', 'GROUPS', key]);
    return replies.map(([err, reply]) => (err || !Array.isArray(reply) ? 0 : reply.length));
  }

  /** What the streams hold now (XLEN, MEMORY USAGE, XINFO GROUPS); a command the user may not run counts 0. */
  async footprint(keys: string[]): Promise<StreamFootprint> {
    const [lengths, memory, groups] = await Promise.all([
      this.each(keys, (key) => ['XLEN', key]),
      // SAMPLES 0: every node counted (the default samples 5 and extrapolates, which misjudged trimmed streams); it is
      // after the run, and a 100k-entry stream has only a few thousand nodes.
      this.each(keys, (key) => ['MEMORY', 'USAGE', key, 'SAMPLES', '0']),
      this.each(keys, (key) => ['XINFO', 'GROUPS', key]),
    ]);
    const number = ([err, reply]: [Error | null, unknown]): number => (err ? 0 : Number(reply ?? 0) || 0);
    let existing = 0;
    let groupCount = 0;
    let pending = 0;
    memory.forEach(([err, reply]) => {
      if (!err && reply !== null) existing++;
    });
    for (const [err, reply] of groups) {
      if (err || !Array.isArray(reply)) continue;
      groupCount += reply.length;
      // Each group is a flat [name, …, pending, n, …] list.
      for (const group of reply as unknown[][]) {
        const at = group.indexOf('pending');
        if (at >= 0) pending += Number(group[at + 1]) || 0;
      }
    }
    return {
      keys: existing,
      entries: lengths.reduce((n, r) => n + number(r), 0),
      memoryBytes: memory.reduce((n, r) => n + number(r), 0),
      groups: groupCount,
      pendingEntries: pending,
    };
  }

  /** Deletes the keys (UNLINK: freed in the background); resolves to how many existed. */
  async remove(keys: string[]): Promise<number> {
    let removed = 0;
    for (let from = 0; from < keys.length; from += CHUNK) removed += Number(await this.handle.redis.call('UNLINK', ...keys.slice(from, from + CHUNK)));
    return removed;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
