/**
 * Client sharding over two real, independent redis-servers: each channel's subscriptions and publishes reach only
 * the server `serverOfChannel` names (checked on the servers themselves), patterns are held by every server, a
 * whole run is exact with per-server counts that add up, and the servers' own PUBLISH counts agree with them.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetSpec } from '../../src/core/target.js';
import { parseInfo } from '../../src/targets/control.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { serverOfChannel } from '../../src/targets/shards.js';
import type { ConnectionFactory } from '../../src/targets/types.js';
import { CLIENTS, OpenConnections, Recorder, publishAll, publisherOptions, redisCli, startServer, uniqueName, waitFor } from '../helpers/redis.js';
import { assertAccounting, runScenario } from '../helpers/runs.js';

let servers: LocalTargetDetails[] = [];
let spec: TargetSpec;
let names: string[];
let outDir: string;
const opts = (name: string) => ({ sharded: false, clientName: name, connectTimeoutMs: 2000 });
const connections = new OpenConnections();

before(async () => {
  servers = await Promise.all([startServer({ kind: 'single' }), startServer({ kind: 'single' })]);
  spec = { kind: 'servers', nodes: servers.map((s) => s.spec.nodes[0]) };
  names = spec.nodes.map((n) => `${n.host}:${n.port}`);
  outDir = mkdtempSync(join(tmpdir(), 'pb-servers-'));
});
afterEach(() => connections.closeAll());
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** `redis-cli` on server `i`. */
const cli = (i: number, ...args: string[]) => redisCli(servers[i], servers[i].nodes[0].port, ...args);

/** PUBSUB NUMSUB on server `i`, as numbers in the order of `channels`. */
async function numsubOn(i: number, channels: string[]): Promise<number[]> {
  const lines = (await cli(i, 'PUBSUB', 'NUMSUB', ...channels)).trim().split('\n');
  return channels.map((_, k) => Number(lines[2 * k + 1]));
}

for (const client of CLIENTS) {
  describe(`client sharding over 2 servers, ${client} client`, { timeout: 30_000 }, () => {
    let factory: ConnectionFactory;
    before(() => {
      factory = connections.track(createConnectionFactory(spec, client));
    });

    test(`${client}: channels live on their hashed server only, patterns on every server, replies count every receiver`, async () => {
      const base = uniqueName('cs');
      const channels = Array.from({ length: 16 }, (_, i) => `${base}.${i}`);
      const home = channels.map((c) => serverOfChannel(c, names));
      assert.ok(home.includes(0) && home.includes(1), 'both servers hold channels');

      const rec = new Recorder([`${base}.*`]);
      const sub = await factory.openSubscriber(opts('pb-sub-cs'), rec);
      assert.equal(await sub.subscribe(channels), channels.length);
      assert.equal(await sub.psubscribe([`${base}.*`]), 1, 'a pattern counts once although every server holds it');
      for (const i of [0, 1]) {
        assert.deepEqual(await numsubOn(i, channels), home.map((h) => (h === i ? 1 : 0)), `server ${names[i]} holds exactly its channels`);
        assert.equal((await cli(i, 'PUBSUB', 'NUMPAT')).trim(), '1', `server ${names[i]} holds the pattern`);
      }

      const pub = await factory.openPublisher(publisherOptions('pb-pub-cs', channels, 4, 'pipeline'), new Recorder());
      const replies = await publishAll(pub, channels.map((_, i) => ({ channel: i, payload: Buffer.from(`m${String(i).padStart(2, '0')}`) })));
      assert.deepEqual(replies, channels.map(() => 2), 'each PUBLISH reached its channel subscriber and the pattern on its server');
      await waitFor(() => rec.deliveries.length === 2 * channels.length, 'one channel and one pattern delivery per message');

      const control = await factory.openControl(2000);
      const info = await control.info();
      assert.deepEqual({ mode: info.mode, masters: info.masters, clientSharding: info.clientSharding }, { mode: 'standalone', masters: names, clientSharding: true });
      assert.deepEqual(await control.numsub(channels, false), channels.map(() => 1));
      assert.equal(await control.numpat(), 1);
      await Promise.all([sub.close(), pub.close(), control.close()]);
    });
  });
}

test('a run over 2 servers is exact, its per-server table adds up, and each server published what the table says', { timeout: 60_000 }, async () => {
  for (const i of [0, 1]) await cli(i, 'CONFIG', 'RESETSTAT');
  const outcome = await runScenario(spec, outDir, {
    channels: { count: 12, naming: 'cs.{i}' },
    publishers: { count: 2, rate: 2000, mode: 'pipeline', batch: 10 },
    subscribers: [{ count: 4, channelsEach: 3 }, { count: 1, channelsEach: 0, patterns: ['cs.*'] }],
    duration: '1500ms',
  });
  const r = outcome.result;
  assertAccounting(r);
  assert.equal(r.summary.lost, 0);
  assert.ok(r.summary.delivered > 0);
  assert.equal(r.target.kind, 'servers');
  const shards = r.shards ?? [];
  assert.deepEqual(shards.map((s) => s.master), names, 'one row per server');
  assert.ok(shards.every((s) => s.channels > 0 && s.published > 0 && s.delivered > 0), JSON.stringify(shards));
  assert.equal(shards.reduce((n, s) => n + s.channels, 0), 12);
  assert.equal(shards.reduce((n, s) => n + s.published, 0), r.summary.published);
  assert.equal(shards.reduce((n, s) => n + s.expected, 0), r.summary.expectedDeliveries);
  assert.equal(shards.reduce((n, s) => n + s.delivered, 0), r.summary.delivered);
  // The servers' own count: every measured publish of a server's channels was a PUBLISH on that server (warmup adds
  // more). Routing that disagreed with the table would leave a server short.
  for (const [i, s] of shards.entries()) {
    const calls = Number(/calls=(\d+)/.exec(parseInfo(await cli(i, 'INFO', 'commandstats')).get('cmdstat_publish') ?? '')?.[1] ?? 0);
    assert.ok(calls >= s.published, `${s.master}: ${calls} PUBLISH calls ≥ ${s.published} measured publishes of its channels`);
  }
});
