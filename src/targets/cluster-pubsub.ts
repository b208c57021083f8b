/**
 * Sharded pub/sub in a cluster: one node connection per master, SPUBLISH and SSUBSCRIBE routed by the
 * channel's slot. Redirections (MOVED replies, subscriptions dropped because their slot moved) refresh the
 * slot map and are reported through onTopologyEvent; moved subscriptions are redone on the new owner. A publish
 * answered MOVED failed: it counts as a publish error, never as a loss (the slot map is re-read). A publish answered
 * ASK (its slot is being migrated) is sent once more, behind ASKING, to the node the ASK names, and that node's
 * reply is the one reported; in mode 'multi' an ASK aborts the whole transaction (EXECABORT) and stays a failure.
 *
 * Failover: both sides watch the slot map (ClusterFactory.watch). When a master is gone from it (its replica was
 * promoted), the publisher routes its slots to the new owner and the subscriber re-subscribes its channels there;
 * the connection to the dead node is closed and its outage ends once its work is back on a live node.
 */
import type { ClusterFactory } from './cluster.js';
import { homeMaster, spreadIndexOf } from './shards.js';
import { RoutedSends } from './routed-send.js';
import { keySlot } from './slot.js';
import type { Topology } from './topology.js';
import { hostPort } from './url.js';
import type { ConnectionEvents, ConnectionOptions, NodeSubscribeConnection, PublishConnection, PublisherOptions, SubscribeConnection, SubscriberHandlers } from './types.js';

/** The node a MOVED or ASK reply (`MOVED <slot> <host>:<port>`, `ASK <slot> <host>:<port>`) points to. */
export function redirectTarget(message: string): { host: string; port: number } | undefined {
  const match = /^(?:MOVED|ASK) \d+ (.*):(\d+)$/.exec(message);
  return match ? { host: match[1].replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) } : undefined;
}

/** True when both maps give every slot the same master. */
export function sameSlotMap(a: Topology, b: Topology): boolean {
  if (a.ranges.length !== b.ranges.length) return false;
  return a.ranges.every((r, i) => r.start === b.ranges[i].start && r.end === b.ranges[i].end && r.master === b.ranges[i].master);
}

/**
 * The per-node connections of one sharded connection, as one: a node's causes are prefixed with its name, the
 * outage starts when the first node drops and ends only when every node is back (or was retired after a failover).
 */
export class NodeOutages {
  private readonly down = new Set<string>();

  constructor(private readonly events: ConnectionEvents) {}

  for(name: string): ConnectionEvents {
    return {
      onDisconnect: (cause) => {
        this.down.add(name);
        this.events.onDisconnect(`${name}: ${cause}`);
      },
      onReconnect: () => this.up(name),
      onRecoveryError: (cause) => this.events.onRecoveryError?.(`${name}: ${cause}`),
    };
  }

  isDown(name: string): boolean {
    return this.down.has(name);
  }

  /** `name` is back (or its work moved to a live node): the outage ends when no node is down. */
  up(name: string): void {
    if (this.down.delete(name) && this.down.size === 0) this.events.onReconnect();
  }
}

