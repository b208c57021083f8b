/**
 * The seam between the harness and Redis. Workers and the coordinator talk to Redis only through these
 * interfaces; src/targets is the only folder that imports ioredis. Every method on the per-message path takes
 * Buffers so no string encoding or decoding happens there.
 */
import type { TargetSpec } from '../core/target.js';

/** Options for opening a connection. */
export interface ConnectionOptions {
  /** Use sharded pub/sub (SPUBLISH / SSUBSCRIBE). */
  sharded: boolean;
  /** CLIENT SETNAME value, so the server's CLIENT LIST shows who is who (e.g. `pb-sub-3`). */
  clientName: string;
  /** Give up connecting after this long (ms) with a TargetError. */
  connectTimeoutMs: number;
  /**
   * Index of this connection in its fleet (e.g. the subscriber id). In a cluster, classic subscribers and
   * publishers are placed on master `spreadIndex % masters.length` (masters sorted as in TargetInfo.masters).
   * When absent, the trailing number of `clientName` is used (`pb-sub-7` → 7).
   */
  spreadIndex?: number;
}

/** Options for a publisher connection. */
export interface PublisherOptions extends ConnectionOptions {
  /** Enable ioredis auto-pipelining on this connection (publish mode 'auto'). */
  autoPipelining: boolean;
}

/** Callbacks for connection state changes (counted by the workers, never hidden). */
export interface ConnectionEvents {
  /** The connection was lost; `cause` in plain words (server closed, error text without secrets, timeout). */
  onDisconnect(cause: string): void;
  /** The connection is back (for subscribers: after every subscription was restored). */
  onReconnect(): void;
  /**
   * Cluster only: a redirection or topology change was seen and handled — `moved` (a MOVED reply, or the
   * server dropping sharded subscriptions of a slot that moved), `ask` (an ASK reply; the command failed),
   * `refresh` (the slot map was re-read).
   */
  onTopologyEvent?(kind: 'moved' | 'ask' | 'refresh'): void;
}

/** A connection that publishes. */
export interface PublishConnection {
  /** PUBLISH (or SPUBLISH when sharded); resolves to the receiver count Redis replies with. */
  publish(channel: Buffer, payload: Buffer): Promise<number>;
  /**
   * Sends `n` publishes in one pipeline (channels[i], payloads[i]); writes each reply into `replies[i]`
   * (receiver count, or -1 when that command failed). Resolves to the number of failed commands.
   */
  publishBatch(channels: Buffer[], payloads: Buffer[], n: number, replies: Float64Array): Promise<number>;
  close(): Promise<void>;
}

/** Callbacks for deliveries. Called on the hot path: keep them allocation-free. */
export interface SubscriberHandlers extends ConnectionEvents {
  /** A message from a SUBSCRIBE or SSUBSCRIBE subscription. */
  onMessage(channel: Buffer, payload: Buffer): void;
  /** A message from a PSUBSCRIBE subscription; `pattern` is the pattern as subscribed. */
  onPatternMessage(pattern: string, channel: Buffer, payload: Buffer): void;
}

/** A connection that subscribes. */
export interface SubscribeConnection {
  /** SUBSCRIBE (or SSUBSCRIBE when sharded) and wait for every confirmation; resolves to the channels confirmed. */
  subscribe(channels: string[]): Promise<number>;
  /** PSUBSCRIBE and wait for every confirmation; resolves to the patterns confirmed. */
  psubscribe(patterns: string[]): Promise<number>;
  close(): Promise<void>;
}

/** Facts about the target found before the run. */
export interface TargetInfo {
  redisVersion: string;
  /** 'cluster' when cluster_enabled:1. */
  mode: 'standalone' | 'cluster';
  /** Masters (host:port) that own slots; one entry for a single node. */
  masters: string[];
  /** Cluster only: which master owns which slots (inclusive ranges), for per-shard accounting. */
  slotRanges?: Array<{ start: number; end: number; master: string }>;
  /** Cluster only: replicas (host:port) per master. */
  replicas?: Record<string, string[]>;
}

/** A connection for the coordinator: preflight and checks, never on the hot path. */
export interface ControlConnection {
  info(): Promise<TargetInfo>;
  /** Subscriber counts per channel, summed over every node (PUBSUB NUMSUB or SHARDNUMSUB). */
  numsub(channels: string[], sharded: boolean): Promise<number[]>;
  /** Pattern subscriptions, summed over every node (PUBSUB NUMPAT). */
  numpat(): Promise<number>;
  close(): Promise<void>;
}

/** Opens connections to one target. Created from a TargetSpec by `createConnectionFactory`. */
export interface ConnectionFactory {
  readonly spec: TargetSpec;
  openPublisher(opts: PublisherOptions, events: ConnectionEvents): Promise<PublishConnection>;
  openSubscriber(opts: ConnectionOptions, handlers: SubscriberHandlers): Promise<SubscribeConnection>;
  openControl(connectTimeoutMs: number): Promise<ControlConnection>;
}

/** Redis servers the harness started on loopback (throwaway target, `target up`, tests). */
export interface LocalTarget {
  kind: 'single' | 'tls' | 'cluster';
  /** Connection details to use (TLS files included for 'tls' and TLS clusters). */
  spec: TargetSpec;
  /** Process ids of every redis-server started. */
  pids: number[];
  /** Folder with configs, logs and certificates. */
  dir: string;
  /** Stops every server by pid and waits for them to exit. Safe to call twice. */
  stop(): Promise<void>;
}
