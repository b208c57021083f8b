import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import {
  METRICS, ThresholdAbortMonitor, evaluateThresholds, knownMetricsText, parseThreshold, parseThresholds, thresholdsVerdict,
} from '../../src/metrics/thresholds.js';
import { makeSummary } from '../helpers/summary.js';

test('parses latency thresholds with units into microseconds', () => {
  const ts = parseThresholds(['e2e.p99 < 5ms', 'publish.p999<20ms', ' e2e_uncorrected.max <= 1s ', 'e2e.p50 < 250us', 'e2e.p90 < 800µs', 'e2e.mean<1.5ms'], '--threshold');
  assert.deepEqual(ts.map((t) => [t.metric, t.op, t.limit, t.unit]), [
    ['e2e.p99', '<', 5000, 'us'],
    ['publish.p999', '<', 20_000, 'us'],
    ['e2e_uncorrected.max', '<=', 1_000_000, 'us'],
    ['e2e.p50', '<', 250, 'us'],
    ['e2e.p90', '<', 800, 'us'],
    ['e2e.mean', '<', 1500, 'us'],
  ]);
  assert.equal(ts[2].expression, 'e2e_uncorrected.max <= 1s');
});

test('parses counts, rates and ratios (a ratio may be a percentage), every operator', () => {
  const ts = parseThresholds(
    ['lost == 0', 'reordered == 0', 'duplicates != 1', 'deliveryRate >= 50000', 'publishRate > 1e3', 'lostRatio < 0.1%', 'lostRatio <= 0.001'],
    'thresholds',
  );
  assert.deepEqual(ts.map((t) => [t.metric, t.op, t.limit]), [
    ['lost', '==', 0], ['reordered', '==', 0], ['duplicates', '!=', 1], ['deliveryRate', '>=', 50000],
    ['publishRate', '>', 1000], ['lostRatio', '<', 0.001], ['lostRatio', '<=', 0.001],
  ]);
});

test('every bad expression is reported at once, with the field, and the hint names the known metrics', () => {
  const bad = ['e2e.p99 < 5', 'e2e.p98 < 5ms', 'lost = 0', 'lost == 0ms', 'nonsense', 'deliveryRate >= fast', 'lost == 0'];
  let error: unknown;
  try {
    parseThresholds(bad, '--threshold');
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof UsageError);
  assert.equal(error.exitCode, ExitCode.usage);
  assert.deepEqual(error.problems.map((p) => p.field), ['--threshold[0]', '--threshold[1]', '--threshold[2]', '--threshold[3]', '--threshold[4]', '--threshold[5]']);
  assert.match(error.problems[0].message, /needs a unit/);
  assert.match(error.problems[1].message, /unknown metric "e2e.p98"/);
  assert.match(error.problems[1].hint ?? '', /e2e\.\{p50,p90,p99,p999,max,min,mean\}/);
  assert.match(error.problems[1].hint ?? '', /deliveryRate/);
  assert.match(error.problems[2].hint ?? '', /use ==/);
  assert.match(error.problems[3].message, /plain number/);
  assert.match(error.message, /nonsense/);
});

test('the catalogue covers every latency family and statistic, and the counts the issue names', () => {
  for (const family of ['e2e', 'e2e_uncorrected', 'publish']) {
    for (const stat of ['p50', 'p90', 'p99', 'p999', 'max', 'min', 'mean']) assert.ok(METRICS.has(`${family}.${stat}`), `${family}.${stat}`);
  }
  for (const name of ['lost', 'reordered', 'duplicates', 'deliveryRate', 'publishRate', 'lostRatio', 'publishErrors']) {
    assert.ok(METRICS.has(name), name);
    assert.ok(knownMetricsText().includes(name));
  }
  assert.ok('hint' in (parseThreshold('x < 1', 'f') as object));
});

test('evaluation reads the measure-phase summary and reports each outcome with its measured value', () => {
  const summary = makeSummary({ publishRate: 10_000, fanOut: 10, lost: 50, e2eP99Us: 4000, extra: { reordered: 0 } });
  const ts = parseThresholds(['e2e.p99 < 5ms', 'e2e.p99 < 3ms', 'lost == 0', 'lostRatio < 0.1%', 'deliveryRate >= 50000', 'reordered == 0'], 't');
  const outcomes = evaluateThresholds(ts, { summary });
  assert.deepEqual(outcomes.map((o) => [o.metric, o.measured, o.passed]), [
    ['e2e.p99', 4000, true],
    ['e2e.p99', 4000, false],
    ['lost', 50, false],
    ['lostRatio', 50 / 1_000_000, true],
    ['deliveryRate', (1_000_000 - 50) / 10, true],
    ['reordered', 0, true],
  ]);
  assert.equal(outcomes[0].limit, 5000);
  assert.equal(thresholdsVerdict(outcomes).passed, false);
  assert.equal(thresholdsVerdict(outcomes.filter((o) => o.passed)).passed, true);
});

test('a latency with no samples, or a ratio with no target rate, cannot pass', () => {
  const summary = makeSummary({ targetRate: null });
  summary.latencyUs.publish = { ...summary.latencyUs.publish, count: 0 };
  const outcomes = evaluateThresholds(parseThresholds(['publish.p99 < 1s', 'achievedRatio >= 0.95', 'e2e.p99 < 1s'], 't'), { summary });
  assert.deepEqual(outcomes.map((o) => [o.measured, o.passed]), [[null, false], [null, false], [1000, true]]);
});

test('early abort waits for the grace delay, never judges loss early, and treats counts as upper bounds', () => {
  const ts = parseThresholds(['e2e.p99 < 2ms', 'lost == 0', 'duplicates == 3', 'published >= 1'], 't', { abortOnFail: true });
  const monitor = new ThresholdAbortMonitor(ts, 5000);
  assert.equal(monitor.idle, false);
  const slow = makeSummary({ e2eP99Us: 9000, lost: 100 });
  assert.equal(monitor.check(slow, 4999), null, 'within the grace delay');
  assert.deepEqual(monitor.check(slow, 5000)?.map((o) => o.metric), ['e2e.p99'], 'loss is not judged mid-run');
  const fine = makeSummary({ e2eP99Us: 1000, lost: 100, extra: { duplicates: 1 } });
  assert.equal(monitor.check(fine, 6000), null, '1 duplicate of "== 3" may still become 3');
  const tooMany = makeSummary({ e2eP99Us: 1000, extra: { duplicates: 4 } });
  assert.deepEqual(monitor.check(tooMany, 6000)?.map((o) => o.metric), ['duplicates']);
  assert.equal(new ThresholdAbortMonitor(parseThresholds(['e2e.p99 < 2ms'], 't'), 0).idle, true, 'only abortOnFail thresholds abort');
});
