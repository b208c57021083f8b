/**
 * `--baseline-stat min` (issue 15: 3): the best-run rule flags a shifted floor and ignores upward outliers, the
 * default mean rule is unchanged, and the gate-power bench judges with the very same function.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.js';
import { compareWithBaseline, metricsToConfirm, parseMaxRegression, unconfirmedMetrics, type ComparableRun } from '../../src/metrics/baseline.js';
import { bestRunConfirmed, bestRunRule, CONFIRM_SHARE, parseBaselineStat } from '../../src/metrics/best-run.js';
import { judgePair } from '../../bench/gate-power.js';
import { describeBaselineCheck } from '../../src/reporting/ci/values.js';
import { makeSummary } from '../helpers/summary.js';

/** Runs whose server µs per PUBLISH and publish rate (msgs/s) take the given values in turn. */
function runs(tag: string, usPerPublish: number[], publishRate = 5000): ComparableRun[] {
  return usPerPublish.map((us, i) => {
    const summary = makeSummary();
    summary.serverCost = { usPerPublish: us, cpuUsPerPublish: 6, cpuUsPerDelivery: 2, bytesPerDelivery: 100, windowMs: 1000, nodes: [], notes: [] };
    summary.publishRate = publishRate;
    return { runId: `${tag}-${i}`, summary };
  });
}

const check = (c: ReturnType<typeof compareWithBaseline>, metric: string) => c.checks.find((x) => x.metric === metric)!;
const FIVE = parseMaxRegression(['5%']);
// A busy machine: a 3.0 µs floor, and runs lifted severalfold when Redis was descheduled inside a call.
const BASE = [3.02, 9.5, 3.0, 24.0];

test('min rule: a floor shifted by +15% is a regression even when outliers hide it from the mean and Welch', () => {
  const shifted = [3.45, 12.0, 3.47, 8.1];
  const byMin = compareWithBaseline(runs('c', shifted), runs('b', BASE), FIVE, undefined, 'min');
  const us = check(byMin, 'server.usPerPublish');
  assert.equal(byMin.stat, 'min');
  assert.equal(us.statistic, 'min');
  assert.equal(us.verdict, 'regression', us.note);
  assert.equal(byMin.regressed, true);
  assert.ok(Math.abs(us.change! - 0.15) < 1e-9, `min 3.00 → 3.45 is +15%, got ${us.change}`);
  assert.equal(us.pValue, null);
  assert.equal(us.mdc, undefined, 'the MDC is of means: not given for the best-run rule');
  assert.match(us.note, /min of 4 current run\(s\) 3\.450 vs min of 4 baseline run\(s\) 3\.000: \+15\.0%.*no significance test.*: regression/);
  // Tables show the values the change came from (the minima), not the means.
  assert.match(describeBaselineCheck(us), /^baseline min 3 µs → current min 3\.45 µs \(\+15\.0%\)$/);
  // The same runs under the default rule: the outliers swamp the shift.
  const byMean = compareWithBaseline(runs('c', shifted), runs('b', BASE), FIVE);
  assert.equal(byMean.stat, 'mean');
  assert.equal(check(byMean, 'server.usPerPublish').statistic, 'mean');
  assert.notEqual(check(byMean, 'server.usPerPublish').verdict, 'regression');
});

test('min rule: upward outliers on the current side alone are not a regression', () => {
  const disturbed = compareWithBaseline(runs('c', [3.05, 40, 31, 3.01]), runs('b', BASE), FIVE, undefined, 'min');
  const us = check(disturbed, 'server.usPerPublish');
  assert.equal(us.verdict, 'within-tolerance', us.note);
  assert.equal(disturbed.regressed, false);
  // The mean rule on the same runs sees +80% — beyond the tolerance (not significant here, but not within it).
  assert.notEqual(check(compareWithBaseline(runs('c', [3.05, 40, 31, 3.01]), runs('b', BASE), FIVE), 'server.usPerPublish').verdict, 'within-tolerance');
});

test('min rule mirrors for higher-is-better metrics: the max of each side', () => {
  const slower = [...runs('c1', [3, 3], 4000), ...runs('c2', [3], 4400)];
  const c = compareWithBaseline(slower, [...runs('b1', [3, 3], 3000), ...runs('b2', [3], 5000)], FIVE, undefined, 'min');
  const rate = check(c, 'publishRate');
  assert.equal(rate.statistic, 'max');
  assert.equal(rate.verdict, 'regression', rate.note);
  assert.ok(Math.abs(rate.change! - -0.12) < 1e-9, 'max 5000 → 4400 is −12%');
  const j = bestRunRule([4400, 4000], [5000, 3000], 'higher', 0.05)!;
  assert.deepEqual([j.statistic, j.current, j.baseline, j.regressed], ['max', 4400, 5000, true]);
  assert.equal(bestRunRule([5300], [5000], 'higher', 0.05)!.regressed, false, 'a higher rate is an improvement');
});

