/** PublishConnection and SubscribeConnection over one node connection (a single server or one cluster node). */
import type { Redis } from 'ioredis';
import type { ConnectionEvents, PublishConnection, SubscribeConnection, SubscriberHandlers } from './types.js';
import { connectNode, type NodeConnectOptions, type NodeContext, type NodeHandle } from './node-connection.js';
import { keySlot } from './slot.js';
import { hostPort } from './url.js';
import { TargetError } from '../core/errors.js';

/** Publishes on one node: PUBLISH, or SPUBLISH when sharded. */
export class NodePublisher implements PublishConnection {
  private readonly redis: Redis;

  constructor(
    private readonly handle: NodeHandle,
    private readonly sharded: boolean,
  ) {
    this.redis = handle.redis;
  }

  publish(channel: Buffer, payload: Buffer): Promise<number> {
    return (this.sharded ? this.redis.spublish(channel, payload) : this.redis.publish(channel, payload)) as Promise<number>;
  }

  publishBatch(channels: Buffer[], payloads: Buffer[], n: number, replies: Float64Array): Promise<number> {
    return this.publishSome(channels, payloads, null, n, replies);
  }

  /**
   * One pipeline of publishes: entries `indexes[0..n)` of channels/payloads (or `0..n` when `indexes` is null);
   * each reply goes to `replies` at the entry's index, -1 when it failed. Indexes whose failure was a MOVED
   * redirection are added to `moved` (and their errors to `movedErrors`) when given. Resolves to the number
   * of failures.
   */
  async publishSome(
    channels: Buffer[],
    payloads: Buffer[],
    indexes: number[] | null,
    n: number,
    replies: Float64Array,
    moved?: number[],
    movedErrors?: Error[],
  ): Promise<number> {
    const pipeline = this.redis.pipeline();
    for (let k = 0; k < n; k++) {
      const i = indexes ? indexes[k] : k;
      if (this.sharded) pipeline.spublish(channels[i], payloads[i]);
      else pipeline.publish(channels[i], payloads[i]);
    }
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await pipeline.exec();
    } catch {
      results = null;
    }
    let failed = 0;
    for (let k = 0; k < n; k++) {
      const i = indexes ? indexes[k] : k;
      const entry = results?.[k];
      if (entry && !entry[0]) {
        replies[i] = entry[1] as number;
        continue;
      }
      replies[i] = -1;
      failed++;
      if (moved && entry?.[0]?.message.startsWith('MOVED ')) {
        moved.push(i);
        movedErrors?.push(entry[0]);
      }
    }
    return failed;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Opens a NodePublisher (connection events counted by the caller). */
export async function openNodePublisher(
  ctx: NodeContext,
  node: { host: string; port: number },
  opts: NodeConnectOptions & { sharded: boolean },
  events: ConnectionEvents,
): Promise<NodePublisher> {
  const handle = await connectNode(ctx, node, opts, {
    onDisconnect: (cause) => events.onDisconnect(cause),
    onReconnect: () => events.onReconnect(),
  });
  return new NodePublisher(handle, opts.sharded);
}

/**
 * Subscribes on one node. Remembers what it subscribed so it can restore it after a reconnect (ioredis'
 * own resubscription is switched off: it cannot tell us when it has finished).
 */
export class NodeSubscriber implements SubscribeConnection {
  private readonly channels = new Set<string>();
  private readonly patterns = new Set<string>();
  private handle: NodeHandle | undefined;
  private nodeName = '';

  /**
   * @param sharded SSUBSCRIBE instead of SUBSCRIBE.
   * @param splitBySlot send one SSUBSCRIBE per hash slot (a cluster node refuses channels of several slots in
   *   one command with CROSSSLOT).
   */
  constructor(
    private readonly sharded: boolean,
    private readonly splitBySlot: boolean,
  ) {}

  /** Connects and wires the delivery events to `handlers`. */
  async open(
    ctx: NodeContext,
    node: { host: string; port: number },
    opts: NodeConnectOptions,
    handlers: SubscriberHandlers,
    onMoved?: () => void,
  ): Promise<this> {
    this.nodeName = hostPort(node);
    this.handle = await connectNode(ctx, node, opts, {
      onDisconnect: (cause) => handlers.onDisconnect(cause),
      onReconnect: () => handlers.onReconnect(),
      restore: () => this.restore(),
    });
    // The Buffer events only: the string events would decode every message to UTF-8.
    const redis = this.handle.redis;
    if (this.sharded) redis.on('smessageBuffer', (channel: Buffer, payload: Buffer) => handlers.onMessage(channel, payload));
    else redis.on('messageBuffer', (channel: Buffer, payload: Buffer) => handlers.onMessage(channel, payload));
    redis.on('pmessageBuffer', (pattern: string, channel: Buffer, payload: Buffer) => handlers.onPatternMessage(pattern, channel, payload));
    // ioredis emits 'moved' when a cluster node drops sharded subscriptions of a slot that moved away.
    if (onMoved) redis.on('moved', onMoved);
    return this;
  }

  private get redis(): Redis {
    if (!this.handle) throw new Error('NodeSubscriber used before open()');
    return this.handle.redis;
  }

  private async sendSubscribe(channels: string[]): Promise<void> {
    if (channels.length === 0) return;
    if (!this.sharded) {
      await this.redis.subscribe(...channels);
      return;
    }
    if (!this.splitBySlot) {
      await this.redis.ssubscribe(...channels);
      return;
    }
    const bySlot = new Map<number, string[]>();
    for (const channel of channels) {
      const slot = keySlot(channel);
      const group = bySlot.get(slot);
      if (group) group.push(channel);
      else bySlot.set(slot, [channel]);
    }
    await Promise.all([...bySlot.values()].map((group) => this.redis.ssubscribe(...group)));
  }

  async subscribe(channels: string[]): Promise<number> {
    await this.refusedAs(this.sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE', this.sendSubscribe(channels));
    for (const channel of channels) this.channels.add(channel);
    return channels.length;
  }

  async psubscribe(patterns: string[]): Promise<number> {
    if (patterns.length > 0) await this.refusedAs('PSUBSCRIBE', this.redis.psubscribe(...patterns));
    for (const pattern of patterns) this.patterns.add(pattern);
    return patterns.length;
  }

  /** A refused subscription is a TargetError naming the node (the run cannot be measured without it). */
  private async refusedAs(command: string, sent: Promise<unknown>): Promise<void> {
    try {
      await sent;
    } catch (err) {
      throw new TargetError(`${command} was not confirmed by ${this.nodeName}: ${(err as Error).message}`);
    }
  }

  /** Sharded channels this connection holds (a copy). */
  heldChannels(): string[] {
    return [...this.channels];
  }

  /** Drops channels from the restore list (their slot moved away; the server already unsubscribed them). */
  forget(channels: string[]): void {
    for (const channel of channels) this.channels.delete(channel);
  }

  /** Subscribes again to everything after a reconnect. */
  private async restore(): Promise<void> {
    await Promise.all([
      this.sendSubscribe([...this.channels]),
      this.patterns.size > 0 ? this.redis.psubscribe(...this.patterns) : Promise.resolve(),
    ]);
  }

  close(): Promise<void> {
    return this.handle ? this.handle.close() : Promise.resolve();
  }
}
