/**
 * What tests share for real servers: starting and stopping local targets through the same launcher the CLI
 * uses, redis-cli against them, collecting deliveries, publishing through the hot-path seam (add / send /
 * onReply) and waiting with a bound.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { startLocalRedis, type LocalRedisOptions, type LocalTargetDetails } from '../../src/targets/local.js';
import { findTool } from '../../src/targets/tools.js';
import type { ClientKind, PublishMode } from '../../src/core/scenario.js';
import { NO_PATTERN, type ConnectionEvents, type ConnectionFactory, type PublishConnection, type PublisherOptions, type SubscriberHandlers } from '../../src/targets/types.js';

const execFileAsync = promisify(execFile);

/** A loopback port with nothing listening: bound, read, closed. */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Starts a local target; fails loudly (never skips) when redis-server is missing. */
export async function startServer(opts: LocalRedisOptions): Promise<LocalTargetDetails> {
  if (!findTool('redis-server')) {
    throw new Error('redis-server is not on PATH: integration tests need it (apt-get install redis-server)');
  }
  return startLocalRedis(opts);
}

/** Runs redis-cli against a node of `target` (TLS files and password from its spec) and returns stdout. */
export async function redisCli(target: LocalTargetDetails, port: number, ...args: string[]): Promise<string> {
  const tls = target.spec.tls;
  const tlsArgs = tls ? ['--tls', '--cacert', tls.caFile ?? '', '--cert', tls.certFile ?? '', '--key', tls.keyFile ?? ''] : [];
  const env = target.spec.password !== undefined ? { ...process.env, REDISCLI_AUTH: target.spec.password } : process.env;
  const { stdout } = await execFileAsync('redis-cli', [...tlsArgs, '-h', '127.0.0.1', '-p', String(port), ...args], { env, timeout: 10_000 });
  return stdout;
}

/** A delivery as a test sees it (decoded: tests are not the hot path). */
export interface Delivery {
  channel: string;
  payload: string;
  pattern?: string;
}

/** How a Recorder names a pattern index it does not know (UNKNOWN_PATTERN, or an index past its list). */
export const UNKNOWN_PATTERN_NAME = '<unknown pattern>';

/**
 * Subscriber handlers that record deliveries and connection events. Deliveries are decoded to strings in
 * `deliveries` (the pattern index mapped through `patterns`: the patterns in the order this connection
 * psubscribed them), copied byte for byte in `payloads`, and their raw pattern indexes kept in `patternIndexes`.
 */
export class Recorder implements SubscriberHandlers, ConnectionEvents {
  readonly deliveries: Delivery[] = [];
  /** The exact payload bytes of every delivery (copies: the connection reuses its buffers). */
  readonly payloads: Buffer[] = [];
  /** The pattern argument of every delivery as the connection gave it (NO_PATTERN, UNKNOWN_PATTERN or an index). */
  readonly patternIndexes: number[] = [];
  readonly events: string[] = [];
  readonly channelsWereBuffers: boolean[] = [];
  readonly topologyEvents: string[] = [];
  /** Pattern strings by index, in the order the connection psubscribed them (append when you psubscribe more). */
  readonly patterns: string[];

  constructor(patterns: string[] = []) {
    this.patterns = [...patterns];
  }

  onMessage(buf: Buffer, start: number, end: number, chan: Buffer, chanStart: number, chanEnd: number, pattern: number): void {
    this.channelsWereBuffers.push(Buffer.isBuffer(buf) && Buffer.isBuffer(chan));
    this.payloads.push(Buffer.from(buf.subarray(start, end)));
    this.patternIndexes.push(pattern);
    const delivery: Delivery = { channel: chan.toString('utf8', chanStart, chanEnd), payload: buf.toString('utf8', start, end) };
    if (pattern !== NO_PATTERN) delivery.pattern = pattern >= 0 && pattern < this.patterns.length ? this.patterns[pattern] : UNKNOWN_PATTERN_NAME;
    this.deliveries.push(delivery);
  }

  onDisconnect(cause: string): void {
    this.events.push(`disconnect: ${cause}`);
  }

  onReconnect(): void {
    this.events.push('reconnect');
  }

  onTopologyEvent(kind: 'moved' | 'ask' | 'refresh'): void {
    this.topologyEvents.push(kind);
  }
}

/** The data paths every target test runs on. */
export const CLIENTS: readonly ClientKind[] = ['native', 'ioredis'];

/**
 * PublisherOptions for a test publisher: the channel table from names, a payload template of `messageBytes`
 * bytes (filled with '.'), `mode` (default 'pipeline') and room for 256 messages in flight; `extra` overrides any.
 */
