import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  logGamma, mean, regularizedIncompleteBeta, sampleVariance, studentTTwoSidedP, welchTTest,
} from '../../src/metrics/stats.js';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected} ± ${tolerance}`);
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

test('mean and sample variance', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  close(sampleVariance([2, 4, 4, 4, 5, 5, 7, 9]), 32 / 7, 1e-12, 'variance');
  assert.ok(Number.isNaN(sampleVariance([1])));
  assert.ok(Number.isNaN(mean([])));
});

test('logGamma matches factorials and Γ(1/2) = √π', () => {
  let factorial = 1;
  for (let n = 1; n <= 20; n++) {
    close(logGamma(n), Math.log(factorial), 1e-10 * Math.max(1, Math.log(factorial)), `lnΓ(${n})`);
    factorial *= n;
  }
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12, 'lnΓ(1/2)');
  close(logGamma(0.1), Math.log(9.513507698668732), 1e-12, 'lnΓ(0.1)');
  assert.throws(() => logGamma(0), RangeError);
});

test('incomplete beta agrees with the binomial sum for integer a, b', () => {
  for (const [a, b] of [[1, 1], [2, 3], [5, 2], [10, 10], [3, 17]]) {
    const n = a + b - 1;
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.99]) {
      let expected = 0;
      for (let j = a; j <= n; j++) expected += binomial(n, j) * x ** j * (1 - x) ** (n - j);
      close(regularizedIncompleteBeta(x, a, b), expected, 1e-12, `I_${x}(${a},${b})`);
    }
  }
});

test('incomplete beta: arcsine closed form and reference values (scipy.special.betainc)', () => {
  for (const x of [0.001, 0.1, 0.5, 0.9, 0.999]) {
    close(regularizedIncompleteBeta(x, 0.5, 0.5), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-12, `I_${x}(1/2,1/2)`);
  }
  close(regularizedIncompleteBeta(0.3, 2.5, 0.5), 0.018927124071945658, 1e-12, 'I_0.3(2.5, 0.5)');
  close(regularizedIncompleteBeta(0.45, 30, 40), 0.6447480085585666, 1e-11, 'I_0.45(30, 40)');
  close(regularizedIncompleteBeta(0.02, 0.1, 7.3), 0.8521245352867328, 1e-12, 'I_0.02(0.1, 7.3)');
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  assert.throws(() => regularizedIncompleteBeta(1.5, 2, 3), RangeError);
});

test('Student t two-sided p: closed forms for 1 and 2 degrees of freedom', () => {
  for (const t of [0, 0.3, 1, 2.5, 10, 100]) {
    close(studentTTwoSidedP(t, 1), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, `df=1, t=${t}`);
    close(studentTTwoSidedP(-t, 2), 1 - t / Math.sqrt(2 + t * t), 1e-12, `df=2, t=${-t}`);
  }
});

test('Student t two-sided p: 5% critical values from the t table', () => {
  const critical: Array<[number, number]> = [[1, 12.706205], [5, 2.570582], [10, 2.228139], [30, 2.042272], [1000, 1.962339]];
  for (const [df, t] of critical) close(studentTTwoSidedP(t, df), 0.05, 2e-6, `df=${df}`);
  close(studentTTwoSidedP(3.5, 3.7), 0.02825098689418837, 1e-10, 'fractional df');
  assert.equal(studentTTwoSidedP(Infinity, 4), 0);
});

test("Welch's t-test reproduces scipy.stats.ttest_ind(equal_var=False)", () => {
  const a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
  const b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3];
  const r = welchTTest(a, b);
  assert.ok(r);
  close(r.t, -2.225512039969852, 1e-10, 't');
  close(r.df, 24.524634944257343, 1e-9, 'df');
  close(r.p, 0.035484530830010394, 1e-10, 'p');
});

test("Welch's t-test: too few values, and zero-variance samples", () => {
  assert.equal(welchTTest([1], [1, 2]), null);
  assert.equal(welchTTest([1, 2], []), null);
  const same = welchTTest([5, 5, 5], [5, 5]);
  assert.equal(same?.p, 1);
  const apart = welchTTest([5, 5, 5], [7, 7]);
  assert.equal(apart?.p, 0);
  assert.equal(apart?.t, -Infinity);
  // One side constant: the other side's variance alone decides, with its n − 1 degrees of freedom.
  const oneSided = welchTTest([10, 10, 10], [11, 12, 13]);
  assert.ok(oneSided);
  close(oneSided.df, 2, 1e-12, 'df');
  close(oneSided.p, 1 - Math.abs(oneSided.t) / Math.sqrt(2 + oneSided.t ** 2), 1e-12, 'p');
});
