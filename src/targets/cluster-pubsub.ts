/**
 * Sharded pub/sub in a cluster: one node connection per master, SPUBLISH and SSUBSCRIBE routed by the
 * channel's slot. Redirections (MOVED replies, subscriptions dropped because their slot moved) refresh the
 * slot map, are reported through onTopologyEvent, and the affected publishes / subscriptions are redone once
 * on the new owner. An ASK reply (slot half-migrated) fails that publish and is reported too.
 */
import type { ClusterFactory } from './cluster.js';
import { NodePublisher, NodeSubscriber, openNodePublisher } from './node-pubsub.js';
import { homeMaster, spreadIndexOf } from './shards.js';
import { keySlot } from './slot.js';
import type { Topology } from './topology.js';
import type { ConnectionEvents, ConnectionOptions, PublishConnection, PublisherOptions, SubscribeConnection, SubscriberHandlers } from './types.js';

/** The node a MOVED reply (`MOVED <slot> <host>:<port>`) points to. */
function movedTarget(err: unknown): { host: string; port: number } | undefined {
  const match = /^MOVED \d+ (.*):(\d+)$/.exec((err as Error | undefined)?.message ?? '');
  return match ? { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) } : undefined;
}

/** Prefixes a node's disconnect causes with its name: a sharded connection spans several nodes. */
function perNode(events: ConnectionEvents, name: string): ConnectionEvents {
  return {
    onDisconnect: (cause) => events.onDisconnect(`${name}: ${cause}`),
    onReconnect: () => events.onReconnect(),
  };
}

/** SPUBLISH routed by slot over one connection per master. */
export class ShardedPublisher implements PublishConnection {
  /** Connections by master name; `byOwner[i]` is the one for topology.masters[i]. */
  private readonly pubs = new Map<string, NodePublisher>();
  private byOwner: NodePublisher[] = [];
  /** Reused per batch: the entry indexes going to each master. */
  private groups: number[][] = [];

  private constructor(
    private readonly factory: ClusterFactory,
    private topology: Topology,
    private readonly opts: PublisherOptions,
    private readonly events: ConnectionEvents,
  ) {}

  /** Connects to every master (a publisher usually covers all channels, hence all shards). */
  static async open(factory: ClusterFactory, topology: Topology, opts: PublisherOptions, events: ConnectionEvents): Promise<ShardedPublisher> {
    const pub = new ShardedPublisher(factory, topology, opts, events);
    try {
      await pub.adopt(topology);
    } catch (err) {
      await pub.close();
      throw err;
    }
    return pub;
  }

  /** Makes `topology` current, connecting to masters not seen before. */
  private async adopt(topology: Topology): Promise<void> {
    await Promise.all(
      topology.masters.map(async (name) => {
        if (this.pubs.has(name)) return;
        const node = this.factory.masterNode(topology, name);
        this.pubs.set(name, await openNodePublisher(this.factory.ctx, node, this.opts, perNode(this.events, name)));
      }),
    );
    this.topology = topology;
    this.byOwner = topology.masters.map((name) => this.pubs.get(name) as NodePublisher);
    this.groups = topology.masters.map(() => []);
  }

  private ownerOf(channel: Buffer): NodePublisher {
    return this.byOwner[this.topology.slotOwner[keySlot(channel)]];
  }

  /** After a MOVED: re-read the slot map (shared with other callers) and connect to new masters. */
  private async followMove(err: unknown): Promise<void> {
    this.events.onTopologyEvent?.('moved');
    const topology = await this.factory.refresh(this.opts.connectTimeoutMs, movedTarget(err));
    this.events.onTopologyEvent?.('refresh');
    if (topology !== this.topology) await this.adopt(topology);
  }

  private redirected(err: unknown): 'moved' | 'ask' | undefined {
    const message = (err as Error | undefined)?.message ?? '';
    return message.startsWith('MOVED ') ? 'moved' : message.startsWith('ASK ') ? 'ask' : undefined;
  }

  async publish(channel: Buffer, payload: Buffer): Promise<number> {
    try {
      return await this.ownerOf(channel).publish(channel, payload);
    } catch (err) {
      const kind = this.redirected(err);
      if (kind === 'ask') this.events.onTopologyEvent?.('ask');
      if (kind !== 'moved') throw err;
      await this.followMove(err);
      return this.ownerOf(channel).publish(channel, payload);
    }
  }

  async publishBatch(channels: Buffer[], payloads: Buffer[], n: number, replies: Float64Array): Promise<number> {
    const groups = this.groups;
    for (const group of groups) group.length = 0;
    for (let i = 0; i < n; i++) groups[this.topology.slotOwner[keySlot(channels[i])]].push(i);
    const moved: number[] = [];
    const movedErrors: Error[] = [];
    const failures = await Promise.all(
      groups.map((group, owner) =>
        group.length === 0 ? 0 : this.byOwner[owner].publishSome(channels, payloads, group, group.length, replies, moved, movedErrors),
      ),
    );
    let failed = failures.reduce((a, b) => a + b, 0);
    if (moved.length === 0) return failed;
    await this.followMove(movedErrors[0]);
    const redone = await Promise.all(
      moved.map((i) =>
        this.ownerOf(channels[i]).publish(channels[i], payloads[i]).then(
          (reply) => {
            replies[i] = reply;
            return 1;
          },
          () => 0,
        ),
      ),
    );
    for (const ok of redone) failed -= ok;
    return failed;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pubs.values()].map((p) => p.close()));
  }
}

