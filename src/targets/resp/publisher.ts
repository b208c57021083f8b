/**
 * The native publisher: PUBLISH / SPUBLISH frames laid out in one preallocated ring buffer. A message costs two
 * copies (the channel's frame prefix, the payload template) and the caller's envelope write; a batch leaves in one
 * socket write; replies are read by the streaming reader without allocating. In mode 'multi' every send() is one
 * MULTI … EXEC transaction (in sharded mode one per hash slot: a transaction cannot span slots).
 *
 * Ring discipline: frames are queued in order; a frame's bytes are reused only after its reply arrived (Redis had
 * read them, so the socket no longer needs them). So inside onReply the answered frame is still intact: a cluster
 * ASK redirect reads it back (`answered`) and another node's publisher re-sends it behind `ASKING` (`sendAsking`),
 * whose +OK is matched to a reserved token and swallowed. Only redirects allocate.
 */
import type { ConnectionEvents, PublishConnection, PublisherOptions } from '../types.js';
import { keySlot } from '../slot.js';
import type { NodeContext } from '../node-connection.js';
import { ASKING_FRAME, EXEC_FRAME, MULTI_FRAME, publishPrefix, xaddPrefix } from './encode.js';
import { RespError, type RespValue } from './reader.js';
import { RespSocket, type RespSocketOwner } from './socket.js';

/** Largest ring a publisher allocates; a bigger window waits for room instead (huge messages × deep windows). */
const MAX_RING_BYTES = 64 * 1024 * 1024;
const noReply = (): void => undefined;
/** Stands for any simple-string reply (+OK, +QUEUED) in the transaction state machine, without decoding it. */
const SIMPLE_REPLY = '+';
/** The token of an `ASKING` queued before a redirected publish: its reply is swallowed, never reported. */
const ASKING_TOKEN = 0xffffffff;

/** Publishes on one node over a RespSocket. */
export class NativePublisher implements PublishConnection, RespSocketOwner {
  onReply: (token: number, reply: number) => void = noReply;
  lastError = '';
  payloadOffset = 0;
  private socket!: RespSocket;
  private readonly prefixes: Buffer[];
  private readonly slots: Int32Array;
  private readonly multi: boolean;
  private readonly messageBytes: number;
  private readonly template: Buffer;
  private readonly out: Buffer;
  /** Largest bytes one message can take, transaction framing included. */
  private readonly slotBytes: number;
  /** Queue of frames in the ring (added, sent or not): token, start offset and channel index. */
  private readonly qToken: Uint32Array;
  private readonly qStart: Uint32Array;
  private readonly qChannel: Uint32Array;
  /** Messages the caller may keep queued (the rest of the queue is for ASKING entries of redirects). */
  private readonly capacity: number;
  /** The entry pop() took last: its frame is still in the ring while its reply is being reported. */
  private lastToken = -1;
  private lastStart = 0;
  private lastChannel = 0;
  private qHead = 0;
  private qCount = 0;
  private wpos = 0;
  private sendFrom = 0;
  /** Messages added since the last send. */
  private pendingCount = 0;
  /** multi: messages in the open transaction, its slot, and the sizes of transactions awaiting EXEC's reply. */
  private txOpen = 0;
  private txSlot = -1;
  private readonly txSizes: Uint32Array;
  private txHead = 0;
  private txCount = 0;
  /**
   * multi: true once MULTI's reply came (then +QUEUED or queue-time errors follow until EXEC's reply), and the first
   * queue-time error. Replies are told apart by type, not counted: a transaction cut by a ring wrap is partly sent
   * (and answered) before its size is known.
   */
  private txQueued = false;
  private txError = '';

