/**
 * Short real runs through the coordinator against TLS and cluster targets started by this file: mutual TLS,
 * a 3-master cluster with classic and with sharded pub/sub, and a cluster whose bus runs over TLS.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark } from '../../src/coordinator/index.js';
import type { RunResult } from '../../src/core/result.js';
import type { TargetSpec } from '../../src/core/target.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { startServer } from '../helpers/redis.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';

let outDir: string;
before(() => {
  outDir = mkdtempSync(join(tmpdir(), 'pb-run-tc-'));
});
after(() => {
  rmSync(outDir, { recursive: true, force: true });
});

/** Runs a short paced scenario against `target`. */
async function shortRun(target: TargetSpec, sharded: boolean): Promise<RunResult> {
  const scenario = resolveScenario(
    {
      name: 'tls-cluster-test',
      warmup: '300ms',
      drainTimeout: '3s',
      duration: '1s',
      channels: { count: 12, sharded },
      publishers: { count: 2, rate: 1200 },
      subscribers: [{ count: 3, channelsEach: 'all' }],
    },
    'test',
  );
  const { result } = await runBenchmark({ scenario, target, workers: 2, outDir, intervalMs: 250 });
  return result;
}

/** Everything published was delivered to every subscriber, in order, and the counts add up. */
function assertDeliveredEverything(r: RunResult): void {
  const s = r.summary;
  assert.ok(s.published > 500, `published ${s.published}`);
  assert.equal(s.expectedDeliveries, s.published * 3, 'three subscribers on every channel');
  assert.equal(s.delivered, s.expectedDeliveries, `lost ${s.lost}`);
  assert.equal(s.lost, 0);
  assert.equal(s.duplicates + s.reordered + s.gaps + s.publishErrors, 0);
}

/** Every master carried traffic and the per-shard numbers add up to the totals. */
function assertShardsAddUp(r: RunResult, masters: number): void {
  const shards = r.shards ?? [];
  assert.equal(shards.length, masters, 'one breakdown per master');
  assert.ok(shards.every((sh) => sh.channels > 0 && sh.published > 0 && sh.delivered > 0), JSON.stringify(shards));
  assert.equal(shards.reduce((n, sh) => n + sh.channels, 0), 12);
  assert.equal(shards.reduce((n, sh) => n + sh.published, 0), r.summary.published);
  assert.equal(shards.reduce((n, sh) => n + sh.expected, 0), r.summary.expectedDeliveries);
  assert.equal(shards.reduce((n, sh) => n + sh.delivered, 0), r.summary.delivered);
}

describe('runs over mutual TLS', { timeout: 60_000 }, () => {
  let server: LocalTargetDetails;
  before(async () => {
    server = await startServer({ kind: 'tls' });
  });
  after(async () => {
    await server?.stop();
  });

  test('a mutual-TLS run delivers everything, and the result says TLS with verification on', async () => {
    const r = await shortRun(server.spec, false);
    assertDeliveredEverything(r);
    assert.equal(r.target.tls, true);
    assert.equal(r.target.tlsInsecure, false);
    assert.ok(r.target.urls.every((u) => u.startsWith('rediss://')));
  });
});

describe('runs on a 3-master cluster', { timeout: 90_000 }, () => {
  let cluster: LocalTargetDetails;
  before(async () => {
    cluster = await startServer({ kind: 'cluster', shards: 3 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('classic pub/sub delivers everything; every shard carries traffic', async () => {
    const r = await shortRun(cluster.spec, false);
    assertDeliveredEverything(r);
    assert.equal(r.target.kind, 'cluster');
    assertShardsAddUp(r, 3);
  });

  test('sharded pub/sub delivers everything; SPUBLISH replies agree with the plan', async () => {
    const r = await shortRun(cluster.spec, true);
    assertDeliveredEverything(r);
    assertShardsAddUp(r, 3);
    assert.equal(r.summary.publishReplyReceivers, r.summary.expectedDeliveries, 'each SPUBLISH reply counts the whole shard');
  });

  test('one cluster node given without --cluster is refused (exit 2) with the hint to add --cluster', async () => {
    const node = cluster.spec.nodes[0];
    for (const extra of [[], ['--sharded']]) {
      const cap = captureIo();
      const code = await main(['run', 'fan-out', '--target', `redis://${node.host}:${node.port}`, '--duration', '500ms', '--out', outDir, ...extra], cap.io);
      assert.equal(code, 2, cap.stderr());
      assert.match(cap.stderr(), /--cluster: .* is a Redis Cluster node \(cluster_enabled:1\), but --cluster was not given/);
      assert.match(cap.stderr(), /hint: add --cluster/);
      assert.match(cap.stderr(), /CROSSSLOT/, 'the hint says what --sharded would hit');
    }
  });
});

describe('runs on a cluster with TLS on the bus', { timeout: 90_000 }, () => {
  let cluster: LocalTargetDetails;
  before(async () => {
    cluster = await startServer({ kind: 'cluster', shards: 3, tlsCluster: true });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a sharded run over a TLS cluster delivers everything', async () => {
    const r = await shortRun(cluster.spec, true);
    assertDeliveredEverything(r);
    assert.equal(r.target.tls, true);
    assertShardsAddUp(r, 3);
  });
});
