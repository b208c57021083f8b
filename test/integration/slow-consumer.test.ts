/**
 * Slow consumers on purpose (`slowSubscribers`) against a real server whose output-buffer limit the run itself sets
 * (`pubsubBufferLimit`): the slow subscriber is cut off, the cut-off is named as the output-buffer limit, its loss is
 * counted exactly, and the server's limit is back to what it was after the run. The server is started by the test and
 * passed as a target, so it is a "remote" one: the limit needs `allowConfigSet`, and without it the run is refused.
 *
 * Subscriber 0 busy-waits 1 ms per delivery, so it takes ~1000 of the 2000 msgs/s offered. The limit is small but not
 * tiny on purpose: loopback sockets first absorb ~4 MB of backlog in kernel buffers, after which the server-side buffer
 * grows at the surplus rate (~4 MB/s here); with `pubsub 4MiB 2MiB 1` that growth spans several 250 ms telemetry
 * samples, so the named attribution is observed, not lucky. (With a 256 KB limit the buffer fills between two
 * samples; that case is reported as "probably" from INFO's recent peak, see the unit tests of findSlowConsumers.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import { formatSummary } from '../../src/reporting/terminal.js';
import { redisCli } from '../helpers/redis.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';

const ORIGINAL = 'pubsub 33554432 8388608 60';
const bench = useServer('pb-slow', { kind: 'single' }, async (server) => {
  assert.equal((await redisCli(server, server.nodes[0].port, 'CONFIG', 'SET', 'client-output-buffer-limit', ORIGINAL)).trim(), 'OK');
});

async function pubsubLimitNow(): Promise<string> {
  const out = await redisCli(bench.server, bench.server.nodes[0].port, 'CONFIG', 'GET', 'client-output-buffer-limit');
  return /pubsub \d+ \d+ \d+/.exec(out)?.[0] ?? out;
}

const SCENARIO = {
  channels: { count: 1 },
  publishers: { count: 1, rate: 2000, messageBytes: 4096 },
  subscribers: [{ count: 2 }],
  duration: '6s',
  slowSubscribers: { count: 1, delayUs: 1000 },
  pubsubBufferLimit: { hardBytes: 4 * 1024 * 1024, softBytes: 2 * 1024 * 1024, softSeconds: 1 },
};

test('a remote target is refused without allowConfigSet, and left as it was', async () => {
  await assert.rejects(runScenario(bench.server.spec, bench.outDir, SCENARIO), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.exitCode, ExitCode.usage);
    assert.match(err.message, /--pubsub-buffer-limit.*--allow-config-set/s);
    return true;
  });
  assert.equal(await pubsubLimitNow(), ORIGINAL);
});

test('a slow subscriber cut off by the output-buffer limit the run set is named, its loss counted, the limit restored', { timeout: 40_000 }, async () => {
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, SCENARIO, { allowConfigSet: true });
  assert.equal(await pubsubLimitNow(), ORIGINAL, 'the old limit is back after the run');
  assert.ok(r.warnings.some((w) => w.includes(`client-output-buffer-limit set to 'pubsub 4194304 2097152 1'`) && w.includes(`was '${ORIGINAL}'`)));
  // Two threads for the publisher and the fast subscriber as asked, and a third, the last, for the slow one alone.
  assert.deepEqual(r.plan.subscribersPerWorker, [0, 1, 1]);
  assert.deepEqual(r.plan.publishersPerWorker, [1, 0, 0]);
  assertAccounting(r);
  assert.ok(r.summary.lost > 0, `lost ${r.summary.lost}`);
  const outages = r.outages ?? [];
  const cut = outages.filter((o) => o.role === 'subscriber' && o.id === 0);
  assert.ok(cut.length >= 1, 'the slow subscriber lost its connection');
  for (const o of cut) {
    assert.match(o.cause, /^cut off by client-output-buffer-limit pubsub \(omem reached [\d.]+ (MB|KB); limit pubsub 4\.00 MB hard, 2\.00 MB for 1 s\); the client saw: /);
  }
  assert.ok(!outages.some((o) => o.id === 1 && o.role === 'subscriber'), 'the subscriber that kept up was never cut off');
  // Exact: the fast subscriber lost nothing, so every loss is the slow one's, and its outages account for it.
  const attributed = cut.reduce((n, o) => n + o.lostMessages, 0);
  assert.ok(attributed > 0 && attributed <= r.summary.lost, `attributed ${attributed} of ${r.summary.lost} lost`);
  assert.ok(r.warnings.some((w) => /^Slow consumer: subscriber 0 fell behind and was cut off by client-output-buffer-limit pubsub/.test(w)));

  // The growth that led there is in the telemetry: subscriber 0's buffer past half the soft limit before the cut.
  const samples = r.server?.samples ?? [];
  assert.ok(samples.some((s) => s.buffers?.some((b) => b.client === 'pb-sub-0' && b.omemBytes >= 1024 * 1024)));
  assert.deepEqual(samples.find((s) => s.pubsubLimit)?.pubsubLimit, { hardBytes: 4 * 1024 * 1024, softBytes: 2 * 1024 * 1024, softSeconds: 1 });

  const summary = formatSummary(r, { color: false });
  assert.match(summary, /cut off by client-output-buffer-limit pubsub/, 'the terminal summary names the cause');
});

test('a run that fails after the limit was set still restores it', { timeout: 20_000 }, async () => {
  // Interrupted before the schedule starts: setup has set the limit, then starting the fleet fails.
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runScenario(bench.server.spec, bench.outDir, { ...SCENARIO, duration: '1s' }, { allowConfigSet: true, signal: controller.signal }));
  assert.equal(await pubsubLimitNow(), ORIGINAL);
});
