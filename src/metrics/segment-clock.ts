/**
 * The clock picture of a run split into segments: how well each segment knew the server's time, and end-to-end
 * latency of deliveries whose publisher ran on the same segment (one clock, no offset error) against those from
 * another segment (two clocks: the offset error shows here only). Pure; used by merge (its warning) and the report.
 */
import type { SegmentInfo } from '../core/segment.js';
import { mergeEncoded } from './histogram.js';

/** An uncertainty larger than this share of the e2e p50 makes cross-segment latencies doubtful (a warning). */
export const CLOCK_UNCERTAINTY_SHARE = 0.1;

/** Same- and cross-segment latency over every segment. */
export interface SegmentClockSummary {
  /** e2e p50 (µs) of deliveries from a publisher on the receiving segment, null without any. */
  sameP50Us: number | null;
  sameCount: number;
  /** e2e p50 (µs) of deliveries from a publisher on another segment, null without any. */
  crossP50Us: number | null;
  crossCount: number;
  /** The largest offset uncertainty of any segment (µs) and that segment's index (-1 without segments). */
  maxUncertaintyUs: number;
  maxUncertaintySegment: number;
  /** Deliveries whose corrected latency came out negative, every segment. */
  negativeLatencies: number;
}

/** Adds the segments' same / cross histograms and reads their medians (percentiles of the sums, never averaged). */
export function segmentClockSummary(segments: readonly SegmentInfo[]): SegmentClockSummary {
  const same = mergeEncoded(segments.map((s) => s.histograms.same).filter((h) => h !== ''));
  const cross = mergeEncoded(segments.map((s) => s.histograms.cross).filter((h) => h !== ''));
  let maxUncertaintyUs = 0;
  let maxUncertaintySegment = -1;
  for (const s of segments) {
    if (maxUncertaintySegment < 0 || s.clockUncertaintyUs > maxUncertaintyUs) {
      maxUncertaintyUs = s.clockUncertaintyUs;
      maxUncertaintySegment = s.index;
    }
  }
  return {
    sameP50Us: same.summary?.p50 ?? null, sameCount: same.summary?.count ?? 0,
    crossP50Us: cross.summary?.p50 ?? null, crossCount: cross.summary?.count ?? 0,
    maxUncertaintyUs, maxUncertaintySegment,
    negativeLatencies: segments.reduce((n, s) => n + s.negativeLatencies, 0),
  };
}

/** True when the worst offset uncertainty exceeds CLOCK_UNCERTAINTY_SHARE of the e2e p50 (µs). */
export function clockUncertaintyTooLarge(c: SegmentClockSummary, e2eP50Us: number): boolean {
  return c.maxUncertaintySegment >= 0 && e2eP50Us > 0 && c.maxUncertaintyUs > CLOCK_UNCERTAINTY_SHARE * e2eP50Us;
}
