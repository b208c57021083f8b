import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, type Problem } from '../../src/core/errors.js';
import { DEFAULTS, LIMITS } from '../../src/scenarios/defaults.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { applyOverrides } from '../../src/scenarios/overrides.js';

/** The problems resolveScenario reports for `input` (fails the test when it does not throw UsageError). */
function problemsOf(input: unknown, source = 'test.json'): Problem[] {
  try {
    resolveScenario(input, source);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be rejected`);
}

function findProblem(problems: Problem[], field: string): Problem {
  const p = problems.find((x) => x.field === field);
  assert.ok(p, `no problem for ${field} in ${JSON.stringify(problems)}`);
  return p;
}

describe('resolveScenario', () => {
  test('fills in every default for an empty scenario', () => {
    const s = resolveScenario({}, 'dir/my-bench.yaml');
    assert.equal(s.name, 'my-bench');
    assert.deepEqual(s.channels, { count: 1, naming: 'pubsub-bench:{i}', sharded: false });
    assert.deepEqual(s.publishers, { count: 1, rate: 1000, messageBytes: 64, mode: 'await', batch: 100, maxInFlight: 1000, channelsEach: 'all' });
    assert.deepEqual(s.subscribers, [{ count: 1, channelsEach: 'all', patterns: [] }]);
    assert.equal(s.warmupMs, DEFAULTS.warmupMs);
    assert.equal(s.durationMs, 10_000);
    assert.equal(s.drainTimeoutMs, 5000);
    assert.equal(s.seed, 1);
    assert.equal(s.client, 'native');
  });

  test('accepts duration strings, ms numbers and the resolved *Ms form (idempotent)', () => {
    const s = resolveScenario({ warmup: '500ms', duration: '1.5m', drainTimeout: 250, publishers: { rate: 'max' } }, 'x');
    assert.equal(s.warmupMs, 500);
    assert.equal(s.durationMs, 90_000);
    assert.equal(s.drainTimeoutMs, 250);
    assert.equal(s.publishers.rate, 'max');
    assert.deepEqual(resolveScenario(structuredClone(s), 'again'), s);
  });

  test('a group with patterns and no channelsEach is pattern-only', () => {
    const s = resolveScenario({ subscribers: [{ count: 2, patterns: ['a.*'] }] }, 'x');
    assert.deepEqual(s.subscribers[0], { count: 2, channelsEach: 0, patterns: ['a.*'] });
  });

  test('reports every problem at once, each with field and hint', () => {
    const problems = problemsOf({
      channels: { count: 0, naming: 'room.{x}' },
      publishers: { count: -1, rate: 0, messageBytes: 8, mode: 'turbo', batch: 1.5 },
      subscribers: [{ count: 1, channelsEach: 0 }],
      warmup: 'soon',
      seed: 'abc',
    });
    for (const field of ['channels.count', 'channels.naming', 'publishers.count', 'publishers.rate', 'publishers.messageBytes',
      'publishers.mode', 'publishers.batch', 'subscribers[0].channelsEach', 'warmup', 'seed']) {
      const p = findProblem(problems, field);
      assert.ok(p.message.length > 0);
      assert.ok(p.hint && p.hint.length > 0, `${field} has a hint`);
    }
  });

  test('unknown keys get a did-you-mean hint, or where the key belongs', () => {
    const problems = problemsOf({ publisher: { count: 1 }, rate: 5, channels: { cuont: 3 }, subscribers: [{ pattern: ['x'] }] });
    assert.match(findProblem(problems, 'publisher').hint ?? '', /publishers/);
    assert.match(findProblem(problems, 'rate').hint ?? '', /publishers/);
    assert.match(findProblem(problems, 'channels.cuont').hint ?? '', /count/);
    assert.match(findProblem(problems, 'subscribers[0].pattern').hint ?? '', /patterns/);
  });

  test('wrong types are named', () => {
    const problems = problemsOf({ channels: [], publishers: 'many', subscribers: { count: 1 }, name: 42 });
    assert.match(findProblem(problems, 'channels').message, /expected an object, got an array/);
    assert.match(findProblem(problems, 'publishers').message, /got the string "many"/);
    assert.match(findProblem(problems, 'subscribers').message, /array/);
    assert.match(findProblem(problems, 'name').message, /string/);
    assert.match(findProblem(problemsOf({ publishers: { count: '5' } }), 'publishers.count').hint ?? '', /without quotes/);
  });

  test('limits: message size, huge numbers, non-integers', () => {
    assert.match(findProblem(problemsOf({ publishers: { messageBytes: 31 } }), 'publishers.messageBytes').hint ?? '', /envelope/);
    resolveScenario({ publishers: { messageBytes: 32 } }, 'x');
    problemsOf({ publishers: { messageBytes: LIMITS.messageBytesMax + 1 } });
    problemsOf({ channels: { count: 1e12 } });
    problemsOf({ publishers: { rate: 1e300 } });
    problemsOf({ subscribers: [{ count: 2.5 }] });
    problemsOf({ duration: '50ms' });
    problemsOf({ subscribers: [{ count: 60_000 }, { count: 60_000 }] });
  });

  test('cross-field rules', () => {
    assert.match(findProblem(problemsOf({ channels: { count: 3 }, subscribers: [{ channelsEach: 4 }] }), 'subscribers[0].channelsEach').message, /more than the 3 channels/);
    findProblem(problemsOf({ channels: { count: 3 }, publishers: { channelsEach: 4 } }), 'publishers.channelsEach');
    assert.match(findProblem(problemsOf({ channels: { sharded: true }, subscribers: [{ patterns: ['a*'] }] }), 'subscribers[0].patterns').hint ?? '', /sharded/);
    assert.match(findProblem(problemsOf({ publishers: { count: 0 }, subscribers: [{ count: 0 }] }), 'publishers.count').message, /no publishers and no subscribers/);
    assert.match(findProblem(problemsOf({ channels: { count: 2, naming: 'same' } }), 'channels.naming').hint ?? '', /\{i\}/);
    findProblem(problemsOf({ subscribers: [{ patterns: ['a*', 'a*'] }] }), 'subscribers[0].patterns[1]');
    findProblem(problemsOf({ warmup: '1s', warmupMs: 1000 }), 'warmup');
  });

  test('flag overrides: problems name the flag', () => {
    const o = applyOverrides({}, { rate: '-5', subscribers: 'x', duration: 'later', patterns: ['u.*'], sharded: true, channels: '2' });
    let err: unknown;
    try {
      resolveScenario(o.input, 'built-in fan-out', o);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof UsageError);
    const fields = err.problems.map((p) => p.field);
    for (const f of ['--rate', '--subscribers', '--duration', '--patterns']) assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
    assert.ok(!fields.some((f) => f.startsWith('publishers.') || f === 'duration'), 'no canonical paths for flag values');
  });

  test('flag overrides never change the input object', () => {
    const input = { publishers: { count: 1 }, subscribers: [{ count: 1 }] };
    const before = structuredClone(input);
    const o = applyOverrides(input, { publishers: '3', subscribers: '4', patterns: ['p.*'], rate: 'max' });
    assert.deepEqual(input, before);
    const s = resolveScenario(o.input, 'x', o);
    assert.equal(s.publishers.count, 3);
    assert.equal(s.publishers.rate, 'max');
    assert.deepEqual(s.subscribers[0], { count: 4, channelsEach: 0, patterns: ['p.*'] });
  });

  test('hostile inputs only ever raise UsageError', () => {
    const hostile: unknown[] = [
      null, undefined, 0, 'x', [], [{}], true, Buffer.from([0, 1, 2]), new Map(), new Date(0), () => 1, Symbol('s'), 10n,
      JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
      JSON.parse('{"publishers": {"__proto__": {"count": 5}}, "subscribers": [{"__proto__": []}]}'),
      { toString: 5, valueOf: 'x', hasOwnProperty: 1 },
      Object.create(null),
      { channels: { count: Number.NaN } },
      { publishers: { rate: Infinity, mode: { toString: () => 'await' } } },
      { subscribers: [null, [], 'x', { count: { valueOf: () => 3 } }] },
      { subscribers: new Array(10_000).fill({ count: 1 }) },
      { channels: { naming: '{'.repeat(5000) } },
      { ['k'.repeat(100_000)]: 1 },
      Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`, i])),
    ];
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    hostile.push({ publishers: deep }, deep);
    for (const input of hostile) {
      try {
        resolveScenario(input, 'hostile');
      } catch (err) {
        assert.ok(err instanceof UsageError, `${String(err)}`);
        assert.ok(err.message.length < 20_000, 'message stays bounded');
        continue;
      }
      // Only an empty plain object may pass (all defaults).
      assert.ok(input !== null && typeof input === 'object' && Object.keys(input).length === 0, 'accepted only when empty');
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'prototype not polluted');
  });
});

