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
