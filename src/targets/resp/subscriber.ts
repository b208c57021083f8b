/**
 * The native subscriber: SUBSCRIBE / SSUBSCRIBE / PSUBSCRIBE on one node over a RespSocket. Deliveries reach the
 * handlers as offsets into the received bytes (no copy, no string); confirmations are counted in order and
 * resolve the subscribe call that asked for them; a server-side `sunsubscribe` (the slot moved away) is reported.
 */
import type { NodeContext } from '../node-connection.js';
import type { NodeSubscribeConnection, SubscriberHandlers } from '../types.js';
import { TargetError } from '../../core/errors.js';
import { groupBySlot } from '../slot.js';
import { hostPort } from '../url.js';
import { encodeCommand } from './encode.js';
import { RespError, type RespValue } from './reader.js';
import { RespSocket, type RespSocketOptions, type RespSocketOwner } from './socket.js';

/** A subscribe command waiting for its confirmations. */
interface Waiter {
  left: number;
  command: string;
  resolve(): void;
  reject(err: Error): void;
}

const SUBSCRIBE_KINDS = new Set(['subscribe', 'ssubscribe', 'psubscribe']);
/** Confirmations of the unsubscribe commands this connection sends (churn), by the command that asked. */
const UNSUBSCRIBE_KIND: Record<string, string> = { UNSUBSCRIBE: 'unsubscribe', SUNSUBSCRIBE: 'sunsubscribe', PUNSUBSCRIBE: 'punsubscribe' };

/** Subscribes on one node; remembers what it holds so a reconnect can restore it. */
export class NativeSubscriber implements NodeSubscribeConnection, RespSocketOwner {
  private socket!: RespSocket;
  private readonly channels = new Set<string>();
  /** Patterns in subscription order; a delivery names its pattern by index into this list. */
  private readonly patterns: string[] = [];
  private readonly patternBytes: Buffer[] = [];
  /** Patterns PUNSUBSCRIBEd (churn): kept in `patterns` for their index, left out of a restore. */
  private readonly unsubscribedPatterns = new Set<string>();
  private readonly waiters: Waiter[] = [];
  private nodeName = '';

  /**
   * @param sharded SSUBSCRIBE instead of SUBSCRIBE.
   * @param splitBySlot one SSUBSCRIBE per hash slot (a cluster node refuses several slots with CROSSSLOT).
   * @param onMoved called when the server drops sharded subscriptions because their slot moved.
   */
  constructor(
    private readonly sharded: boolean,
    private readonly splitBySlot: boolean,
    private readonly handlers: SubscriberHandlers,
    private readonly onMoved?: () => void,
  ) {}

  async open(ctx: NodeContext, node: { host: string; port: number }, opts: RespSocketOptions): Promise<this> {
    this.nodeName = hostPort(node);
    this.socket = new RespSocket(ctx, node, { clientName: opts.clientName, connectTimeoutMs: opts.connectTimeoutMs, resp3: opts.resp3, rehome: opts.rehome }, this);
    await this.socket.open();
    return this;
  }

