/**
 * Client sharding (`--target A --target B … --client-sharding`): independent Redis servers, not a cluster, with each
 * channel placed on one of them by a stable hash (`serverOfChannel`) — what an application does when it outgrows one
 * server without moving to Redis Cluster. Publishers and channel subscribers reach a channel's server only; a pattern
 * may match channels on any server, so pattern subscriptions are made on every server. Every PUBLISH reply counts
 * every receiver of its message (they are all on that server), so replies are checked against the plan.
 */
import { TargetError } from '../core/errors.js';
import type { ClientKind } from '../core/scenario.js';
import type { TargetSpec } from '../core/target.js';
import { NodeOutages } from './cluster-pubsub.js';
import { nodeContext, quietEvents } from './context.js';
import { NodesControl, parseInfo } from './control.js';
import { dataPlane, type DataPlane } from './data-plane.js';
import { connectNode, type NodeContext } from './node-connection.js';
import { RoutedSends } from './routed-send.js';
import { serverOfChannel } from './shards.js';
import { hostPort } from './url.js';
import type {
  ConnectionEvents,
  ConnectionFactory,
  ConnectionOptions,
  ControlConnection,
  NodeSubscribeConnection,
  PublishConnection,
  PublisherOptions,
  SubscribeConnection,
  SubscriberHandlers,
  TargetCapabilities,
  TargetInfo,
} from './types.js';

/** Connections to independent servers that share the channels out by hash. */
export class ServersFactory implements ConnectionFactory {
  readonly ctx: NodeContext;
  readonly plane: DataPlane;
  /** Server names (host:port), in the order given: `serverOfChannel` indexes into it. */
  readonly names: string[];
  /** Sharded pub/sub is a cluster feature; PUBLISH replies count all receivers (they share the channel's server). */
  readonly capabilities: TargetCapabilities = { publishRepliesCountAll: { classic: true, sharded: false }, sharded: false, patterns: true };

  constructor(readonly spec: TargetSpec, client?: ClientKind) {
    this.ctx = nodeContext(spec);
    this.plane = dataPlane(client);
    this.names = spec.nodes.map((n) => hostPort(n));
  }

  /** The server index of every channel in `channels`. */
  route(channels: readonly string[]): Uint16Array {
    return Uint16Array.from(channels, (c) => serverOfChannel(c, this.names));
  }

  openPublisher(opts: PublisherOptions, events: ConnectionEvents): Promise<PublishConnection> {
    refuseSharded(opts);
    return ServersPublisher.open(this, opts, events);
  }

  async openSubscriber(opts: ConnectionOptions, handlers: SubscriberHandlers): Promise<SubscribeConnection> {
    refuseSharded(opts);
    return new ServersSubscriber(this, opts, handlers);
  }

  async openControl(connectTimeoutMs: number): Promise<ControlConnection> {
    const settled = await Promise.allSettled(this.spec.nodes.map((node) => connectNode(this.ctx, node, { clientName: 'pb-control', connectTimeoutMs }, quietEvents)));
    const handles = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(handles.map((h) => h.close()));
      throw failed.reason;
    }
    return new ServersControl(handles, this.names);
  }
}

function refuseSharded(opts: ConnectionOptions): void {
  if (opts.sharded) throw new TargetError('sharded pub/sub (SPUBLISH) needs a Redis Cluster: drop --sharded with --client-sharding');
}

/** Control over every server: INFO must show standalone servers, and each must hold every pattern subscription. */
class ServersControl extends NodesControl {
  constructor(handles: ConstructorParameters<typeof NodesControl>[0], private readonly names: string[]) {
    super(handles);
  }

  override async info(): Promise<TargetInfo> {
    const versions: string[] = [];
    for (const [i, h] of this.handles.entries()) {
      const server = parseInfo(String(await h.redis.info('server')));
      const cluster = parseInfo(String(await h.redis.info('cluster')));
      if (cluster.get('cluster_enabled') === '1') {
        throw new TargetError(`${this.names[i]} is a Redis Cluster node: --client-sharding spreads channels over independent servers; use --cluster for a cluster`);
      }
      versions.push(server.get('redis_version') ?? 'unknown');
    }
    // The oldest version is the one whose limits apply to the whole run.
    const byAge = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
    return { redisVersion: versions.sort(byAge)[0], mode: 'standalone', masters: this.names, clientSharding: true };
  }

