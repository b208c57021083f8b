/**
 * What a merged result (`pubsub-bench merge`) keeps about each segment it was made of: the segment's own SegmentInfo
 * plus the few totals the report's per-segment table shows, so report.html can be rebuilt from result.json alone.
 */
import type { SegmentInfo } from './segment.js';

/** One segment's own figures, copied from its result.json at merge time. */
export interface SegmentTotals {
  /** Measured messages this segment's publishers sent. */
  published: number;
  /** Deliveries the plan expects for them (every receiver, on whichever segment it runs). */
  expectedDeliveries: number;
  /** Unique measured deliveries this segment's subscribers received (from publishers on any segment). */
  delivered: number;
  /**
   * Expected deliveries of this segment's messages that no segment received: expectedDeliveries − Σ over the merged
   * segments of deliveredFromSegment[this index]. A segment's own `lost` cannot say this, since its subscribers
   * receive other segments' messages.
   */
  lostOfItsMessages: number;
  /** End-to-end (corrected) latency its subscribers measured, µs; null without samples. */
  e2eP50Us: number | null;
  e2eP99Us: number | null;
  /** The segment's own harness verdict and why. */
  harnessBottleneck: boolean;
  healthReasons: string[];
  /** The segment was cut short (interrupted, or aborted by another segment). */
  interrupted: boolean;
}

/** A segment as a merged result lists it (`RunResult.segments`). */
export interface MergedSegment extends SegmentInfo {
  totals: SegmentTotals;
}
