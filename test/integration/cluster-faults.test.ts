/**
 * Cluster faults on a real 3-master cluster with one replica each (issue 11, finding 9):
 *  - an ASK reply is followed once, behind ASKING, on the node it names (both data paths). Redis 7.0 serves SPUBLISH
 *    of a migrating slot on the source node and never answers it ASK, so a stub node in front of the slot stands for
 *    a server that does; the node the ASK names is real, and so are the subscriber and the delivery;
 *  - a live slot migration (SETSLOT IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE) in the middle of a sharded run;
 *  - a failover in the middle of a run: CLUSTER FAILOVER on a replica, and a master killed (SIGKILL) whose replica
 *    takes over — connections to the dead node move to the new owner (sharded) or another master (classic).
 * Each run completes and keeps delivered + lost = expected; outages carry their causes.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnectionFactory } from '../../src/targets/connection.js';
import { ShardedPublisher } from '../../src/targets/cluster-pubsub.js';
import type { ClusterFactory } from '../../src/targets/cluster.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { RespReader, type RespValue } from '../../src/targets/resp/reader.js';
import { keySlot } from '../../src/targets/slot.js';
import type { Topology } from '../../src/targets/topology.js';
import type { RunResult } from '../../src/core/result.js';
import { CLIENTS, OpenConnections, Recorder, fixed, publishAllDetailed, publisherOptions, redisCli, startServer, uniqueName, waitFor } from '../helpers/redis.js';
import { assertAccounting, runScenario } from '../helpers/runs.js';

let cluster: LocalTargetDetails;
let outDir: string;
const connections = new OpenConnections();

before(async () => {
  cluster = await startServer({ kind: 'cluster', shards: 3, replicas: 1 });
  outDir = mkdtempSync(join(tmpdir(), 'pb-cluster-faults-'));
});
afterEach(() => connections.closeAll());
after(async () => {
  await cluster?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line of CLUSTER NODES. */
interface NodeLine {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  masterId: string;
  slots: Array<[number, number]>;
}

/** CLUSTER NODES as one live node sees it. */
async function clusterNodes(): Promise<NodeLine[]> {
  for (const node of cluster.nodes) {
    try {
      const text = await redisCli(cluster, node.port, 'CLUSTER', 'NODES');
      return text.trim().split('\n').map((line) => {
        const f = line.split(' ');
        const slots = f.slice(8).filter((s) => !s.startsWith('[')).map((s) => s.split('-').map(Number) as [number, number?]).map(([a, b]) => [a, b ?? a] as [number, number]);
        return { id: f[0], port: Number(f[1].split('@')[0].split(':').pop()), master: f[2].includes('master'), failed: /(^|,)fail(,|$)/.test(f[2]), masterId: f[3], slots };
      });
    } catch {
      // a killed node: ask the next one
    }
  }
  throw new Error('no cluster node answers');
}

const ownerOf = (nodes: NodeLine[], slot: number): NodeLine =>
  nodes.find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b)) as NodeLine;

/**
 * A stand-in cluster node that answers every SPUBLISH with `-ASK <slot> <askTo>` (and MULTI / EXEC like a node whose
 * transaction held an ASK), everything else (handshake, ASKING) with +OK.
 */
