/**
 * createConnectionFactory: TargetSpec (+ the data path: native or ioredis) → publisher, subscriber and control
 * connections. A single server (plain or TLS) uses one data-plane connection per harness connection; a cluster is
 * handled in cluster.ts. Control connections are ioredis, whichever data path runs.
 * Placement and accounting helpers for clusters: shards.ts (shardOfChannel, homeMaster).
 */
import type { TargetSpec } from '../core/target.js';
import { ClusterFactory } from './cluster.js';
import { ServersFactory } from './servers.js';
import { NodesControl } from './control.js';
import { connectNode, type NodeContext } from './node-connection.js';
import { dataPlane, type DataPlane } from './data-plane.js';
import type { ClientKind } from '../core/scenario.js';
import { nodeContext, quietEvents } from './context.js';
import type {
  ConnectionEvents,
  ConnectionFactory,
  ConnectionOptions,
  ControlConnection,
  PublishConnection,
  PublisherOptions,
  SubscribeConnection,
  SubscriberHandlers,
  TargetCapabilities,
} from './types.js';

/** Connections to one Redis server. */
export class SingleFactory implements ConnectionFactory {
  private readonly ctx: NodeContext;
  private readonly plane: DataPlane;
  /** One server sees every subscriber: PUBLISH and SPUBLISH replies both count every receiver. */
  readonly capabilities: TargetCapabilities = { publishRepliesCountAll: { classic: true, sharded: true }, sharded: true, patterns: true };

  constructor(readonly spec: TargetSpec, client?: ClientKind) {
    this.ctx = nodeContext(spec);
    this.plane = dataPlane(client);
  }

  private get node(): { host: string; port: number } {
    return this.spec.nodes[0];
  }

  openPublisher(opts: PublisherOptions, events: ConnectionEvents): Promise<PublishConnection> {
    return this.plane.openPublisher(this.ctx, this.node, opts, events);
  }

  openSubscriber(opts: ConnectionOptions, handlers: SubscriberHandlers): Promise<SubscribeConnection> {
    return this.plane.openSubscriber(this.ctx, this.node, opts, handlers, { sharded: opts.sharded, splitBySlot: false });
  }

  async openControl(connectTimeoutMs: number): Promise<ControlConnection> {
    const handle = await connectNode(this.ctx, this.node, { clientName: 'pb-control', connectTimeoutMs }, quietEvents);
    return new NodesControl([handle]);
  }
}

/**
 * Connections to the target: one server (`kind: 'single'`), a Redis Cluster (`kind: 'cluster'`) or independent
 * servers sharing the channels out by hash (`kind: 'servers'`), publishing and subscribing over the `client` data
 * path (native when not given).
 * Reads the TLS files right away, so a missing file fails here with a TargetError naming it.
 */
export function createConnectionFactory(spec: TargetSpec, client?: ClientKind): ConnectionFactory {
  if (spec.kind === 'cluster') return new ClusterFactory(spec, client);
  return spec.kind === 'servers' ? new ServersFactory(spec, client) : new SingleFactory(spec, client);
}
