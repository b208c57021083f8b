import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatePower, judgePair, powerTable, rateOf, ruleText, type GateRule, type PairSeries } from '../../bench/gate-power.js';
import { seededRandom } from '../helpers/histograms.js';

/** Deterministic normal samples (mulberry32 + Box–Muller). */
function normals(rand: () => number, n: number, mu: number, sd: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - rand();
    out.push(mu + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()));
  }
  return out;
}

/** `count` A/A and `count` A/B pairs of one metric `m` (mean 100, relative spread `cv`, B raised by `effect` in A/B). */
function syntheticPairs(count: number, runs: number, cv: number, effect: number, seed: number): PairSeries[] {
  const rand = seededRandom(seed);
  const pairs: PairSeries[] = [];
  for (let i = 0; i < count; i++) {
    pairs.push({ kind: 'AA', metrics: { m: { a: normals(rand, runs, 100, 100 * cv), b: normals(rand, runs, 100, 100 * cv) } } });
    pairs.push({ kind: 'AB', metrics: { m: { a: normals(rand, runs, 100, 100 * cv), b: normals(rand, runs, 100 * (1 + effect), 100 * cv) } } });
  }
  return pairs;
}

const WELCH: GateRule = { kind: 'welch', tolerance: 0.05, alpha: 0.05 };
const MEAN: GateRule = { kind: 'mean', tolerance: 0.05 };
const MIN: GateRule = { kind: 'min', tolerance: 0.05 };
const MEDIAN: GateRule = { kind: 'median', tolerance: 0.05 };

test('judgePair: each rule reads its own statistic, one-sided (an improvement is never flagged)', () => {
  const a = [10, 10.2, 9.8, 10];
  const slower = [10.9, 11.1, 11, 11];
  assert.deepEqual([WELCH, MEAN, MIN, MEDIAN].map((r) => judgePair(r, a, slower).flagged), [true, true, true, true]);
  assert.deepEqual([WELCH, MEAN, MIN, MEDIAN].map((r) => judgePair(r, slower, a).flagged), [false, false, false, false]);
  // One slow outlier lifts the mean by 25% but not the minimum or the median, and Welch sees the spread.
  const outlier = [10, 10, 10, 20];
  assert.equal(judgePair(MEAN, a, outlier).flagged, true);
  assert.equal(judgePair(WELCH, a, outlier).flagged, false, 'p ≈ 0.39: not significant');
  assert.equal(judgePair(MIN, a, outlier).flagged, false);
  assert.equal(judgePair(MEDIAN, a, outlier).flagged, false);
  assert.ok(Math.abs(judgePair(MIN, [8, 9], [8.8, 12]).change! - 0.1) < 1e-12, 'min 8 → 8.8 is +10%');
});

test('judgePair: welch with one run a side falls back to the tolerance alone, as the --baseline gate does', () => {
  assert.equal(judgePair(WELCH, [10], [10.6]).flagged, true);
  assert.equal(judgePair(WELCH, [10], [10.4]).flagged, false);
  assert.deepEqual(judgePair(MEAN, [], [1]), { flagged: false, change: null });
  assert.equal(judgePair(MIN, [0, 0], [1, 1]).change, null, 'a zero baseline has no relative change');
});

test('rateOf: share with its 95% Wilson interval', () => {
  const none = rateOf(0, 20);
  assert.equal(none.rate, 0);
  assert.equal(none.low, 0);
  assert.ok(Math.abs(none.high! - 0.1611) < 1e-3, `0/20 allows up to 16%, got ${none.high}`);
  const all = rateOf(20, 20);
  assert.ok(Math.abs(all.low! - 0.8389) < 1e-3, `20/20 is at least 84%, got ${all.low}`);
  assert.equal(rateOf(0, 0).rate, null);
});

test('gatePower: a steady metric (cv 2%) meets the aim for a 10% effect; a noisy one (cv 20%) does not', () => {
  const rules = [WELCH, MEAN, MIN, MEDIAN];
  const steady = gatePower(syntheticPairs(200, 4, 0.02, 0.1, 1), ['m'], rules);
  for (const row of steady) {
    assert.ok(row.detections.rate! >= 0.95, `${ruleText(row.rule)}: detection ${row.detections.rate}`);
    assert.ok(row.falseAlarms.rate! <= 0.05, `${ruleText(row.rule)}: false alarms ${row.falseAlarms.rate}`);
    assert.equal(row.meetsAim, true);
    assert.ok(Math.abs(row.effect! - 0.1) < 0.005, `effect ${row.effect}`);
  }
  const noisy = gatePower(syntheticPairs(200, 4, 0.2, 0.1, 2), ['m'], rules);
  for (const row of noisy) {
    assert.equal(row.meetsAim, false, ruleText(row.rule));
    assert.ok(row.detections.rate! < 0.7, `${ruleText(row.rule)}: detection ${row.detections.rate}`);
  }
  // A pure threshold on the mean at cv 20%: sd of the difference ≈ 14%, so P(A/A change > 5%) ≈ 36%.
  const meanRow = noisy.find((r) => r.rule.kind === 'mean')!;
  assert.ok(meanRow.falseAlarms.rate! > 0.25 && meanRow.falseAlarms.rate! < 0.47, `false alarms ${meanRow.falseAlarms.rate}`);
  // Welch keeps false alarms near α/2 (one-sided) whatever the spread.
  assert.ok(noisy.find((r) => r.rule.kind === 'welch')!.falseAlarms.rate! <= 0.05);
});

test('gatePower: pairs without a metric are left out of its counts; powerTable prints one row per metric and rule', () => {
  const pairs: PairSeries[] = [
    { kind: 'AA', metrics: { x: { a: [1, 1], b: [1, 1] } } },
    { kind: 'AB', metrics: { x: { a: [1, 1], b: [2, 2] }, y: { a: [1], b: [1] } } },
  ];
  const rows = gatePower(pairs, ['x', 'y'], [MEAN]);
  assert.deepEqual(rows.map((r) => [r.metric, r.falseAlarms.pairs, r.detections.count, r.detections.pairs]), [['x', 1, 1, 1], ['y', 0, 0, 1]]);
  assert.equal(rows[1].meetsAim, null, 'no A/A pair: the aim cannot be judged');
  const table = powerTable(rows).split('\n');
  assert.equal(table.length, 4);
  assert.match(table[2], /^\| `x` \| mean \+5% \| 0% \(0\/1; .*\| 100% \(1\/1; .*\| \+100\.0% \| 0\.0% \| met \|$/);
  assert.match(table[3], /^\| `y` \| mean \+5% \| – \|/);
});
