/**
 * The seam between the harness and Redis. Workers and the coordinator talk to Redis only through these
 * interfaces; src/targets is the only folder that imports ioredis. Every method on the per-message path takes
 * Buffers so no string encoding or decoding happens there.
 */
import type { TargetSpec } from '../core/target.js';
import type { PublishMode } from '../core/scenario.js';
import type { StreamOptions } from './stream-keys.js';

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
  /** Speak RESP3 (HELLO 3) on the native path. */
  resp3?: boolean;
  /**
   * Cluster only, classic connections: where to go when the node stops answering. Called after a few failed
   * reconnects (the node may be dead, its replica promoted); resolves to another node (any master serves classic
   * pub/sub, which is broadcast cluster-wide) or undefined to keep trying the same one.
   */
  rehome?: (deadNode: { host: string; port: number }) => Promise<{ host: string; port: number } | undefined>;
  /**
   * Transport 'streams': publishers XADD to the channel's stream instead of PUBLISH (the reply counts no receivers:
   * 0), subscribers read the streams with their consumer group instead of SUBSCRIBE. Absent: pub/sub.
   */
  streams?: StreamOptions;
}

/** Options for a publisher connection: the frames are laid out from these once, at open. */
export interface PublisherOptions extends ConnectionOptions {
  /**
   * How the caller sends: 'await' and 'auto' one message per send() or many, 'pipeline' a batch per send(),
   * 'multi' a batch per send() wrapped in MULTI … EXEC (per hash slot when sharded).
   */
  mode: PublishMode;
  /** Most messages the caller keeps in flight at once (the connection sizes its buffers for it). */
  maxInFlight: number;
  /** Channel names by index: add() takes an index into this table. */
  channels: Buffer[];
  /** What every payload starts as (`messageBytes` long, padding laid out): the caller writes its envelope over it. */
  payloadTemplate: Buffer;
}

/** Callbacks for connection state changes (counted by the workers, never hidden). */
export interface ConnectionEvents {
  /** The connection was lost; `cause` in plain words (server closed, error text without secrets, timeout). */
  onDisconnect(cause: string): void;
  /** The connection is back (for subscribers: after every subscription was restored). */
  onReconnect(): void;
  /**
   * An attempt to recover failed and another follows: the reconnect was refused (WRONGPASS, a TLS error, …) or the
   * server refused to restore the subscriptions (NOPERM after the user's rights changed). `cause` is the server's
   * text (no secrets), so an outage that never ends says why.
   */
  onRecoveryError?(cause: string): void;
  /**
   * Cluster only: a redirection or topology change was seen and handled — `moved` (a MOVED reply, or the
   * server dropping sharded subscriptions of a slot that moved), `ask` (an ASK reply, followed once with ASKING on
   * the node it named), `refresh` (the slot map was re-read).
   */
  onTopologyEvent?(kind: 'moved' | 'ask' | 'refresh'): void;
}

/**
 * A connection that publishes, shaped for the hot path: the caller adds messages (getting the bytes to write its
 * envelope into), sends them in one go, and gets every reply through one callback with the token it chose. No
 * promise or object per message; replies of one node come in send order.
 */
export interface PublishConnection {
  /** Receives every reply: receivers counted by Redis, or -1 when that publish failed (text in `lastError`). */
  onReply: (token: number, reply: number) => void;
  /** Why the last publish reported as -1 failed (MOVED …, NOPERM …, connection lost …). */
  readonly lastError: string;
  /** Where the payload of the message last added starts in the buffer add() returned. */
  readonly payloadOffset: number;
  /** True when one more message fits (the in-flight window and the buffers). */
  hasRoom(): boolean;
  /**
   * Starts a message to channel index `channel`; returns the buffer whose bytes
   * [payloadOffset, payloadOffset + messageBytes) are its payload, the template already in place.
   */
  add(channel: number, token: number): Buffer;
  /** Sends every message added since the last send (one write; one transaction in mode 'multi'). */
  send(): void;
  close(): Promise<void>;
  /**
   * Cluster redirects (optional, per-node connections): the message whose reply onReply is reporting for `token`,
   * as channel index and payload bytes. Only valid inside that onReply call (the bytes may be reused after it).
   */
  answered?(token: number): { channel: number; payload: Buffer } | undefined;
  /**
   * Cluster redirects: sends `ASKING` followed by the publish of `payload` on `channel` under `token` (ASKING's +OK
   * is not reported). False when it cannot be queued now (no room, connection down): the caller fails it.
   */
  sendAsking?(channel: number, token: number, payload: Buffer): boolean;
}

