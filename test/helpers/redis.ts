/**
 * What tests share for real servers: starting and stopping local targets through the same launcher the CLI
 * uses, redis-cli against them, collecting deliveries and waiting with a bound.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLocalRedis, type LocalRedisOptions, type LocalTargetDetails } from '../../src/targets/local.js';
import { findTool } from '../../src/targets/tools.js';
import type { ConnectionEvents, ConnectionFactory, SubscriberHandlers } from '../../src/targets/types.js';

const execFileAsync = promisify(execFile);

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

/** Subscriber handlers that record deliveries and connection events. */
export class Recorder implements SubscriberHandlers, ConnectionEvents {
  readonly deliveries: Delivery[] = [];
  readonly events: string[] = [];
  readonly channelsWereBuffers: boolean[] = [];
  readonly topologyEvents: string[] = [];

  onMessage(channel: Buffer, payload: Buffer): void {
    this.channelsWereBuffers.push(Buffer.isBuffer(channel) && Buffer.isBuffer(payload));
    this.deliveries.push({ channel: channel.toString(), payload: payload.toString() });
  }

  onPatternMessage(pattern: string, channel: Buffer, payload: Buffer): void {
    this.channelsWereBuffers.push(Buffer.isBuffer(channel) && Buffer.isBuffer(payload));
    this.deliveries.push({ pattern, channel: channel.toString(), payload: payload.toString() });
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
