/**
 * One data-plane connection to one Redis node over `node:net` / `node:tls`, measured rather than hiding trouble
 * (the same contract as the ioredis path in node-connection.ts):
 *  - the first connect either succeeds (handshake included) within connectTimeoutMs or fails with a TargetError
 *    explained in plain words (no retry loop);
 *  - once established, a lost connection is reported (onDisconnect), reconnected with a capped backoff, and
 *    reported back (onReconnect) only after `restore` (e.g. resubscribing) has finished;
 *  - work in flight when the connection drops is failed by the owner (onDown), never re-sent;
 *  - with `rehome` (classic cluster connections), every REHOME_AFTER failed reconnects in a row it asks where to go
 *    instead: a dead master's replica may have been promoted, and classic pub/sub works on any master.
 * Handshake: HELLO 3 (when asked) with AUTH and SETNAME, or AUTH + CLIENT SETNAME; SELECT for a database.
 */
import net from 'node:net';
import tls from 'node:tls';
import { connectError, diagnoseConnectError, explainConnectError } from '../connect-errors.js';
import { REHOME_AFTER, reconnectDelayMs, type NodeContext } from '../node-connection.js';
import { redactSecrets } from '../url.js';
import { encodeCommand } from './encode.js';
import { RespError, RespProtocolError, RespReader, type RespHandler, type RespValue } from './reader.js';

/** Per-connection settings. */
export interface RespSocketOptions {
  clientName: string;
  connectTimeoutMs: number;
  /** Speak RESP3 (HELLO 3): pushes arrive as `>` frames. */
  resp3?: boolean;
  /** Where to reconnect when this node keeps refusing (see ConnectionOptions.rehome); undefined: the same node. */
  rehome?: (deadNode: { host: string; port: number }) => Promise<{ host: string; port: number } | undefined>;
  /** Parse XREADGROUP replies on the reader's fast path (the owner implements the onStream* handlers). */
  streamReplies?: boolean;
}

/** What the owner of a socket (publisher or subscriber) handles. */
export interface RespSocketOwner extends RespHandler {
  /** The connection dropped: fail whatever is in flight. `cause` is in plain words, without secrets. */
  onDown(cause: string): void;
  /** The connection is back and restored. */
  onUp(): void;
  /** Redo state after a reconnect (resubscribe); onUp follows once it resolves. */
  restore?(): Promise<void>;
  /** A reconnect attempt or the restore after it failed (the server's text, no secrets); another attempt follows. */
  onRecoveryFailed?(cause: string): void;
}

let readBuffer: Buffer | undefined;
/** The read buffer of this thread's plain TCP connections (allocated on first use). */
function sharedReadBuffer(): Buffer {
  readBuffer ??= Buffer.allocUnsafe(64 * 1024);
  return readBuffer;
}

/** Error-like shape handed to connectError. */
interface Failure {
  code?: string;
  message: string;
}

/** A RESP connection that reconnects by itself once established. */
export class RespSocket {
  private socket: net.Socket | undefined;
  private readonly reader: RespReader;
  private closing = false;
  private established = false;
  /** Incremented on every new socket, so a late event from an old socket is ignored. */
  private epoch = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Replies the handshake still waits for; while > 0 frames go to `handshakeReply`. */
  private handshakeLeft = 0;
  private handshakeReply: (v: RespValue) => void = () => undefined;
  /** True while the socket is connected and handshaken. */
  up = false;
  /** An outage was reported and not yet recovered from (one onDown per outage). */
  private down = false;

