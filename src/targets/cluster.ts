/**
 * Redis Cluster targets. Routing is done here, over one data-plane connection per node (native or ioredis), rather than by
 * ioredis' Cluster client, because the harness must control placement and see every redirection:
 *  - classic pub/sub: PUBLISH is broadcast over the cluster bus to every node, so each subscriber (and each
 *    publisher) gets one connection to its "home" master, spread round-robin (ioredis' Cluster would put every
 *    subscription on one node);
 *  - sharded pub/sub: SSUBSCRIBE and SPUBLISH go to the master owning each channel's slot; a MOVED reply or a
 *    server-side unsubscribe after a slot moved triggers a slot-map refresh, counted via onTopologyEvent; an ASK
 *    reply is followed once (cluster-pubsub.ts);
 *  - failover: a classic connection whose master stops answering moves to another master after a few failed
 *    reconnects (`rehome`); sharded connections follow the slot map to the promoted replica.
 */
import { TargetError } from '../core/errors.js';
import type { TargetSpec } from '../core/target.js';
import { ShardedPublisher, ShardedSubscriber, sameSlotMap } from './cluster-pubsub.js';
import { NodesControl } from './control.js';
import { connectNode, type NodeContext } from './node-connection.js';
import { dataPlane, type DataPlane } from './data-plane.js';
import type { ClientKind } from '../core/scenario.js';
import { homeMaster, spreadIndexOf } from './shards.js';
import { keySlot } from './slot.js';
import { readTopology, type Topology, type TopologyNode } from './topology.js';
import { nodeContext, quietEvents } from './context.js';
import { hostPort, redactSecrets } from './url.js';
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

/** How often a watched slot map is re-read (ioredis' own default slotsRefreshInterval is 5 s). */
const topologyCheckMs = 2000;

/** Connections to a Redis Cluster given by its seed nodes. */
export class ClusterFactory implements ConnectionFactory {
  /** Shared by every connection of this factory. */
  readonly ctx: NodeContext;
  private current: Topology | undefined;
  private loading: Promise<Topology> | undefined;
  /** Called after every read of the slot map, saying whether it changed (sharded subscribers move channels). */
  private readonly watchers = new Set<(topology: Topology, changed: boolean) => void>();
  private watchTimer: NodeJS.Timeout | undefined;

  /** The data path publishers and subscribers use (native or ioredis). */
  readonly plane: DataPlane;
  /** PUBLISH is broadcast over the cluster bus: its reply counts the receiving node's subscribers only. */
  readonly capabilities: TargetCapabilities = { publishRepliesCountAll: { classic: false, sharded: true }, sharded: true, patterns: true };

  constructor(readonly spec: TargetSpec, client?: ClientKind) {
    this.ctx = nodeContext(spec);
    this.plane = dataPlane(client);
  }

  /** The slot map, read once from the first seed that answers (and again after a refresh). */
  topology(connectTimeoutMs: number): Promise<Topology> {
    if (this.current) return Promise.resolve(this.current);
    return this.refresh(connectTimeoutMs);
  }

