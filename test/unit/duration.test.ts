import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.js';
import { checkDurationMs, formatDurationMs, MAX_DURATION_MS, parseDurationMs } from '../../src/scenarios/duration.js';

describe('parseDurationMs', () => {
  test('accepts every unit and plain milliseconds', () => {
    const cases: Array<[unknown, number]> = [
      ['500ms', 500], ['10s', 10_000], ['1.5m', 90_000], ['2h', 7_200_000], [250, 250], ['250', 250], ['0', 0],
      ['1500us', 2], [' 3s ', 3000], ['.5s', 500], ['2S', 2000], ['1min', 60_000], ['5 sec', 5000], [0.4, 0],
    ];
    for (const [input, ms] of cases) assert.equal(parseDurationMs(input, 'duration'), ms, `input ${JSON.stringify(input)}`);
  });

  test('rejects garbage with a problem naming the field and a hint', () => {
    for (const bad of ['', 'abc', '10 parsecs', '-5s', '1e3s', '1,5s', 's', NaN, Infinity, -1, null, true, [], {}, '1d']) {
      const r = checkDurationMs(bad, 'warmup');
      assert.equal(typeof r, 'object', `input ${String(bad)} should be rejected`);
      if (typeof r === 'object') {
        assert.equal(r.field, 'warmup');
        assert.ok(r.hint && r.hint.length > 0, 'has a hint');
      }
    }
  });

  test('throws UsageError, never anything else', () => {
    assert.throws(() => parseDurationMs('forever', '--duration'), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /--duration/);
      assert.match(err.message, /hint: .*10s/);
      return true;
    });
  });

  test('rejects durations longer than a week', () => {
    assert.equal(parseDurationMs(MAX_DURATION_MS, 'd'), MAX_DURATION_MS);
    assert.throws(() => parseDurationMs('169h', 'duration'), UsageError);
    assert.throws(() => parseDurationMs('1e300', 'duration'), UsageError);
  });

  test('formats back to the shortest exact form', () => {
    assert.equal(formatDurationMs(1500), '1.5s');
    assert.equal(formatDurationMs(120_000), '2m');
    assert.equal(formatDurationMs(7_200_000), '2h');
    assert.equal(formatDurationMs(250), '250ms');
    assert.equal(formatDurationMs(0), '0ms');
    for (const ms of [0, 1, 999, 1000, 1234, 1500, 60_000, 90_000, 3_600_000]) {
      assert.equal(parseDurationMs(formatDurationMs(ms), 'x'), ms, `round trip of ${ms}`);
    }
  });
});
