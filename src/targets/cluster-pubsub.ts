/**
 * Sharded pub/sub in a cluster: one node connection per master, SPUBLISH and SSUBSCRIBE routed by the
 * channel's slot. Redirections (MOVED replies, subscriptions dropped because their slot moved) refresh the
 * slot map and are reported through onTopologyEvent; moved subscriptions are redone on the new owner. A publish
 * answered MOVED or ASK (slot moving) failed: it counts as a publish error, never as a loss.
 */
import type { ClusterFactory } from './cluster.js';
import { homeMaster, spreadIndexOf } from './shards.js';
import { keySlot } from './slot.js';
import type { Topology } from './topology.js';
import type { ConnectionEvents, ConnectionOptions, NodeSubscribeConnection, PublishConnection, PublisherOptions, SubscribeConnection, SubscriberHandlers } from './types.js';

/** The node a MOVED reply (`MOVED <slot> <host>:<port>`) points to. */
function movedTarget(message: string): { host: string; port: number } | undefined {
  const match = /^MOVED \d+ (.*):(\d+)$/.exec(message);
  return match ? { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) } : undefined;
}

/** Prefixes a node's disconnect causes with its name: a sharded connection spans several nodes. */
function perNode(events: ConnectionEvents, name: string): ConnectionEvents {
  return {
    onDisconnect: (cause) => events.onDisconnect(`${name}: ${cause}`),
    onReconnect: () => events.onReconnect(),
    onRecoveryError: (cause) => events.onRecoveryError?.(`${name}: ${cause}`),
  };
}

/** SPUBLISH routed by slot over one connection per master. */
export class ShardedPublisher implements PublishConnection {
  onReply: (token: number, reply: number) => void = () => undefined;
  lastError = '';
  payloadOffset = 0;
  /** Connections by master name; `byOwner[i]` is the one for topology.masters[i]. */
  private readonly pubs = new Map<string, PublishConnection>();
  private byOwner: PublishConnection[] = [];
  /** Hash slot of every channel index, computed once. */
  private readonly slots: Uint16Array;
  /** Connections that got messages since the last send. */
  private readonly touched = new Set<PublishConnection>();
  private refreshing = false;

  private constructor(
    private readonly factory: ClusterFactory,
    private topology: Topology,
    private readonly opts: PublisherOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.slots = Uint16Array.from(opts.channels, (c) => keySlot(c));
  }

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
        const pub = await this.factory.plane.openPublisher(this.factory.ctx, node, this.opts, perNode(this.events, name));
        pub.onReply = (token, reply) => this.replied(pub, token, reply);
        this.pubs.set(name, pub);
      }),
    );
    this.topology = topology;
    this.byOwner = topology.masters.map((name) => this.pubs.get(name) as PublishConnection);
  }

  /** A node's reply: a MOVED or ASK is reported and (MOVED) followed by a slot-map refresh; the publish failed. */
  private replied(pub: PublishConnection, token: number, reply: number): void {
    if (reply < 0) {
      this.lastError = pub.lastError;
      if (this.lastError.startsWith('MOVED ')) this.followMove(this.lastError);
      else if (this.lastError.startsWith('ASK ')) this.events.onTopologyEvent?.('ask');
    }
    this.onReply(token, reply);
  }

  /** After a MOVED: re-read the slot map (shared with other callers) and connect to new masters. */
  private followMove(message: string): void {
    this.events.onTopologyEvent?.('moved');
    if (this.refreshing) return;
    this.refreshing = true;
    this.factory
      .refresh(this.opts.connectTimeoutMs, movedTarget(message))
      .then(async (topology) => {
        this.events.onTopologyEvent?.('refresh');
        if (topology !== this.topology) await this.adopt(topology);
      })
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  hasRoom(): boolean {
    for (const pub of this.byOwner) if (!pub.hasRoom()) return false;
    return true;
  }

  add(channel: number, token: number): Buffer {
    const pub = this.byOwner[this.topology.slotOwner[this.slots[channel]]];
    const buf = pub.add(channel, token);
    this.payloadOffset = pub.payloadOffset;
    this.touched.add(pub);
    return buf;
  }

  send(): void {
    for (const pub of this.touched) pub.send();
    this.touched.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.pubs.values()].map((p) => p.close()));
  }
}

/** Delay before re-reading the slot map when a moved subscription was refused. */
const retryMoveMs = 200;

/** SSUBSCRIBE routed by slot, one connection per master that owns a subscribed channel (opened on demand). */
export class ShardedSubscriber implements SubscribeConnection {
  private readonly subs = new Map<string, Promise<NodeSubscribeConnection>>();
  /** Patterns have no sharded form; they are subscribed classically on the home master. */
  private home: Promise<NodeSubscribeConnection> | undefined;
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

  private nodeSubscriber(topology: Topology, master: string): Promise<NodeSubscribeConnection> {
    let sub = this.subs.get(master);
    if (!sub) {
      const node = this.factory.masterNode(topology, master);
      sub = this.factory.plane.openSubscriber(this.factory.ctx, node, this.opts, this.handlersFor(master), {
        sharded: true,
        splitBySlot: true,
        onMoved: () => this.onMoved(node),
      });
      this.subs.set(master, sub);
      // A failed connect must not poison the cache: the next subscribe may try again.
      sub.catch(() => this.subs.delete(master));
    }
    return sub;
  }

  private handlersFor(master: string): SubscriberHandlers {
    const h = this.handlers;
    return {
      onMessage: (buf, start, end, chan, chanStart, chanEnd, pattern) => h.onMessage(buf, start, end, chan, chanStart, chanEnd, pattern),
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
      const node = this.factory.masterNode(topology, master);
      this.home = this.factory.plane.openSubscriber(this.factory.ctx, node, this.opts, this.handlersFor(master), { sharded: false, splitBySlot: false });
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
