/**
 * A run split into segments (issue 12: 1-3), as separate CLI processes against one real redis-server: the segments
 * add up to the whole run, a segment missing at the barrier is named (exit 3), a segment killed mid-run stops the
 * others (results marked interrupted), and a skewed clock is measured and taken out of the latency.
 * Generous timeouts: each test starts three Node processes on a machine that may be busy.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/result.js';
import { segmentKeys } from '../../src/core/segment.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { decodeHistogram, initHistogramEngine, summarizeHistogram } from '../../src/metrics/histogram.js';
import { allEnded, barrierStartOf, spawnCli, type CliProcess } from '../helpers/cli-procs.js';
import { redisCli, startServer } from '../helpers/redis.js';

let server: LocalTargetDetails;
let dir: string;
let port: number;

before(async () => {
  await initHistogramEngine();
  server = await startServer({ kind: 'single' });
  port = server.spec.nodes[0].port;
  dir = mkdtempSync(join(tmpdir(), 'pb-segments-'));
  // 3 publishers (rate 900 in total) to 10 channels; 4 channel subscribers and 2 pattern subscribers.
  writeFileSync(join(dir, 'split.json'), JSON.stringify({
    name: 'split', channels: { count: 10, naming: 'bench.{i}' }, warmup: '500ms', drainTimeout: '5s',
    publishers: { count: 3, rate: 900, channelsEach: 'all' },
    subscribers: [{ count: 4, channelsEach: 5 }, { count: 2, patterns: ['bench.1*'] }],
  }));
  // 2 publishers and 1 subscriber in 3 segments: one with both, one with a publisher only, one with nothing.
  writeFileSync(join(dir, 'lopsided.json'), JSON.stringify({
    name: 'lopsided', channels: { count: 2 }, warmup: '300ms', drainTimeout: '5s',
    publishers: { count: 2, rate: 400 }, subscribers: [{ count: 1 }],
  }));
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts segment `index` of `count` of run `runId` as its own CLI process. */
function startSegment(index: number, count: number, runId: string, extra: string[] = [], env: Record<string, string> = {}, scenario = 'split.json'): CliProcess {
  return spawnCli([
    'run', join(dir, scenario), '--target', `redis://127.0.0.1:${port}`, '--segment', `${index}/${count}`, '--run-id', runId,
    '--workers', '1', '--interval', '500ms', '--out', join(dir, 'out'), '-q', ...extra,
  ], env);
}

function resultOf(runId: string, index: number, count: number): RunResult {
  return JSON.parse(readFileSync(join(dir, 'out', `${runId}-seg${index}of${count}`, 'result.json'), 'utf8')) as RunResult;
}

const p50 = (encoded: string): number => summarizeHistogram(decodeHistogram(encoded)).p50;
const countOf = (encoded: string): number => decodeHistogram(encoded).totalCount;

const startOf = (runId: string, ms: number): Promise<number> => barrierStartOf(server, port, runId, ms);

