/**
 * HdrHistogram work done at write time, from result.json alone: decoding the stored histograms, the interval log
 * (.hlog) and the percentile distribution files (.hgrm).
 */
import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { RunResult } from '../core/index.js';

/** HdrHistogram interval log format version we write (the one HistogramLogAnalyzer and hdr-histogram-js read). */
const HLOG_FORMAT_VERSION = '1.3';

/**
 * Scaling of the .hgrm files: histograms hold microseconds, the files show milliseconds, because the
 * HdrHistogram plotter and memtier/wrk2 .hgrm files are read as milliseconds by convention.
 */
export const HGRM_UNIT_RATIO = 1000;

/**
 * Decodes one stored histogram ('' means nothing was recorded → null). 64-bit counts, because a two-hour run can
 * put more than 2^32 samples in one bucket.
 */
export function decodeHistogram(encoded: string): Histogram | null {
  if (encoded === '') return null;
  return decodeFromCompressedBase64(encoded, 64, false);
}

/** Whole-run histograms by export file name. */
export const HISTOGRAM_FILES = {
  'e2e.hgrm': 'endToEnd',
  'e2e-uncorrected.hgrm': 'endToEndUncorrected',
  'publish.hgrm': 'publish',
} as const satisfies Record<string, keyof RunResult['histograms']>;

/**
 * The percentile distribution text of one encoded histogram, values in milliseconds (HGRM_UNIT_RATIO), five ticks
 * per half distance — the format `outputPercentileDistribution` of every HdrHistogram port writes. An empty
 * histogram yields only the header line, so a reader still sees which file it is.
 */
export function buildHgrm(encoded: string): string {
  const h = decodeHistogram(encoded);
  if (h === null || h.totalCount === 0) return '       Value     Percentile TotalCount 1/(1-Percentile)\n\n';
  return h.outputPercentileDistribution(5, HGRM_UNIT_RATIO);
}

/** "%.3f" with at least 5 characters, as HdrHistogram's log writer formats times. */
function seconds(n: number): string {
  return n.toFixed(3).padStart(5, ' ');
}

/**
 * The HdrHistogram interval log of the end-to-end (corrected) latency: one line per timeline interval that recorded
 * something, `start,length,max,compressedHistogram`, times in seconds since the first interval, max in ms (the
 * histograms themselves hold µs). The histogram text is copied from result.json, never re-encoded, so the log holds
 * exactly what the run recorded.
 *
 * StartTime/BaseTime are the run's `startedAt`: result.json does not keep the absolute schedule start, so absolute
 * times in the log are off by the connect phase (typically well under a second); relative times are exact.
 */
export function buildHlog(result: RunResult): string {
  const baseSec = Date.parse(result.startedAt) / 1000;
  const firstFromMs = result.timeline.length > 0 ? result.timeline[0].fromMs : 0;
  const lines = [
    `#[Histogram log format version ${HLOG_FORMAT_VERSION}]`,
    `#[pubsub-bench ${result.versions.harness}: end-to-end latency from intended send time, values in microseconds; `
      + `run ${result.runId}]`,
    `#[StartTime: ${baseSec.toFixed(3)} (seconds since epoch), ${new Date(baseSec * 1000).toISOString()}]`,
    `#[BaseTime: ${baseSec.toFixed(3)} (seconds since epoch)]`,
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
  ];
  for (const entry of result.timeline) {
    if (entry.e2eHistogram === '') continue;
    // The timeline's own max is the histogram's max; decode only when it is missing.
    const maxUs = entry.e2eMaxUs ?? decodeHistogram(entry.e2eHistogram)?.maxValue ?? 0;
    const startSec = (entry.fromMs - firstFromMs) / 1000;
    const lengthSec = (entry.toMs - entry.fromMs) / 1000;
    lines.push(`${seconds(startSec)},${seconds(lengthSec)},${seconds(maxUs / HGRM_UNIT_RATIO)},${entry.e2eHistogram}`);
  }
  return lines.join('\n') + '\n';
}
