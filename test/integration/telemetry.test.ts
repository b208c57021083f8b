/**
 * Server telemetry during real runs: one sample per interval from the single server, and from every master of a
 * cluster, with the figures the scenario implies (channels, patterns, harness connections, CPU).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetrySample } from '../../src/core/reliability.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';

const single = useServer('pb-telemetry');
const cluster = useServer('pb-telemetry-cluster', { kind: 'cluster', shards: 3 });

/** Samples of one node, in time order. */
function ofNode(samples: TelemetrySample[], node: string): TelemetrySample[] {
  return samples.filter((s) => s.node === node);
}

test('a single server is sampled every interval with what the run put on it', { timeout: 30_000 }, async () => {
  const { result: r } = await runScenario(single.server.spec, single.outDir, {
    channels: { count: 3, naming: 'tele.{i}' },
    publishers: { count: 2, rate: 3000 },
    subscribers: [{ count: 3, channelsEach: 'all' }, { count: 1, channelsEach: 0, patterns: ['tele.*'] }],
    duration: '2s',
  });
  assertAccounting(r);
  const node = `127.0.0.1:${single.server.nodes[0].port}`;
  const samples = r.server?.samples ?? [];
  assert.ok(samples.length >= 8, `${samples.length} samples over ~2.5 s at 250 ms`);
  assert.deepEqual([...new Set(samples.map((s) => s.node))], [node]);
  const gaps = samples.slice(1).map((s, i) => s.atMs - samples[i].atMs);
  assert.ok(gaps.every((g) => g > 150 && g < 600), `one sample per 250 ms interval: ${gaps.join(', ')}`);
  assert.ok(samples[0].atMs < 0 && samples[0].cpuPercent === null, 'the first sample comes before the schedule start, without CPU');
  const steady = samples.filter((s) => s.atMs > 500);
  for (const s of steady) {
    assert.equal(s.pubsubChannels, 3);
    assert.equal(s.pubsubPatterns, 1);
    assert.equal(s.harnessClients, 6, '4 subscribers and 2 publishers');
    assert.ok(s.connectedClients >= 6 + 1, 'plus the telemetry connection itself');
    assert.ok(s.usedMemoryBytes > 0);
  }
  assert.ok(steady.some((s) => (s.cpuPercent ?? 0) > 0), 'the server used CPU');
  assert.ok(steady.some((s) => s.opsPerSec > 500), 'about 3000 publishes a second');
  assert.ok(samples.at(-1)!.netOutputBytes > samples[0].netOutputBytes, 'bytes went out to subscribers');
  assert.deepEqual(samples[0].pubsubLimit, { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 }, "Redis's default limit");
});

test('a cluster is sampled on every master, sharded channels included', { timeout: 40_000 }, async () => {
  const { result: r } = await runScenario(cluster.server.spec, cluster.outDir, {
    channels: { count: 6, naming: 'shard.{i}', sharded: true },
    publishers: { count: 2, rate: 1000 },
    subscribers: [{ count: 3, channelsEach: 'all' }],
    duration: '1500ms',
  });
  assertAccounting(r);
  assert.equal(r.summary.lost, 0);
  const masters = cluster.server.nodes.filter((n) => n.role === 'master').map((n) => `127.0.0.1:${n.port}`).sort();
  const samples = r.server?.samples ?? [];
  assert.deepEqual([...new Set(samples.map((s) => s.node))].sort(), masters, 'every master, and only masters');
  const shardChannels = masters.map((m) => ofNode(samples, m).at(-1)!.pubsubShardChannels ?? -1);
  assert.equal(shardChannels.reduce((a, b) => a + b, 0), 6, `the 6 sharded channels are spread over the masters: ${shardChannels.join(', ')}`);
  for (const m of masters) assert.equal(ofNode(samples, m).at(-1)!.pubsubChannels, 0, 'no classic channels');
});
