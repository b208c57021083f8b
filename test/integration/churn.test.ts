/**
 * Subscriber churn against a real server: subscribers unsubscribe and subscribe again (or reconnect) all through the
 * measure phase, and the accounting stays exact — delivered + lost = expected, nothing lost without a fault, and the
 * expected count equals what Redis itself counted in its PUBLISH replies (a message published while a subscriber was
 * away counts 0 there and is excluded here). A delivery thrown away inside a window (test hook, no proxy) is a loss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_HOOKS_ARMED } from '../../src/core/test-hooks.js';
import { ExitCode } from '../../src/core/errors.js';
import type { RunResult } from '../../src/core/result.js';
import { assertAccounting, runScenario, useServer, withEnv } from '../helpers/runs.js';

const bench = useServer('pb-churn');

const scenario = (churn: Record<string, unknown>) => ({
  channels: { count: 2 },
  publishers: { count: 2, rate: 2000 },
  subscribers: [{ count: 2 }, { count: 1, channelsEach: 0, patterns: ['pubsub-bench:*'] }],
  duration: '3s',
  subscriberChurn: churn,
});

function assertChurnExact(r: RunResult, reconnect = false): void {
  assertAccounting(r);
  const churn = r.summary.churn;
  assert.ok(churn, 'summary.churn is there');
  // 3 subscribers, an event every 250 ms each over 3 s (the first staggered in): about 30; under load, fewer.
  assert.ok(churn.events >= 9, `churn events ${churn.events}`);
  assert.equal(r.timeline.reduce((n, e) => n + (e.churnEvents ?? 0), 0), churn.events, 'the timeline adds up to the total');
  // Redis counted the receivers of every measured PUBLISH at the moment it ran. With UNSUBSCRIBE the windows must
  // agree exactly; a closed connection also drops what Redis had already written to it (counted there, never read).
  const replies = r.summary.publishReplyReceivers ?? NaN;
  if (!reconnect) assert.equal(replies, r.summary.expectedDeliveries, 'PUBLISH replies = expected under churn');
  else {
    assert.ok(replies >= r.summary.expectedDeliveries, `replies ${replies} ≥ expected ${r.summary.expectedDeliveries}`);
    if (replies > r.summary.expectedDeliveries) assert.ok(r.warnings.some((w) => w.includes('in flight to connections the churn closed')));
  }
}

test('churn by UNSUBSCRIBE + SUBSCRIBE: exact, nothing lost, expected = what the PUBLISH replies counted', { timeout: 40_000 }, async () => {
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, scenario({ everyMs: 250 }));
  assertChurnExact(r);
  assert.equal(r.summary.lost, 0);
  assert.equal(r.summary.gapMessages, 0, 'no gap inside any window');
  assert.equal(r.summary.disconnects, 0, 'the same connections all along');
});

test('churn by reconnect: exact, nothing lost, messages published while away excluded', { timeout: 40_000 }, async () => {
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, scenario({ everyMs: 250, reconnect: true }));
  assertChurnExact(r, true);
  assert.equal(r.summary.lost, 0);
  // A reconnect (TCP + CLIENT SETNAME + SUBSCRIBE) takes longer than the 0.25 ms between two messages of a stream.
  assert.ok(r.summary.churn!.excludedDeliveries > 0, `excluded ${r.summary.churn!.excludedDeliveries}`);
  assert.equal(r.summary.expectedDeliveries + r.summary.churn!.excludedDeliveries, r.summary.published * 3, 'expected + excluded = the plan without churn (3 receivers per message)');
});

test('a delivery dropped inside a window is counted as lost, exactly once', { timeout: 40_000 }, async () => {
  const { result: r } = await withEnv({ PUBSUB_BENCH_TEST_HOOKS: TEST_HOOKS_ARMED, PUBSUB_BENCH_TEST_DROP_DELIVERY: '0@20' }, () =>
    runScenario(bench.server.spec, bench.outDir, scenario({ everyMs: 250 })));
  assertChurnExact(r);
  assert.equal(r.summary.lost, 1, 'the one dropped delivery');
  assert.equal(r.summary.gapMessages, 1);
  assert.ok(r.ordering.examples.some((e) => e.kind === 'gap' && e.subscriberId === 0 && e.gotSeq === e.expectedSeq + 1));
  assert.ok(r.warnings.some((w) => w.includes('PUBSUB_BENCH_TEST_DROP_DELIVERY=0@20 was in force')));
});

test('UNSUBSCRIBE churn on a data path that cannot is refused before measuring (exit 2, hint :reconnect)', { timeout: 30_000 }, async () => {
  await assert.rejects(runScenario(bench.server.spec, bench.outDir, { ...scenario({ everyMs: 250 }), client: 'ioredis' }), (err: unknown) => {
    assert.equal((err as { exitCode?: number }).exitCode, ExitCode.usage);
    assert.match(String(err), /--subscriber-churn.*cannot UNSUBSCRIBE[\s\S]*DURATION:reconnect/);
    return true;
  });
});
