/**
 * The harness's memory over a run, from the timeline's per-interval RSS and heap: the peak, the first minute of the
 * measure phase and its end, so a leak shows as growth after the first minute (the aim: the end within 10 % of it).
 */
import type { TimelineEntry } from '../core/index.js';
import { formatBytes } from './format.js';

/** The first minute of measuring, the reference a long run's memory is compared with (ms). */
export const FIRST_MINUTE_MS = 60_000;

/** Memory figures of one run (bytes). */
export interface MemoryFigures {
  /** Highest process RSS of any interval (warmup and drain included: the process held it then). */
  peakRssBytes: number;
  /** Highest RSS in the first minute of the measure phase, or null without measured intervals that have it. */
  firstMinuteRssBytes: number | null;
  /** RSS of the last measured interval, or null without one. */
  endRssBytes: number | null;
  /** Highest V8 heap used (every thread together), or null when the timeline has no heap figures. */
  peakHeapBytes: number | null;
}

/** The figures, or null for a result written before memory was recorded (no interval has an RSS). */
export function memoryFigures(timeline: TimelineEntry[]): MemoryFigures | null {
  const withRss = timeline.filter((e): e is TimelineEntry & { rssBytes: number } => typeof e.rssBytes === 'number');
  if (withRss.length === 0) return null;
  const measured = withRss.filter((e) => e.phase === 'measure');
  const firstMinute = measured.length > 0 ? measured.filter((e) => e.fromMs < measured[0].fromMs + FIRST_MINUTE_MS) : [];
  const heaps = timeline.map((e) => e.heapUsedBytes).filter((b): b is number => typeof b === 'number');
  return {
    peakRssBytes: Math.max(...withRss.map((e) => e.rssBytes)),
    firstMinuteRssBytes: firstMinute.length > 0 ? Math.max(...firstMinute.map((e) => e.rssBytes)) : null,
    endRssBytes: measured.length > 0 ? measured[measured.length - 1].rssBytes : null,
    peakHeapBytes: heaps.length > 0 ? Math.max(...heaps) : null,
  };
}

/**
 * "peak RSS 182 MB · first minute 150 MB · end 171 MB (+14%) · heap peak 90 MB". The end is compared only when the
 * measure phase ran past its first minute: before that they are the same figures.
 */
export function describeMemory(m: MemoryFigures, measureMs: number): string {
  const parts = [`peak RSS ${formatBytes(m.peakRssBytes)}`];
  if (m.firstMinuteRssBytes !== null) parts.push(`first minute ${formatBytes(m.firstMinuteRssBytes)}`);
  if (m.endRssBytes !== null && m.firstMinuteRssBytes !== null && m.firstMinuteRssBytes > 0 && measureMs > FIRST_MINUTE_MS) {
    const growth = (m.endRssBytes / m.firstMinuteRssBytes - 1) * 100;
    parts.push(`end ${formatBytes(m.endRssBytes)} (${growth >= 0 ? '+' : ''}${growth.toFixed(0)}%)`);
  }
  if (m.peakHeapBytes !== null) parts.push(`heap peak ${formatBytes(m.peakHeapBytes)}`);
  return parts.join(' · ');
}