test('scenario thresholds are checked like --threshold and kept in the resolved scenario', () => {
  const s = resolveScenario({ thresholds: ['lost == 0', ' e2e.p99 < 5ms '] }, 'file.yaml');
  assert.deepEqual(s.thresholds, ['lost == 0', 'e2e.p99 < 5ms']);
  assert.equal(resolveScenario({}, 'file.yaml').thresholds, undefined);
  assert.throws(() => resolveScenario({ thresholds: ['latency < 5ms'] }, 'file.yaml'), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /thresholds\[0\]: unknown metric "latency"/);
    return true;
  });
  assert.throws(() => resolveScenario({ thresholds: 'lost == 0x' }, 'file.yaml'), UsageError);
  assert.throws(() => resolveScenario({ thresholds: [5] }, 'file.yaml'), /thresholds\[0\]: expected an expression/);
});

test("client: 'native' by default, 'ioredis' on request, from a file or --client; anything else named with a hint", () => {
  assert.equal(resolveScenario({ client: 'ioredis' }, 'file.yaml').client, 'ioredis');
  const flagged = applyOverrides({ client: 'native' }, { client: 'ioredis' });
  assert.equal(resolveScenario(flagged.input, 'f', { rename: flagged.rename }).client, 'ioredis');
  const typo = findProblem(problemsOf({ client: 'ioredi' }), 'client');
  assert.match(typo.message, /expected one of 'native', 'ioredis'/);
  assert.match(typo.hint ?? '', /did you mean 'ioredis'/);
  const wrong = findProblem(problemsOf({ client: 42 }), 'client');
  assert.match(wrong.hint ?? '', /'native' .*'ioredis' .*Node\.js application/);
  const bad = applyOverrides({}, { client: 'hiredis' });
  assert.throws(() => resolveScenario(bad.input, 'f', { rename: bad.rename }), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.problems[0].field, '--client');
    assert.ok(err.problems[0].hint);
    return true;
  });
  assert.match(findProblem(problemsOf({ publishers: { client: 'native' } }), 'publishers.client').hint ?? '', /top level/);
});

test("publish mode 'multi' is accepted and batched like 'pipeline'", () => {
  const s = resolveScenario({ publishers: { mode: 'multi', batch: 50 } }, 'f');
  assert.equal(s.publishers.mode, 'multi');
  assert.equal(s.publishers.batch, 50);
  const flagged = applyOverrides({}, { publishMode: 'mult', batch: '0' });
  assert.throws(() => resolveScenario(flagged.input, 'f', { rename: flagged.rename }), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    const mode = err.problems.find((p) => p.field === '--publish-mode');
    assert.match(mode?.hint ?? '', /did you mean 'multi'/);
    assert.match(err.problems.find((p) => p.field === '--batch')?.hint ?? '', /MULTI/);
    return true;
  });
});
