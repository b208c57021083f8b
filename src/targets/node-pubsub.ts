/**
 * The ioredis data path (`--client ioredis`): PublishConnection and subscriber over one ioredis connection to one
 * node. It shows what a Node.js application using ioredis would see — a promise and command objects per message —
 * so it is the slower path; the native one (src/targets/resp/) is the default.
 */
import type { Redis } from 'ioredis';
import type { ConnectionEvents, NodeSubscribeConnection, PublishConnection, PublisherOptions, SubscriberHandlers } from './types.js';
import { NO_PATTERN, UNKNOWN_PATTERN } from './types.js';
import { connectNode, type NodeConnectOptions, type NodeContext, type NodeHandle } from './node-connection.js';
import { groupBySlot } from './slot.js';
import { hostPort } from './url.js';
import { TargetError } from '../core/errors.js';

const noReply = (): void => undefined;

/** Publishes on one node through ioredis: PUBLISH, or SPUBLISH when sharded. */
export class IoredisPublisher implements PublishConnection {
  onReply: (token: number, reply: number) => void = noReply;
  lastError = '';
  readonly payloadOffset = 0;
  private readonly redis: Redis;
  /** One payload buffer per token, reused once its publish settled (tokens are below maxInFlight). */
  private readonly payloads: Buffer[] = [];
  /** The channel index of every token's message (for a cluster redirect to re-send it). */
  private readonly channelOf: number[] = [];
  private readonly pendingTokens: number[] = [];
  private readonly pendingChannels: number[] = [];

  constructor(
    private readonly handle: NodeHandle,
    private readonly opts: PublisherOptions,
  ) {
    this.redis = handle.redis;
  }

  hasRoom(): boolean {
    return true;
  }

  add(channel: number, token: number): Buffer {
    let buf = this.payloads[token];
    if (buf === undefined) {
      buf = Buffer.from(this.opts.payloadTemplate);
      this.payloads[token] = buf;
    }
    this.channelOf[token] = channel;
    this.pendingTokens.push(token);
    this.pendingChannels.push(channel);
    return buf;
  }

  /** The message of `token` (its payload stays put until the token is reused, after its reply). */
  answered(token: number): { channel: number; payload: Buffer } | undefined {
    const payload = this.payloads[token];
    return payload === undefined || this.opts.mode === 'multi' ? undefined : { channel: this.channelOf[token], payload };
  }

  /** `ASKING` + the publish in one pipeline; the publish's reply is reported under `token`. */
  sendAsking(channel: number, token: number, payload: Buffer): boolean {
    if (this.opts.mode === 'multi' || this.redis.status !== 'ready') return false;
    let buf = this.payloads[token];
    if (buf === undefined || buf.length !== payload.length) {
      buf = Buffer.from(payload);
      this.payloads[token] = buf;
    } else if (buf !== payload) {
      payload.copy(buf);
    }
    this.channelOf[token] = channel;
    const name = this.opts.channels[channel];
    const batch = this.redis.pipeline();
    batch.call('ASKING');
    if (this.opts.sharded) batch.spublish(name, buf);
    else batch.publish(name, buf);
    batch.exec().then(
      (results) => {
        const entry = results?.[1];
        if (entry && !entry[0]) this.onReply(token, entry[1] as number);
        else this.fail(token, entry?.[0] ?? new Error('no reply for this command'));
      },
      (err: Error) => this.fail(token, err),
    );
    return true;
  }

  send(): void {
    const n = this.pendingTokens.length;
    if (n === 0) return;
    const tokens = this.pendingTokens.splice(0);
    const channels = this.pendingChannels.splice(0);
    const { mode } = this.opts;
    if (mode === 'pipeline' || mode === 'multi') {
      this.sendBatch(tokens, channels, mode === 'multi');
      return;
    }
    // await / auto: one command each (ioredis auto-pipelining, when enabled, groups them on the wire).
    for (let i = 0; i < n; i++) {
      const token = tokens[i];
      const name = this.opts.channels[channels[i]];
      const sent = this.opts.sharded ? this.redis.spublish(name, this.payloads[token]) : this.redis.publish(name, this.payloads[token]);
      sent.then(
        (reply) => this.onReply(token, reply as number),
        (err: Error) => this.fail(token, err),
      );
    }
  }

  private queue(batch: ReturnType<Redis['pipeline']>, channel: number, token: number): void {
    const name = this.opts.channels[channel];
    if (this.opts.sharded) batch.spublish(name, this.payloads[token]);
    else batch.publish(name, this.payloads[token]);
  }