export function publisherOptions(
  name: string,
  channels: string[],
  messageBytes: number,
  mode: PublishMode = 'pipeline',
  extra: Partial<PublisherOptions> = {},
): PublisherOptions {
  return {
    sharded: false,
    clientName: name,
    connectTimeoutMs: 3000,
    mode,
    maxInFlight: 256,
    channels: channels.map((c) => Buffer.from(c)),
    payloadTemplate: Buffer.alloc(messageBytes, '.'),
    ...extra,
  };
}

/** One message for publishAll: a channel index into the publisher's table and its payload (exactly messageBytes). */
export interface Outgoing {
  channel: number;
  payload: Buffer;
}

/** How publishAll sends. */
export interface PublishAllOptions {
  /** send() after every `batch` messages (default: all of them in one send). */
  batch?: number;
  /** Give up (reject, naming the replies still missing) after this long. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Adds every item (token = its index; payload written at payloadOffset), sends (one send(), or one per `batch`),
 * and resolves with the replies in item order once every reply arrived through onReply. `errors[i]` holds
 * the publisher's lastError at the moment item i was answered -1. Replaces `pub.onReply`. Bounded in time.
 */
export function publishAllDetailed(pub: PublishConnection, items: Outgoing[], opts: PublishAllOptions = {}): Promise<{ replies: number[]; errors: string[] }> {
  const replies = new Array<number>(items.length).fill(Number.NaN);
  const errors = new Array<string>(items.length).fill('');
  const timeoutMs = opts.timeoutMs ?? 5000;
  const batch = opts.batch ?? Math.max(1, items.length);
  return new Promise((resolve, reject) => {
    let left = items.length;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      const missing = replies.flatMap((r, i) => (Number.isNaN(r) ? [i] : []));
      reject(new Error(`timed out after ${timeoutMs} ms waiting for publish replies: got ${JSON.stringify(replies)}, missing ${JSON.stringify(missing)}`));
    }, timeoutMs);
    pub.onReply = (token, reply) => {
      if (done) return;
      if (!(token >= 0 && token < items.length) || !Number.isNaN(replies[token])) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`unexpected reply for token ${token} (${reply}); replies so far ${JSON.stringify(replies)}`));
        return;
      }
      replies[token] = reply;
      if (reply < 0) errors[token] = pub.lastError;
      if (--left === 0) {
        done = true;
        clearTimeout(timer);
        resolve({ replies, errors });
      }
    };
    if (items.length === 0) {
      done = true;
      clearTimeout(timer);
      resolve({ replies, errors });
      return;
    }
    try {
      for (const [i, item] of items.entries()) {
        if (!pub.hasRoom()) throw new Error(`the publisher has no room for message ${i}: raise maxInFlight`);
        const buf = pub.add(item.channel, i);
        item.payload.copy(buf, pub.payloadOffset);
        if ((i + 1) % batch === 0 || i === items.length - 1) pub.send();
      }
    } catch (err) {
      done = true;
      clearTimeout(timer);
      reject(err);
    }
  });
}

/** publishAllDetailed, replies only: receivers per item in order (-1 for a failed publish). */
export async function publishAll(pub: PublishConnection, items: Outgoing[], opts: PublishAllOptions = {}): Promise<number[]> {
  return (await publishAllDetailed(pub, items, opts)).replies;
}

/** Publishes one message and resolves with its reply (receivers, or -1). */
export async function publishOne(pub: PublishConnection, channel: number, payload: Buffer, timeoutMs?: number): Promise<number> {
  return (await publishAll(pub, [{ channel, payload }], { timeoutMs }))[0];
}

/** A payload of exactly `bytes` bytes: `text` then '_' padding (fails when `text` is longer). */
export function fixed(text: string, bytes: number): Buffer {
  const head = Buffer.from(text);
  if (head.length > bytes) throw new Error(`"${text}" does not fit in ${bytes} bytes`);
  return Buffer.concat([head, Buffer.alloc(bytes - head.length, '_')]);
}

/** Waits until `check()` is true, polling every 20 ms; throws with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A channel name unique to this process and call, so tests never see each other's traffic. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}.${process.pid}.${counter}`;
}

/**
 * Remembers every connection a factory opens so an afterEach hook can close them all, even when a test
 * failed half-way (an open connection would keep reconnecting and the test process would never exit).
 */
export class OpenConnections {
  private readonly open: Array<{ close(): Promise<void> }> = [];

  /** Wraps `factory` so every connection it opens is remembered here. */
  track<F extends ConnectionFactory>(factory: F): F {
    const remember = <T extends { close(): Promise<void> }>(conn: T): T => {
      this.open.push(conn);
      return conn;
    };
    return new Proxy(factory, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'openPublisher' && prop !== 'openSubscriber' && prop !== 'openControl') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return (...args: unknown[]) => (value as (...a: unknown[]) => Promise<{ close(): Promise<void> }>).apply(target, args).then(remember);
      },
    });
  }

  /** Closes everything opened so far. */
  async closeAll(): Promise<void> {
    const all = this.open.splice(0);
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
