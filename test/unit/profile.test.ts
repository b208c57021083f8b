import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.js';
import { Schedule } from '../../src/workers/pacing.js';
import { parseStages } from '../../src/scenarios/stages.js';
import { END_GRACE_US, RateCurve, RateProfile, stagesDurationMs, type RateStage } from '../../src/load/profile.js';

const ORIGIN_US = 5_000_000;

/** Every intended time of every publisher, per publisher. */
function allTimes(stages: RateStage[], publishers: number, holdBeforeUs = 0): number[][] {
  const curve = new RateCurve(stages, ORIGIN_US, holdBeforeUs);
  const endUs = ORIGIN_US + holdBeforeUs + stagesDurationMs(stages) * 1000;
  return Array.from({ length: publishers }, (_, i) => {
    const p = new RateProfile(curve, endUs, i, publishers);
    const out: number[] = [];
    for (let k = 0; !p.finished(k, 0); k++) out.push(p.intendedUs(k));
    return out;
  });
}

function countIn(times: number[], fromUs: number, toUs: number): number {
  return times.filter((t) => t >= fromUs && t < toUs).length;
}

test('parses steps, ramps and mixtures; a list of strings is joined', () => {
  assert.deepEqual(parseStages('30s:1000,30s:5000,1m:10000', '--stages'), [
    { durationMs: 30_000, fromRate: 1000, toRate: 1000 },
    { durationMs: 30_000, fromRate: 5000, toRate: 5000 },
    { durationMs: 60_000, fromRate: 10_000, toRate: 10_000 },
  ]);
  assert.deepEqual(parseStages(['ramp:30s:0-10000', ' 1m:10000 ', 'RAMP:500ms:10000-0'], 'stages'), [
    { durationMs: 30_000, fromRate: 0, toRate: 10_000 },
    { durationMs: 60_000, fromRate: 10_000, toRate: 10_000 },
    { durationMs: 500, fromRate: 10_000, toRate: 0 },
  ]);
  assert.equal(stagesDurationMs(parseStages('30s:1,ramp:1m:1-2', 'x')), 90_000);
});

test('every bad stage is reported at once with its position', () => {
  let error: unknown;
  try {
    parseStages('30s:1000,fast:10,10s:-5,ramp:10s:0,0s:100,1m', '--stages');
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof UsageError);
  assert.deepEqual(error.problems.map((p) => p.field), ['--stages[1]', '--stages[2]', '--stages[3]', '--stages[4]', '--stages[5]']);
  assert.match(error.problems[0].message, /not a duration/);
  assert.match(error.problems[1].message, /"-5" is not a rate/);
  assert.match(error.problems[4].hint ?? '', /ramp:30s:0-10000/);
  assert.throws(() => parseStages('10s:0,ramp:5s:0-0', 'stages'), /nothing would be published/);
});

test('messages per stage match rate × duration / P within one message', () => {
  const stages = parseStages('30s:1000,30s:5000,1m:10000,ramp:20s:10000-0,ramp:10s:0-3000', 's');
  for (const publishers of [1, 3, 7]) {
    const times = allTimes(stages, publishers);
    let startUs = ORIGIN_US;
    for (const s of stages) {
      const endUs = startUs + s.durationMs * 1000;
      const expected = ((s.fromRate + s.toRate) / 2) * (s.durationMs / 1000) / publishers;
      for (const [i, t] of times.entries()) {
        const n = countIn(t, startUs, endUs);
        assert.ok(Math.abs(n - expected) <= 1, `P=${publishers}, publisher ${i}, stage ${JSON.stringify(s)}: ${n} vs ${expected}`);
      }
      startUs = endUs;
    }
  }
});

test('intended times are strictly increasing through ramps up and down; rates follow the profile', () => {
  const stages = parseStages('ramp:10s:0-2000,ramp:10s:2000-100,5s:0,5s:400', 's');
  const [times] = allTimes(stages, 1);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `message ${i}`);
  const curve = new RateCurve(stages, ORIGIN_US);
  assert.equal(curve.rateAt(ORIGIN_US + 5_000_000), 1000, 'half way up the first ramp');
  assert.equal(curve.rateAt(ORIGIN_US + 22_000_000), 0);
  assert.equal(countIn(times, ORIGIN_US + 20_000_000, ORIGIN_US + 25_000_000), 0, 'a zero-rate stage sends nothing');
  assert.equal(countIn(times, ORIGIN_US + 25_000_000, ORIGIN_US + 30_000_000), 2000);
  // In the middle of a ramp the spacing is 1 / R(t).
  const mid = times.findIndex((t) => t >= ORIGIN_US + 5_000_000);
  assert.ok(Math.abs(times[mid + 1] - times[mid] - 1000) < 2, `${times[mid + 1] - times[mid]} µs at 1000/s`);
});

