/**
 * Bad input for the subscriber shapes (`--slow-subscribers`, `--pubsub-buffer-limit`, `--subscriber-churn`, and their
 * scenario fields): exit 2 before anything connects, naming the flag or field, with a hint; good input resolves.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { applyOverrides } from '../../src/scenarios/overrides.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { expandMatrix, parseMatrix } from '../../src/scenarios/matrix.js';
import { captureIo } from '../helpers/cli-io.js';

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  const c = captureIo({});
  const code = await main(args, c.io);
  return { code, err: c.stderr() };
}

describe('shape flags: bad input exits 2 naming the flag, with a hint', { timeout: 30_000 }, () => {
  const cases: Array<[string[], RegExp]> = [
    [['--subscribers', '2', '--slow-subscribers', '3:1ms'], /--slow-subscribers.*3 slow subscribers but the scenario has 2 subscriber\(s\)[\s\S]*hint: use at most 2/],
    [['--slow-subscribers', '1:0ms'], /--slow-subscribers.*0 is out of range[\s\S]*hint:/],
    [['--slow-subscribers', '1:-1ms'], /--slow-subscribers.*cannot read[\s\S]*hint: write N:DELAY/],
    [['--slow-subscribers', 'two'], /--slow-subscribers.*cannot read/],
    [['--subscriber-churn', '0s'], /--subscriber-churn.*must be above 0[\s\S]*hint: e\.g\. --subscriber-churn 2s/],
    [['--subscriber-churn=-2s'], /--subscriber-churn.*is not a duration[\s\S]*hint:/],
    [['--subscriber-churn', '2s:sometimes'], /--subscriber-churn.*cannot read[\s\S]*hint: the only mode is 'reconnect'/],
    [['--message-size', '1024', '--pubsub-buffer-limit', '512'], /--pubsub-buffer-limit.*512 bytes is below one message \(1024 bytes\)[\s\S]*hint: use at least 1024/],
    [['--message-size', '1024', '--pubsub-buffer-limit', '1mb:100:5'], /--pubsub-buffer-limit.*100 bytes is below one message/],
    [['--pubsub-buffer-limit', '1mb:2mb'], /--pubsub-buffer-limit.*cannot read[\s\S]*hint: write SIZE or SIZE:SOFT:SECONDS/],
    [['--pubsub-buffer-limit', '1mb', '--target', 'redis://127.0.0.1:1'], /--pubsub-buffer-limit.*--allow-config-set was not given[\s\S]*hint: add --allow-config-set/],
    [['--allow-config-set'], /--allow-config-set.*only applies with --target/],
  ];
  for (const [args, re] of cases) {
    test(args.join(' '), async () => {
      const { code, err } = await cli(['run', ...args]);
      assert.equal(code, 2, err);
      assert.match(err, re);
      assert.doesNotMatch(err, /^\s+at /m, 'no stack trace');
    });
  }
});

test('scenario fields: problems name the field', () => {
  assert.throws(() => resolveScenario({ subscriberChurn: { everyMs: -5 } }, 'file.json'), /subscriberChurn\.everyMs.*must be above 0/);
  assert.throws(() => resolveScenario({ slowSubscribers: { count: 1 } }, 'file.json'), /slowSubscribers\.delayUs.*is missing/);
  assert.throws(() => resolveScenario({ pubsubBufferLimit: { hardBytes: 1e6, softBytes: 2e6, softSeconds: 1 } }, 'file.json'), /pubsubBufferLimit\.softBytes.*above the hard limit/);
  assert.throws(() => resolveScenario({ subscriberChurn: { everyMs: 1000, bogus: 1 } }, 'file.json'), /subscriberChurn\.bogus.*unknown key/);
  assert.throws(() => resolveScenario({ slowSubscribers: { count: 1, delayUs: 5, bogus: 1 } }, 'file.json'), /slowSubscribers\.bogus.*unknown key/);
});

test('flags resolve into the scenario fields, which round-trip as result.json writes them', () => {
  const o = applyOverrides({ subscribers: [{ count: 3 }] }, { slowSubscribers: '2:500us', pubsubBufferLimit: '4MiB:2MiB:1', subscriberChurn: '1.5s:reconnect' });
  const s = resolveScenario(o.input, 'test', { rename: o.rename, problems: o.problems });
  assert.deepEqual(s.slowSubscribers, { count: 2, delayUs: 500 });
  assert.deepEqual(s.pubsubBufferLimit, { hardBytes: 4 * 1024 * 1024, softBytes: 2 * 1024 * 1024, softSeconds: 1 });
  assert.deepEqual(s.subscriberChurn, { everyMs: 1500, reconnect: true });
  assert.deepEqual(resolveScenario(JSON.parse(JSON.stringify(s)), 'result.json'), s);
  const plain = resolveScenario(applyOverrides({}, { subscriberChurn: '2s' }).input, 'test');
  assert.deepEqual(plain.subscriberChurn, { everyMs: 2000, reconnect: false });
  assert.equal(resolveScenario({}, 'test').subscriberChurn, undefined, 'off unless asked');
});

test('every shape flag is a matrix key', () => {
  const variants = expandMatrix(parseMatrix(['subscriber-churn=1s,1s:reconnect', 'slow-subscribers=1:1ms', 'pubsub-buffer-limit=8mb']));
  assert.deepEqual(variants.map((v) => v.flags), [
    { subscriberChurn: '1s', slowSubscribers: '1:1ms', pubsubBufferLimit: '8mb' },
    { subscriberChurn: '1s:reconnect', slowSubscribers: '1:1ms', pubsubBufferLimit: '8mb' },
  ]);
});
