/**
 * The streams transport's subscriber: one consumer group of its own per stream it reads (so every subscriber gets
 * every entry, like SUBSCRIBE), read with XREADGROUP BLOCK and acknowledged with one XACK per stream and reply,
 * pipelined in front of the next read. Entries reach the handlers as ranges of the received bytes, like pub/sub
 * deliveries (the reader's stream fast path: no string, no object per entry); the ids to acknowledge are copied
 * into one reused frame buffer.
 *
 * Resuming: after a reconnect it first reads its pending entries (id 0: delivered to it before the drop but never
 * acknowledged), again until none are left, then new ones (`>`). An entry it had already handled before the drop
 * comes back that way and is counted as a duplicate by the sequence tracking; nothing published meanwhile is lost
 * unless MAXLEN trimmed it first.
 */
import type { NodeContext } from '../node-connection.js';
import { NO_PATTERN, type NodeSubscribeConnection, type SubscriberHandlers } from '../types.js';
import { TargetError } from '../../core/errors.js';
import { STREAM_CONSUMER, type StreamOptions } from '../stream-keys.js';
import { hostPort } from '../url.js';
import { encodeCommand } from './encode.js';
import { RespError, type RespValue } from './reader.js';
import { RespSocket, type RespSocketOptions, type RespSocketOwner } from './socket.js';

/** Entries asked for per stream and read: large enough to catch up quickly after a reconnect. */
const READ_COUNT = 1000;
/** How long a read waits for new entries before it is answered empty and sent again. */
const BLOCK_MS = 1000;

/** What a reply in flight answers (replies come in command order). */
const enum Sent {
  Create,
  Read,
  Ack,
}

const CRLF = Buffer.from('\r\n');

/** Reads its streams through its consumer groups on one node. */
export class NativeStreamSubscriber implements NodeSubscribeConnection, RespSocketOwner {
  private socket!: RespSocket;
  private nodeName = '';
  private readonly channels: string[] = [];
  private readonly keys: string[] = [];
  /** Commands sent and not answered yet, oldest first. */
  private readonly sent: Sent[] = [];
  /** XGROUP CREATE calls waiting for their replies (in order); a restore's re-creations have none. */
  private readonly creates: Array<{ resolve(): void; reject(err: Error): void } | null> = [];
  private readNew: Buffer = Buffer.alloc(0);
  private readPending: Buffer = Buffer.alloc(0);
  /** After a reconnect: reading pending entries (id 0) until a read returns none. */
  private pendingPhase = false;
  private reading = false;
  private closing = false;
  /** XACK frames of the reply being handled, and where the next byte goes. */
  private ack: Buffer = Buffer.allocUnsafe(64 * 1024);
  private ackLen = 0;
  private readonly groupPart: Buffer;
  /** The stream the entries being reported belong to (its key's range in the reply). */
  private keyStart = 0;
  private keyEnd = 0;

  constructor(private readonly streams: StreamOptions, private readonly handlers: SubscriberHandlers) {
    const group = Buffer.from(streams.group);
    this.groupPart = Buffer.concat([Buffer.from(`$${group.length}\r\n`), group, CRLF]);
  }

  async open(ctx: NodeContext, node: { host: string; port: number }, opts: RespSocketOptions): Promise<this> {
    this.nodeName = hostPort(node);
    this.socket = new RespSocket(ctx, node, { clientName: opts.clientName, connectTimeoutMs: opts.connectTimeoutMs, resp3: opts.resp3, streamReplies: true }, this);
    await this.socket.open();
    return this;
  }