  async subscribe(channels: string[]): Promise<number> {
    await this.refusedAs(this.sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE', this.sendSubscribe(channels));
    for (const channel of channels) this.channels.add(channel);
    return channels.length;
  }

  async psubscribe(patterns: string[]): Promise<number> {
    const again = patterns.filter((p) => this.unsubscribedPatterns.has(p));
    if (again.length > 0) {
      await this.refusedAs('PSUBSCRIBE', this.command(['PSUBSCRIBE', ...again], again.length));
      for (const p of again) this.unsubscribedPatterns.delete(p);
    }
    const fresh = patterns.filter((p) => !this.patterns.includes(p));
    if (fresh.length > 0) {
      await this.refusedAs('PSUBSCRIBE', this.command(['PSUBSCRIBE', ...fresh], fresh.length));
      for (const p of fresh) {
        this.patterns.push(p);
        this.patternBytes.push(Buffer.from(p));
      }
    }
    return patterns.length;
  }

  /**
   * UNSUBSCRIBE (SUNSUBSCRIBE when sharded) and wait for every confirmation: once it resolves, no message of these
   * channels arrives until they are subscribed again. They leave the restore list too.
   */
  async unsubscribe(channels: string[]): Promise<number> {
    if (channels.length === 0) return 0;
    const verb = this.sharded ? 'SUNSUBSCRIBE' : 'UNSUBSCRIBE';
    if (!this.splitBySlot) await this.refusedAs(verb, this.command([verb, ...channels], channels.length));
    else await this.refusedAs(verb, Promise.all(groupBySlot(channels, (c) => c).map((g) => this.command([verb, ...g], g.length))));
    for (const channel of channels) this.channels.delete(channel);
    return channels.length;
  }

  /** PUNSUBSCRIBE and wait for every confirmation. The patterns keep their indexes for a later PSUBSCRIBE. */
  async punsubscribe(patterns: string[]): Promise<number> {
    if (patterns.length === 0) return 0;
    await this.refusedAs('PUNSUBSCRIBE', this.command(['PUNSUBSCRIBE', ...patterns], patterns.length));
    for (const p of patterns) this.unsubscribedPatterns.add(p);
    return patterns.length;
  }

  /** Index of a subscribed pattern given as bytes, or -1 (a pattern this connection never asked for). */
  patternIndex(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    outer: for (let i = 0; i < this.patternBytes.length; i++) {
      const p = this.patternBytes[i];
      if (p.length !== len) continue;
      for (let k = 0; k < len; k++) if (p[k] !== buf[start + k]) continue outer;
      return i;
    }
    return -1;
  }

  heldChannels(): string[] {
    return [...this.channels];
  }

  forget(channels: string[]): void {
    for (const channel of channels) this.channels.delete(channel);
  }

  private sendSubscribe(channels: string[]): Promise<void> {
    if (channels.length === 0) return Promise.resolve();
    const verb = this.sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE';
    if (!this.splitBySlot) return this.command([verb, ...channels], channels.length);
    return Promise.all(groupBySlot(channels, (c) => c).map((group) => this.command([verb, ...group], group.length))).then(() => undefined);
  }

  /** Sends one subscribe-type command and resolves once all `confirmations` arrived. */
  private command(args: string[], confirmations: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.write(encodeCommand(args))) {
        reject(new Error('the connection is down'));
        return;
      }
      this.waiters.push({ left: confirmations, command: args[0], resolve, reject });
    });
  }

  /** A refused subscription is a TargetError naming the node (the run cannot be measured without it). */
  private async refusedAs(command: string, sent: Promise<unknown>): Promise<void> {
    try {
      await sent;
    } catch (err) {
      throw new TargetError(`${command} was not confirmed by ${this.socket ? hostPort(this.socket.node) : this.nodeName}: ${(err as Error).message}`);
    }
  }

  // RespSocketOwner

  onDelivery(buf: Buffer, start: number, end: number, chanStart: number, chanEnd: number, patStart: number, patEnd: number): void {
    const pattern = patStart < 0 ? -1 : this.patternIndex(buf, patStart, patEnd);
    this.handlers.onMessage(buf, start, end, buf, chanStart, chanEnd, patStart < 0 ? -1 : pattern < 0 ? -2 : pattern);
  }

  /** A reply no subscribed connection gets: the stream cannot be trusted, so the connection is dropped, named. */
  private unexpected(what: string): void {
    this.socket.drop(`protocol error: unexpected reply on a subscribed connection: ${what}`);
  }

  onInteger(n: number): void {
    this.unexpected(`:${n}`);
  }

  onSimple(buf: Buffer, start: number, end: number): void {
    this.unexpected(`+${buf.toString('latin1', start, Math.min(end, start + 40))}`);
  }

  onValue(value: RespValue): void {
    if (value instanceof RespError) {
      const waiter = this.waiters.shift();
      waiter?.reject(new Error(value.message));
      return;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'string') {
      this.unexpected(JSON.stringify(value).slice(0, 60));
      return;
    }
    const kind = value[0];
    if (SUBSCRIBE_KINDS.has(kind)) {
      const waiter = this.waiters[0];
      if (waiter && --waiter.left === 0) {
        this.waiters.shift();
        waiter.resolve();
      }
    } else if (this.waiters.length > 0 && UNSUBSCRIBE_KIND[this.waiters[0].command] === kind) {
      const waiter = this.waiters[0];
      if (--waiter.left === 0) {
        this.waiters.shift();
        waiter.resolve();
      }
    } else if (kind === 'sunsubscribe') {
      // Unasked: the server dropped a sharded subscription because its slot moved to another node.
      this.onMoved?.();
    } else if (kind !== 'unsubscribe' && kind !== 'punsubscribe' && kind !== 'pong' && kind !== 'invalidate') {
      this.unexpected(JSON.stringify(value).slice(0, 60));
    }
  }

  onDown(cause: string): void {
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w.reject(new Error(`connection lost: ${cause}`));
    this.handlers.onDisconnect(cause);
  }

  onUp(): void {
    this.handlers.onReconnect();
  }

  onRecoveryFailed(cause: string): void {
    this.handlers.onRecoveryError?.(cause);
  }

  /** Subscribes again to everything after a reconnect. */
  async restore(): Promise<void> {
    const patterns = this.patterns.filter((p) => !this.unsubscribedPatterns.has(p));
    await Promise.all([
      this.sendSubscribe([...this.channels]),
      patterns.length > 0 ? this.command(['PSUBSCRIBE', ...patterns], patterns.length) : Promise.resolve(),
    ]);
  }

  close(): Promise<void> {
    return this.socket ? this.socket.close() : Promise.resolve();
  }
}
