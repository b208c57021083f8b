/**
 * The streams transport against a real redis-server: a run is exact (delivered + lost = expected, nothing lost) and
 * in order per stream in every publish mode that changes the frames (auto, MULTI … EXEC), and leaves no key behind;
 * a subscriber killed mid-run resumes from its group and loses nothing, the pending entries it had handled before
 * the kill coming back as counted duplicates; the pubsub-vs-streams built-in, with its subscriber kill, loses over
 * pub/sub and not over streams and writes one compare.html; a user who may not XADD (or touch the streams' keys) is
 * refused before measuring (exit 3) with the rule to add.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { RunResult } from '../../src/core/result.js';
import { parseChaos } from '../../src/scenarios/chaos.js';
import { formatSummary } from '../../src/reporting/terminal.js';
import { captureIo } from '../helpers/cli-io.js';
import { redisCli } from '../helpers/redis.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';

const ADMIN_PASSWORD = 'pb-streams-Admin-71c2';
const PASSWORD = 'pb-streams-User-0d3e';

const bench = useServer('pb-streams', {
  kind: 'single',
  requirePassword: ADMIN_PASSWORD,
  aclUsers: [
    { name: 'admin', password: ADMIN_PASSWORD },
    { name: 'noxadd', password: PASSWORD, rules: '~* &* +@all -xadd' },
    { name: 'nokeys', password: PASSWORD, rules: '~app:* &* +@all' },
  ],
});

async function streamKeysLeft(): Promise<string> {
  return (await redisCli(bench.server, bench.server.nodes[0].port, '--user', 'admin', '--scan', '--pattern', 'pb-stream:*')).trim();
}

/** Every channel got all it should, and the ordering counts are clean. */
function assertExactInOrder(r: RunResult): void {
  assertAccounting(r);
  const s = r.summary;
  assert.ok(s.expectedDeliveries > 0, 'something was expected');
  assert.equal(s.lost, 0, 'nothing lost');
  assert.deepEqual([r.ordering.duplicates, r.ordering.reordered, r.ordering.gaps], [0, 0, 0], 'in order per stream');
  for (const c of r.channels ?? []) assert.equal(c.delivered, c.expected, `channel ${c.name}`);
}

for (const mode of ['auto', 'multi'] as const) {
  test(`streams (${mode}): exact, in order per stream, footprint read and this run's keys deleted`, { timeout: 40_000 }, async () => {
    // Two publishers on every channel, subscribers on 2 of 4 streams each: per-stream order interleaves publishers.
    const { result: r, runDir } = await runScenario(bench.server.spec, bench.outDir, {
      transport: 'streams', streamMaxLen: 50_000,
      channels: { count: 4, naming: 'pubsub-bench:st:{i}' },
      publishers: { count: 2, rate: 3000, mode, batch: 10 },
      subscribers: [{ count: 3, channelsEach: 2 }],
      duration: '2s',
    });
    assertExactInOrder(r);
    // Channels 0–1 are read by two groups, 2–3 by one; the publishers' round-robin may leave one channel a message ahead,
    // so the expectation is per channel, not published × 6 / 4.
    const channels = r.channels ?? [];
    assert.deepEqual(channels.map((c) => c.receivers), [2, 2, 1, 1], 'one group per subscriber reading each stream');
    assert.equal(r.summary.expectedDeliveries, channels.reduce((n, c) => n + c.published * c.receivers, 0), 'each message is expected once per group reading its stream');
    assert.equal(channels.reduce((n, c) => n + c.published, 0), r.summary.published);
    assert.equal(r.scenario.transport, 'streams');
    assert.equal(r.summary.publishReplyReceivers, null, 'an XADD reply counts no receivers');
    const st = r.streams;
    assert.ok(st, 'the streams footprint is in result.json');
    assert.deepEqual([st.keys, st.groups, st.removedKeys, st.maxLen], [4, 6, 4, 50_000]);
    assert.ok(st.entries >= r.summary.published, `${st.entries} entries kept for ${r.summary.published} measured messages`);
    assert.ok(st.memoryBytes > st.entries * 32, `${st.memoryBytes} B for ${st.entries} entries of 64 B`);
    assert.equal(await streamKeysLeft(), '', 'no stream of the run is left on the server');
    assert.match(formatSummary(r), /Streams \(after the drain\)[\s\S]*stream memory/);
    assert.equal((r.channels ?? []).length, 4);
    assert.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /<h2>Streams<\/h2>/);
  });
}

