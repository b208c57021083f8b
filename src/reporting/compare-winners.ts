/**
 * One line per metric family (latency, throughput, delivery) naming the run that did best and by how much, and —
 * when runs were repeated (several runs under one label) — whether the difference is beyond run-to-run noise, by
 * the same Welch t-test the baseline gate uses.
 */
import { ALPHA } from '../metrics/baseline.js';
import { mean, welchTTest } from '../metrics/stats.js';
import { minDetectableChange } from '../metrics/noise.js';
import { formatNoiseShare } from './compare-noise.js';
import { SAME_WITHIN, formatMetric, type Comparison, type MetricComparison } from './compare.js';
import { formatShare } from './format.js';

/** The metric that decides each family. */
export const WINNER_METRICS: ReadonlyArray<{ family: string; key: string }> = [
  { family: 'latency', key: 'latency.endToEnd.p99' },
  { family: 'throughput', key: 'deliveryRate' },
  { family: 'delivery', key: 'lostShare' },
];

/** The winner of one family. */
export interface WinnerLine {
  family: string;
  /** The whole sentence, e.g. "latency: pipeline — e2e p99 1.2 ms, 35% lower than await (1.9 ms); p = 0.004, beyond noise". */
  text: string;
  /** Winning group (label), or null when no run stood out. */
  winner: string | null;
}

/** Values of one metric per group of runs (one group per distinct label; repeats share one). */
function groupValues(m: MetricComparison, groups: readonly string[]): Array<{ label: string; values: number[] }> {
  const out = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const v = m.values[i];
    if (v !== null) out.set(g, [...(out.get(g) ?? []), v]);
  });
  return [...out].map(([label, values]) => ({ label, values }));
}

/** Equal, or within SAME_WITHIN of each other: run-to-run noise, not a finding. */
function same(a: number, b: number): boolean {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 || Math.abs(a - b) / scale < SAME_WITHIN;
}

/** How the best beats the next: "35% lower", or in percentage points for loss shares. */
function margin(m: MetricComparison, best: number, next: number): string {
  const word = m.direction === 'lower' ? 'lower' : 'higher';
  if (m.unit === 'share') return `${Number((Math.abs(next - best) * 100).toPrecision(2))} pp ${word}`;
  return `${formatShare(Math.abs(next - best) / Math.abs(next))} ${word}`;
}

/** The significance clause: only when both groups were repeated (one run has no variance to test against). */
function significance(a: number[], b: number[]): string {
  const test = welchTTest(a, b);
  if (!test) return '';
  const p = test.p < 0.001 ? 'p < 0.001' : `p = ${test.p.toPrecision(2)}`;
  const mdc = minDetectableChange(b, a).value;
  const mdcText = mdc === undefined ? '' : ` (MDC ${formatNoiseShare(mdc)})`;
  return test.p < ALPHA ? `; ${p}, beyond run-to-run noise${mdcText}` : `; ${p}, within run-to-run noise${mdcText}`;
}

/** The winner line of each family, best group against the next best (groups: one label per run, repeats alike). */
export function winnerLines(c: Comparison, groups: readonly string[] = c.labels): WinnerLine[] {
  const lines: WinnerLine[] = [];
  for (const { family, key } of WINNER_METRICS) {
    const m = c.metrics.find((x) => x.key === key);
    if (!m || m.direction === 'none') continue;
    const ranked = groupValues(m, groups).map((g) => ({ ...g, mean: mean(g.values) }))
      .sort((a, b) => (m.direction === 'lower' ? a.mean - b.mean : b.mean - a.mean));
    if (ranked.length < 2) continue;
    const [best, next] = ranked;
    const repeats = best.values.length > 1 ? ` (mean of ${best.values.length})` : '';
    const tied = ranked.filter((g) => same(g.mean, best.mean));
    if (tied.length > 1) {
      // No single winner: say who tied, and who (if anyone) fell behind them.
      const behind = ranked.filter((g) => !tied.includes(g));
      const worst = behind.at(-1);
      const text = tied.length === ranked.length
        ? (key === 'lostShare' && best.mean === 0 ? `${family}: no run lost a message` : `${family}: no clear winner — ${m.label} ${formatMetric(m.unit, best.mean)} in every run (within ${formatShare(SAME_WITHIN)})`)
        : `${family}: ${tied.map((g) => g.label).join(', ')} tie at ${m.label} ${formatMetric(m.unit, best.mean)}${worst ? `; ${worst.label} trails (${formatMetric(m.unit, worst.mean)})` : ''}`;
      lines.push({ family, text, winner: null });
      continue;
    }
    lines.push({
      family, winner: best.label,
      text: `${family}: ${best.label} — ${m.label} ${formatMetric(m.unit, best.mean)}${repeats}, ${margin(m, best.mean, next.mean)} than ${next.label} (${formatMetric(m.unit, next.mean)})${significance(best.values, next.values)}`,
    });
  }
  return lines;
}

/** A note on what the winner lines can claim: nothing about noise unless runs were repeated. */
export function significanceNote(groups: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1).length;
  if (repeated >= 2) return `Runs under one label are repeats: the lines compare their means with Welch's t-test (beyond noise at p < ${ALPHA}).`;
  return 'Single runs: differences are not tested against run-to-run noise. Repeat each side (run --repeat 3, then compare every result.json with one --label per side) for a t-test.';
}
