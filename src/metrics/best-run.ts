/**
 * The best-run rule of the baseline gate (`--baseline-stat min`, issue 15: 3): compare the best run of each side —
 * the minimum of a lower-is-better metric, the maximum of a higher-is-better one. On a shared machine the noise of
 * server cost is one-sided (a descheduled Redis adds wall time, never removes it), so the best of a few runs sits at
 * the true cost while the mean is lifted by whichever run was disturbed. The gate-power bench (bench/gate-power.ts)
 * judges with this same function, so the gate it measures is the one the CLI ships.
 */
import { UsageError } from '../core/errors.js';

/** Which statistic of each side a baseline comparison judges: `mean` (Welch's t-test) or `min` (best run). */
export type BaselineStat = 'mean' | 'min';

/** The accepted `--baseline-stat` values, the default first. */
export const BASELINE_STATS: readonly BaselineStat[] = ['mean', 'min'];

/** What the best-run rule compared and decided. */
export interface BestRunJudgement {
  /** The statistic taken of each side: `min` when lower is better, `max` when higher is better. */
  statistic: 'min' | 'max';
  current: number;
  baseline: number;
  /** Signed relative change, (current − baseline) / max(|baseline|, floor); null when that divisor is 0. */
  change: number | null;
  /** The change in the worse direction (positive: worse); null with `change`. */
  worseBy: number | null;
  /** True when the best current run is worse than the best baseline run by more than the tolerance. */
  regressed: boolean;
  /** Whether each side's best run is confirmed by a second run within CONFIRM_SHARE of it (bestRunConfirmed). */
  confirmed: { current: boolean; baseline: boolean };
}

/**
 * A side's best run is trusted when a second run of the same side lies within this share of it. Measured here
 * (docs/ci): a disturbance of a minute or more lifts every run of a short series, so the least disturbed of three
 * may still sit 15–40% above the floor; two runs that agree within 5% are rarely both lifted alike. A single run
 * is never confirmed.
 */
export const CONFIRM_SHARE = 0.05;

/**
 * True when the best value of `values` (the minimum when lower is better, the maximum otherwise) is confirmed: the
 * second best is within `share` of it, measured against max(|best|, floor). Non-finite values are left out.
 */
export function bestRunConfirmed(values: readonly number[], better: 'lower' | 'higher', share = CONFIRM_SHARE, floor = 0): boolean {
  const v = values.filter(Number.isFinite).sort((x, y) => (better === 'lower' ? x - y : y - x));
  if (v.length < 2) return false;
  return Math.abs(v[1] - v[0]) <= share * Math.max(Math.abs(v[0]), floor);
}

/**
 * Judges the best run of `current` against the best run of `baseline` (non-finite values left out; null when a side
 * has none). `tolerance` is a share (0.05 = 5%); `floor` the smallest baseline value a change is measured against.
 */
export function bestRunRule(
  current: readonly number[], baseline: readonly number[], better: 'lower' | 'higher', tolerance: number, floor = 0,
): BestRunJudgement | null {
  const c = current.filter(Number.isFinite);
  const b = baseline.filter(Number.isFinite);
  if (c.length === 0 || b.length === 0) return null;
  const pick = better === 'lower' ? Math.min : Math.max;
  const cur = pick(...c);
  const base = pick(...b);
  const divisor = Math.max(Math.abs(base), floor);
  const change = divisor > 0 ? (cur - base) / divisor : null;
  const worseBy = change === null ? null : better === 'lower' ? change : -change;
  return {
    statistic: better === 'lower' ? 'min' : 'max', current: cur, baseline: base, change, worseBy,
    regressed: worseBy !== null && worseBy > tolerance,
    confirmed: { current: bestRunConfirmed(c, better, CONFIRM_SHARE, floor), baseline: bestRunConfirmed(b, better, CONFIRM_SHARE, floor) },
  };
}

/** Reads `--baseline-stat` (undefined: `mean`); throws UsageError (exit 2) naming the flag and the choices. */
export function parseBaselineStat(value: unknown, field = '--baseline-stat'): BaselineStat {
  if (value === undefined) return 'mean';
  const text = String(Array.isArray(value) ? value[value.length - 1] : value).trim();
  const found = BASELINE_STATS.find((s) => s === text);
  if (found !== undefined) return found;
  throw new UsageError(
    [{ field, message: `${JSON.stringify(text)} is not a statistic`, hint: `choose ${BASELINE_STATS.join(' or ')}: mean (Welch's t-test) or min (best run of each side)` }],
    `Invalid ${field}`,
  );
}
