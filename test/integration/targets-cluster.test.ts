/**
 * The connection factory against a real 3-master cluster with one replica each, on both data paths (native RESP
 * sockets and ioredis): classic subscribers spread over the masters, sharded pub/sub routed by slot (pipelined and
 * in per-slot MULTI transactions), per-shard counts, and a slot that moves mid-way.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { ClusterFactory } from '../../src/targets/cluster.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { homeMaster, shardOfChannel } from '../../src/targets/shards.js';
import { keySlot } from '../../src/targets/slot.js';
import type { TargetInfo } from '../../src/targets/types.js';
import {
  CLIENTS,
  OpenConnections,
  Recorder,
  fixed,
  publishAll,
  publishAllDetailed,
  publishOne,
  publisherOptions,
  redisCli,
  startServer,
  uniqueName,
  waitFor,
} from '../helpers/redis.js';

let cluster: LocalTargetDetails;

before(async () => {
  cluster = await startServer({ kind: 'cluster', shards: 3, replicas: 1 });
});

const connections = new OpenConnections();
afterEach(() => connections.closeAll());

after(async () => {
  await cluster?.stop();
});

/** Client names (pb-…) connected to each node, from CLIENT LIST. */
async function clientsPerNode(): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const node of cluster.nodes) {
    const list = await redisCli(cluster, node.port, 'CLIENT', 'LIST');
    out.set(node.port, [...list.matchAll(/ name=(pb-\S+)/g)].map((m) => m[1]));
  }
  return out;
}

const portOf = (name: string): number => Number(name.slice(name.lastIndexOf(':') + 1));

