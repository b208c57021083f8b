/**
 * The noise of a `--repeat` series, the same table in every output (terminal, step summary, JUnit system-out):
 * per key metric its mean, coefficient of variation, min/median/max and the minimum detectable change at 95%.
 */
import type { BaselineCheck, NoiseMetric, NoiseReport } from '../core/index.js';
import { NONE } from './format.js';
import { formatMetricValue } from './ci/values.js';

/** Column names of the noise table. */
export const NOISE_HEADER = ['metric', 'mean', 'cv', 'min', 'median', 'max', 'MDC (95%)'];

function share(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return NONE;
  if (v === 0) return '0%';
  return `${v < 0.01 ? Number((v * 100).toPrecision(2)) : (v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
}

/** One row per metric, as plain text cells. */
export function noiseRows(noise: NoiseReport): string[][] {
  return noise.metrics.map((m: NoiseMetric) => [
    m.metric, formatMetricValue(m.mean, m.unit), share(m.cv),
    formatMetricValue(m.min, m.unit), formatMetricValue(m.median, m.unit), formatMetricValue(m.max, m.unit), share(m.mdc),
  ]);
}

/** The title line: how many runs, and what the MDC means. */
export function noiseTitle(noise: NoiseReport): string {
  return `Noise over ${noise.runs} runs`;
}

/** What the MDC column means, in one sentence. */
export function noiseLegend(noise: NoiseReport): string {
  return `MDC: the smallest change of the mean that a baseline gate over ${noise.runs} runs a side can tell from this noise ` +
    `(Welch's t-test, ${Math.round((1 - noise.alpha) * 100)}% confidence; a change that size is caught about half the time). ` +
    'Gate on metrics with a small cv.';
}

/** Plain text (JUnit system-out): title, an aligned table, the legend. */
export function noisePlainText(noise: NoiseReport): string {
  const rows = [NOISE_HEADER, ...noiseRows(noise)];
  const widths = NOISE_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
  return [noiseTitle(noise), ...lines, noiseLegend(noise)].join('\n');
}

/** " — beyond noise (MDC 4.2%)" / " — within noise (MDC 4.2%)" for a baseline check, or "" with a single run a side. */
export function noiseClause(c: BaselineCheck): string {
  if (c.mdc === undefined || c.change === null) return '';
  return ` — ${Math.abs(c.change) > c.mdc ? 'beyond' : 'within'} noise (MDC ${share(c.mdc)})`;
}
