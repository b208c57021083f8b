import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.js';
import { compareWithBaseline, parseMaxRegression, type ComparableRun } from '../../src/metrics/baseline.js';
import { makeSummary, type SummaryKnobs } from '../helpers/summary.js';

/** Runs whose e2e p99 (µs) and publish rate take the given values in turn; everything else equal. */
function runs(tag: string, p99s: number[], knobs: (i: number) => SummaryKnobs = () => ({})): ComparableRun[] {
  return p99s.map((p99, i) => ({ runId: `${tag}-${i}`, summary: makeSummary({ e2eP50Us: 300, e2eP99Us: p99, publishP99Us: 200, ...knobs(i) }) }));
}

function check(c: ReturnType<typeof compareWithBaseline>, metric: string) {
  const found = c.checks.find((x) => x.metric === metric);
  assert.ok(found, metric);
  return found;
}

const BASE = [1000, 1010, 990, 1005, 995];

test('a clear regression: significant and beyond the tolerance', () => {
  const c = compareWithBaseline(runs('cur', [1500, 1520, 1480, 1510, 1490]), runs('base', BASE));
  const p99 = check(c, 'e2e.p99');
  assert.equal(p99.verdict, 'regression');
  assert.equal(p99.passed, false);
  assert.equal(p99.inconclusive, false);
  assert.ok(p99.pValue !== null && p99.pValue < 1e-6, `p = ${p99.pValue}`);
  assert.ok(Math.abs((p99.change ?? 0) - 0.5) < 1e-9);
  // e2e.p999 is derived from p99 in the synthetic summary, so it regresses too; the rest did not move.
  assert.equal(check(c, 'e2e.p999').verdict, 'regression');
  assert.equal(check(c, 'publishRate').verdict, 'within-tolerance');
  assert.equal(c.regressed, true);
  assert.equal(c.inconclusive, false);
  assert.deepEqual(c.warnings, []);
});

test('a clear improvement is not a regression; a rate drop is (higher is better)', () => {
  const improved = compareWithBaseline(runs('cur', [600, 610, 590, 605, 595]), runs('base', BASE));
  assert.equal(check(improved, 'e2e.p99').verdict, 'improvement');
  assert.equal(improved.regressed, false);
  const slower = compareWithBaseline(
    runs('cur', BASE, (i) => ({ publishRate: 800 + i })),
    runs('base', BASE, (i) => ({ publishRate: 1000 + i })),
  );
  assert.equal(check(slower, 'publishRate').verdict, 'regression');
  assert.equal(check(slower, 'deliveryRate').verdict, 'regression');
  assert.equal(check(slower, 'e2e.p99').verdict, 'within-tolerance');
});

test('noise within the tolerance passes; a large but noisy change is not significant', () => {
  const noise = compareWithBaseline(runs('cur', [1030, 980, 1020, 1000, 1010]), runs('base', BASE));
  assert.equal(check(noise, 'e2e.p99').verdict, 'within-tolerance');
  assert.equal(noise.regressed, false);
  const noisy = compareWithBaseline(runs('cur', [1300, 900, 1500]), runs('base', [1000, 1400, 800]));
  const p99 = check(noisy, 'e2e.p99');
  assert.ok((p99.change ?? 0) > 0.1, 'mean change beyond 10%');
  assert.equal(p99.verdict, 'not-significant');
  assert.equal(p99.passed, true);
  assert.match(p99.note, /--repeat/);
});

test('too few runs: judged by the tolerance alone and flagged inconclusive, said plainly', () => {
  const c = compareWithBaseline(runs('cur', [1200]), runs('base', BASE));
  const p99 = check(c, 'e2e.p99');
  assert.equal(p99.verdict, 'regression');
  assert.equal(p99.inconclusive, true);
  assert.equal(p99.pValue, null);
  assert.match(p99.note, /cannot tell noise from change/);
  assert.equal(c.inconclusive, true);
  assert.match(c.warnings[0], /1 current and 5 baseline/);
  const small = compareWithBaseline(runs('cur', [1050]), runs('base', [1000]));
  assert.equal(check(small, 'e2e.p99').verdict, 'within-tolerance');
  assert.equal(small.regressed, false);
});

test('tolerances: default, per-metric override, and loss measured against a floor', () => {
  const tol = parseMaxRegression(['10%', 'e2e.p99=60%,lostRatio=50%']);
  assert.deepEqual(tol, { defaultShare: 0.1, perMetric: { 'e2e.p99': 0.6, lostRatio: 0.5 } });
  const c = compareWithBaseline(runs('cur', [1500, 1520, 1480, 1510, 1490]), runs('base', BASE), tol);
  assert.equal(check(c, 'e2e.p99').verdict, 'within-tolerance');
  assert.equal(check(c, 'e2e.p999').verdict, 'regression', 'the default still applies elsewhere');
  // 1 lost delivery in 10,000 on a clean baseline: 0.01% against the 0.01% floor is +100%.
  const lossy = compareWithBaseline(runs('cur', [1000, 1000], () => ({ lost: 1 })), runs('base', [1000, 1000]));
  assert.equal(check(lossy, 'lostRatio').verdict, 'regression');
  assert.ok(Math.abs((check(lossy, 'lostRatio').change ?? 0) - 1) < 1e-9);
  const speck = compareWithBaseline(runs('cur', [1000, 1000], () => ({ lost: 1, measureS: 1000 })), runs('base', [1000, 1000], () => ({ measureS: 1000 })));
  assert.equal(check(speck, 'lostRatio').verdict, 'within-tolerance', '1 in a million is 1% of the floor');
});

test('bad --max-regression values are all reported; differing scenarios and empty sides are flagged', () => {
  assert.throws(() => parseMaxRegression(['10', 'e2e.p98=5%', 'fast']), (e: unknown) => e instanceof UsageError && e.problems.length === 3);
  assert.equal(parseMaxRegression(undefined).defaultShare, 0.1);
  assert.throws(() => compareWithBaseline([], runs('base', BASE)), RangeError);
  const a = runs('cur', [1000, 1000]).map((r) => ({ ...r, interrupted: true }));
  const c = compareWithBaseline(a, runs('base', [1000, 1000]));
  assert.ok(c.warnings.some((w) => w.includes('Interrupted runs') && w.includes('cur-0')));
});