  /** Pattern subscriptions are made on every server: the count every server holds (the smallest). */
  override async numpat(): Promise<number> {
    const replies = await Promise.all(this.handles.map((h) => h.redis.call('PUBSUB', 'NUMPAT')));
    return Math.min(...replies.map(Number));
  }
}

/** One publisher connection per server that holds a channel of this publisher; add() routes by channel index. */
export class ServersPublisher implements PublishConnection {
  onReply: (token: number, reply: number) => void = () => undefined;
  lastError = '';
  payloadOffset = 0;
  private readonly sends = new RoutedSends();

  private constructor(
    /** By server index; undefined for servers holding none of this publisher's channels. */
    private readonly byServer: Array<PublishConnection | undefined>,
    private readonly route: Uint16Array,
  ) {}

  static async open(factory: ServersFactory, opts: PublisherOptions, events: ConnectionEvents): Promise<ServersPublisher> {
    const route = factory.route(opts.channels.map((c) => c.toString('utf8')));
    const used = [...new Set(route)];
    const outages = new NodeOutages(events);
    const settled = await Promise.allSettled(
      used.map((i) => factory.plane.openPublisher(factory.ctx, factory.spec.nodes[i], opts, outages.for(factory.names[i]))),
    );
    const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(opened.map((p) => p.close()));
      throw failed.reason;
    }
    const byServer = new Array<PublishConnection | undefined>(factory.names.length);
    used.forEach((server, k) => (byServer[server] = opened[k]));
    const pub = new ServersPublisher(byServer, route);
    for (const conn of opened) {
      conn.onReply = (token, reply) => {
        if (reply < 0) pub.lastError = conn.lastError;
        pub.onReply(token, reply);
      };
    }
    return pub;
  }

  hasRoom(): boolean {
    return RoutedSends.hasRoom(this.byServer);
  }

  add(channel: number, token: number): Buffer {
    const buf = this.sends.add(this.byServer[this.route[channel]] as PublishConnection, channel, token);
    this.payloadOffset = this.sends.payloadOffset;
    return buf;
  }

  send(): void {
    this.sends.send();
  }

  async close(): Promise<void> {
    await Promise.all(this.byServer.map((p) => p?.close()));
  }
}

/**
 * A subscriber over the servers: channels on their own server, patterns on every server (one connection per server
 * used, opened on first need). Deliveries from every server reach the same handler; pattern indexes agree because
 * every server's connection psubscribes the same patterns in the same order.
 */
export class ServersSubscriber implements SubscribeConnection {
  private readonly conns = new Map<number, Promise<NodeSubscribeConnection>>();
  private readonly outages: NodeOutages;

  constructor(
    private readonly factory: ServersFactory,
    private readonly opts: ConnectionOptions,
    private readonly handlers: SubscriberHandlers,
  ) {
    this.outages = new NodeOutages(handlers);
  }

  private conn(server: number): Promise<NodeSubscribeConnection> {
    let conn = this.conns.get(server);
    if (!conn) {
      const name = this.factory.names[server];
      const handlers: SubscriberHandlers = { ...this.outages.for(name), onMessage: this.handlers.onMessage.bind(this.handlers) };
      conn = this.factory.plane.openSubscriber(this.factory.ctx, this.factory.spec.nodes[server], this.opts, handlers, { sharded: false, splitBySlot: false });
      this.conns.set(server, conn);
    }
    return conn;
  }

  async subscribe(channels: string[]): Promise<number> {
    const route = this.factory.route(channels);
    const groups = new Map<number, string[]>();
    channels.forEach((c, i) => {
      const group = groups.get(route[i]);
      if (group) group.push(c);
      else groups.set(route[i], [c]);
    });
    const confirmed = await Promise.all([...groups].map(async ([server, group]) => (await this.conn(server)).subscribe(group)));
    return confirmed.reduce((a, b) => a + b, 0);
  }

  async psubscribe(patterns: string[]): Promise<number> {
    const confirmed = await Promise.all(this.factory.names.map(async (_, server) => (await this.conn(server)).psubscribe(patterns)));
    // Confirmed only where every server confirmed it: a pattern missing on one server would miss its channels.
    return Math.min(...confirmed);
  }

  async close(): Promise<void> {
    const conns = await Promise.allSettled([...this.conns.values()]);
    await Promise.all(conns.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)));
  }
}
