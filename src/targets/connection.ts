/**
 * createConnectionFactory: TargetSpec → publisher, subscriber and control connections. A single server
 * (plain or TLS) uses one ioredis connection per harness connection; a cluster is handled in cluster.ts.
 * Placement and accounting helpers for clusters: shards.ts (shardOfChannel, homeMaster).
 */
import type { TargetSpec } from '../core/target.js';
import { ClusterFactory } from './cluster.js';
import { NodesControl } from './control.js';
import { connectNode, type NodeContext } from './node-connection.js';
import { NodeSubscriber, openNodePublisher } from './node-pubsub.js';
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
} from './types.js';

/** Connections to one Redis server. */
export class SingleFactory implements ConnectionFactory {
  private readonly ctx: NodeContext;

  constructor(readonly spec: TargetSpec) {
    this.ctx = nodeContext(spec);
  }

  private get node(): { host: string; port: number } {
    return this.spec.nodes[0];
  }

  openPublisher(opts: PublisherOptions, events: ConnectionEvents): Promise<PublishConnection> {
    return openNodePublisher(this.ctx, this.node, opts, events);
  }

  openSubscriber(opts: ConnectionOptions, handlers: SubscriberHandlers): Promise<SubscribeConnection> {
    return new NodeSubscriber(opts.sharded, false).open(this.ctx, this.node, opts, handlers);
  }

  async openControl(connectTimeoutMs: number): Promise<ControlConnection> {
    const handle = await connectNode(this.ctx, this.node, { clientName: 'pb-control', connectTimeoutMs }, quietEvents);
    return new NodesControl([handle]);
  }
}

/**
 * Connections to the target: one server (`kind: 'single'`) or a Redis Cluster (`kind: 'cluster'`).
 * Reads the TLS files right away, so a missing file fails here with a TargetError naming it.
 */
export function createConnectionFactory(spec: TargetSpec): ConnectionFactory {
  return spec.kind === 'cluster' ? new ClusterFactory(spec) : new SingleFactory(spec);
}