  /**
   * Re-reads the slot map (one read at a time; callers arriving meanwhile share it), asking `prefer` first:
   * the node that just reported a move knows about it before gossip reaches the others.
   */
  refresh(connectTimeoutMs: number, prefer?: { host: string; port: number }): Promise<Topology> {
    this.loading ??= this.readFromAnyNode(connectTimeoutMs, prefer).then(
      (topology) => {
        const before = this.current;
        this.current = topology;
        this.loading = undefined;
        const changed = before !== undefined && !sameSlotMap(before, topology);
        for (const watcher of this.watchers) watcher(topology, changed);
        return topology;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  /**
   * Calls `watcher` after every read of the slot map. While anyone watches, the map is re-read every
   * `topologyCheckMs`: a slot can move without any reply telling a subscriber (nodes learning the move by
   * gossip do not always drop the subscriptions of the slot they lost). Returns the way to stop watching.
   */
  watch(watcher: (topology: Topology, changed: boolean) => void, connectTimeoutMs: number): () => void {
    this.watchers.add(watcher);
    this.watchTimer ??= setInterval(() => {
      this.refresh(connectTimeoutMs).catch(() => undefined);
    }, topologyCheckMs).unref();
    return () => {
      this.watchers.delete(watcher);
      if (this.watchers.size === 0 && this.watchTimer) {
        clearInterval(this.watchTimer);
        this.watchTimer = undefined;
      }
    };
  }

  /** Master (host:port) owning `channel`'s slot; undefined before the topology was first read. */
  slotOwner(channel: string): string | undefined {
    const owner = this.current?.slotOwner[keySlot(channel)];
    return owner === undefined || owner < 0 ? undefined : this.current?.masters[owner];
  }

  private async readFromAnyNode(connectTimeoutMs: number, prefer?: { host: string; port: number }): Promise<Topology> {
    // Known masters first (after a failover a seed may be gone), then the seeds.
    const candidates = [...(prefer ? [prefer] : []), ...(this.current?.nodes ?? []), ...this.spec.nodes];
    const failures: string[] = [];
    for (const node of candidates) {
      let handle;
      try {
        handle = await connectNode(this.ctx, node, { clientName: 'pb-topology', connectTimeoutMs }, quietEvents);
        const topology = await readTopology(handle.redis);
        if (topology.masters.length === 0) throw new Error('the node reports no slots: the cluster is not set up yet');
        return topology;
      } catch (err) {
        const message = (err as Error).message;
        if (/cluster support disabled/i.test(message)) {
          throw new TargetError(`${hostPort(node)} is not a cluster node (cluster support disabled): drop --cluster, or point --target at a cluster`);
        }
        failures.push(err instanceof TargetError ? message : `${hostPort(node)}: ${message}`);
      } finally {
        await handle?.close();
      }
    }
    throw new TargetError(redactSecrets(`Cannot read the cluster's slot map from any node:\n  ${failures.join('\n  ')}`, this.spec));
  }

  /**
   * Where a classic connection goes when its node stops answering: the slot map is re-read (a promoted replica
   * shows up once the cluster agreed on it) and the connection is placed by its spread index over the masters other
   * than the dead one — classic pub/sub is broadcast over the cluster bus, so any live master serves it.
   */
  rehome(opts: Pick<ConnectionOptions, 'spreadIndex' | 'clientName' | 'connectTimeoutMs'>): NonNullable<ConnectionOptions['rehome']> {
    return async (dead) => {
      const topology = await this.refresh(opts.connectTimeoutMs).catch(() => this.current);
      if (!topology) return undefined;
      const others = topology.masters.filter((m) => m !== hostPort(dead));
      if (others.length === 0) return undefined;
      return this.masterNode(topology, homeMaster(spreadIndexOf(opts), others));
    };
  }

  /** The node entry of master `name`. */
  masterNode(topology: Topology, name: string): TopologyNode {
    const node = topology.nodes.find((n) => n.name === name);
    if (!node) throw new TargetError(`master ${name} is not in the cluster's slot map`);
    return node;
  }

  async openPublisher(opts: PublisherOptions, events: ConnectionEvents): Promise<PublishConnection> {
    const topology = await this.topology(opts.connectTimeoutMs);
    if (opts.sharded) return ShardedPublisher.open(this, topology, opts, events);
    const home = this.masterNode(topology, homeMaster(spreadIndexOf(opts), topology.masters));
    return this.plane.openPublisher(this.ctx, home, { ...opts, rehome: this.rehome(opts) }, events);
  }

  async openSubscriber(opts: ConnectionOptions, handlers: SubscriberHandlers): Promise<SubscribeConnection> {
    const topology = await this.topology(opts.connectTimeoutMs);
    if (opts.sharded) return new ShardedSubscriber(this, opts, handlers);
    const home = this.masterNode(topology, homeMaster(spreadIndexOf(opts), topology.masters));
    return this.plane.openSubscriber(this.ctx, home, { ...opts, rehome: this.rehome(opts) }, handlers, { sharded: false, splitBySlot: false });
  }

  /** A control connection to every node (masters and replicas): counts are summed over all of them. */
  async openControl(connectTimeoutMs: number): Promise<ControlConnection> {
    const topology = await this.refresh(connectTimeoutMs);
    const settled = await Promise.allSettled(
      topology.nodes.map((node) => connectNode(this.ctx, node, { clientName: 'pb-control', connectTimeoutMs }, quietEvents)),
    );
    const handles = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(handles.map((h) => h.close()));
      throw failed.reason;
    }
    // topology.nodes lists the masters first, in topology.masters order, so a master's index is its handle's.
    return new NodesControl(handles, (slot) => topology.slotOwner[slot]);
  }
}
