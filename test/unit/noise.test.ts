import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minDetectableChange, spreadOf, tTwoSidedQuantile } from '../../src/metrics/noise.js';
import { welchTTest } from '../../src/metrics/stats.js';
import { seededRandom } from '../helpers/histograms.js';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected} ± ${tolerance}`);
}

/** Deterministic normal samples (mulberry32 + Box–Muller), so the tolerances below are not flaky. */
function normals(n: number, mu: number, sd: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - rand();
    const v = rand();
    out.push(mu + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

test('spreadOf: a constant series has cv 0 and min = median = max', () => {
  assert.deepEqual(spreadOf([7, 7, 7, 7]), { n: 4, mean: 7, min: 7, median: 7, max: 7, sd: 0, cv: 0 });
});

test('spreadOf: known small series', () => {
  const s = spreadOf([2, 4, 4, 4, 5, 5, 7, 9])!;
  assert.equal(s.n, 8);
  assert.equal(s.mean, 5);
  assert.equal(s.min, 2);
  assert.equal(s.median, 4.5);
  assert.equal(s.max, 9);
  close(s.sd, Math.sqrt(32 / 7), 1e-12, 'sd');
  close(s.cv!, Math.sqrt(32 / 7) / 5, 1e-12, 'cv');
});

test('spreadOf: empty → null; one value → sd 0; zero mean with spread → cv null; non-finite values left out', () => {
  assert.equal(spreadOf([]), null);
  assert.deepEqual(spreadOf([3]), { n: 1, mean: 3, min: 3, median: 3, max: 3, sd: 0, cv: 0 });
  assert.equal(spreadOf([-1, 1])!.cv, null);
  assert.equal(spreadOf([0, 0, 0])!.cv, 0);
  assert.equal(spreadOf([1, NaN, 3, Infinity])!.n, 2);
});

test('spreadOf: normal samples with a known sd → cv within tolerance', () => {
  const s = spreadOf(normals(20000, 100, 5, 42))!;
  close(s.mean, 100, 0.2, 'mean');
  close(s.sd, 5, 0.1, 'sd');
  close(s.cv!, 0.05, 0.001, 'cv');
});

test('tTwoSidedQuantile: published table values', () => {
  close(tTwoSidedQuantile(0.05, 1), 12.706, 1e-3, 't(0.975, 1)');
  close(tTwoSidedQuantile(0.05, 4), 2.776, 1e-3, 't(0.975, 4)');
  close(tTwoSidedQuantile(0.05, 8), 2.306, 1e-3, 't(0.975, 8)');
  close(tTwoSidedQuantile(0.05, 30), 2.042, 1e-3, 't(0.975, 30)');
  close(tTwoSidedQuantile(0.05, 1e6), 1.960, 1e-3, 'normal limit');
  close(tTwoSidedQuantile(0.4, 8), 0.889, 1e-3, 't(0.8, 8)');
  assert.throws(() => tTwoSidedQuantile(0, 4), RangeError);
});

test('minDetectableChange: a constant series → 0', () => {
  const mdc = minDetectableChange([5, 5, 5], [5, 5, 5]);
  assert.equal(mdc.value, 0);
});

test('minDetectableChange: n = 1 → undefined, with the reason', () => {
  const mdc = minDetectableChange([5]);
  assert.equal(mdc.value, undefined);
  assert.match('reason' in mdc ? mdc.reason : '', /at least 2 runs/);
  assert.equal(minDetectableChange([1, 2, 3], [4]).value, undefined);
});

test('minDetectableChange: equal n and sd → t(0.975, 2n−2) × sd × sqrt(2/n) / mean', () => {
  // a: mean 100, sd 5 exactly (values 95, 100, 105 → sd 5); b alike.
  const a = [95, 100, 105];
  const mdc = minDetectableChange(a);
  assert.ok(mdc.value !== undefined);
  close(mdc.df, 4, 1e-9, 'df');
  close(mdc.value, (2.7764451 * 5 * Math.sqrt(2 / 3)) / 100, 1e-6, 'MDC');
  assert.equal(mdc.power, null);
});

test('minDetectableChange: a difference of exactly the MDC is just significant (p = 0.05)', () => {
  const a = [95, 100, 105, 98, 103];
  const b = [101, 99, 108, 96, 104];
  const mdc = minDetectableChange(a, b);
  assert.ok(mdc.value !== undefined);
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const shifted = b.map((v) => v - mb + ma + mdc.absolute);
  close(welchTTest(shifted, a)!.p, 0.05, 1e-6, 'p at the MDC');
});

test('minDetectableChange: normal samples with a known sd → MDC within tolerance of the closed form', () => {
  // n = 10 per side, sd 5 on mean 100: MDC ≈ t(0.975, 18) × 5 × sqrt(2/10) / 100 = 2.101 × 2.236 / 100 ≈ 4.7%.
  const expected = (2.100922 * 5 * Math.sqrt(0.2)) / 100;
  const values: number[] = [];
  for (let seed = 1; seed <= 400; seed++) {
    const m = minDetectableChange(normals(10, 100, 5, seed), normals(10, 100, 5, seed + 10000));
    assert.ok(m.value !== undefined);
    values.push(m.value);
  }
  const avg = values.reduce((s, v) => s + v, 0) / values.length;
  // The sample sd is biased low (E[s] ≈ 0.97 σ at n = 10) and df varies: 10% is the tolerance.
  close(avg, expected, expected * 0.1, 'mean MDC over 400 series');
});

test('minDetectableChange: power 0.8 adds t(0.8) and needs a larger change; floor guards a zero mean', () => {
  const a = [95, 100, 105];
  const plain = minDetectableChange(a);
  const powered = minDetectableChange(a, undefined, { power: 0.8 });
  assert.ok(plain.value !== undefined && powered.value !== undefined);
  close(powered.t - plain.t, tTwoSidedQuantile(0.4, 4), 1e-9, 't(0.8, 4)');
  assert.ok(powered.value > plain.value * 1.3);
  assert.equal(minDetectableChange([0, 0, 0], [0, 0.001, 0]).value, undefined);
  const floored = minDetectableChange([0, 0, 0], [0, 0.0001, 0], { floor: 1e-4 });
  assert.ok(floored.value !== undefined && floored.value > 0);
});