async function askingStub(slot: number, askTo: () => number): Promise<{ port: number; spublishes: () => number; close(): Promise<void> }> {
  let spublishes = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reply = (value: RespValue): void => {
      if (!Array.isArray(value)) return;
      const command = String(value[0]).toUpperCase();
      if (command === 'SPUBLISH') {
        spublishes++;
        socket.write(`-ASK ${slot} 127.0.0.1:${askTo()}\r\n`);
      } else if (command === 'EXEC') {
        socket.write('-EXECABORT Transaction discarded because of previous errors.\r\n');
      } else {
        socket.write('+OK\r\n');
      }
    };
    const reader = new RespReader({ onDelivery: () => undefined, onInteger: () => undefined, onSimple: () => undefined, onValue: (v) => reply(v) });
    socket.on('data', (chunk: Buffer) => reader.feed(chunk));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    spublishes: () => spublishes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `topology` with master `name` replaced by a node listening on `port` (same slots). */
function withStandIn(topology: Topology, name: string, port: number): Topology {
  const standIn = `127.0.0.1:${port}`;
  const rename = (m: string): string => (m === name ? standIn : m);
  return {
    masters: topology.masters.map(rename),
    nodes: topology.nodes.map((n) => (n.name === name ? { ...n, name: standIn, port } : n)),
    slotOwner: topology.slotOwner,
    ranges: topology.ranges.map((r) => ({ ...r, master: rename(r.master) })),
  };
}

for (const client of CLIENTS) {
  describe(`ASK replies, ${client} client`, { timeout: 30_000 }, () => {
    test(`${client}: an ASK is followed once behind ASKING: the real node's reply is reported and the message delivered`, async () => {
      const factory = connections.track(createConnectionFactory(cluster.spec, client)) as ClusterFactory;
      const channel = uniqueName('ask');
      const slot = keySlot(channel);
      const topology = await factory.topology(3000);
      const realOwner = factory.slotOwner(channel) as string;
      const realPort = Number(realOwner.split(':')[1]);
      const rec = new Recorder();
      const sub = await factory.openSubscriber({ sharded: true, clientName: 'pb-asub-0', connectTimeoutMs: 3000 }, rec);
      await sub.subscribe([channel]);
      // The stand-in owns the slot in the publisher's map and answers ASK → the real owner.
      const stub = await askingStub(slot, () => realPort);
      // A second stand-in that the first one's ASK points to, and that answers ASK again.
      const stub2 = await askingStub(slot, () => realPort);
      const stub1b = await askingStub(slot, () => stub2.port);
      try {
        const events: string[] = [];
        const recordEvents = { onDisconnect: (c: string) => events.push(`disconnect ${c}`), onReconnect: () => events.push('reconnect'), onTopologyEvent: (k: string) => events.push(k) };
        for (const mode of ['pipeline', 'await'] as const) {
          events.length = 0;
          const pub = await ShardedPublisher.open(factory, withStandIn(topology, realOwner, stub.port), publisherOptions(`pb-apub-${mode}`, [channel], 16, mode, { sharded: true }), recordEvents);
          const items = [0, 1, 2, 3, 4].map((i) => ({ channel: 0, payload: fixed(`${mode}-${i}`, 16) }));
          const { replies, errors } = await publishAllDetailed(pub, items, { batch: mode === 'await' ? 1 : 5 });
          await pub.close();
          assert.deepEqual(errors, ['', '', '', '', ''], 'no publish failed');
          assert.deepEqual(replies, [1, 1, 1, 1, 1], "the real owner's reply (its one subscriber) is reported for each token");
          assert.deepEqual(events, ['ask', 'ask', 'ask', 'ask', 'ask'], 'each ASK counted, none is a disconnect');
        }
        assert.equal(stub.spublishes(), 10);
        await waitFor(() => rec.deliveries.length === 10, 'the redirected messages to arrive');
        assert.deepEqual(rec.deliveries.map((d) => d.payload), ['pipeline', 'await'].flatMap((m) => [0, 1, 2, 3, 4].map((i) => fixed(`${m}-${i}`, 16).toString())), 'in order');

        // Followed once: a second ASK is the final reply, a failure named by its text.
        events.length = 0;
        const twice = await ShardedPublisher.open(factory, withStandIn(topology, realOwner, stub1b.port), publisherOptions('pb-apub-twice', [channel], 16, 'pipeline', { sharded: true }), recordEvents);
        const again = await publishAllDetailed(twice, [{ channel: 0, payload: fixed('twice', 16) }]);
        await twice.close();
        assert.deepEqual(again.replies, [-1]);
        assert.match(again.errors[0], new RegExp(`^ASK ${slot} 127\\.0\\.0\\.1:${realPort}$`));
        assert.deepEqual(events, ['ask', 'ask']);
        assert.equal(stub2.spublishes(), 1, 'the first ASK was followed to the node it named');

        // In a transaction an ASK aborts it (EXECABORT): a failure, never re-sent.
        events.length = 0;
        const multi = await ShardedPublisher.open(factory, withStandIn(topology, realOwner, stub.port), publisherOptions('pb-apub-multi', [channel], 16, 'multi', { sharded: true }), recordEvents);
        const tx = await publishAllDetailed(multi, [0, 1].map((i) => ({ channel: 0, payload: fixed(`tx-${i}`, 16) })));
        await multi.close();
        assert.deepEqual(tx.replies, [-1, -1]);
        assert.equal(rec.deliveries.length, 10, 'nothing of the aborted transaction was delivered');
        assert.deepEqual(rec.events, []);
      } finally {
        await Promise.all([stub.close(), stub2.close(), stub1b.close(), sub.close()]);
      }
    });
  });
}

/** Resolves once the run's publishers are connected (CLIENT LIST shows pb-pub-…): the fleet is set up. */
async function fleetConnected(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    for (const node of await clusterNodes()) {
      if (node.failed || !node.master) continue;
      const list = await redisCli(cluster, node.port, 'CLIENT', 'LIST').catch(() => '');
      if (/ name=pb-pub-/.test(list)) return;
    }
    await sleep(50);
  }
  throw new Error('the run never connected its publishers');
}

