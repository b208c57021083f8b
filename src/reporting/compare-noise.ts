/**
 * `compare` with repeats (several runs under one label): per metric and per repeated side, the spread (cv) and the
 * minimum detectable change at 95% — how large a difference between two sides like these must be before the t-test
 * in the winner lines can call it beyond noise. See metrics/noise.ts for the formula.
 */
import { minDetectableChange, spreadOf } from '../metrics/noise.js';
import type { Comparison } from './compare.js';

/** One metric's noise on each repeated side: `cv` and `mdc` as shares, null when not computable. */
export interface CompareNoiseRow {
  key: string;
  label: string;
  sides: Array<{ group: string; n: number; cv: number | null; mdc: number | null }>;
}

/** The noise of every metric on every side that has at least two runs; empty when no side was repeated. */
export function compareNoise(c: Comparison, groups: readonly string[] = c.groups): CompareNoiseRow[] {
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1).map(([g]) => g);
  if (repeated.length === 0) return [];
  return c.metrics.filter((m) => m.values.some((v) => v !== null)).map((m) => ({
    key: m.key, label: m.label,
    sides: repeated.map((group) => {
      const values = m.values.filter((v, i): v is number => v !== null && groups[i] === group);
      const mdc = minDetectableChange(values);
      return { group, n: values.length, cv: spreadOf(values)?.cv ?? null, mdc: mdc.value ?? null };
    }),
  }));
}

export function formatNoiseShare(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  return v === 0 ? '0%' : `${v < 0.01 ? Number((v * 100).toPrecision(2)) : (v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
}

/** Table rows: header (metric, then "cv / MDC" per side), then one row per metric. */
export function compareNoiseRows(rows: readonly CompareNoiseRow[]): string[][] {
  if (rows.length === 0) return [];
  const header = ['metric', ...rows[0].sides.map((s) => `${s.group} (n=${s.n}) cv / MDC`)];
  return [header, ...rows.map((r) => [r.label, ...r.sides.map((s) => `${formatNoiseShare(s.cv)} / ${formatNoiseShare(s.mdc)}`)])];
}

/** What the MDC column means. */
export const COMPARE_NOISE_NOTE =
  "MDC: the smallest difference of means between two sides like this one that Welch's t-test at 95% confidence calls beyond noise (a true difference that size is caught about half the time).";