/** Delay before re-reading the slot map when a moved subscription was refused. */
const retryMoveMs = 200;

/** SSUBSCRIBE routed by slot, one connection per master that owns a subscribed channel (opened on demand). */
export class ShardedSubscriber implements SubscribeConnection {
  private readonly subs = new Map<string, Promise<NodeSubscriber>>();
  /** Patterns have no sharded form; they are subscribed classically on the home master. */
  private home: Promise<NodeSubscriber> | undefined;
  /** Relocations run one after the other. */
  private relocating: Promise<void> = Promise.resolve();
  /** Channels whose move was refused (MOVED: the new owner did not know yet); retried on the next read. */
  private readonly pending = new Set<string>();
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly factory: ClusterFactory,
    private readonly opts: ConnectionOptions,
    private readonly handlers: SubscriberHandlers,
  ) {}

  private nodeSubscriber(topology: Topology, master: string): Promise<NodeSubscriber> {
    let sub = this.subs.get(master);
    if (!sub) {
      const node = this.factory.masterNode(topology, master);
      sub = new NodeSubscriber(true, true).open(this.factory.ctx, node, this.opts, this.handlersFor(master), () => this.onMoved(node));
      this.subs.set(master, sub);
      // A failed connect must not poison the cache: the next subscribe may try again.
      sub.catch(() => this.subs.delete(master));
    }
    return sub;
  }

  private handlersFor(master: string): SubscriberHandlers {
    const h = this.handlers;
    return {
      onMessage: (channel, payload) => h.onMessage(channel, payload),
      onPatternMessage: (pattern, channel, payload) => h.onPatternMessage(pattern, channel, payload),
      ...perNode(h, master),
    };
  }

  async subscribe(channels: string[]): Promise<number> {
    this.unwatch ??= this.factory.watch((topology, changed) => this.onTopology(topology, changed), this.opts.connectTimeoutMs);
    const topology = await this.factory.topology(this.opts.connectTimeoutMs);
    const byMaster = new Map<string, string[]>();
    for (const channel of channels) {
      const master = topology.masters[topology.slotOwner[keySlot(channel)]];
      const group = byMaster.get(master);
      if (group) group.push(channel);
      else byMaster.set(master, [channel]);
    }
    await Promise.all([...byMaster].map(async ([master, group]) => (await this.nodeSubscriber(topology, master)).subscribe(group)));
    return channels.length;
  }

  async psubscribe(patterns: string[]): Promise<number> {
    if (!this.home) {
      const topology = await this.factory.topology(this.opts.connectTimeoutMs);
      const master = homeMaster(spreadIndexOf(this.opts), topology.masters);
      this.home = new NodeSubscriber(false, false).open(this.factory.ctx, this.factory.masterNode(topology, master), this.opts, this.handlersFor(master));
    }
    return (await this.home).psubscribe(patterns);
  }

  /**
   * A node dropped sharded subscriptions because their slot moved: re-read the slot map from that node
   * (it knows first). A changed map reaches onTopology; a stale one is caught by the periodic check.
   */
  private onMoved(reporter: { host: string; port: number }): void {
    this.handlers.onTopologyEvent?.('moved');
    this.factory.refresh(this.opts.connectTimeoutMs, reporter).catch(() => undefined);
  }

  /** After a read of the slot map: move channels whose slot changed owner, and retry refused moves. */
  private onTopology(topology: Topology, changed: boolean): void {
    // Walking every held channel costs time; only do it when there is something to find.
    if (!changed && this.pending.size === 0) return;
    this.relocating = this.relocating
      .then(() => this.relocate(topology))
      .catch((err: unknown) => {
        // The subscriptions of the moved slot are gone and could not be restored: say so, never hide it.
        this.handlers.onDisconnect(`sharded subscriptions of a moved slot could not be restored: ${(err as Error).message}`);
      });
  }

  private async relocate(topology: Topology): Promise<void> {
    const moved = [...this.pending];
    this.pending.clear();
    for (const [master, pending] of this.subs) {
      const sub = await pending.catch(() => undefined);
      if (!sub) continue;
      const gone = sub.heldChannels().filter((ch) => topology.masters[topology.slotOwner[keySlot(ch)]] !== master);
      // The old owner may still hold them (a move learnt by gossip), and refuses SUNSUBSCRIBE with MOVED;
      // the leftover is harmless (SPUBLISH for that slot no longer reaches that node) and ends with the connection.
      sub.forget(gone);
      moved.push(...gone);
    }
    if (moved.length === 0) return;
    this.handlers.onTopologyEvent?.('refresh');
    try {
      await this.subscribe(moved);
    } catch (err) {
      if (!/MOVED|ASK/.test((err as Error).message)) throw err;
      // Mid-migration the new owner may still redirect to the old one: try again after the next read,
      // and ask for that read soon rather than at the next periodic check.
      for (const channel of moved) this.pending.add(channel);
      setTimeout(() => this.factory.refresh(this.opts.connectTimeoutMs).catch(() => undefined), retryMoveMs).unref();
    }
  }

  async close(): Promise<void> {
    this.unwatch?.();
    const all = [...this.subs.values(), ...(this.home ? [this.home] : [])];
    await Promise.all(all.map((p) => p.then((s) => s.close(), () => undefined)));
  }
}
