/**
 * Issue 12, integration: 3 segment processes running sharded pub/sub (`--cluster --sharded`) on a local 3-master
 * Redis Cluster, merged from their folders and with `merge --from-redis`. The run id is chosen so its rendezvous keys
 * (one hash tag) live on a master other than the seed node every process is given: the segments and the merge must
 * find that owner themselves (CLUSTER NODES) rather than answer MOVED. The merged run adds up like a one-machine run,
 * per shard too. Generous timeouts: a cluster and three Node processes on a machine that may be busy.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode, segmentKeys } from '../../src/core/index.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { initHistogramEngine } from '../../src/metrics/histogram.js';
import { allEnded, mergeWithCli, spawnCli } from '../helpers/cli-procs.js';
import { redisCli, startServer } from '../helpers/redis.js';
import { assertMergedWhole } from '../helpers/runs.js';

const N = 3;
const RATE = 1500;
let cluster: LocalTargetDetails;
let dir: string;

before(async () => {
  await initHistogramEngine();
  cluster = await startServer({ kind: 'cluster', shards: 3, replicas: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'pb-seg-cluster-'));
});

after(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** 12 channels (spread over the 3 masters by their slots); 3 subscribers on every channel, 3 on 4 channels each. */
const SCENARIO = {
  name: 'sharded-split', channels: { count: 12, naming: 'orders.{i}' }, warmup: '500ms', drainTimeout: '5s',
  publishers: { count: 3, rate: RATE, channelsEach: 'all' },
  subscribers: [{ count: 3, channelsEach: 'all' }, { count: 3, channelsEach: 4 }],
};

/** The port of the master that owns `key`, as the seed node's MOVED reply names it; undefined when the seed owns it. */
async function ownerSeenFrom(seedPort: number, key: string): Promise<number | undefined> {
  const reply = (await redisCli(cluster, seedPort, 'EXISTS', key)).trim();
  const moved = /^MOVED \d+ [^:]+:(\d+)/.exec(reply);
  return moved ? Number(moved[1]) : undefined;
}

/** A run id whose keys the seed node does not own, and the port of the master that does (about 2 in 3 names qualify). */
async function runIdOwnedElsewhere(seedPort: number, prefix: string): Promise<{ runId: string; ownerPort: number }> {
  for (let k = 0; k < 50; k++) {
    const runId = `${prefix}-${process.pid}-${k}`;
    const ownerPort = await ownerSeenFrom(seedPort, segmentKeys.digests(runId));
    if (ownerPort !== undefined && ownerPort !== seedPort) return { runId, ownerPort };
  }
  return assert.fail('no run id owned by another master in 50 tries');
}