test('three segments add up to the whole run: no loss, Σ rate = R, every delivery counted by publisher segment', { timeout: 180_000 }, async () => {
  const runId = 'sum-1';
  const ended = await allEnded([0, 1, 2].map((i) => startSegment(i, 3, runId, ['--duration', '4s'])), 150_000);
  ended.forEach((e, i) => assert.equal(e.code, 0, `segment ${i}: ${e.stderr}`));
  const results = [0, 1, 2].map((i) => resultOf(runId, i, 3));
  const expected = results.reduce((n, r) => n + r.summary.expectedDeliveries, 0);
  const delivered = results.reduce((n, r) => n + r.summary.delivered, 0);
  assert.ok(expected > 0);
  assert.equal(delivered, expected, 'Σ delivered = Σ expected: lost 0');
  const rate = results.reduce((n, r) => n + r.summary.publishRate, 0);
  assert.ok(Math.abs(rate - 900) / 900 < 0.05, `Σ publish rate ${rate} ≈ 900`);
  const digests = new Set(results.map((r) => r.segment?.planDigest));
  assert.equal(digests.size, 1, 'one plan digest');
  results.forEach((r, i) => {
    const seg = r.segment!;
    assert.deepEqual([seg.index, seg.count, seg.runId], [i, 3, runId]);
    assert.deepEqual(seg.publisherIds, [i]);
    assert.deepEqual(seg.subscriberIds, [i, i + 3]);
    assert.equal(r.interrupted, false);
    // Histograms in full: one latency per delivery, split into same-segment and cross-segment publishers.
    assert.equal(r.summary.latencyUs.endToEnd.count, r.summary.delivered);
    assert.equal(countOf(seg.histograms.same) + countOf(seg.histograms.cross), r.summary.delivered);
    assert.equal(seg.deliveredFromSegment.reduce((a, b) => a + b, 0), r.summary.delivered);
    // Left uncorrected, every delivery from the skewed segment's publishers would come out 250 ms negative. Corrected,
    // only a latency shorter than the offsets' error (± tens of µs on one host) can, now and then.
    assert.ok(seg.negativeLatencies <= r.summary.delivered * 0.01, `segment ${seg.index}: ${seg.negativeLatencies} negative of ${r.summary.delivered}`);
    assert.ok(seg.clockUncertaintyUs > 0 && Math.abs(seg.clockOffsetUs) < 20_000, `one host: offset ${seg.clockOffsetUs} µs`);
    assert.ok(seg.host.length > 0);
  });
  // What segment j's publishers were expected to reach is exactly what every segment received from segment j.
  for (let j = 0; j < 3; j++) {
    const fromJ = results.reduce((n, r) => n + r.segment!.deliveredFromSegment[j], 0);
    assert.equal(fromJ, results[j].summary.expectedDeliveries, `deliveries from publisher segment ${j}`);
  }
  // Each result is stored in Redis too, for merge --from-redis.
  const stored = JSON.parse(await redisCli(server, port, 'GET', segmentKeys.result(runId, 1))) as RunResult;
  assert.equal(stored.segment?.index, 1);
  assert.equal(stored.summary.delivered, results[1].summary.delivered);
  const ttl = Number(await redisCli(server, port, 'TTL', segmentKeys.result(runId, 1)));
  assert.ok(ttl > 3600, `a TTL is set (${ttl} s)`);
});

test('segments with only publishers, or nothing at all, still run and add up', { timeout: 180_000 }, async () => {
  const runId = 'lopsided-1';
  const ended = await allEnded([0, 1, 2].map((i) => startSegment(i, 3, runId, ['--duration', '2s'], {}, 'lopsided.json')), 150_000);
  ended.forEach((e, i) => assert.equal(e.code, 0, `segment ${i}: ${e.stderr}`));
  const [both, pubOnly, empty] = [0, 1, 2].map((i) => resultOf(runId, i, 3));
  assert.deepEqual([pubOnly.segment!.publisherIds, pubOnly.segment!.subscriberIds], [[1], []]);
  assert.deepEqual([empty.segment!.publisherIds, empty.segment!.subscriberIds], [[], []]);
  assert.equal(pubOnly.summary.delivered, 0);
  assert.equal(empty.summary.published, 0);
  // Segment 0's one subscriber received both segments' messages: all that was expected, and no over-delivery alarm.
  assert.equal(both.summary.delivered, both.summary.expectedDeliveries + pubOnly.summary.expectedDeliveries);
  assert.deepEqual(both.segment!.deliveredFromSegment, [both.summary.expectedDeliveries, pubOnly.summary.expectedDeliveries, 0]);
  assert.ok(!both.warnings.some((w) => /more unique deliveries than the plan expects/.test(w)), both.warnings.join('\n'));
  assert.ok(Math.abs(both.summary.publishRate + pubOnly.summary.publishRate - 400) / 400 < 0.05);
});

test('a segment that never comes: the others exit 3 at --barrier-timeout naming it', { timeout: 120_000 }, async () => {
  const runId = 'missing-1';
  const t0 = Date.now();
  const ended = await allEnded([0, 1].map((i) => startSegment(i, 3, runId, ['--duration', '2s', '--barrier-timeout', '6s'])), 90_000);
  for (const e of ended) {
    assert.equal(e.code, 3, e.stderr);
    assert.match(e.stderr, /missing segment\(s\): 2\b/);
  }
  assert.ok(Date.now() - t0 < 90_000, 'bounded');
  assert.notEqual((await redisCli(server, port, 'GET', segmentKeys.abort(runId))).trim(), '', 'the abort key is set for a late segment');
});

