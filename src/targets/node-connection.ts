/**
 * One ioredis connection to one node, configured for measuring rather than for hiding trouble:
 *  - the initial connect either succeeds within connectTimeoutMs or fails with a TargetError (no retry loop);
 *  - once established, a lost connection is reported (onDisconnect), reconnected with a capped backoff, and
 *    reported back (onReconnect) only after `restore` (e.g. resubscribing) has finished;
 *  - commands in flight when the connection drops are rejected, never silently re-sent or left hanging
 *    (maxRetriesPerRequest 0 flushes them on close; no offline queue while disconnected);
 *  - with `rehome` (classic cluster connections), every REHOME_AFTER failed reconnects in a row it asks where to go
 *    and the next attempt connects there (the dead master's replica may have been promoted).
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import type { TargetSpec } from '../core/target.js';
import { connectError, diagnoseConnectError } from './connect-errors.js';
import { redactSecrets } from './url.js';

/** What every connection of one factory shares. */
export interface NodeContext {
  spec: TargetSpec;
  /** tls.connect options built once from the spec (undefined for plain TCP). */
  tls?: TlsConnectionOptions;
}

/** Per-connection settings. */
export interface NodeConnectOptions {
  clientName: string;
  connectTimeoutMs: number;
  autoPipelining?: boolean;
  /**
   * RESP version (data plane: the run's `resp`). Absent: ioredis' own default, RESP3 — which falls back to RESP2
   * without a word on a server that has no HELLO; fine for control traffic, not for a run that says which it spoke.
   */
  protocol?: 2 | 3;
  /** Where to reconnect when this node keeps refusing (see ConnectionOptions.rehome). */
  rehome?: (deadNode: { host: string; port: number }) => Promise<{ host: string; port: number } | undefined>;
}

/** Connection state callbacks, plus the work to redo after a reconnect before it counts as restored. */
export interface NodeHooks {
  onDisconnect(cause: string): void;
  onReconnect(): void;
  /** Runs after every reconnect; onReconnect fires only once it resolves. */
  restore?: () => Promise<unknown>;
  /** A reconnect or the restore after it failed (the server's text, no secrets); another attempt follows. */
  onRecoveryError?: (cause: string) => void;
}

/** Backoff after an established connection dropped: 50 ms doubling, capped at 1 s, so recovery is quick. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 10), 1000);
}

/** Failed reconnects in a row after which a connection that may re-home asks where to go (about 0.75 s). */
export const REHOME_AFTER = 3;

/** A connected node: the ioredis client and the way to close it for good. */
export interface NodeHandle {
  redis: Redis;
  /** Closes the connection without reconnecting and waits (bounded) until ioredis reports the end. */
  close(): Promise<void>;
}

/** Connects to `node` and resolves once it is ready; rejects with a TargetError (redacted) otherwise. */
export async function connectNode(
  ctx: NodeContext,
  node: { host: string; port: number },
  opts: NodeConnectOptions,
  hooks: NodeHooks,
): Promise<NodeHandle> {
  const { spec } = ctx;
  let established = false;
  let closing = false;
  let down = false;
  /** Incremented on every close so a restore that raced with another drop is not reported as success. */
  let epoch = 0;
  let lastError: (Error & { code?: string }) | undefined;
  const redis = new Redis({
    host: node.host,
    port: node.port,
    ...(spec.username !== undefined ? { username: spec.username } : {}),
    ...(spec.password !== undefined ? { password: spec.password } : {}),
    ...(spec.db !== undefined ? { db: spec.db } : {}),
    ...(ctx.tls ? { tls: { ...ctx.tls } } : {}),
    connectionName: opts.clientName,
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs,
    enableReadyCheck: false,
    disableClientInfo: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: opts.autoPipelining === true,
    ...(opts.protocol !== undefined ? { protocol: opts.protocol } : {}),
    retryStrategy: (attempt: number) => {
      if (!established || closing) return null;
      if (opts.rehome && attempt > 1 && (attempt - 1) % REHOME_AFTER === 0) rehome(opts.rehome);
      return reconnectDelayMs(attempt);
    },
  });
  /** Points the next reconnect at the node `ask` names (ioredis reads host and port from its options per connect). */
  const rehome = (ask: NonNullable<NodeConnectOptions['rehome']>): void => {
    const current = { host: String(redis.options.host), port: Number(redis.options.port) };
    ask(current).then(
      (next) => {
        if (!next || closing) return;
        redis.options.host = next.host;
        redis.options.port = next.port;
      },
      () => undefined,
    );
  };
  redis.on('error', (err: Error & { code?: string }) => {
    lastError = err;
    // While down, an error reply (WRONGPASS, NOPERM) is why the recovery fails; socket errors are the outage itself.
    if (down && !closing && err.code === undefined && /^[A-Z]+ /.test(err.message)) hooks.onRecoveryError?.(redactSecrets(`reconnecting failed: ${err.message}`, spec));
  });
  redis.on('close', () => {
    epoch++;
    if (!established || closing || down) return;
    down = true;
    const cause = lastError ? redactSecrets(`${lastError.message}${lastError.code && !lastError.message.includes(lastError.code) ? ` (${lastError.code})` : ''}`, spec) : 'the server closed the connection';
    lastError = undefined;
    hooks.onDisconnect(cause);
  });
  redis.on('ready', () => {
    if (!down || closing) return;
    const myEpoch = epoch;
    const restored = hooks.restore ? hooks.restore() : Promise.resolve();
    restored.then(
      () => {
        if (myEpoch !== epoch || closing) return;
        down = false;
        hooks.onReconnect();
      },
      (err: unknown) => {
        // The connection is up but the state could not be restored (e.g. a resubscribe was refused):
        // drop it so the reconnect cycle tries again, rather than report a recovery that did not happen.
        if (myEpoch === epoch && !closing) {
          hooks.onRecoveryError?.(redactSecrets(`resubscribing failed: ${err instanceof Error ? err.message : String(err)}`, spec));
          redis.disconnect(true);
        }
      },
    );
  });

  let timedOut = false;
  const startedMs = Date.now();
  const timer = setTimeout(() => {
    timedOut = true;
    closing = true;
    redis.disconnect();
  }, opts.connectTimeoutMs);
  try {
    await redis.connect();
    // ioredis sends the SELECT itself but only emits a refusal as an 'error' event and stays on db 0: ask again, so
    // a database the server does not have fails the connect like the native path does.
    if (spec.db !== undefined && spec.db !== 0) await redis.select(spec.db);
    established = true;
    return {
      redis,
      close: () => {
        closing = true;
        return closeRedis(redis);
      },
    };
  } catch (err) {
    closing = true;
    redis.disconnect();
    const first = timedOut ? { code: 'ETIMEDOUT', message: 'timeout' } : (lastError ?? (err as Error));
    // The closer look must fit in what is left of the connect timeout.
    const leftMs = opts.connectTimeoutMs - (Date.now() - startedMs);
    const cause = timedOut || leftMs <= 0 ? first : await diagnoseConnectError(first, node, ctx.tls, leftMs);
    throw connectError(cause, spec, node, opts.connectTimeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

/** Disconnects without reconnecting and waits (bounded) until ioredis reports the end. */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  // A connection waiting to reconnect has no socket to close, so ioredis never emits 'end' for it.
  if (redis.status === 'reconnecting' || redis.status === 'wait') {
    redis.disconnect();
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    redis.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    redis.disconnect();
  });
}
