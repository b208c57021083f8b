/**
 * Issue 12, integration: 3 segment processes with channel and pattern subscribers against one local redis-server,
 * merged by `pubsub-bench merge` (a CLI process, as a merge Job runs it). A pattern subscriber on one segment receives
 * the messages of every segment's publishers once per matching pattern; the merged run must count them like a
 * one-machine run: delivered + lost = expected, nothing lost, one e2e latency per delivery, Σ rate = R, and each
 * channel's receivers what the scenario's subscriptions and globs give (worked out here by hand).
 * Generous timeouts: three Node processes on a machine that may be busy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../../src/core/index.js';
import { initHistogramEngine } from '../../src/metrics/histogram.js';
import { allEnded, mergeWithCli, spawnCli } from '../helpers/cli-procs.js';
import { assertMergedWhole, useServer } from '../helpers/runs.js';

const bench = useServer('pb-seg-patterns');
const N = 3;
const RATE = 1200;

/**
 * 12 channels news.0 … news.11; 7 subscribers: 2 on every channel, 2 on news.1*, 1 on news.? and news.1* (news.1
 * matches both, so it arrives there twice), 2 on news.[23].
 */
const SCENARIO = {
  name: 'patterns-split', channels: { count: 12, naming: 'news.{i}' }, warmup: '500ms', drainTimeout: '5s',
  publishers: { count: 3, rate: RATE, channelsEach: 'all' },
  subscribers: [
    { count: 2, channelsEach: 'all' },
    { count: 2, patterns: ['news.1*'] },
    { count: 1, patterns: ['news.?', 'news.1*'] },
    { count: 2, patterns: ['news.[23]'] },
  ],
};

/** Receivers of a message on each channel, from the subscriptions above. */
const RECEIVERS: Record<string, number> = {
  'news.0': 2 + 1, 'news.1': 2 + 2 + 2, 'news.2': 2 + 1 + 2, 'news.3': 2 + 1 + 2,
  'news.4': 3, 'news.5': 3, 'news.6': 3, 'news.7': 3, 'news.8': 3, 'news.9': 3,
  'news.10': 2 + 2 + 1, 'news.11': 2 + 2 + 1,
};

test('3 segments with pattern and channel subscribers, merged: exact accounting, Σ rate = R, receivers per channel as the globs say', { timeout: 240_000 }, async () => {
  await initHistogramEngine();
  const node = bench.server.spec.nodes[0];
  const scenarioFile = path.join(bench.outDir, 'patterns.json');
  writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
  const runId = `patterns-${process.pid}`;
  const out = path.join(bench.outDir, 'segments');
  const segments = Array.from({ length: N }, (_, i) => spawnCli([
    'run', scenarioFile, '--target', `redis://${node.host}:${node.port}`, '--segment', `${i}/${N}`, '--run-id', runId,
    '--duration', '4s', '--workers', '1', '--interval', '500ms', '--out', out, '-q',
  ]));
  const ends = await allEnded(segments, 180_000);
  ends.forEach((e, i) => assert.equal(e.code, ExitCode.ok, `segment ${i}:\n${e.stderr}`));

  const r = await mergeWithCli([out, '--threshold', 'lost == 0'], path.join(bench.outDir, 'merged'));
  assertMergedWhole(r, N, RATE);

  // Every channel: the receivers the globs give, and each of its messages delivered to all of them.
  const channels = r.channels ?? assert.fail('the merged result has no per-channel breakdown');
  assert.deepEqual(Object.fromEntries(channels.map((c) => [c.name, c.receivers])), RECEIVERS);
  for (const c of channels) {
    assert.ok(c.published > 0, `${c.name} was published to`);
    assert.equal(c.expected, c.published * RECEIVERS[c.name], c.name);
    assert.equal(c.delivered, c.expected, `${c.name}: every receiver got every message`);
  }
  assert.equal(channels.reduce((n, c) => n + c.published, 0), r.summary.published);
  assert.equal(channels.reduce((n, c) => n + c.expected, 0), r.summary.expectedDeliveries);
  // Pattern subscribers sit on every segment (subscriber s runs on segment s mod 3) and receive every segment's messages.
  const matrixSum = (r.segments ?? []).reduce((n, s) => n + s.deliveredFromSegment.reduce((a, b) => a + b, 0), 0);
  assert.equal(matrixSum, r.summary.delivered, 'the delivery matrix sums to the deliveries');
  for (const s of r.segments ?? []) assert.ok(s.deliveredFromSegment.every((n) => n > 0), `segment ${s.index} received from every segment: ${s.deliveredFromSegment}`);
});