  private sendBatch(tokens: number[], channels: number[], transaction: boolean): void {
    if (transaction && this.opts.sharded) {
      // A transaction cannot span hash slots in a cluster (CROSSSLOT): one MULTI per slot, in first-seen order.
      const groups = groupBySlot(tokens.map((_, i) => i), (i) => this.opts.channels[channels[i]]);
      if (groups.length > 1) {
        for (const group of groups) this.sendBatch(group.map((i) => tokens[i]), group.map((i) => channels[i]), true);
        return;
      }
    }
    const batch = transaction ? this.redis.multi() : this.redis.pipeline();
    for (let i = 0; i < tokens.length; i++) this.queue(batch, channels[i], tokens[i]);
    batch.exec().then(
      (results) => {
        for (let i = 0; i < tokens.length; i++) {
          const entry = results?.[i];
          if (entry && !entry[0]) this.onReply(tokens[i], entry[1] as number);
          else this.fail(tokens[i], entry?.[0] ?? new Error('no reply for this command'));
        }
      },
      (err: Error) => {
        for (const token of tokens) this.fail(token, err);
      },
    );
  }

  private fail(token: number, err: Error): void {
    this.lastError = err.message;
    this.onReply(token, -1);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Opens an IoredisPublisher (connection events counted by the caller). */
export async function openIoredisPublisher(
  ctx: NodeContext,
  node: { host: string; port: number },
  opts: PublisherOptions,
  events: ConnectionEvents,
): Promise<IoredisPublisher> {
  const handle = await connectNode(ctx, node, { ...opts, autoPipelining: opts.mode === 'auto', protocol: opts.resp3 ? 3 : 2 }, {
    onDisconnect: (cause) => events.onDisconnect(cause),
    onReconnect: () => events.onReconnect(),
    onRecoveryError: (cause) => events.onRecoveryError?.(cause),
  });
  return new IoredisPublisher(handle, opts);
}

/**
 * Subscribes on one node through ioredis. Remembers what it subscribed so it can restore it after a reconnect
 * (ioredis' own resubscription is switched off: it cannot tell us when it has finished).
 */
export class IoredisSubscriber implements NodeSubscribeConnection {
  private readonly channels = new Set<string>();
  private readonly patterns: string[] = [];
  private readonly patternIndex = new Map<string, number>();
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
      onRecoveryError: (cause) => handlers.onRecoveryError?.(cause),
      restore: () => this.restore(),
    });
    // The Buffer events only: the string events would decode every message to UTF-8.
    const redis = this.handle.redis;
    const deliver = (channel: Buffer, payload: Buffer): void =>
      handlers.onMessage(payload, 0, payload.length, channel, 0, channel.length, NO_PATTERN);
    if (this.sharded) redis.on('smessageBuffer', deliver);
    else redis.on('messageBuffer', deliver);
    redis.on('pmessageBuffer', (pattern: Buffer | string, channel: Buffer, payload: Buffer) => {
      const index = this.patternIndex.get(String(pattern)) ?? UNKNOWN_PATTERN;
      handlers.onMessage(payload, 0, payload.length, channel, 0, channel.length, index);
    });
    // ioredis emits 'moved' when a cluster node drops sharded subscriptions of a slot that moved away.
    if (onMoved) redis.on('moved', onMoved);
    return this;
  }

  private get redis(): Redis {
    if (!this.handle) throw new Error('IoredisSubscriber used before open()');
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
    await Promise.all(groupBySlot(channels, (c) => c).map((group) => this.redis.ssubscribe(...group)));
  }

  async subscribe(channels: string[]): Promise<number> {
    await this.refusedAs(this.sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE', this.sendSubscribe(channels));
    for (const channel of channels) this.channels.add(channel);
    return channels.length;
  }

  async psubscribe(patterns: string[]): Promise<number> {
    const fresh = patterns.filter((p) => !this.patternIndex.has(p));
    if (fresh.length > 0) await this.refusedAs('PSUBSCRIBE', this.redis.psubscribe(...fresh));
    for (const pattern of fresh) {
      this.patternIndex.set(pattern, this.patterns.length);
      this.patterns.push(pattern);
    }
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

  heldChannels(): string[] {
    return [...this.channels];
  }

  forget(channels: string[]): void {
    for (const channel of channels) this.channels.delete(channel);
  }

  /** Subscribes again to everything after a reconnect. */
  private async restore(): Promise<void> {
    await Promise.all([
      this.sendSubscribe([...this.channels]),
      this.patterns.length > 0 ? this.redis.psubscribe(...this.patterns) : Promise.resolve(),
    ]);
  }

  close(): Promise<void> {
    return this.handle ? this.handle.close() : Promise.resolve();
  }
}