  constructor(
    private readonly ctx: NodeContext,
    /** The node connected to; changes only when the connection re-homes. */
    public node: { host: string; port: number },
    private readonly opts: RespSocketOptions,
    private readonly owner: RespSocketOwner,
  ) {
    const self = this;
    // While the handshake runs, every reply belongs to it; afterwards frames go straight to the owner.
    const handler: RespHandler = {
      onDelivery: (b, ps, pe, cs, ce, ts, te) => owner.onDelivery(b, ps, pe, cs, ce, ts, te),
      onInteger(n) {
        if (self.handshakeLeft > 0) self.handshakeReply(n);
        else owner.onInteger(n);
      },
      onSimple(buf, start, end) {
        if (self.handshakeLeft > 0) self.handshakeReply(buf.toString('latin1', start, end));
        else owner.onSimple(buf, start, end);
      },
      onValue(value, push) {
        if (self.handshakeLeft > 0 && !push) self.handshakeReply(value);
        else owner.onValue(value, push);
      },
    };
    // Only owners that take bulk replies as ranges get them so (a stream publisher's XADD ids); others decode them.
    if (owner.onBulk) {
      const onBulk = owner.onBulk.bind(owner);
      handler.onBulk = (buf, start, end) => {
        if (self.handshakeLeft > 0) self.handshakeReply(buf.toString('utf8', start, end));
        else onBulk(buf, start, end);
      };
    }
    if (opts.streamReplies) {
      handler.onStreamKey = owner.onStreamKey?.bind(owner);
      handler.onStreamEntry = owner.onStreamEntry?.bind(owner);
      handler.onStreamReply = owner.onStreamReply?.bind(owner);
    }
    this.reader = new RespReader(handler, { streams: opts.streamReplies === true });
  }

  /** Connects and completes the handshake; rejects with a TargetError (redacted) otherwise. */
  async open(): Promise<this> {
    const startedMs = Date.now();
    try {
      await this.connectOnce(this.opts.connectTimeoutMs);
    } catch (err) {
      this.closing = true;
      const first = err as Failure;
      const leftMs = this.opts.connectTimeoutMs - (Date.now() - startedMs);
      const cause = first.code === 'ETIMEDOUT' || leftMs <= 0 ? first : await diagnoseConnectError(first, this.node, this.ctx.tls, leftMs);
      throw connectError(cause, this.ctx.spec, this.node, this.opts.connectTimeoutMs);
    }
    this.established = true;
    return this;
  }

  /** Writes bytes; false when the connection is down (the caller fails that work). */
  write(bytes: Uint8Array): boolean {
    if (!this.up || !this.socket) return false;
    this.socket.write(bytes);
    return true;
  }