test('the publishers together send one evenly spread stream', () => {
  const stages = parseStages('2s:4000,ramp:2s:4000-8000', 's');
  const curve = new RateCurve(stages, ORIGIN_US);
  const merged = allTimes(stages, 4).flat().sort((a, b) => a - b);
  assert.equal(merged.length, 8000 + 12_000);
  for (let j = 0; j < merged.length; j++) {
    // Message j of the combined stream leaves when the cumulative count reaches j: no bursts, no gaps.
    assert.ok(Math.abs(curve.countAt(merged[j]) - j) < 1e-6, `message ${j}`);
  }
  for (let j = 1; j < 8000; j++) assert.ok(Math.abs(merged[j] - merged[j - 1] - 250) < 1e-6, 'constant stage: 250 µs apart');
});

test('a single constant stage reproduces the constant-rate Schedule exactly', () => {
  const curve = new RateCurve([{ durationMs: 1000, fromRate: 4000, toRate: 4000 }], 0);
  for (let i = 0; i < 4; i++) {
    const profile = new RateProfile(curve, 1_000_000, i, 4);
    const schedule = new Schedule(1000, 0, i * 250, 1_000_000);
    assert.equal(profile.firstUs, schedule.firstUs);
    for (const k of [0, 1, 17, 999]) assert.ok(Math.abs(profile.intendedUs(k) - schedule.intendedUs(k)) < 1e-6);
    for (const at of [-1, 0, 5_500, 999_999, 5_000_000]) {
      for (const k of [0, 3, 990]) assert.equal(profile.dueCount(k, at, 100), schedule.dueCount(k, at, 100), `k=${k} at=${at}`);
    }
    assert.equal(profile.finished(999, 0), schedule.finished(999, 0));
    assert.equal(profile.finished(1000, 0), schedule.finished(1000, 0));
  }
});

test('warmup hold, tail after the stages, and going back in k', () => {
  const curve = new RateCurve(parseStages('1s:2000', 's'), 0, 500_000);
  assert.equal(curve.rateAt(100_000), 2000, 'warmup at the first rate');
  assert.equal(curve.countAt(500_000), 1000);
  const p = new RateProfile(curve, 3_000_000, 0, 1);
  assert.equal(p.intendedUs(1000), 500_000);
  assert.equal(p.intendedUs(4000), 2_000_000, 'after the last stage its rate holds');
  assert.equal(p.intendedUs(10), 5000, 'an earlier message after a later one');
  assert.equal(p.dueCount(0, 2_000_000, 100_000), 4001);
  const silent = new RateProfile(new RateCurve([{ durationMs: 1000, fromRate: 0, toRate: 0 }], 0), 1_000_000, 0, 1);
  assert.equal(silent.firstUs, Infinity);
  assert.equal(silent.finished(0, 0), true);
});

test('unsentFrom counts what the profile still meant to send, exactly as the send loop would', () => {
  // A constant stage agrees with Schedule.unsentFrom.
  const flat = new RateCurve([{ durationMs: 1000, fromRate: 4000, toRate: 4000 }], 0);
  for (let i = 0; i < 4; i++) {
    const profile = new RateProfile(flat, 1_000_000, i, 4);
    const schedule = new Schedule(1000, 0, i * 250, 1_000_000);
    for (const [k, from] of [[0, 0], [0, 500_000], [100, 500_000], [600, 500_000], [999, 0], [1000, 0], [0, 2_000_000]]) {
      assert.equal(profile.unsentFrom(k, from), schedule.unsentFrom(k, from), `publisher ${i}, k=${k}, from=${from}`);
    }
  }
  // Through ramps, a zero stage and a warmup hold: brute force over the intended times.
  const stages = parseStages('ramp:1s:0-3000,500ms:0,ramp:1s:3000-500', 's');
  const curve = new RateCurve(stages, ORIGIN_US, 300_000);
  const endUs = ORIGIN_US + 300_000 + stagesDurationMs(stages) * 1000;
  for (let i = 0; i < 3; i++) {
    const p = new RateProfile(curve, endUs, i, 3);
    const times: number[] = [];
    for (let k = 0; !p.finished(k, 0); k++) times.push(p.intendedUs(k));
    for (const from of [ORIGIN_US, ORIGIN_US + 300_000, ORIGIN_US + 1_000_000, ORIGIN_US + 1_500_000, ORIGIN_US + 2_100_000, endUs]) {
      for (const k of [0, 10, 200, times.length - 1, times.length + 5]) {
        const expected = times.filter((t, m) => m >= k && t >= from && t < endUs).length;
        assert.equal(p.unsentFrom(k, from), expected, `publisher ${i}, k=${k}, from=${from}`);
      }
    }
    assert.ok(p.unsentFrom(0, ORIGIN_US) > 0);
  }
});

test('a publisher behind schedule is finished once the end (and its short grace) has passed, whatever its backlog', () => {
  const p = new RateProfile(new RateCurve(parseStages('1s:1000', 's'), 0), 1_000_000, 0, 1);
  assert.equal(p.finished(10, 500_000), false);
  assert.equal(p.finished(999, 1_000_000 + END_GRACE_US - 1), false, 'a timer waking just after the end still sends the last due message');
  assert.equal(p.finished(10, 1_000_000 + END_GRACE_US), true, 'past the grace, message 10 (due at 10 ms) is no longer sent');
});