test('3 sharded segments on a 3-master cluster, merged from files and from Redis: exact accounting per shard, keys on their owner node', { timeout: 300_000 }, async () => {
  const seed = cluster.spec.nodes[0];
  const masters = cluster.nodes.filter((n) => n.role === 'master').map((n) => n.port);
  assert.equal(masters.length, 3);
  const { runId, ownerPort } = await runIdOwnedElsewhere(seed.port, 'sharded');

  const scenarioFile = path.join(dir, 'sharded.json');
  writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
  const out = path.join(dir, 'segments');
  const segments = Array.from({ length: N }, (_, i) => spawnCli([
    'run', scenarioFile, '--target', `redis://${seed.host}:${seed.port}`, '--cluster', '--sharded', '--segment', `${i}/${N}`, '--run-id', runId,
    '--duration', '4s', '--workers', '1', '--interval', '500ms', '--out', out, '-q',
  ]));
  const ends = await allEnded(segments, 200_000);
  ends.forEach((e, i) => assert.equal(e.code, ExitCode.ok, `segment ${i}:\n${e.stderr}`));

  // The rendezvous and the stored results are on the owner of the run's hash tag (the seed answers MOVED for them).
  for (let i = 0; i < N; i++) assert.equal((await redisCli(cluster, ownerPort, 'EXISTS', segmentKeys.result(runId, i))).trim(), '1', `result ${i} on the owner`);
  assert.equal((await redisCli(cluster, ownerPort, 'HLEN', segmentKeys.ready(runId))).trim(), String(N));
  assert.equal(await ownerSeenFrom(seed.port, segmentKeys.result(runId, 0)), ownerPort, 'the seed answers MOVED for the run\'s keys');
  // Sharded pub/sub it was: every master served SPUBLISH, none a classic PUBLISH.
  for (const port of masters) {
    const stats = await redisCli(cluster, port, 'INFO', 'commandstats');
    assert.ok(Number(/cmdstat_spublish:calls=(\d+)/.exec(stats)?.[1] ?? 0) > 0, `SPUBLISH on ${port}`);
    assert.doesNotMatch(stats, /cmdstat_publish:/, `no PUBLISH on ${port}`);
  }

  const r = await mergeWithCli([out, '--threshold', 'lost == 0'], path.join(dir, 'merged'));
  assertMergedWhole(r, N, RATE);
  assert.equal(r.scenario.channels.sharded, true);
  assert.equal(r.target.kind, 'cluster');
  // Per shard: all three masters carried channels, and each delivered everything expected of it.
  const shards = r.shards ?? assert.fail('the merged result has no per-shard breakdown');
  assert.deepEqual(shards.map((s) => Number(s.master.split(':').pop())).sort((a, b) => a - b), [...masters].sort((a, b) => a - b));
  for (const s of shards) {
    assert.ok(s.channels > 0 && s.published > 0, `${s.master} carried channels`);
    assert.equal(s.delivered, s.expected, `${s.master}: nothing lost`);
  }
  assert.equal(shards.reduce((n, s) => n + s.channels, 0), SCENARIO.channels.count);
  assert.equal(shards.reduce((n, s) => n + s.subscriptions, 0), 3 * 12 + 3 * 4, 'the whole fleet\'s subscriptions, not one segment\'s');
  assert.equal(shards.reduce((n, s) => n + s.delivered, 0), r.summary.delivered);

  // The same run from the results stored in the cluster, through the seed node (N learnt from the results).
  const r2 = await mergeWithCli(['--from-redis', `redis://${seed.host}:${seed.port}`, '--run-id', runId], path.join(dir, 'merged-redis'));
  assert.deepEqual(r2.summary, r.summary);
  assert.deepEqual(r2.shards, r.shards);
});

test('--control-target on a cluster node: segments of a run on a plain server meet on the cluster, on the master owning the run\'s keys', { timeout: 240_000 }, async () => {
  const seed = cluster.spec.nodes[0];
  const { runId, ownerPort } = await runIdOwnedElsewhere(seed.port, 'control');
  const plain = await startServer({ kind: 'single' });
  try {
    const scenarioFile = path.join(dir, 'control.json');
    writeFileSync(scenarioFile, JSON.stringify({
      name: 'control-split', channels: { count: 4 }, warmup: '300ms', drainTimeout: '5s',
      publishers: { count: 2, rate: 600, channelsEach: 'all' }, subscribers: [{ count: 2, channelsEach: 'all' }],
    }));
    const node = plain.spec.nodes[0];
    const out = path.join(dir, 'control-segments');
    const ends = await allEnded([0, 1].map((i) => spawnCli([
      'run', scenarioFile, '--target', `redis://${node.host}:${node.port}`, '--control-target', `redis://${seed.host}:${seed.port}`,
      '--segment', `${i}/2`, '--run-id', runId, '--duration', '2s', '--workers', '1', '--interval', '500ms', '--out', out, '-q',
    ])), 150_000);
    ends.forEach((e, i) => assert.equal(e.code, ExitCode.ok, `segment ${i}:\n${e.stderr}`));
    // The rendezvous and the results went to the cluster's owner of the run's hash tag, none to the server under test.
    for (let i = 0; i < 2; i++) assert.equal((await redisCli(cluster, ownerPort, 'EXISTS', segmentKeys.result(runId, i))).trim(), '1', `result ${i} on the owner`);
    assert.equal((await redisCli(plain, node.port, 'EXISTS', segmentKeys.digests(runId), segmentKeys.result(runId, 0))).trim(), '0', 'no rendezvous key on the server under test');
    const r = await mergeWithCli(['--from-redis', `redis://${seed.host}:${seed.port}`, '--run-id', runId], path.join(dir, 'control-merged'));
    assertMergedWhole(r, 2, 600);
    assert.equal(r.target.kind, 'single');
  } finally {
    await plain.stop();
  }
});