/** A pattern index in onMessage: the delivery came from a channel (or sharded) subscription. */
export const NO_PATTERN = -1;
/** A pattern index in onMessage: a pattern this connection never subscribed (counted as malformed). */
export const UNKNOWN_PATTERN = -2;

/** Callbacks for deliveries. Called on the hot path: keep them allocation-free. */
export interface SubscriberHandlers extends ConnectionEvents {
  /**
   * A message: payload = buf[start, end), channel = chan[chanStart, chanEnd). `pattern` is the index of the
   * matching pattern in the order this connection psubscribed them, NO_PATTERN for channel subscriptions, or
   * UNKNOWN_PATTERN. The buffers are only valid during the call.
   */
  onMessage(buf: Buffer, start: number, end: number, chan: Buffer, chanStart: number, chanEnd: number, pattern: number): void;
}

/** A connection that subscribes. */
export interface SubscribeConnection {
  /** SUBSCRIBE (or SSUBSCRIBE when sharded) and wait for every confirmation; resolves to the channels confirmed. */
  subscribe(channels: string[]): Promise<number>;
  /** PSUBSCRIBE and wait for every confirmation; resolves to the patterns confirmed. */
  psubscribe(patterns: string[]): Promise<number>;
  /**
   * UNSUBSCRIBE (SUNSUBSCRIBE when sharded) and wait for every confirmation, after which none of these channels'
   * messages arrive (`--subscriber-churn`). Absent where the data path cannot (churn then needs `:reconnect`).
   */
  unsubscribe?(channels: string[]): Promise<number>;
  /** PUNSUBSCRIBE and wait for every confirmation (see `unsubscribe`). */
  punsubscribe?(patterns: string[]): Promise<number>;
  close(): Promise<void>;
}

/** A subscriber on one node, as cluster routing needs it (either data path). */
export interface NodeSubscribeConnection extends SubscribeConnection {
  /** Channels this connection holds (a copy). */
  heldChannels(): string[];
  /** Drops channels from the restore list (their slot moved away; the server already unsubscribed them). */
  forget(channels: string[]): void;
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
  /**
   * `--client-sharding`: `masters` are independent servers and each channel lives on the one `serverOfChannel`
   * picks (per-server accounting like per-shard accounting in a cluster).
   */
  clientSharding?: boolean;
}

/** A connection for the coordinator: preflight and checks, never on the hot path. */
export interface ControlConnection {
  info(): Promise<TargetInfo>;
  /** Subscriber counts per channel, summed over every node (PUBSUB NUMSUB or SHARDNUMSUB). */
  numsub(channels: string[], sharded: boolean): Promise<number[]>;
  /** Pattern subscriptions, summed over every node (PUBSUB NUMPAT). */
  numpat(): Promise<number>;
  /**
   * `ACL DRYRUN user command args…` for each command (Redis 7+): null per command the user may run, else the
   * server's reason. Resolves to null when it cannot be asked here (older server, the control user may not run ACL).
   */
  aclDryRun(user: string, commands: string[][]): Promise<Array<string | null> | null>;
  close(): Promise<void>;
}

/**
 * What a target's connections can do, so callers ask the seam instead of testing the target kind. A new kind of
 * target (or transport) states its own.
 */
export interface TargetCapabilities {
  /**
   * Whether a publish reply counts every receiver of the message (so Σ replies can be checked against the plan's
   * expected deliveries), for classic PUBLISH and for sharded SPUBLISH. In a cluster, PUBLISH is broadcast over the
   * bus and its reply counts only the receiving node's subscribers.
   */
  publishRepliesCountAll: { classic: boolean; sharded: boolean };
  /** Sharded pub/sub (SPUBLISH / SSUBSCRIBE) can be used (the server must still be Redis 7+). */
  sharded: boolean;
  /** Pattern subscriptions (PSUBSCRIBE) can be used with classic pub/sub. */
  patterns: boolean;
}

/** Whether publish replies can be compared with the plan for a run that is (or is not) sharded. */
export function repliesComparable(caps: TargetCapabilities, sharded: boolean): boolean {
  return sharded ? caps.publishRepliesCountAll.sharded : caps.publishRepliesCountAll.classic;
}

/** Opens connections to one target. Created from a TargetSpec by `createConnectionFactory`. */
export interface ConnectionFactory {
  readonly spec: TargetSpec;
  /** What these connections can do (see TargetCapabilities). */
  readonly capabilities: TargetCapabilities;
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