  constructor(opts: PublisherOptions, private readonly events: ConnectionEvents) {
    this.multi = opts.mode === 'multi';
    this.messageBytes = opts.payloadTemplate.length;
    this.template = opts.payloadTemplate;
    const streams = opts.streams;
    if (streams) this.onBulk = (buf, start, end) => this.onEntryId(buf, start, end);
    // Streams: the same frames with XADD to the channel's stream in front; the reply is the entry id (onBulk).
    this.prefixes = opts.channels.map((c) => streams
      ? xaddPrefix(Buffer.concat([Buffer.from(streams.keyPrefix), c]), streams.maxLen, this.messageBytes)
      : publishPrefix(opts.sharded, c, this.messageBytes));
    this.slots = new Int32Array(opts.channels.length).fill(-1);
    if (opts.sharded && this.multi) opts.channels.forEach((c, i) => (this.slots[i] = keySlot(c)));
    const longest = this.prefixes.reduce((m, p) => Math.max(m, p.length), 0);
    // multi: a message that starts a transaction after closing another writes EXEC + MULTI + frame, and send() may
    // still append the closing EXEC: two EXECs per reservation.
    this.slotBytes = longest + this.messageBytes + 2 + (this.multi ? MULTI_FRAME.length + 2 * EXEC_FRAME.length : 0);
    const capacity = Math.max(1, opts.maxInFlight);
    this.capacity = capacity;
    // Room for the window twice over (frames wrap); past MAX_RING_BYTES fewer messages fit in flight, at least one.
    const ringBytes = Math.min(2 * (capacity + 1) * this.slotBytes, Math.max(MAX_RING_BYTES, this.slotBytes));
    this.out = Buffer.alloc(ringBytes);
    // Twice the window: a redirected message takes two entries (ASKING and the publish).
    const queueLength = 2 * capacity + 2;
    this.qToken = new Uint32Array(queueLength);
    this.qStart = new Uint32Array(queueLength);
    this.qChannel = new Uint32Array(queueLength);
    this.txSizes = new Uint32Array(capacity + 1);
  }

  /** Connects (handshake included). */
  async open(ctx: NodeContext, node: { host: string; port: number }, opts: PublisherOptions): Promise<this> {
    this.socket = new RespSocket(ctx, node, { clientName: opts.clientName, connectTimeoutMs: opts.connectTimeoutMs, resp3: opts.resp3, rehome: opts.rehome }, this);
    await this.socket.open();
    return this;
  }

  hasRoom(): boolean {
    if (this.qCount >= this.capacity) return false;
    return this.placeFor(this.slotBytes) >= 0;
  }

  /** Where `need` bytes can go in the ring, or -1 when there is no room yet. May flush and wrap. */
  private placeFor(need: number): number {
    if (this.qCount === 0) {
      this.wpos = 0;
      this.sendFrom = 0;
      return 0;
    }
    const tail = this.qStart[this.qHead];
    if (this.wpos >= tail) {
      if (this.wpos + need <= this.out.length) return this.wpos;
      return need < tail ? 0 : -1;
    }
    return this.wpos + need < tail ? this.wpos : -1;
  }

  add(channel: number, token: number): Buffer {
    const out = this.out;
    let at = this.reserve(this.slotBytes);
    if (at < 0) throw new Error('publisher ring full: add() called without hasRoom()');
    const start = at;
    if (this.multi) {
      const slot = this.slots[channel];
      if (this.txOpen > 0 && slot !== this.txSlot) {
        at = this.closeTx(at);
      }
      if (this.txOpen === 0) {
        MULTI_FRAME.copy(out, at);
        at += MULTI_FRAME.length;
        this.txSlot = slot;
      }
      this.txOpen++;
    }
    this.wpos = this.writeFrame(at, channel, this.template);
    this.enqueue(token, start, channel);
    this.pendingCount++;
    return out;
  }

  /**
   * Where `need` bytes go, wrapping to the ring's start when they do not fit at its end (what is written but not sent
   * goes out first, so every write is one contiguous range); -1 when there is no room yet.
   */
  private reserve(need: number): number {
    const at = this.placeFor(need);
    if (at < 0 || at === this.wpos) return at;
    this.flushBytes();
    this.sendFrom = 0;
    return 0;
  }

  /** Writes `PUBLISH channel <payload>` at `at` (payloadOffset marks the payload); returns the end of the frame. */
  private writeFrame(at: number, channel: number, payload: Uint8Array): number {
    const out = this.out;
    const prefix = this.prefixes[channel];
    out.set(prefix, at);
    at += prefix.length;
    this.payloadOffset = at;
    out.set(payload, at);
    at += this.messageBytes;
    out[at] = 13;
    out[at + 1] = 10;
    return at + 2;
  }