/** Waits until every live node agrees: cluster_state ok and no node left in PFAIL. */
async function clusterSettled(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const nodes = await clusterNodes();
    const views = await Promise.all(nodes.filter((n) => !n.failed).map((n) => redisCli(cluster, n.port, 'CLUSTER', 'INFO').catch(() => '')));
    const lines = await redisCli(cluster, nodes.find((n) => !n.failed)?.port ?? 0, 'CLUSTER', 'NODES');
    if (views.every((v) => v.includes('cluster_state:ok')) && !/fail\?/.test(lines)) return;
    await sleep(100);
  }
  throw new Error('the cluster did not settle');
}

/**
 * A sharded or classic run of `durationMs` with 2 publishers and 3 subscribers on 12 channels; `fault` runs
 * `faultAtMs` after the fleet connected (the warmup is 300 ms, so mid-measure).
 */
async function runWithFault(client: string, sharded: boolean, durationMs: number, fault: () => Promise<void>, faultAtMs: number): Promise<RunResult> {
  await clusterSettled();
  const running = runScenario(cluster.spec, outDir, {
    client,
    duration: `${durationMs}ms`,
    drainTimeout: '3s',
    channels: { count: 12, sharded, naming: 'f9.{i}' },
    publishers: { count: 2, rate: 400 },
    subscribers: [{ count: 3, channelsEach: 'all' }],
  });
  let faultError: unknown;
  const faulting = fleetConnected().then(() => sleep(faultAtMs)).then(fault).catch((err: unknown) => (faultError = err));
  const { result } = await running;
  await faulting;
  if (faultError) throw faultError;
  return result;
}

/**
 * What every faulted run must show: it ran and the counts add up. Unless `orderKept` is false, nothing was delivered
 * twice or out of order; when it is false (a manual failover: commands the old master held during its pause may run
 * after the new master served later ones), whatever was is counted and shown by example, never hidden.
 */
function assertRunHeld(r: RunResult, orderKept = true): void {
  const s = r.summary;
  assert.ok(s.published > 500, `published ${s.published}`);
  assert.ok(s.delivered > 0);
  assertAccounting(r);
  if (orderKept) assert.equal(s.duplicates + s.reordered, 0, 'no duplicate or reordered delivery');
  else if (s.duplicates + s.reordered > 0) assert.ok(r.ordering.examples.some((e) => e.kind !== 'gap'), 'ordering violations come with examples');
}