  /** Bytes queued in user space and not yet handed to the kernel (backpressure). */
  get writableLength(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Closes for good: no reconnect, no further events. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.up = false;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.destroy();
    });
  }

  /** Drops the connection as if the network had (tests, protocol errors): the reconnect cycle takes over. */
  drop(cause: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.lastCause = cause;
    socket.destroy();
  }

  private lastCause: string | undefined;

  /** One connect + handshake attempt with a deadline. */
  private connectOnce(timeoutMs: number): Promise<void> {
    const myEpoch = ++this.epoch;
    this.reader.reset();
    return new Promise<void>((resolve, reject) => {
      const { host, port } = this.node;
      const onBytes = (chunk: Buffer, length: number): void => {
        try {
          this.reader.feed(chunk, length);
        } catch (err) {
          const message = err instanceof RespProtocolError ? err.message : `reading a reply failed: ${(err as Error).message}`;
          if (!settled) fail({ message: `Protocol error: ${message}` });
          else this.drop(message);
        }
      };
      // Plain TCP reads into one buffer shared by every connection of this thread: the reader parses a read before
      // the next one starts and copies what it keeps, so 10,000 subscribers do not allocate 64 KiB per read each.
      const socket: net.Socket = this.ctx.tls
        ? tls.connect({ ...this.ctx.tls, host, port, servername: this.ctx.tls.servername ?? (net.isIP(host) ? undefined : host) })
        : net.connect({ host, port, onread: { buffer: sharedReadBuffer(), callback: (n: number, buf: Uint8Array) => {
            onBytes(buf as Buffer, n);
            return true;
          } } });
      this.socket = socket;
      socket.setNoDelay(true);
      let settled = false;
      /** The handshake completed on this socket: its close is an outage, not a failed attempt. */
      let opened = false;
      let lastError: Failure | undefined;
      const fail = (err: Failure): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.handshakeLeft = 0;
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail({ code: 'ETIMEDOUT', message: 'timeout' }), timeoutMs);
      socket.on('error', (err: NodeJS.ErrnoException) => {
        lastError = { code: err.code, message: err.message };
        if (!settled) fail(lastError);
      });
      socket.on('close', () => {
        if (!opened) {
          fail(lastError ?? { message: '' });
          return;
        }
        if (myEpoch === this.epoch) this.onClosed(lastError);
      });
      if (this.ctx.tls) socket.on('data', (chunk: Buffer) => onBytes(chunk, chunk.length));
      socket.once(this.ctx.tls ? 'secureConnect' : 'connect', () => {
        const commands = this.handshakeCommands();
        this.handshakeLeft = commands.length;
        this.handshakeReply = (v) => {
          const command = commands[commands.length - this.handshakeLeft];
          this.handshakeLeft--;
          // CLIENT SETNAME may be refused to a restricted ACL user; the name only helps CLIENT LIST.
          if (v instanceof RespError && command[0] !== 'CLIENT') {
            fail({ message: v.message });
            return;
          }
          if (this.handshakeLeft === 0 && !settled) {
            settled = true;
            opened = true;
            clearTimeout(timer);
            this.up = true;
            resolve();
          }
        };
        socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
      });
    });
  }

  /** Asks where to go after failed reconnects; a failed question keeps the same node. */
  private async rehome(rehome: NonNullable<RespSocketOptions['rehome']>): Promise<void> {
    try {
      const next = await rehome(this.node);
      if (next && (next.host !== this.node.host || next.port !== this.node.port)) this.node = { host: next.host, port: next.port };
    } catch {
      // Keep trying the node we had: the next round asks again.
    }
  }

  private handshakeCommands(): string[][] {
    const { spec } = this.ctx;
    const commands: string[][] = [];
    const auth = spec.password !== undefined ? (spec.username !== undefined ? [spec.username, spec.password] : ['default', spec.password]) : undefined;
    if (this.opts.resp3) {
      commands.push(['HELLO', '3', ...(auth ? ['AUTH', ...auth] : []), 'SETNAME', this.opts.clientName]);
    } else {
      if (auth) commands.push(spec.username !== undefined ? ['AUTH', ...auth] : ['AUTH', spec.password as string]);
      commands.push(['CLIENT', 'SETNAME', this.opts.clientName]);
    }
    if (spec.db !== undefined && spec.db !== 0) commands.push(['SELECT', String(spec.db)]);
    return commands;
  }

  /** An established connection closed: report it and start reconnecting. */
  private onClosed(err: Failure | undefined): void {
    this.up = false;
    this.socket = undefined;
    if (this.closing || !this.established) return;
    if (!this.down) {
      this.down = true;
      const raw = this.lastCause ?? (err ? `${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}` : 'the server closed the connection');
      this.lastCause = undefined;
      this.owner.onDown(redactSecrets(raw, this.ctx.spec));
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    this.attempt++;
    this.retryTimer = setTimeout(() => this.reconnect(), reconnectDelayMs(this.attempt));
  }

  private async reconnect(): Promise<void> {
    if (this.closing) return;
    if (this.opts.rehome && this.attempt > 1 && (this.attempt - 1) % REHOME_AFTER === 0) {
      await this.rehome(this.opts.rehome);
      if (this.closing) return;
    }
    try {
      await this.connectOnce(this.opts.connectTimeoutMs);
    } catch (err) {
      if (this.closing) return;
      // Refused outright (WRONGPASS after a password change) is worth naming; "nothing listens yet" is the outage.
      const failure = err as Failure;
      if (failure.code === undefined && failure.message !== '') {
        this.owner.onRecoveryFailed?.(redactSecrets(`reconnecting failed: ${explainConnectError(failure, this.ctx.spec, this.opts.connectTimeoutMs)}`, this.ctx.spec));
      }
      this.scheduleReconnect();
      return;
    }
    const myEpoch = this.epoch;
    try {
      await this.owner.restore?.();
    } catch (err) {
      // Up but not restored (a resubscribe was refused): drop it and try again rather than report a recovery.
      if (myEpoch === this.epoch && !this.closing) {
        this.owner.onRecoveryFailed?.(redactSecrets(`resubscribing failed: ${(err as Error).message}`, this.ctx.spec));
        this.drop('restoring the subscriptions failed');
      }
      return;
    }
    if (myEpoch !== this.epoch || this.closing || !this.up) return;
    this.attempt = 0;
    this.down = false;
    this.owner.onUp();
  }
}