  /** Queues an entry whose reply comes next after those already queued. */
  private enqueue(token: number, start: number, channel: number): void {
    const q = (this.qHead + this.qCount) % this.qToken.length;
    this.qToken[q] = token;
    this.qStart[q] = start;
    this.qChannel[q] = channel;
    this.qCount++;
  }

  /** The message just answered under `token` (inside onReply only): its channel and a view of its payload. */
  answered(token: number): { channel: number; payload: Buffer } | undefined {
    if (this.multi || token !== this.lastToken) return undefined;
    const at = this.lastStart + this.prefixes[this.lastChannel].length;
    return { channel: this.lastChannel, payload: this.out.subarray(at, at + this.messageBytes) };
  }

  /**
   * Queues `ASKING` and the publish of `payload` (messageBytes long) on `channel` under `token`, and sends them
   * (with whatever the caller added and not sent yet). Not in mode 'multi'. False when there is no room or the
   * connection is down.
   */
  sendAsking(channel: number, token: number, payload: Buffer): boolean {
    if (this.multi || !this.socket.up || payload.length !== this.messageBytes) return false;
    if (this.qCount + 2 > this.qToken.length - 1) return false;
    let at = this.reserve(ASKING_FRAME.length + this.prefixes[channel].length + this.messageBytes + 2);
    if (at < 0) return false;
    this.enqueue(ASKING_TOKEN, at, channel);
    ASKING_FRAME.copy(this.out, at);
    at += ASKING_FRAME.length;
    this.enqueue(token, at, channel);
    this.wpos = this.writeFrame(at, channel, payload);
    this.flushBytes();
    return true;
  }

  /** Writes EXEC for the open transaction at `at`; returns the position after it. */
  private closeTx(at: number): number {
    EXEC_FRAME.copy(this.out, at);
    this.txSizes[(this.txHead + this.txCount) % this.txSizes.length] = this.txOpen;
    this.txCount++;
    this.txOpen = 0;
    return at + EXEC_FRAME.length;
  }

  send(): void {
    if (this.pendingCount === 0) return;
    if (this.multi && this.txOpen > 0) this.wpos = this.closeTx(this.wpos);
    this.flushBytes();
    this.pendingCount = 0;
  }

  private flushBytes(): void {
    if (this.wpos > this.sendFrom) {
      if (!this.socket.write(this.out.subarray(this.sendFrom, this.wpos))) this.scheduleFailAll('the connection is down');
    }
    this.sendFrom = this.wpos;
  }

  /**
   * The connection is down, so nothing queued will be answered (what was in flight was failed when it dropped):
   * take the queued messages out now and fail them on the next turn, never inside the caller's own add/send loop.
   */
  private scheduleFailAll(cause: string): void {
    const tokens: number[] = [];
    while (this.qCount > 0) {
      const token = this.pop();
      if (token !== ASKING_TOKEN) tokens.push(token);
    }
    this.resetTx();
    setImmediate(() => {
      this.lastError = cause;
      for (const token of tokens) this.onReply(token, -1);
    });
  }

  private resetTx(): void {
    this.txOpen = 0;
    this.txCount = 0;
    this.txQueued = false;
    this.txError = '';
    this.pendingCount = 0;
  }

  private failAll(cause: string): void {
    this.lastError = cause;
    this.resetTx();
    while (this.qCount > 0) {
      const token = this.pop();
      if (token !== ASKING_TOKEN) this.onReply(token, -1);
    }
  }

  private pop(): number {
    const head = this.qHead;
    const token = this.qToken[head];
    this.lastToken = token;
    this.lastStart = this.qStart[head];
    this.lastChannel = this.qChannel[head];
    this.qHead = head + 1 === this.qToken.length ? 0 : head + 1;
    this.qCount--;
    return token;
  }

  /** True when the oldest queued entry is an ASKING (its reply comes next). */
  private askingNext(): boolean {
    return this.qCount > 0 && this.qToken[this.qHead] === ASKING_TOKEN;
  }

  // RespSocketOwner: replies in the order the commands were sent.

  onInteger(n: number): void {
    if (this.multi) this.onTxReply(n);
    else if (this.askingNext()) this.unexpected(`ASKING answered :${n}`);
    else if (this.qCount > 0) this.onReply(this.pop(), n);
  }

