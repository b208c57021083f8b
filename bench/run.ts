/**
 * `npm run bench`: how fast the harness itself is, so users know when it — not Redis — is the limit.
 *
 * 1. Hot paths without Redis, on this thread: building envelopes, and a subscriber decoding, order-checking and
 *    recording deliveries.
 * 2. Real runs against a throwaway local redis-server, one worker thread, --rate max: msgs/s published per publish
 *    mode (no subscribers), then published and received with one subscriber.
 * 3. redis-benchmark PUBLISH on the same server, when installed, as the yardstick.
 * Speeds are compared within this one run; absolute figures vary with the machine and its load.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { runBenchmark } from '../src/coordinator/index.js';
import { resolveScenario } from '../src/scenarios/validate.js';
import { startLocalRedis } from '../src/targets/local.js';
import { createConnectionFactory } from '../src/targets/connection.js';
import type { TargetSpec } from '../src/core/target.js';
import { initHistogramEngine } from '../src/metrics/histogram.js';
import { encodeEnvelope, ENVELOPE_HEADER_BYTES, FLAG_MEASURED } from '../src/workers/envelope.js';
import { WorkerContext } from '../src/workers/context.js';
import { SubscriberSink } from '../src/workers/subscriber.js';
import type { WorkerTask } from '../src/core/messages.js';

const exec = promisify(execFile);
const MESSAGE_BYTES = ENVELOPE_HEADER_BYTES; // the smallest message the envelope allows
const rows: Array<[string, string]> = [];
const report = (what: string, value: string): void => {
  rows.push([what, value]);
  console.log(`${what.padEnd(58)} ${value}`);
};
const perS = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} msgs/s`;

async function hotPaths(): Promise<void> {
  await initHistogramEngine();
  const scenario = resolveScenario({ name: 'bench', publishers: { count: 4 }, channels: { count: 16 } }, 'bench');
  const task: WorkerTask = {
    v: 1, workerId: 0, runTag: 7, scenario, target: { kind: 'single', nodes: [{ host: '127.0.0.1', port: 1 }] },
    channelNames: Array.from({ length: 16 }, (_, i) => `c${i}`), receiversPerChannel: new Array(16).fill(1),
    publishers: [], subscribers: [], intervalMs: 1000, connectTimeoutMs: 1000,
  };
  const n = 2_000_000;
  const buf = Buffer.alloc(MESSAGE_BYTES);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) encodeEnvelope(buf, 7, i & 3, i & 15, i >>> 6, 1e15 + i, 1e15 + i + 3, FLAG_MEASURED);
  report('envelope encode (publisher hot path, no I/O)', perS(n, performance.now() - t0));

  // Pre-built deliveries: 4 publishers × 16 channels, in order, all measured.
  const payloads: Buffer[] = [];
  const seqs = new Uint32Array(64);
  const now = (performance.timeOrigin + performance.now()) * 1000;
  for (let i = 0; i < 65_536; i++) {
    const p = Buffer.alloc(MESSAGE_BYTES);
    const key = i & 63;
    encodeEnvelope(p, 7, key >> 4, key & 15, seqs[key]++, now - 500, now - 400, FLAG_MEASURED);
    payloads.push(p);
  }
  const ctx = new WorkerContext(task);
  const sink = new SubscriberSink(ctx, { subscriberId: 0, channels: [], patterns: [] });
  const channel = Buffer.from('c0');
  // Each pass replays the same sequences, so after the first pass they count as duplicates; use one pass per
  // fresh sink to measure the in-order path honestly.
  let delivered = 0;
  t0 = performance.now();
  for (let pass = 0; pass < 30; pass++) {
    const s = pass === 0 ? sink : new SubscriberSink(ctx, { subscriberId: pass, channels: [], patterns: [] });
    for (let i = 0; i < payloads.length; i++) s.onMessage(channel, payloads[i]);
    s.flushOrderingCounts();
    delivered += payloads.length;
  }
  const ms = performance.now() - t0;
  if (ctx.counters.deliveredMeasured !== delivered || ctx.counters.inOrder !== delivered) {
    throw new Error(`bench sanity: ${ctx.counters.deliveredMeasured} delivered, ${ctx.counters.inOrder} in order of ${delivered}`);
  }
  report('subscriber decode + order check + 2 histograms (no I/O)', perS(delivered, ms));
  ctx.destroy();
}

async function realRuns(): Promise<void> {
  const server = await startLocalRedis({ kind: 'single' });
  const outDir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
  try {
    const modes: Array<[string, Record<string, unknown>]> = [
      ['await (unpipelined)', { mode: 'await' }],
      ['pipeline batch 100', { mode: 'pipeline', batch: 100 }],
      ['pipeline batch 1000', { mode: 'pipeline', batch: 1000 }],
      ['auto, max 1000 in flight', { mode: 'auto', maxInFlight: 1000 }],
    ];
    for (const subscribers of [0, 1]) {
      for (const [label, mode] of modes) {
        const scenario = resolveScenario({
          name: 'bench', warmup: '1s', duration: '3s', drainTimeout: '5s', channels: { count: 1 },
          publishers: { count: 1, rate: 'max', messageBytes: MESSAGE_BYTES, ...mode },
          subscribers: [{ count: subscribers, channelsEach: 'all' }],
        }, 'bench');
        const { result } = await runBenchmark({ scenario, target: server.spec, workers: 1, outDir });
        const s = result.summary;
        const extra = subscribers ? `, received ${Math.round(s.deliveryRate).toLocaleString('en-US')}/s, lost ${s.lost}` : '';
        const elu = `, thread busy ${(result.health.maxEventLoopUtilization * 100).toFixed(0)}%`;
        report(`run: 1 thread, ${label}, ${subscribers} subscriber(s)`, `${Math.round(s.publishRate).toLocaleString('en-US')} msgs/s published${extra}${elu}`);
      }
    }
    await yardstick(server.spec);
    const { host, port } = server.spec.nodes[0];
    for (const p of [1, 16, 64]) {
      try {
        const { stdout } = await exec('redis-benchmark', ['-h', host, '-p', String(port), '-c', '50', '-n', '300000', '-P', String(p), '-d', String(MESSAGE_BYTES), '-q', 'publish', 'bench', '__data__']);
        report(`redis-benchmark PUBLISH -c 50 -P ${p} (no subscribers)`, stdout.trim().split('\r').pop()!.trim());
      } catch (err) {
        report(`redis-benchmark -P ${p}`, `not run: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    await server.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * The same connection layer with nothing of the harness around it: pre-built payloads, pipelines of 100 back to back,
 * for 3 s. The ratio of the 'run' rows to this one is the harness's own overhead.
 */