  /** Creates this subscriber's group on each channel's stream at its end (`$`: what is published from now on), then reads. */
  async subscribe(channels: string[]): Promise<number> {
    const fresh = channels.filter((c) => !this.channels.includes(c));
    if (fresh.length === 0) return channels.length;
    const keys = fresh.map((c) => this.streams.keyPrefix + c);
    try {
      await Promise.all(keys.map((key) => new Promise<void>((resolve, reject) => {
        if (!this.send(encodeCommand(['XGROUP', 'CREATE', key, this.streams.group, '$', 'MKSTREAM']), Sent.Create)) {
          reject(new Error('the connection is down'));
          return;
        }
        this.creates.push({ resolve, reject });
      })));
    } catch (err) {
      throw new TargetError(`XGROUP CREATE was not confirmed by ${this.socket ? hostPort(this.socket.node) : this.nodeName}: ${(err as Error).message}`);
    }
    this.channels.push(...fresh);
    this.keys.push(...keys);
    const ids = (id: string): string[] => this.keys.map(() => id);
    const head = ['XREADGROUP', 'GROUP', this.streams.group, STREAM_CONSUMER, 'COUNT', String(READ_COUNT)];
    this.readNew = encodeCommand([...head, 'BLOCK', String(BLOCK_MS), 'STREAMS', ...this.keys, ...ids('>')]);
    this.readPending = encodeCommand([...head, 'STREAMS', ...this.keys, ...ids('0')]);
    if (!this.reading) this.read();
    return channels.length;
  }

  psubscribe(): Promise<number> {
    return Promise.reject(new TargetError('streams have no pattern subscriptions'));
  }

  heldChannels(): string[] {
    return [...this.channels];
  }

  forget(): void {
    // Streams do not move between nodes under this subscriber (no cluster support).
  }

  private send(frame: Buffer, kind: Sent): boolean {
    if (!this.socket.write(frame)) return false;
    this.sent.push(kind);
    return true;
  }

  /** Sends the acknowledgements gathered so far and the next read in one write. */
  private read(): void {
    if (this.closing || this.keys.length === 0) return;
    const frame = this.pendingPhase ? this.readPending : this.readNew;
    this.reserve(frame.length);
    frame.copy(this.ack, this.ackLen);
    const bytes = this.ack.subarray(0, this.ackLen + frame.length);
    this.ackLen = 0;
    if (!this.socket.write(bytes)) {
      this.pendingAcks = 0;
      this.reading = false;
      return;
    }
    for (; this.pendingAcks > 0; this.pendingAcks--) this.sent.push(Sent.Ack);
    this.sent.push(Sent.Read);
    this.reading = true;
  }

  /** XACK frames written into `ack` and not sent yet. */
  private pendingAcks = 0;