test('a subscriber killed mid-run resumes from its group: nothing lost, re-delivered pending entries counted as duplicates', { timeout: 60_000 }, async () => {
  // Subscriber 0 spends 1 ms per entry (--slow-subscribers 1:1ms) for 1200 offered per second: it always has a batch
  // in hand, handled but not yet acknowledged (the XACK leaves with the next read), when the kill lands. Those come
  // back from its pending list.
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, {
    transport: 'streams', channels: { count: 1 }, publishers: { count: 1, rate: 1200 }, subscribers: [{ count: 2 }],
    slowSubscribers: { count: 1, delayUs: 1000 }, duration: '2s', drainTimeout: '10s',
  }, { chaos: parseChaos(['kill-subscribers@1s'], '--chaos') });
  assertAccounting(r);
  assert.equal(r.summary.lost, 0, 'the kill cost nothing');
  assert.equal(r.summary.delivered, r.summary.expectedDeliveries);
  assert.ok((r.outages ?? []).filter((o) => o.role === 'subscriber').length >= 2, 'both subscribers were killed');
  assert.ok(r.summary.reconnects >= 2, 'and came back');
  assert.ok(r.ordering.duplicates > 0, `duplicates ${r.ordering.duplicates}`);
  assert.ok(r.ordering.examples.some((e) => e.kind === 'duplicate' && e.subscriberId === 0), 'the slow subscriber saw its pending entries again');
  assert.deepEqual([r.ordering.reordered, r.ordering.gaps], [0, 0]);
  assert.equal(await streamKeysLeft(), '');
});

test('pubsub-vs-streams: under the same subscriber kill pub/sub loses and streams do not; one compare.html', { timeout: 90_000 }, async () => {
  const outDir = join(bench.outDir, 'pvs');
  const cap = captureIo({ PB_PW: ADMIN_PASSWORD });
  const code = await main(['run', 'pubsub-vs-streams', '--target', `redis://127.0.0.1:${bench.server.nodes[0].port}`, '--user', 'admin',
    '--password-env', 'PB_PW', '--duration', '4s', '--warmup', '500ms', '--out', outDir, '--quiet'], cap.io);
  assert.equal(code, 0, cap.stderr());
  const [seriesDir] = readdirSync(outDir).filter((d) => d.endsWith('-matrix'));
  assert.ok(existsSync(join(outDir, seriesDir, 'compare.html')), 'one compare.html');
  const results = readdirSync(join(outDir, seriesDir), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(outDir, seriesDir, d.name, 'result.json')))
    .map((d) => JSON.parse(readFileSync(join(outDir, seriesDir, d.name, 'result.json'), 'utf8')) as RunResult);
  const pubsub = results.find((r) => r.scenario.transport === undefined);
  const streams = results.find((r) => r.scenario.transport === 'streams');
  assert.ok(pubsub && streams && results.length === 2, `variants: ${results.map((r) => r.scenario.transport ?? 'pubsub').join(', ')}`);
  for (const r of [pubsub, streams]) {
    assertAccounting(r);
    assert.deepEqual(r.chaos?.map((c) => c.spec), ['kill-subscribers@3s'], 'the built-in brings its kill');
    assert.ok(r.summary.disconnects >= 4, `${r.summary.disconnects} disconnects`);
  }
  assert.ok(pubsub.summary.lost > 0, `pub/sub lost ${pubsub.summary.lost}`);
  assert.equal(streams.summary.lost, 0, 'streams lost nothing');
  assert.match(readFileSync(join(outDir, seriesDir, 'compare.html'), 'utf8'), /transport=streams/);
});

for (const c of [
  { user: 'noxadd', expect: [/publishers \(user 'noxadd'\): XADD on key 'pb-stream:[0-9a-f]{8}:pubsub-bench:fan-out:0'/, /ACL SETUSER noxadd \+xadd/] },
  { user: 'nokeys', expect: [/publishers \(user 'nokeys'\): XADD on key 'pb-stream:/, /subscribers \(user 'nokeys'\): XGROUP CREATE on key/, /ACL SETUSER nokeys ~pb-stream:\*/] },
]) {
  test(`streams: a user refused ${c.user === 'noxadd' ? 'XADD' : "the streams' keys"} → exit 3 before measuring, with the rule to add`, { timeout: 30_000 }, async () => {
    const outDir = join(bench.outDir, c.user);
    const cap = captureIo({ PB_PW: PASSWORD });
    const code = await main(['run', 'fan-out', '--transport', 'streams', '--target', `redis://127.0.0.1:${bench.server.nodes[0].port}`,
      '--user', c.user, '--password-env', 'PB_PW', '--duration', '1s', '--out', outDir], cap.io);
    assert.equal(code, 3, cap.stderr());
    for (const re of c.expect) assert.match(cap.stderr(), re);
    assert.ok(!cap.stderr().includes(PASSWORD));
    assert.ok(!existsSync(outDir) || readdirSync(outDir).length === 0, 'nothing was measured');
  });
}
