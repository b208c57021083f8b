/**
 * Noise you can see: how much one metric moves between repeats of the same run, and the smallest change a
 * baseline gate (Welch's t-test, two-sided, α = 0.05) could tell from that noise.
 *
 * Pure: numbers in, numbers out.
 *
 * Minimum detectable change (MDC), for a series `a` (the baseline) and a series `b` (the current runs):
 *
 *     se   = sqrt(s_a²/n_a + s_b²/n_b)                     the standard error of the difference of the means
 *     df   = se⁴ / ((s_a²/n_a)²/(n_a−1) + (s_b²/n_b)²/(n_b−1))   Welch–Satterthwaite
 *     MDC  = (t_{1−α/2, df} + t_{power, df}) × se / max(|mean_a|, floor)
 *
 * Without `power` the second term is 0: the MDC is then the change whose observed difference would be *just*
 * significant — a true change of exactly that size is detected about half of the time (50% power). With
 * `power = 0.8` a true change of that size is detected in about 80% of series (a change must be roughly 1.5× to
 * 2× larger). Without `b` the current series is assumed to be like `a` (same n, same spread): what a gate built on
 * this series can tell apart in the next one. Fewer than two values on a side leave the MDC undefined: one run has
 * no spread to measure.
 */
import type { NoiseMetric, NoiseReport, RunSummary } from '../core/result.js';
import { mean, median, sampleVariance, studentTTwoSidedP } from './stats.js';

/** Spread of one metric over a series of runs (the fields of result.json's `noise.metrics[]`, see NoiseMetric). */
export type Spread = Pick<NoiseMetric, 'n' | 'mean' | 'min' | 'median' | 'max' | 'sd' | 'cv'>;

/** Spread of the values, or null when there are none. */
export function spreadOf(values: readonly number[]): Spread | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const m = mean(finite);
  const sd = finite.length < 2 ? 0 : Math.sqrt(sampleVariance(finite));
  const cv = sd === 0 ? 0 : m === 0 ? null : sd / Math.abs(m);
  return { n: finite.length, mean: m, min: Math.min(...finite), median: median(finite)!, max: Math.max(...finite), sd, cv };
}

/**
 * The t value exceeded with two-sided probability `p`: P(|T| ≥ t) = p for Student's t with `df` degrees of freedom.
 * Bisection on the p-value (monotone in t); accurate to about 1e-10.
 */
export function tTwoSidedQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1) (got ${p})`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0 (got ${df})`);
  let lo = 0;
  let hi = 1;
  while (studentTTwoSidedP(hi, df) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSidedP(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Options of `minDetectableChange`. */
export interface MdcOptions {
  /** Significance level of the two-sided test (default 0.05: 95% confidence). */
  alpha?: number;
  /** Chance of detecting a true change of the MDC's size; omitted: not considered (≈ 50%). */
  power?: number;
  /** Smallest baseline mean a change is measured against (as the baseline gate's floors: 0.01% for lostRatio). */
  floor?: number;
}

/** The minimum detectable change, or why there is none. */
export type Mdc =
  | { value: number; absolute: number; df: number; t: number; alpha: number; power: number | null }
  | { value: undefined; reason: string };

/**
 * The smallest relative difference between the means of `a` (the baseline) and `b` (default: a series like `a`)
 * that Welch's t-test at `alpha` would call significant, given their spreads and sizes (see the module comment).
 */
export function minDetectableChange(a: readonly number[], b?: readonly number[], options: MdcOptions = {}): Mdc {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? null;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1) (got ${alpha})`);
  if (power !== null && !(power > 0.5 && power < 1)) throw new RangeError(`power must be in (0.5, 1) (got ${power})`);
  const other = b ?? a;
  if (a.length < 2 || other.length < 2) {
    return { value: undefined, reason: `needs at least 2 runs on each side (got ${a.length} and ${other.length}): one run has no spread to tell noise from change` };
  }
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(other) / other.length;
  const se2 = va + vb;
  const ref = Math.max(Math.abs(mean(a)), options.floor ?? 0);
  if (se2 === 0) return { value: 0, absolute: 0, df: a.length + other.length - 2, t: 0, alpha, power };
  if (ref === 0) return { value: undefined, reason: 'the baseline mean is 0: a relative change cannot be measured against it' };
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (other.length - 1));
  const t = tTwoSidedQuantile(alpha, df) + (power === null ? 0 : tTwoSidedQuantile(2 * (1 - power), df));
  const absolute = t * Math.sqrt(se2);
  return { value: absolute / ref, absolute, df, t, alpha, power };
}

/** A metric to report the noise of: its name, unit, how to read it, and the floor changes are measured against. */
export interface NoiseMetricDef {
  metric: string;
  unit: NoiseMetric['unit'];
  floor: number;
  read: (summary: RunSummary) => number | null;
}

/**
 * The noise of a series: per metric, the spread over the runs it could be measured in and the MDC against a next
 * series like it. Metrics measured in no run are left out (e.g. `server.*` when the server could not be read).
 */
export function noiseReport(runs: ReadonlyArray<{ summary: RunSummary }>, metrics: readonly NoiseMetricDef[], alpha = 0.05): NoiseReport {
  const out: NoiseMetric[] = [];
  for (const def of metrics) {
    const values = runs.map((r) => def.read(r.summary)).filter((v): v is number => v !== null && Number.isFinite(v));
    const spread = spreadOf(values);
    if (spread === null) continue;
    const mdc = minDetectableChange(values, undefined, { alpha, floor: def.floor });
    out.push({
      metric: def.metric, unit: def.unit, ...spread,
      mdc: mdc.value === undefined ? null : mdc.value,
      ...(mdc.value === undefined ? { mdcNote: mdc.reason } : {}),
    });
  }
  return { runs: runs.length, alpha, metrics: out };
}