test('the default mean rule is unchanged: Welch decides, and its verdicts and notes are as before', () => {
  const tight = compareWithBaseline(runs('c', [3.5, 3.52, 3.49]), runs('b', [3.1, 3.12, 3.09]), FIVE);
  const us = check(tight, 'server.usPerPublish');
  assert.equal(us.verdict, 'regression');
  assert.ok(us.pValue !== null && us.pValue < 0.05);
  assert.match(us.note, /statistically significant/);
  assert.deepEqual(compareWithBaseline(runs('c', [3.5]), runs('b', [3.1]), FIVE).checks, compareWithBaseline(runs('c', [3.5]), runs('b', [3.1]), FIVE, undefined, 'mean').checks);
});

test('bench and CLI judge with one function; bad --baseline-stat names the flag and the choices', () => {
  const a = [3.0, 9.5, 3.02];
  const b = [3.2, 3.16, 7.0];
  const bench = judgePair({ kind: 'min', tolerance: 0.05 }, a, b);
  const shipped = bestRunRule(b, a, 'lower', 0.05)!;
  assert.deepEqual([bench.flagged, bench.change], [shipped.regressed, shipped.change]);
  assert.equal(bench.flagged, true);
  assert.equal(parseBaselineStat(undefined), 'mean');
  assert.equal(parseBaselineStat(' min '), 'min');
  assert.throws(() => parseBaselineStat('median2'), (e: unknown) =>
    e instanceof UsageError && e.problems[0].field === '--baseline-stat' && /median2/.test(e.problems[0].message) && /mean or min/.test(e.problems[0].hint ?? ''));
});

test('bestRunConfirmed: a second run within 5% of the best confirms it; one run, or a lone best, does not', () => {
  assert.equal(bestRunConfirmed([3.0, 3.14, 9], 'lower'), true, '3.14 is 4.7% above 3.0');
  assert.equal(bestRunConfirmed([3.0, 3.16, 9], 'lower'), false, '3.16 is 5.3% above 3.0');
  assert.equal(bestRunConfirmed([3.0], 'lower'), false, 'one run confirms nothing');
  assert.equal(bestRunConfirmed([3.0, NaN, Infinity], 'lower'), false, 'non-finite values do not count');
  assert.equal(bestRunConfirmed([5000, 4800, 3000], 'higher'), true, 'the max of a higher-is-better metric: 4800 is 4% below');
  assert.equal(bestRunConfirmed([5000, 4700], 'higher'), false);
  assert.equal(bestRunConfirmed([0, 0.000004], 'lower', CONFIRM_SHARE, 1e-4), true, 'measured against the floor near zero');
  assert.equal(bestRunConfirmed([0, 0.000004], 'lower'), false, 'without a floor, any gap above a zero best is too much');
});

test('min rule: each check says whether each side\'s best run is confirmed, and its note says what to do', () => {
  // Current: a disturbed series whose lone best may be lucky; baseline: a floor reached twice.
  const c = compareWithBaseline(runs('c', [3.2, 3.9, 4.4]), runs('b', [3.0, 3.05, 7]), FIVE, undefined, 'min');
  const us = check(c, 'server.usPerPublish');
  assert.deepEqual(us.confirmed, { current: false, baseline: true });
  assert.match(us.note, /The current side's best run is not confirmed by a second run within 5%.*--repeat-max/);
  const both = check(compareWithBaseline(runs('c', [3.0, 3.1]), runs('b', [3.0, 3.05]), FIVE, undefined, 'min'), 'server.usPerPublish');
  assert.deepEqual(both.confirmed, { current: true, baseline: true });
  assert.match(both.note, /Both best runs are confirmed/);
  assert.equal(check(compareWithBaseline(runs('c', [3.0, 3.1]), runs('b', [3.0, 3.05]), FIVE), 'server.usPerPublish').confirmed, undefined, 'not with the mean rule');
});

test('--repeat-max waits on the metrics named in --max-regression (else all), and only on unconfirmed ones it can read', () => {
  assert.deepEqual(metricsToConfirm(parseMaxRegression(['100%,server.usPerPublish=5%'])), ['server.usPerPublish']);
  assert.ok(metricsToConfirm(parseMaxRegression(['10%'])).includes('e2e.p99'), 'none named: every compared metric');
  const series = runs('c', [3.2, 3.9]);
  assert.deepEqual(unconfirmedMetrics(series, ['server.usPerPublish', 'server.bytesPerDelivery']), ['server.usPerPublish'], 'bytes per delivery are equal: confirmed');
  assert.deepEqual(unconfirmedMetrics(runs('c', [3.2, 3.3]), ['server.usPerPublish']), []);
  const unread = runs('c', [3.2]).map((r) => ({ summary: { ...r.summary, serverCost: undefined } }));
  assert.deepEqual(unconfirmedMetrics(unread, ['server.usPerPublish']), [], 'a metric no run measured is not waited on');
});

test('gate-power: the min rule on the first N runs ignores the runs added to confirm a best run', () => {
  // The first three runs of A were disturbed; the two added afterwards reach the floor.
  const a = [3.9, 4.0, 4.1, 3.0, 3.02];
  const b = [3.4, 3.45, 3.5, 3.42, 3.44];
  assert.equal(judgePair({ kind: 'min', tolerance: 0.05 }, a, b).flagged, true, 'all runs: +13% over the floor');
  assert.equal(judgePair({ kind: 'min', tolerance: 0.05, firstRuns: 3 }, a, b).flagged, false, 'first three: B looks faster');
});
