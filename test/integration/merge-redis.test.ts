/**
 * `merge --from-redis`: reads the results segments stored under segmentKeys.result in a real redis-server, waits for
 * one that arrives late, learns N from the results, and names the segments still missing when the wait ends; on a
 * local cluster, from any node's URL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ExitCode, TargetError, UsageError, segmentKeys, type RunResult } from '../../src/core/index.js';
import { runMerge } from '../../src/cli/commands/merge.js';
import { LOSSLESS, buildSegments } from '../helpers/fixtures-segments.js';
import { captureIo } from '../helpers/cli-io.js';
import { useServer } from '../helpers/runs.js';
import { startServer } from '../helpers/redis.js';
import { openSegmentStore } from '../../src/targets/segment-store.js';
import type { TargetSpec } from '../../src/core/target.js';

const bench = useServer('pb-merge-redis');
const T = { timeout: 60_000 };

async function withClient<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const node = bench.server.spec.nodes[0];
  const r = new Redis({ host: node.host, port: node.port, lazyConnect: true });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** Stores each segment's result as a segment does when it finishes (through the same store, so TLS and clusters alike). */
async function storeResults(spec: TargetSpec, runId: string, segs: readonly RunResult[]): Promise<void> {
  const store = await openSegmentStore(spec, runId, 5000);
  try {
    for (const [i, s] of segs.entries()) await store.set(segmentKeys.result(runId, i), JSON.stringify(s));
  } finally {
    await store.close();
  }
}

const urlOf = () => `redis://${bench.server.spec.nodes[0].host}:${bench.server.spec.nodes[0].port}`;

test('waits for a late segment, then merges all three', T, async () => {
  const segs = buildSegments({ ...LOSSLESS, runId: 'redis-run-1' });
  await withClient(async (r) => {
    // As segments do: each registers its plan digest before the barrier, and stores its result when it finishes.
    await r.hset(segmentKeys.digests('redis-run-1'), '0', 'digest-abc', '1', 'digest-abc', '2', 'digest-abc');
    await r.set(segmentKeys.result('redis-run-1', 0), JSON.stringify(segs[0]));
    await r.set(segmentKeys.result('redis-run-1', 2), JSON.stringify(segs[2]));
  });
  const late = new Promise<void>((resolve, reject) => {
    setTimeout(() => withClient((r) => r.set(segmentKeys.result('redis-run-1', 1), JSON.stringify(segs[1]))).then(() => resolve(), reject), 1500);
  });
  const out = path.join(bench.outDir, 'merged-1');
  const c = captureIo();
  const code = await runMerge({ fromRedis: urlOf(), runId: 'redis-run-1', wait: '20s', out }, c.io);
  await late;
  assert.equal(code, ExitCode.ok, c.stderr());
  assert.match(c.stderr(), /waiting for segment 1 of 3/);
  const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(result.segments?.map((s) => s.index), [0, 1, 2]);
  assert.equal(result.summary.lost, 0);
  assert.equal(result.summary.latencyUs.endToEnd.count, result.summary.delivered);
});

test('when the wait ends, the missing segment is named (exit 2); --allow-partial merges the rest', T, async () => {
  const segs = buildSegments({ ...LOSSLESS, runId: 'redis-run-2' });
  await withClient(async (r) => {
    await r.set(segmentKeys.result('redis-run-2', 0), JSON.stringify(segs[0]));
    await r.set(segmentKeys.result('redis-run-2', 1), JSON.stringify(segs[1]));
  });
  const started = Date.now();
  await assert.rejects(runMerge({ fromRedis: urlOf(), runId: 'redis-run-2', segments: '3', wait: '1s', out: path.join(bench.outDir, 'm2') }, captureIo().io), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /segment 2 of 3 \(run redis-run-2\) is missing/);
    return true;
  });
  assert.ok(Date.now() - started >= 900, 'waited for the missing segment');
  const out = path.join(bench.outDir, 'm2p');
  assert.equal(await runMerge({ fromRedis: urlOf(), runId: 'redis-run-2', segments: '3', allowPartial: true, out }, captureIo().io), ExitCode.ok);
  const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(result.missingSegments, [2]);
});

test('a run id with nothing stored is exit 2 naming the key looked for', T, async () => {
  await assert.rejects(runMerge({ fromRedis: urlOf(), runId: 'never-ran', out: path.join(bench.outDir, 'm3') }, captureIo().io), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /no segment result of run "never-ran" is stored/);
    assert.match(err.message, /pubsub-bench:seg:\{never-ran\}:result:0/);
    return true;
  });
});

test('on a cluster, any node\'s URL will do: the keys are read from the master owning the run\'s hash tag', T, async () => {
  const cluster = await startServer({ kind: 'cluster' });
  try {
    const runId = 'cluster-run-1';
    const segs = buildSegments({ ...LOSSLESS, runId });
    await storeResults(cluster.spec, runId, segs);
    // Every master's URL, so the nodes that do not own the slot (and answer MOVED) are among them.
    for (const node of cluster.spec.nodes) {
      const out = path.join(bench.outDir, `cluster-${node.port}`);
      const c = captureIo();
      assert.equal(await runMerge({ fromRedis: `redis://${node.host}:${node.port}`, runId, segments: '3', out }, c.io), ExitCode.ok, c.stderr());
      const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
      assert.deepEqual(result.segments?.map((s) => s.index), [0, 1, 2]);
    }
  } finally {
    await cluster.stop();
  }
});

test('over mutual TLS: rediss:// with --tls-ca/--tls-cert/--tls-key reads the results; without the client certificate the server refuses (exit 3)', T, async () => {
  const tlsServer = await startServer({ kind: 'tls' });
  try {
    const tls = tlsServer.spec.tls!;
    const runId = 'tls-run-1';
    const segs = buildSegments({ ...LOSSLESS, runId });
    await storeResults(tlsServer.spec, runId, segs);
    const node = tlsServer.spec.nodes[0];
    const url = `rediss://${node.host}:${node.port}`;
    const out = path.join(bench.outDir, 'tls-merged');
    const c = captureIo();
    const code = await runMerge({ fromRedis: url, runId, segments: '3', out, tlsCa: tls.caFile, tlsCert: tls.certFile, tlsKey: tls.keyFile }, c.io);
    assert.equal(code, ExitCode.ok, c.stderr());
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
    assert.deepEqual(result.segments?.map((s) => s.index), [0, 1, 2]);
    // The CA alone: the server asks for a client certificate (tls-auth-clients yes) and the handshake fails.
    await assert.rejects(runMerge({ fromRedis: url, runId, segments: '3', out: path.join(bench.outDir, 'tls-no-cert'), tlsCa: tls.caFile }, captureIo().io), (err: unknown) => {
      assert.ok(err instanceof TargetError, String(err));
      return true;
    });
  } finally {
    await tlsServer.stop();
  }
});

test('the connection flags only apply with --from-redis, and a bad one is named before anything connects', T, async () => {
  await assert.rejects(runMerge({ files: ['x.json'], tlsCa: 'ca.pem', user: 'bench' }, captureIo().io), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /--tls-ca: only applies with --from-redis/);
    assert.match(err.message, /--user: only applies with --from-redis/);
    return true;
  });
  await assert.rejects(runMerge({ fromRedis: 'http://x:1', runId: 'r' }, captureIo().io), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /--from-redis/);
    return true;
  });
});