describe('a live slot migration in the middle of a sharded run', { timeout: 60_000 }, () => {
  for (const client of CLIENTS) {
    test(`${client}: SETSLOT IMPORTING/MIGRATING + MIGRATE + SETSLOT NODE mid-run: the run completes, every publish error is a MOVED, the counts add up`, async () => {
      const slot = keySlot('f9.0');
      const before = await clusterNodes();
      const from = ownerOf(before, slot);
      const to = before.find((n) => n.master && !n.failed && n.slots.length > 0 && n.id !== from.id) as NodeLine;
      const others = before.filter((n) => n.master && !n.failed && n.slots.length > 0 && n.id !== from.id && n.id !== to.id);
      // A key in the slot, for MIGRATE to carry (channels are not keys: sharded subscriptions move with SETSLOT NODE).
      const key = '{f9.0}.key';
      await redisCli(cluster, from.port, 'SET', key, 'v');
      const r = await runWithFault(client, true, 2500, async () => {
        await redisCli(cluster, to.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id);
        await redisCli(cluster, from.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id);
        assert.match(await redisCli(cluster, from.port, 'MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', key), /OK/);
        await sleep(300);
        for (const n of [to, from, ...others]) await redisCli(cluster, n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id);
      }, 800);
      assertRunHeld(r);
      assert.equal(ownerOf(await clusterNodes(), slot).id, to.id, 'the slot moved');
      const s = r.summary;
      assert.ok((s.topologyEvents ?? 0) > 0, 'the move was seen');
      const texts = (s.publishErrorTexts ?? []).map((e) => e.text);
      assert.ok(texts.every((t) => t.startsWith('MOVED')), `only MOVED publish errors (never ASK: Redis serves SPUBLISH of a migrating slot on its source): ${JSON.stringify(texts)}`);
      assert.equal(s.disconnects, 0, 'following a slot is not a disconnect');
    });
  }
});

describe('a failover in the middle of a run', { timeout: 120_000 }, () => {
  test('native, sharded: CLUSTER FAILOVER on a replica mid-run: the run completes and the counts add up', async () => {
    const slot = keySlot('f9.1');
    const before = await clusterNodes();
    const master = ownerOf(before, slot);
    const replica = before.find((n) => !n.master && n.masterId === master.id) as NodeLine;
    const r = await runWithFault('native', true, 3000, async () => {
      assert.match(await redisCli(cluster, replica.port, 'CLUSTER', 'FAILOVER'), /OK/);
    }, 800);
    assertRunHeld(r, false);
    assert.equal(ownerOf(await clusterNodes(), slot).port, replica.port, 'the replica took over');
    assert.ok((r.summary.topologyEvents ?? 0) > 0, 'the publishers and subscribers followed the new owner');
    for (const o of r.outages ?? []) assert.ok(o.cause.length > 0);
  });

  for (const [client, sharded] of [['native', true], ['ioredis', false]] as const) {
    test(`${client}, ${sharded ? 'sharded' : 'classic'}: a master killed mid-run: its replica takes over, connections move there, outages end with causes, the counts add up`, async () => {
      const nodes = await clusterNodes();
      // A master with a live replica and slots, whose process we started.
      const master = nodes.find((n) => n.master && !n.failed && n.slots.length > 0 && nodes.some((m) => !m.master && !m.failed && m.masterId === n.id)) as NodeLine;
      const replica = nodes.find((n) => !n.master && !n.failed && n.masterId === master.id) as NodeLine;
      const proc = cluster.nodes.find((n) => n.port === master.port);
      assert.ok(proc, 'the master is one of ours');
      const r = await runWithFault(client, sharded, 9000, async () => {
        process.kill(proc.pid, 'SIGKILL');
      }, 800);
      // Before anything else: the next test starts on a cluster that agrees the node is gone.
      await clusterSettled();
      assertRunHeld(r);
      const after = await clusterNodes();
      assert.ok(after.find((n) => n.port === replica.port)?.master, 'the replica was promoted');
      const outages = r.outages ?? [];
      assert.ok(outages.length > 0, 'the killed node cost connections');
      for (const o of outages) {
        assert.ok(o.cause.length > 0, 'every outage says why');
        assert.notEqual(o.durationMs, null, `every outage ended (${o.role} ${o.id}: ${o.cause})`);
      }
      assert.ok(outages.some((o) => o.role === 'subscriber'));
      // What the subscribers missed while down (failed publishes included) is attributed from the gaps they saw.
      const attributed = outages.reduce((n, o) => n + o.lostMessages, 0);
      assert.ok(attributed > 0 && attributed <= r.summary.gapMessages, `attributed ${attributed}, gap messages ${r.summary.gapMessages}`);
      assert.ok(r.summary.delivered > r.summary.expectedDeliveries / 2, 'the run went on delivering after the failover');
    });
  }
});