for (const client of CLIENTS) {
  describe(`3-master cluster with replicas, ${client} client`, { timeout: 60_000 }, () => {
    let factory: ClusterFactory;
    let info: TargetInfo;

    before(async () => {
      factory = connections.track(createConnectionFactory(cluster.spec, client)) as ClusterFactory;
      // Read here, per client: the slot-move test of the previous client changed the slot map.
      const control = await factory.openControl(3000);
      info = await control.info();
      await control.close();
    });

    /** Channels covering every master: names are tried in order until each master owns `perShard` of them. */
    function channelsOnEveryShard(prefix: string, perShard: number): string[] {
      const picked = new Map<string, string[]>(info.masters.map((m) => [m, []]));
      for (let i = 0; [...picked.values()].some((l) => l.length < perShard) && i < 10_000; i++) {
        const name = `${prefix}.${i}`;
        const list = picked.get(shardOfChannel(name, info) as string) as string[];
        if (list.length < perShard) list.push(name);
      }
      return [...picked.values()].flat();
    }

    test(`${client}: the control connection sees 3 masters, each with its replica, and the whole slot map`, () => {
      assert.equal(info.mode, 'cluster');
      assert.equal(info.masters.length, 3);
      assert.deepEqual(Object.values(info.replicas ?? {}).map((r) => r.length), [1, 1, 1]);
      const covered = (info.slotRanges ?? []).reduce((n, r) => n + r.end - r.start + 1, 0);
      assert.equal(covered, 16384);
      const masterPorts = cluster.nodes.filter((n) => n.role === 'master').map((n) => n.port).sort();
      assert.deepEqual(info.masters.map(portOf).sort(), masterPorts);
    });

    test(`${client}: classic: subscribers are spread over every master and each receives every channel`, async () => {
      const channels = channelsOnEveryShard(uniqueName('classic'), 2);
      const recs = [0, 1, 2, 3, 4, 5].map(() => new Recorder());
      const subs = await Promise.all(recs.map((rec, i) => factory.openSubscriber({ sharded: false, clientName: `pb-csub-${i}`, connectTimeoutMs: 3000 }, rec)));
      for (const sub of subs) assert.equal(await sub.subscribe(channels), channels.length);
      const perNode = await clientsPerNode();
      for (const [i] of recs.entries()) {
        const home = portOf(homeMaster(i, info.masters));
        assert.ok(perNode.get(home)?.includes(`pb-csub-${i}`), `pb-csub-${i} sits on its home master ${home}`);
      }
      for (const master of info.masters) assert.equal(perNode.get(portOf(master))?.filter((n) => n.startsWith('pb-csub-')).length, 2);
      const control = await factory.openControl(3000);
      assert.deepEqual(await control.numsub(channels, false), channels.map(() => 6));
      const pub = await factory.openPublisher(publisherOptions('pb-cpub-0', channels, 8, 'pipeline'), new Recorder());
      const replies = await publishAll(pub, channels.map((_, i) => ({ channel: i, payload: fixed(`c${i}`, 8) })));
      // A classic PUBLISH reply counts only the subscribers on the node that received it (2 of the 6).
      assert.deepEqual(replies, channels.map(() => 2));
      await waitFor(() => recs.every((r) => r.deliveries.length === channels.length), 'every subscriber to get every channel');
      const expected = channels.map((c, i) => ({ channel: c, payload: fixed(`c${i}`, 8).toString() }));
      const byChannel = (a: { channel: string }, b: { channel: string }) => a.channel.localeCompare(b.channel);
      for (const rec of recs) assert.deepEqual([...rec.deliveries].sort(byChannel), [...expected].sort(byChannel));
      await Promise.all([...subs.map((s) => s.close()), pub.close(), control.close()]);
    });

    test(`${client}: sharded: SSUBSCRIBE lands on the shard owning each slot, SPUBLISH replies count the shard`, async () => {
      const channels = channelsOnEveryShard(uniqueName('sharded'), 2);
      const recs = [0, 1, 2].map(() => new Recorder());
      const subs = await Promise.all(recs.map((rec, i) => factory.openSubscriber({ sharded: true, clientName: `pb-ssub-${i}`, connectTimeoutMs: 3000 }, rec)));
      for (const sub of subs) assert.equal(await sub.subscribe(channels), channels.length);
      for (const master of info.masters) {
        const own = channels.filter((c) => shardOfChannel(c, info) === master);
        assert.equal(own.length, 2);
        const counts = await redisCli(cluster, portOf(master), 'PUBSUB', 'SHARDNUMSUB', ...own);
        assert.deepEqual(counts.trim().split('\n').filter((_, i) => i % 2 === 1), ['3', '3'], `shard ${master}`);
      }
      const control = await factory.openControl(3000);
      assert.deepEqual(await control.numsub(channels, true), channels.map(() => 3));
      const pub = await factory.openPublisher(publisherOptions('pb-spub-0', channels, 8, 'pipeline', { sharded: true }), new Recorder());
      const replies = await publishAll(pub, channels.map((_, i) => ({ channel: i, payload: fixed(`s${i}`, 8) })));
      assert.deepEqual(replies, channels.map(() => 3));
      assert.equal(await publishOne(pub, 0, fixed('one', 8)), 3);
      await waitFor(() => recs.every((r) => r.deliveries.length === channels.length + 1), 'every sharded delivery');
      for (const rec of recs) {
        assert.equal(rec.deliveries.filter((d) => d.channel === channels[0]).length, 2);
        assert.deepEqual(rec.deliveries.filter((d) => d.payload === fixed('one', 8).toString()), [{ channel: channels[0], payload: fixed('one', 8).toString() }]);
        assert.deepEqual(rec.events, []);
      }
      await Promise.all([...subs.map((s) => s.close()), pub.close(), control.close()]);
    });

    test(`${client}: sharded multi: a batch over every shard is split into per-slot transactions, every reply counts the shard`, async () => {
      // Per shard: two channels of one slot (a hash tag) and one of another slot.
      const tags = channelsOnEveryShard(uniqueName('smulti'), 1);
      const channels = [...tags.flatMap((t) => [`{${t}}.a`, `{${t}}.b`]), ...channelsOnEveryShard(uniqueName('smulti-1'), 1)];
      const rec = new Recorder();
      const sub = await factory.openSubscriber({ sharded: true, clientName: 'pb-smsub-0', connectTimeoutMs: 3000 }, rec);
      assert.equal(await sub.subscribe(channels), channels.length);
      const pub = await factory.openPublisher(publisherOptions('pb-smpub-0', channels, 8, 'multi', { sharded: true }), new Recorder());
      // In table order, twice: each node sees runs of one slot and changes of slot within one send().
      const order = [...channels.keys(), ...channels.keys()];
      const { replies, errors } = await publishAllDetailed(pub, order.map((i, k) => ({ channel: i, payload: fixed(`t${k}`, 8) })));
      assert.deepEqual(errors, order.map(() => ''), 'no transaction failed (CROSSSLOT is never hit)');
      assert.deepEqual(replies, order.map(() => 1));
      await waitFor(() => rec.deliveries.length === order.length, 'every delivery of the transactions');
      assert.deepEqual(rec.deliveries.map((d) => d.channel).sort(), order.map((i) => channels[i]).sort());
      // Within one channel, deliveries keep their send order.
      for (const [i, channel] of channels.entries()) {
        assert.deepEqual(rec.deliveries.filter((d) => d.channel === channel).map((d) => d.payload), [fixed(`t${i}`, 8).toString(), fixed(`t${i + channels.length}`, 8).toString()]);
      }
      await Promise.all([sub.close(), pub.close()]);
    });

    test(`${client}: sharded: a slot that moves is followed by subscribers; a publish answered MOVED fails, then the publisher follows`, async () => {
      const channel = uniqueName('moving');
      const rec = new Recorder();
      const topology: string[] = [];
      const sub = await factory.openSubscriber({ sharded: true, clientName: 'pb-msub-0', connectTimeoutMs: 3000 }, rec);
      await sub.subscribe([channel]);
      const pub = await factory.openPublisher(publisherOptions('pb-mpub-0', [channel], 16, 'await', { sharded: true }), {
        onDisconnect: () => topology.push('pub disconnect'),
        onReconnect: () => topology.push('pub reconnect'),
        onTopologyEvent: (kind) => topology.push(`pub ${kind}`),
      });
      const from = portOf(factory.slotOwner(channel) as string);
      const to = portOf(info.masters.find((m) => portOf(m) !== from) as string);
      const slot = String(keySlot(channel));
      const idOf = async (port: number) => (await redisCli(cluster, port, 'CLUSTER', 'MYID')).trim();
      const [fromId, toId] = [await idOf(from), await idOf(to)];
      // Moving an empty slot: importing / migrating, then the new owner everywhere. The old owner is told
      // first, so the subscriber's first SSUBSCRIBE at the new owner (still importing) is refused with MOVED
      // and must be retried: the hardest order for the subscriber.
      await redisCli(cluster, to, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId);
      await redisCli(cluster, from, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId);
      const third = info.masters.map(portOf).find((p) => p !== from && p !== to) as number;
      await redisCli(cluster, from, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
      await new Promise((r) => setTimeout(r, 100));
      await redisCli(cluster, to, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
      await redisCli(cluster, third, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
      // Followed = the new owner holds the subscription (it was re-sent there after the slot map was re-read).
      let onNewOwner = '';
      for (let i = 0; i < 100 && onNewOwner !== '1'; i++) {
        onNewOwner = (await redisCli(cluster, to, 'PUBSUB', 'SHARDNUMSUB', channel)).trim().split('\n')[1];
        if (onNewOwner !== '1') await new Promise((r) => setTimeout(r, 50));
      }
      if (onNewOwner !== '1') {
        const views = await Promise.all([from, to].map((port) => redisCli(cluster, port, 'CLUSTER', 'NODES')));
        assert.fail(`the subscription did not move to ${to} (from ${from}, slot ${slot}): events ${JSON.stringify([rec.topologyEvents, rec.events])}, ` +
          `factory owner ${factory.slotOwner(channel)}\n${views.join('\n')}`);
      }
      // The publisher still sends to the old master: MOVED. That publish failed (never re-sent); it is reported,
      // and the slot map is re-read.
      const moved = await publishAllDetailed(pub, [{ channel: 0, payload: fixed('during the move', 16) }]);
      assert.deepEqual(moved.replies, [-1]);
      assert.match(moved.errors[0], new RegExp(`^MOVED ${slot} 127\\.0\\.0\\.1:${to}$`));
      await waitFor(() => topology.includes('pub refresh'), 'the publisher to re-read the slot map');
      assert.deepEqual(topology, ['pub moved', 'pub refresh']);
      assert.equal(factory.slotOwner(channel), `127.0.0.1:${to}`);
      // After the refresh the publisher sends to the new owner.
      assert.equal(await publishOne(pub, 0, fixed('after the move', 16)), 1);
      await waitFor(() => rec.deliveries.length === 1, 'the delivery from the new owner');
      assert.deepEqual(rec.deliveries, [{ channel, payload: fixed('after the move', 16).toString() }]);
      assert.equal(rec.topologyEvents[0], 'moved');
      assert.ok(rec.topologyEvents.includes('refresh'));
      assert.deepEqual(topology, ['pub moved', 'pub refresh']);
      assert.deepEqual(rec.events, [], 'following a slot is not a disconnect');
      await Promise.all([sub.close(), pub.close()]);
    });
  });
}
