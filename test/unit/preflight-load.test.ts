/**
 * The load preflight: one burst of the planned fleet against the server's pubsub output-buffer limit and this
 * machine's memory, judged before any connection of the fleet is opened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario } from '../../src/core/scenario.js';
import { planFleet } from '../../src/coordinator/plan.js';
import { DEFAULT_PUBSUB_LIMIT, estimateLoad, judgeLoad, windowMessages, type LoadContext } from '../../src/coordinator/preflight-load.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

function scenario(over: { publishers?: Partial<Scenario['publishers']>; subscribers?: Scenario['subscribers']; channels?: number; client?: Scenario['client'] } = {}): Scenario {
  return {
    name: 't', description: '', client: over.client ?? 'native',
    channels: { count: over.channels ?? 1, naming: 'ch.{i}', sharded: false },
    publishers: { count: 1, rate: 1000, messageBytes: 256, mode: 'await', batch: 100, maxInFlight: 1000, channelsEach: 'all', ...over.publishers },
    subscribers: over.subscribers ?? [{ count: 20, channelsEach: 'all', patterns: [] }],
    warmupMs: 0, durationMs: 1000, drainTimeoutMs: 1000, seed: 1,
  };
}
const plenty: LoadContext = { limit: DEFAULT_PUBSUB_LIMIT, limitRead: true, availableBytes: 16 * GB, localTarget: true };
const judged = (s: Scenario, ctx: LoadContext = plenty) => judgeLoad(estimateLoad(s, planFleet(s, 2)), s, ctx);

test('the window is one message (await), a batch (pipeline, multi) or the in-flight bound (auto)', () => {
  assert.equal(windowMessages(scenario()), 1);
  assert.equal(windowMessages(scenario({ publishers: { mode: 'pipeline', batch: 50 } })), 50);
  assert.equal(windowMessages(scenario({ publishers: { mode: 'multi', batch: 70 } })), 70);
  assert.equal(windowMessages(scenario({ publishers: { mode: 'auto', maxInFlight: 900 } })), 900);
});

test('a default fan-out fits: no warning, no refusal', () => {
  assert.deepEqual(judged(scenario()), { warnings: [], refusal: null });
  assert.deepEqual(judged(scenario({ publishers: { mode: 'auto', maxInFlight: 1000, count: 4 } })), { warnings: [], refusal: null });
});

test('one message above the hard limit is named: every subscriber would be disconnected', () => {
  const { warnings, refusal } = judged(scenario({ publishers: { messageBytes: 100_000_000 } }));
  assert.equal(refusal, null);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /^One message \(95\.4 MB as delivered\) is larger than the server's client-output-buffer-limit pubsub 32 MB hard: Redis will disconnect every subscriber/);
  const assumed = judged(scenario({ publishers: { messageBytes: 100_000_000 } }), { ...plenty, limitRead: false });
  assert.match(assumed.warnings[0], /CONFIG GET was refused: Redis' default assumed/);
  const unlimited = judged(scenario({ publishers: { messageBytes: 100_000_000 } }), { ...plenty, limit: { hardBytes: 0, softBytes: 0, softSeconds: 0 } });
  assert.deepEqual(unlimited.warnings, [], 'no limit configured, nothing to exceed');
});

test('a deep window of large messages on one subscriber connection can pass the limit; spread over channels it need not', () => {
  const deep = scenario({ publishers: { mode: 'auto', maxInFlight: 1000, messageBytes: 100_000, count: 2 }, client: 'ioredis' });
  const { warnings } = judged(deep);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /in-flight window \(1000 message\(s\) of 97\.7 KB each\) reaches one subscriber connection at once, its output buffer can hold 191 MB, above .*Lower --max-in-flight or --message-size/);
  // The same load over 100 channels, each subscriber on one: a connection sees a hundredth of the burst.
  const spread = scenario({ publishers: { mode: 'auto', maxInFlight: 1000, messageBytes: 100_000, count: 2 }, client: 'ioredis', channels: 100,
    subscribers: [{ count: 100, channelsEach: 1, patterns: [] }] });
  assert.deepEqual(judged(spread).warnings, []);
  // A pattern subscriber hears every channel again.
  const pattern = scenario({ publishers: { mode: 'auto', maxInFlight: 1000, messageBytes: 100_000, count: 2 }, client: 'ioredis', channels: 100,
    subscribers: [{ count: 100, channelsEach: 1, patterns: [] }, { count: 1, channelsEach: 0, patterns: ['ch.*'] }] });
  assert.equal(judged(pattern).warnings.length, 1);
});

test('a load that cannot fit in memory is refused naming --message-size; half of it is a warning', () => {
  const huge = scenario({ publishers: { messageBytes: 500_000_000, count: 50 } });
  const { refusal } = judged(huge);
  assert.ok(refusal);
  assert.equal(refusal.exitCode, 2);
  assert.equal(refusal.problems[0].field, '--message-size');
  assert.match(refusal.message, /The planned load does not fit in memory:\n {2}- --message-size: the harness and the local redis-server need about .* GB for the messages in flight \(1 per publisher of 477 MB\), and 16 GB of memory is available/);
  const tight = judged(scenario({ publishers: { messageBytes: 10 * MB } }), { ...plenty, availableBytes: 600 * MB, limit: { hardBytes: 0, softBytes: 0, softSeconds: 0 } });
  assert.equal(tight.refusal, null);
  assert.match(tight.warnings.join('\n'), /^Memory: the harness and the local redis-server need about 4\d\d MB .* 600 MB of memory is available/m);
});
