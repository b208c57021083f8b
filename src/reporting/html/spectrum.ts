/**
 * Percentile spectra (the HdrHistogram plot): latency against percentile on a log 1/(1−p) axis, computed at write
 * time from the encoded histograms in result.json.
 */
import { decodeHistogram } from '../hdr.js';

/** One point of a spectrum. */
export interface SpectrumPoint {
  /** Series name (e.g. "end-to-end (corrected)" or a run label). */
  series: string;
  /** Percentile 0..100. */
  percentile: number;
  /** 1/(1−p): the log x axis value (1 at p0, 10 at p90, 1000 at p99.9). */
  x: number;
  /** Latency in ms (chart unit). */
  latencyMs: number;
}

/** Steps per decade of 1/(1−p): 20 gives smooth curves with ~120 points for a million samples. */
const STEPS_PER_DECADE = 20;

/**
 * Points of one histogram's spectrum: from p0 up to the percentile one sample resolves (1 − 1/count), then the
 * max at x = count, as HdrHistogram's own plots end. Empty histograms give no points.
 */
export function spectrumPoints(encoded: string, series: string): SpectrumPoint[] {
  const h = decodeHistogram(encoded);
  if (h === null || h.totalCount === 0) return [];
  const count = h.totalCount;
  // Values recorded as 0 µs would vanish on a log axis; show them at the histogram's resolution (1 µs).
  const ms = (us: number) => Math.max(us, 1) / 1000;
  const points: SpectrumPoint[] = [];
  const decades = Math.log10(Math.max(count, 10));
  for (let i = 0; i <= decades * STEPS_PER_DECADE; i++) {
    const x = 10 ** (i / STEPS_PER_DECADE);
    if (x >= count) break;
    const percentile = 100 * (1 - 1 / x);
    points.push({ series, percentile, x, latencyMs: ms(h.getValueAtPercentile(percentile)) });
  }
  points.push({ series, percentile: 100, x: Math.max(count, 2), latencyMs: ms(h.getValueAtPercentile(100)) });
  return points;
}

/** Axis tick values of 1/(1−p) up to `maxX`: 1 (p0), 2 (p50), 10 (p90), 100 (p99), … */
export function spectrumTicks(maxX: number): number[] {
  const ticks = [1, 2];
  for (let x = 10; x <= maxX * 1.0001; x *= 10) ticks.push(x);
  return ticks;
}
