/**
 * The two data paths behind one seam: `native` (our own RESP connections, src/targets/resp/: the default and the
 * fast one) and `ioredis` (what a Node.js application using ioredis would see). Both open per-node publishers and
 * subscribers; single-server and cluster factories route over whichever the run chose.
 */
import type { ClientKind } from '../core/scenario.js';
import type { NodeContext } from './node-connection.js';
import { IoredisSubscriber, openIoredisPublisher } from './node-pubsub.js';
import { NativePublisher } from './resp/publisher.js';
import { NativeSubscriber } from './resp/subscriber.js';
import { NativeStreamSubscriber } from './resp/stream-subscriber.js';
import type { ConnectionEvents, ConnectionOptions, NodeSubscribeConnection, PublishConnection, PublisherOptions, SubscriberHandlers } from './types.js';

/** How a node subscriber behaves. */
export interface NodeSubscribeOptions {
  /** SSUBSCRIBE instead of SUBSCRIBE. */
  sharded: boolean;
  /** One SSUBSCRIBE per hash slot (cluster nodes refuse CROSSSLOT). */
  splitBySlot: boolean;
  /** Called when the server drops sharded subscriptions because their slot moved. */
  onMoved?: () => void;
}

/** Opens data-plane connections to one node. */
export interface DataPlane {
  readonly client: ClientKind;
  openPublisher(ctx: NodeContext, node: { host: string; port: number }, opts: PublisherOptions, events: ConnectionEvents): Promise<PublishConnection>;
  openSubscriber(
    ctx: NodeContext,
    node: { host: string; port: number },
    opts: ConnectionOptions,
    handlers: SubscriberHandlers,
    how: NodeSubscribeOptions,
  ): Promise<NodeSubscribeConnection>;
}

const native: DataPlane = {
  client: 'native',
  openPublisher: (ctx, node, opts, events) => new NativePublisher(opts, events).open(ctx, node, opts),
  openSubscriber: (ctx, node, opts, handlers, how) => opts.streams
    ? new NativeStreamSubscriber(opts.streams, handlers).open(ctx, node, opts)
    : new NativeSubscriber(how.sharded, how.splitBySlot, handlers, how.onMoved).open(ctx, node, opts),
};

const ioredis: DataPlane = {
  client: 'ioredis',
  openPublisher: (ctx, node, opts, events) => opts.streams ? Promise.reject(new Error('the streams transport runs on the native client only')) : openIoredisPublisher(ctx, node, opts, events),
  openSubscriber: (ctx, node, opts, handlers, how) => new IoredisSubscriber(how.sharded, how.splitBySlot).open(ctx, node, { ...opts, protocol: opts.resp3 ? 3 : 2 }, handlers, how.onMoved),
};

/** The data path for `client` (native unless asked otherwise). */
export function dataPlane(client: ClientKind | undefined): DataPlane {
  return client === 'ioredis' ? ioredis : native;
}