test('a segment killed mid-run: the others stop and write results marked interrupted', { timeout: 180_000 }, async () => {
  const runId = 'killed-1';
  const segments = [0, 1, 2].map((i) => startSegment(i, 3, runId, ['--duration', '60s']));
  const startUs = await startOf(runId, 90_000);
  // Into the measure phase (start + 500 ms warmup), then a kill that leaves no chance to say goodbye.
  const waitMs = Math.max(0, (startUs - Date.now() * 1000) / 1000) + 2500;
  await new Promise((r) => setTimeout(r, waitMs));
  segments[2].child.kill('SIGKILL');
  const killedAt = Date.now();
  const ended = await allEnded(segments, 90_000);
  assert.equal(ended[2].code, null, 'segment 2 was killed');
  for (const i of [0, 1]) {
    assert.equal(ended[i].code, 1, ended[i].stderr);
    assert.match(ended[i].stderr, /segment\(s\) 2 stopped reporting/);
    const r = resultOf(runId, i, 3);
    assert.equal(r.interrupted, true);
    assert.ok(r.measureMs < 40_000, `stopped early: measured ${r.measureMs} ms of 60 s`);
    assert.ok(r.summary.delivered > 0);
  }
  assert.ok(Date.now() - killedAt < 60_000, 'the others stopped in bounded time');
});

test('a skewed clock (test hook): the offset shows it and the corrected latency stays near the unskewed one', { timeout: 180_000 }, async () => {
  const runId = 'skew-1';
  const skewUs = 250_000;
  const env = { PUBSUB_BENCH_TEST_HOOKS: 'distort-this-run', PUBSUB_BENCH_TEST_SKEW_CLOCK: `1:${skewUs}` };
  const ended = await allEnded([0, 1, 2].map((i) => startSegment(i, 3, runId, ['--duration', '3s'], env)), 150_000);
  ended.forEach((e, i) => assert.equal(e.code, 0, `segment ${i}: ${e.stderr}`));
  const results = [0, 1, 2].map((i) => resultOf(runId, i, 3));
  const skewed = results[1].segment!;
  assert.ok(Math.abs(skewed.clockOffsetUs + skewUs) < skewed.clockUncertaintyUs + 5000, `offset ${skewed.clockOffsetUs} µs takes out the +${skewUs} µs skew`);
  assert.ok(results[1].warnings.some((w) => /PUBSUB_BENCH_TEST_SKEW_CLOCK.*in force/.test(w)), 'the hook is named');
  for (const r of results) {
    const seg = r.segment!;
    // Left uncorrected, every delivery from the skewed segment's publishers would come out 250 ms negative. Corrected,
    // only a latency shorter than the offsets' error (± tens of µs on one host) can, now and then.
    assert.ok(seg.negativeLatencies <= r.summary.delivered * 0.01, `segment ${seg.index}: ${seg.negativeLatencies} negative of ${r.summary.delivered}`);
    // Uncorrected, cross-segment latencies would be off by 250 ms (or negative); corrected they stay near same-segment ones.
    const cross = p50(seg.histograms.cross);
    const same = p50(seg.histograms.same);
    assert.ok(Math.abs(cross - same) < 50_000, `segment ${seg.index}: cross p50 ${cross} µs vs same p50 ${same} µs`);
  }
  const delivered = results.reduce((n, r) => n + r.summary.delivered, 0);
  assert.equal(delivered, results.reduce((n, r) => n + r.summary.expectedDeliveries, 0));
});

test('--control-target with --control-password-env: the rendezvous and the result go to a password-protected server of their own', { timeout: 120_000 }, async () => {
  const control = await startServer({ kind: 'single', requirePassword: 'ctl-Secret-1' });
  try {
    const runId = 'control-pw-1';
    const ctl = control.spec.nodes[0];
    const ended = await allEnded([startSegment(0, 1, runId, ['--duration', '1s', '--control-target', `redis://${ctl.host}:${ctl.port}`, '--control-password-env', 'PB_CTL_PW'],
      { PB_CTL_PW: 'ctl-Secret-1' }, 'lopsided.json')], 90_000);
    assert.equal(ended[0].code, 0, ended[0].stderr);
    assert.equal((await redisCli(control, ctl.port, 'EXISTS', segmentKeys.result(runId, 0))).trim(), '1', 'the result is stored on the control server');
    assert.equal((await redisCli(server, port, 'EXISTS', segmentKeys.result(runId, 0))).trim(), '0', 'not on the server under test');
    assert.doesNotMatch(ended[0].stdout + ended[0].stderr, /ctl-Secret-1/, 'the password is never printed');
  } finally {
    await control.stop();
  }
});