  private reserve(more: number): void {
    if (this.ackLen + more <= this.ack.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.ack.length * 2, this.ackLen + more));
    this.ack.copy(grown, 0, 0, this.ackLen);
    this.ack = grown;
  }

  private writeDecimal(n: number): void {
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    let at = this.ackLen + digits;
    this.ackLen = at;
    do {
      this.ack[--at] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  private writeBulk(buf: Buffer, start: number, end: number): void {
    this.reserve(end - start + 16);
    this.ack[this.ackLen++] = 36; // $
    this.writeDecimal(end - start);
    this.ack[this.ackLen++] = 13;
    this.ack[this.ackLen++] = 10;
    this.ackLen += buf.copy(this.ack, this.ackLen, start, end);
    this.ack[this.ackLen++] = 13;
    this.ack[this.ackLen++] = 10;
  }

  // RespSocketOwner: the reader's stream fast path.

  onStreamKey(buf: Buffer, keyStart: number, keyEnd: number, entries: number): void {
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    if (entries === 0) return;
    // XACK key group id…: the header now, each id as its entry is reported.
    this.reserve(32 + this.groupPart.length);
    this.ack[this.ackLen++] = 42; // *
    this.writeDecimal(3 + entries);
    this.ackLen += CRLF.copy(this.ack, this.ackLen);
    this.ackLen += XACK.copy(this.ack, this.ackLen);
    this.writeBulk(buf, keyStart, keyEnd);
    this.reserve(this.groupPart.length);
    this.ackLen += this.groupPart.copy(this.ack, this.ackLen);
    this.pendingAcks++;
  }

  onStreamEntry(buf: Buffer, idStart: number, idEnd: number, payloadStart: number, payloadEnd: number): void {
    this.writeBulk(buf, idStart, idEnd);
    // An entry deleted while pending has no fields: nothing to deliver (the sequence gap counts it as lost).
    if (payloadStart >= 0) this.handlers.onMessage(buf, payloadStart, payloadEnd, buf, this.keyStart, this.keyEnd, NO_PATTERN);
  }

  onStreamReply(entries: number): void {
    if (this.sent[0] !== Sent.Read) {
      this.unexpected('a stream reply to a command that was not a read');
      return;
    }
    this.sent.shift();
    this.reading = false;
    if (this.pendingPhase && entries === 0) this.pendingPhase = false;
    this.read();
  }

  onDelivery(): void {
    this.unexpected('a pub/sub message on a stream connection');
  }

  onInteger(n: number): void {
    if (this.sent[0] === Sent.Ack) this.sent.shift();
    else this.unexpected(`:${n}`);
  }

  onSimple(buf: Buffer, start: number, end: number): void {
    if (this.sent[0] === Sent.Create) {
      this.sent.shift();
      this.creates.shift()?.resolve();
    } else {
      this.unexpected(`+${buf.toString('latin1', start, Math.min(end, start + 40))}`);
    }
  }

  onValue(value: RespValue): void {
    const kind = this.sent[0];
    if (kind === Sent.Read && (value === null || (Array.isArray(value) && value.length === 0))) {
      this.onStreamReply(0); // RESP3 BLOCK timeout (null), or no stream at all
      return;
    }
    if (!(value instanceof RespError) || kind === undefined) {
      this.unexpected(JSON.stringify(value).slice(0, 60));
      return;
    }
    this.sent.shift();
    if (kind === Sent.Create) {
      const waiter = this.creates.shift();
      // The group is there already (a restore's re-creation, or a second subscribe): what we wanted.
      if (value.message.startsWith('BUSYGROUP')) waiter?.resolve();
      else waiter?.reject(new Error(value.message));
    } else if (kind === Sent.Read) {
      this.reading = false;
      // The stream and its group are gone (a restarted server without persistence): make them again and read all.
      if (value.message.startsWith('NOGROUP')) this.recreate();
      else this.socket.drop(`XREADGROUP refused: ${value.message}`);
    }
    // A refused XACK leaves the entries pending: they come back after a reconnect and are counted as duplicates.
  }

  private recreate(): void {
    for (const key of this.keys) {
      if (this.send(encodeCommand(['XGROUP', 'CREATE', key, this.streams.group, '0', 'MKSTREAM']), Sent.Create)) this.creates.push(null);
    }
    this.read();
  }

  /** A reply this connection never asked for: replies can no longer be matched, so the connection is dropped. */
  private unexpected(what: string): void {
    this.socket.drop(`protocol error: unexpected reply on a stream connection: ${what}`);
  }

  onDown(cause: string): void {
    this.sent.length = 0;
    this.reading = false;
    this.ackLen = 0;
    this.pendingAcks = 0;
    for (const w of this.creates.splice(0)) w?.reject(new Error(`connection lost: ${cause}`));
    this.handlers.onDisconnect(cause);
  }

  onUp(): void {
    this.handlers.onReconnect();
  }

  onRecoveryFailed(cause: string): void {
    this.handlers.onRecoveryError?.(cause);
  }

  /** After a reconnect: what was delivered to this consumer and never acknowledged comes first. */
  async restore(): Promise<void> {
    this.pendingPhase = true;
    this.read();
  }

  close(): Promise<void> {
    this.closing = true;
    return this.socket ? this.socket.close() : Promise.resolve();
  }
}

const XACK = Buffer.from('$4\r\nXACK\r\n');