/** SPUBLISH routed by slot over one connection per master. */
export class ShardedPublisher implements PublishConnection {
  onReply: (token: number, reply: number) => void = () => undefined;
  lastError = '';
  payloadOffset = 0;
  /** Connections by node name; `byOwner[i]` is the one for topology.masters[i]. */
  private readonly pubs = new Map<string, PublishConnection>();
  /** Connections being opened, shared by a new slot map and an ASK naming a node not connected yet. */
  private readonly opening = new Map<string, Promise<PublishConnection>>();
  private byOwner: PublishConnection[] = [];
  /** Hash slot of every channel index, computed once. */
  private readonly slots: Uint16Array;
  /** Connections that got messages since the last send. */
  private readonly sends = new RoutedSends();
  private refreshing = false;
  /** Slot maps are adopted one after the other. */
  private adopting: Promise<void> = Promise.resolve();
  /** Tokens re-sent after an ASK: their next reply is final (an ASK is followed once). */
  private readonly redirected = new Set<number>();
  private readonly outages: NodeOutages;
  private readonly multi: boolean;
  private unwatch: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly factory: ClusterFactory,
    private topology: Topology,
    private readonly opts: PublisherOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.slots = Uint16Array.from(opts.channels, (c) => keySlot(c));
    this.outages = new NodeOutages(events);
    this.multi = opts.mode === 'multi';
  }

  /**
   * Connects to every master of `topology` (a publisher usually covers all channels, hence all shards) and follows
   * the slot map from then on. `topology` is normally the factory's; tests may hand in another layout.
   */
  static async open(factory: ClusterFactory, topology: Topology, opts: PublisherOptions, events: ConnectionEvents): Promise<ShardedPublisher> {
    const pub = new ShardedPublisher(factory, topology, opts, events);
    try {
      await pub.adopt(topology);
    } catch (err) {
      await pub.close();
      throw err;
    }
    // A slot moved between live masters is learnt from the MOVED reply; a master that left the map (it died, or a
    // failover made it a replica) is followed from the periodic read, since a dead node answers nothing.
    pub.unwatch = factory.watch((latest) => {
      if (pub.topology.masters.some((m) => !latest.masters.includes(m)) && !sameSlotMap(latest, pub.topology)) pub.follow(latest, true);
    }, opts.connectTimeoutMs);
    return pub;
  }

  /** The connection to node `name`, opened once (concurrent callers share the attempt). */
  private connect(name: string, node: { host: string; port: number }): Promise<PublishConnection> {
    const open = this.pubs.get(name);
    if (open) return Promise.resolve(open);
    let opening = this.opening.get(name);
    if (!opening) {
      opening = this.factory.plane.openPublisher(this.factory.ctx, node, this.opts, this.outages.for(name)).then(
        async (pub) => {
          this.opening.delete(name);
          if (this.closed) {
            await pub.close();
            throw new Error('the publisher was closed');
          }
          pub.onReply = (token, reply) => this.replied(pub, token, reply);
          this.pubs.set(name, pub);
          return pub;
        },
        (err: unknown) => {
          this.opening.delete(name);
          throw err;
        },
      );
      this.opening.set(name, opening);
    }
    return opening;
  }

  /**
   * Makes `topology` current, connecting to masters not seen before. A node that is down and no longer a master
   * (it died and its replica took over) is closed: its slots are served again, so its outage is over.
   */
  private async adopt(topology: Topology): Promise<void> {
    await Promise.all(topology.masters.map((name) => this.connect(name, this.factory.masterNode(topology, name))));
    this.topology = topology;
    this.byOwner = topology.masters.map((name) => this.pubs.get(name) as PublishConnection);
    for (const [name, pub] of this.pubs) {
      if (topology.masters.includes(name) || !this.outages.isDown(name)) continue;
      // Down, so nothing is queued on it (what was in flight failed when it dropped).
      this.pubs.delete(name);
      this.sends.forget(pub);
      await pub.close();
      this.outages.up(name);
    }
  }

  /**
   * Adopts `topology` after whatever adoption is running (a failed one is retried on the next read). A map in which
   * a slot of ours has no owner (a dead master before its replica was promoted) is skipped: until a later read names
   * the owner, those publishes keep failing on the old connection, counted with their cause.
   */
  private follow(topology: Topology, report: boolean): void {
    this.adopting = this.adopting
      .then(async () => {
        if (this.closed || topology === this.topology || !this.routable(topology)) return;
        await this.adopt(topology);
        if (report) this.events.onTopologyEvent?.('refresh');
      })
      .catch(() => undefined);
  }

  /** True when every channel's slot has an owner in `topology`. */
  private routable(topology: Topology): boolean {
    for (const slot of this.slots) if (topology.slotOwner[slot] < 0) return false;
    return true;
  }

  /** A node's reply: an ASK is followed once; a MOVED is reported and followed by a slot-map refresh (failed). */
  private replied(pub: PublishConnection, token: number, reply: number): void {
    if (reply < 0) {
      const error = pub.lastError;
      if (error.startsWith('ASK ')) {
        this.events.onTopologyEvent?.('ask');
        if (!this.multi && !this.redirected.has(token) && this.followAsk(pub, token, error)) return;
      } else if (error.startsWith('MOVED ')) {
        this.followMove(error);
      }
      this.lastError = error;
    }
    if (this.redirected.size > 0) this.redirected.delete(token);
    this.onReply(token, reply);
  }

  /**
   * Sends the message `from` just answered ASK for to the node the ASK names, behind ASKING. True when it went
   * (or will go once connected): its reply arrives later under the same token. Only this path allocates.
   */
  private followAsk(from: PublishConnection, token: number, error: string): boolean {
    const node = redirectTarget(error);
    const message = from.answered?.(token);
    if (!node || !message) return false;
    const name = hostPort(node);
    const to = this.pubs.get(name);
    if (to === from) return false;
    if (to) {
      if (!to.sendAsking?.(message.channel, token, message.payload)) return false;
      this.redirected.add(token);
      return true;
    }
    // A node not connected yet (say, a new master importing its first slots): the bytes in `from` are reused
    // once this call returns, so keep a copy until the connection is up.
    const { channel } = message;
    const payload = Buffer.from(message.payload);
    this.redirected.add(token);
    this.connect(name, node).then(
      (conn) => {
        if (!conn.sendAsking?.(channel, token, payload)) this.failRedirect(token, error);
      },
      (err: unknown) => this.failRedirect(token, `${error} (connecting to it failed: ${(err as Error).message})`),
    );
    return true;
  }

  private failRedirect(token: number, why: string): void {
    this.redirected.delete(token);
    this.lastError = why;
    this.onReply(token, -1);
  }

  /** After a MOVED: re-read the slot map (shared with other callers) and connect to new masters. */
  private followMove(message: string): void {
    this.events.onTopologyEvent?.('moved');
    if (this.refreshing) return;
    this.refreshing = true;
    this.factory
      .refresh(this.opts.connectTimeoutMs, redirectTarget(message))
      .then((topology) => {
        this.events.onTopologyEvent?.('refresh');
        this.follow(topology, false);
      })
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  hasRoom(): boolean {
    return RoutedSends.hasRoom(this.byOwner);
  }

  add(channel: number, token: number): Buffer {
    const buf = this.sends.add(this.byOwner[this.topology.slotOwner[this.slots[channel]]], channel, token);
    this.payloadOffset = this.sends.payloadOffset;
    return buf;
  }

  send(): void {
    this.sends.send();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
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
  private readonly outages: NodeOutages;
  /** Dead masters whose connections were closed: their outage ends once their channels are subscribed elsewhere. */
  private readonly retired = new Set<string>();

  constructor(
    private readonly factory: ClusterFactory,
    private readonly opts: ConnectionOptions,
    private readonly handlers: SubscriberHandlers,
  ) {
    this.outages = new NodeOutages(handlers);
  }

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
      ...this.outages.for(master),
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
      // Classic: should its master die, it moves to another one (see ClusterFactory.rehome).
      const opts = { ...this.opts, rehome: this.factory.rehome(this.opts) };
      this.home = this.factory.plane.openSubscriber(this.factory.ctx, node, opts, this.handlersFor('patterns'), { sharded: false, splitBySlot: false });
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
      // A slot without an owner (its master died, the replica is not promoted yet) stays put until a read names one.
      const gone = sub.heldChannels().filter((ch) => {
        const owner = topology.slotOwner[keySlot(ch)];
        return owner >= 0 && topology.masters[owner] !== master;
      });
      // The old owner may still hold them (a move learnt by gossip), and refuses SUNSUBSCRIBE with MOVED;
      // the leftover is harmless (SPUBLISH for that slot no longer reaches that node) and ends with the connection.
      sub.forget(gone);
      moved.push(...gone);
      // A node that is no longer a master (dead, or a replica after a failover, where the shard's messages still
      // reach it) and holds nothing more is closed before its channels are subscribed elsewhere: no duplicates.
      if (!topology.masters.includes(master) && sub.heldChannels().length === 0) {
        this.subs.delete(master);
        if (this.outages.isDown(master)) this.retired.add(master);
        await sub.close();
      }
    }
    if (moved.length > 0) {
      this.handlers.onTopologyEvent?.('refresh');
      try {
        await this.subscribe(moved);
      } catch (err) {
        if (!/MOVED|ASK/.test((err as Error).message)) throw err;
        // Mid-migration the new owner may still redirect to the old one: try again after the next read,
        // and ask for that read soon rather than at the next periodic check.
        for (const channel of moved) this.pending.add(channel);
        setTimeout(() => this.factory.refresh(this.opts.connectTimeoutMs).catch(() => undefined), retryMoveMs).unref();
        return;
      }
    }
    for (const master of this.retired) this.outages.up(master);
    this.retired.clear();
  }

  async close(): Promise<void> {
    this.unwatch?.();
    const all = [...this.subs.values(), ...(this.home ? [this.home] : [])];
    await Promise.all(all.map((p) => p.then((s) => s.close(), () => undefined)));
  }
}