async function yardstick(spec: TargetSpec): Promise<void> {
  const factory = createConnectionFactory(spec);
  const conn = await factory.openPublisher(
    { sharded: false, autoPipelining: false, clientName: 'pb-bench', connectTimeoutMs: 5000 },
    { onDisconnect: () => {}, onReconnect: () => {} },
  );
  const batch = 100;
  const channels = new Array<Buffer>(batch).fill(Buffer.from('yardstick'));
  const payloads = Array.from({ length: batch }, () => Buffer.alloc(MESSAGE_BYTES));
  const replies = new Float64Array(batch);
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < 3000) {
    await conn.publishBatch(channels, payloads, batch, replies);
    sent += batch;
  }
  report('yardstick: connection layer alone, pipelines of 100', perS(sent, performance.now() - t0));
  await conn.close();
}

/** One real run: 1 publisher (pipelines of 100) and 1 subscriber on every channel, at --rate max, 1 worker thread. */
async function targetRun(label: string, spec: TargetSpec, sharded: boolean, channels: number): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
  try {
    const scenario = resolveScenario({
      name: 'bench', warmup: '1s', duration: '3s', drainTimeout: '5s', channels: { count: channels, sharded },
      publishers: { count: 1, rate: 'max', messageBytes: MESSAGE_BYTES, mode: 'pipeline', batch: 100 },
      subscribers: [{ count: 1, channelsEach: 'all' }],
    }, 'bench');
    const { result } = await runBenchmark({ scenario, target: spec, workers: 1, outDir });
    const s = result.summary;
    const shards = result.shards ? `, shards ${result.shards.map((x) => x.published).join('/')}` : '';
    report(`run: ${label}`, `${Math.round(s.publishRate).toLocaleString('en-US')} msgs/s published, received ${Math.round(s.deliveryRate).toLocaleString('en-US')}/s, e2e p99 ${s.latencyUs.endToEnd.p99} µs, lost ${s.lost}${shards}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** redis-benchmark PUBLISH with extra connection flags, as the yardstick for a target kind. */
async function redisBenchmark(label: string, args: string[]): Promise<void> {
  try {
    const { stdout } = await exec('redis-benchmark', [...args, '-c', '50', '-n', '200000', '-P', '16', '-d', String(MESSAGE_BYTES), '-q', 'publish', 'bench', '__data__']);
    report(`redis-benchmark ${label} PUBLISH -c 50 -P 16`, stdout.trim().split('\r').pop()!.trim());
  } catch (err) {
    report(`redis-benchmark ${label}`, `not run: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Mutual TLS, and a 3-master cluster with classic vs sharded pub/sub, on the same workload. */
async function targetKinds(): Promise<void> {
  const tls = await startLocalRedis({ kind: 'tls' });
  try {
    await targetRun('mutual TLS, pipeline 100, 1 sub', tls.spec, false, 1);
    const { host, port } = tls.spec.nodes[0];
    const pki = tls.pki!;
    await redisBenchmark('--tls', ['-h', host, '-p', String(port), '--tls', '--cacert', pki.caFile, '--cert', pki.clientCertFile, '--key', pki.clientKeyFile]);
  } finally {
    await tls.stop();
  }
  const cluster = await startLocalRedis({ kind: 'cluster', shards: 3 });
  try {
    await targetRun('cluster 3 masters, classic, 12 ch, pipeline 100, 1 sub', cluster.spec, false, 12);
    await targetRun('cluster 3 masters, sharded, 12 ch, pipeline 100, 1 sub', cluster.spec, true, 12);
    const { host, port } = cluster.spec.nodes[0];
    await redisBenchmark('--cluster', ['-h', host, '-p', String(port), '--cluster']);
  } finally {
    await cluster.stop();
  }
}

console.log(`pubsub-bench benchmark — node ${process.versions.node}, ${MESSAGE_BYTES}-byte messages\n`);
await hotPaths();
await realRuns();
await targetKinds();