  /**
   * Streams transport only (set in the constructor): bulk replies as ranges. A pub/sub publisher has none, so a bulk
   * reply there stays what it was, an unexpected value on the slow path.
   */
  onBulk?: (buf: Buffer, start: number, end: number) => void;

  /** An XADD's entry id: the message was stored; it has no receiver count, so 0. */
  private onEntryId(buf: Buffer, start: number, end: number): void {
    if (this.multi || this.askingNext()) this.unexpected(`$${buf.toString('latin1', start, Math.min(end, start + 40))}`);
    else if (this.qCount > 0) this.onReply(this.pop(), 0);
  }

  onSimple(buf: Buffer, start: number, end: number): void {
    if (this.multi) this.onTxReply(SIMPLE_REPLY);
    else if (this.askingNext()) this.pop(); // ASKING's +OK
    else this.unexpected(`+${buf.toString('latin1', start, Math.min(end, start + 40))}`);
  }

  onValue(value: RespValue, push: boolean): void {
    if (push) return; // RESP3 pushes (e.g. invalidations) are not replies
    if (this.multi) {
      this.onTxReply(value);
      return;
    }
    if (!(value instanceof RespError)) {
      this.unexpected(JSON.stringify(value).slice(0, 60));
      return;
    }
    if (this.qCount === 0) return;
    if (this.askingNext()) {
      // ASKING refused: the publish behind it gets its own (error) reply, which is what gets reported.
      this.pop();
      return;
    }
    this.lastError = value.message;
    this.onReply(this.pop(), -1);
  }

  /**
   * A reply PUBLISH never gets: the replies can no longer be matched to messages, so the connection is dropped
   * with the cause named (the reconnect cycle takes over; what was in flight fails).
   */
  private unexpected(what: string): void {
    this.socket.drop(`protocol error: unexpected reply to PUBLISH: ${what}`);
  }

  /** multi: MULTI's +OK, a +QUEUED (or queue-time error) per command, then EXEC's array (or EXECABORT, or nil). */
  private onTxReply(value: RespValue): void {
    if (!this.txQueued) {
      if (value !== SIMPLE_REPLY) {
        this.unexpected(`MULTI answered ${JSON.stringify(value).slice(0, 60)}`);
        return;
      }
      this.txQueued = true;
      return;
    }
    const execReply = Array.isArray(value) || value === null || (value instanceof RespError && value.message.startsWith('EXECABORT'));
    if (!execReply) {
      if (value instanceof RespError) {
        if (this.txError === '') this.txError = value.message;
      } else if (value !== SIMPLE_REPLY) {
        this.unexpected(`a queued command answered ${JSON.stringify(value).slice(0, 60)}`);
      }
      return;
    }
    if (this.txCount === 0) {
      this.unexpected('EXEC reply without a transaction');
      return;
    }
    const size = this.txSizes[this.txHead];
    this.txHead = this.txHead + 1 === this.txSizes.length ? 0 : this.txHead + 1;
    this.txCount--;
    this.txQueued = false;
    const txError = this.txError;
    this.txError = '';
    for (let i = 0; i < size && this.qCount > 0; i++) {
      const item = Array.isArray(value) ? value[i] : value;
      if (typeof item === 'number') {
        this.onReply(this.pop(), item);
        continue;
      }
      if (typeof item === 'string') {
        // An XADD's entry id inside EXEC (streams transport): stored, no receiver count.
        this.onReply(this.pop(), 0);
        continue;
      }
      this.lastError = txError !== '' ? txError : item instanceof RespError ? item.message : 'EXEC returned no reply for this command';
      this.onReply(this.pop(), -1);
    }
  }

  onDelivery(): void {
    // A publisher subscribes to nothing.
  }

  onDown(cause: string): void {
    this.events.onDisconnect(cause);
    this.failAll(`connection lost: ${cause}`);
  }

  onUp(): void {
    this.events.onReconnect();
  }

  onRecoveryFailed(cause: string): void {
    this.events.onRecoveryError?.(cause);
  }

  close(): Promise<void> {
    return this.socket ? this.socket.close() : Promise.resolve();
  }
}
