/**
 * Turns result.timeline into chart rows: downsampled to a bounded number of points so a two-hour run gives a
 * report as small and fast as a five-second one, and the phase spans for markers (taken before downsampling, so
 * phase boundaries stay exact).
 */
import type { Phase, TimelineEntry } from '../../core/index.js';

/** Most points a timeline chart draws. */
export const MAX_TIMELINE_POINTS = 600;

/** One chart row: a group of consecutive intervals. Rates are per second, counts are totals over the group. */
export interface TimelinePoint {
  /** Middle of the group, seconds since the schedule start. */
  tS: number;
  publishedPerS: number;
  receivedPerS: number;
  targetPerS: number | null;
  /** Latencies in ms (chart units). p50: median of the intervals' p50s; p99 and max: the worst interval's. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  duplicates: number;
  reordered: number;
  gapMessages: number;
  publishErrors: number;
  lateSends: number;
  disconnects: number;
  reconnects: number;
  malformed: number;
  /** Worst event-loop utilisation (%) and delay p99 (ms) in the group. */
  eventLoopPct: number;
  eventLoopDelayMs: number;
}

/** A phase and the time span it covers, seconds since the schedule start. */
export interface PhaseSpan {
  phase: Phase;
  fromS: number;
  toS: number;
}

/** The downsampled rows and how many intervals each one stands for. */
export interface ChartTimeline {
  points: TimelinePoint[];
  /** Intervals per point (1 when not downsampled). */
  groupSize: number;
  phases: PhaseSpan[];
}

const COUNT_KEYS = ['duplicates', 'reordered', 'gapMessages', 'publishErrors', 'lateSends', 'disconnects', 'reconnects', 'malformed'] as const;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function maxOf(values: number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

const notNull = <T>(v: T | null): v is T => v !== null;

/** Merges a group of consecutive intervals into one point (rates weighted by interval length). */
function mergeGroup(group: TimelineEntry[]): TimelinePoint {
  let seconds = 0, published = 0, received = 0, targetSum = 0, targetSeconds = 0;
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Record<(typeof COUNT_KEYS)[number], number>;
  for (const e of group) {
    const s = Math.max(0, e.toMs - e.fromMs) / 1000;
    seconds += s;
    published += e.publishedPerS * s;
    received += e.receivedPerS * s;
    if (e.targetPerS !== null) {
      targetSum += e.targetPerS * s;
      targetSeconds += s;
    }
    for (const k of COUNT_KEYS) counts[k] += e[k];
  }
  const perS = (n: number) => (seconds > 0 ? n / seconds : 0);
  const toMs = (us: number | null) => (us === null ? null : us / 1000);
  return {
    tS: (group[0].fromMs + group[group.length - 1].toMs) / 2000,
    publishedPerS: perS(published),
    receivedPerS: perS(received),
    targetPerS: targetSeconds > 0 ? targetSum / targetSeconds : null,
    p50Ms: toMs(median(group.map((e) => e.e2eP50Us).filter(notNull))),
    p99Ms: toMs(maxOf(group.map((e) => e.e2eP99Us).filter(notNull))),
    maxMs: toMs(maxOf(group.map((e) => e.e2eMaxUs).filter(notNull))),
    ...counts,
    eventLoopPct: Math.max(...group.map((e) => e.maxEventLoopUtilization)) * 100,
    eventLoopDelayMs: Math.max(...group.map((e) => e.maxEventLoopDelayP99Us)) / 1000,
  };
}

/** Phase spans of consecutive intervals sharing a phase. */
export function phaseSpans(timeline: TimelineEntry[]): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (const e of timeline) {
    const last = spans[spans.length - 1];
    if (last && last.phase === e.phase) last.toS = e.toMs / 1000;
    else spans.push({ phase: e.phase, fromS: e.fromMs / 1000, toS: e.toMs / 1000 });
  }
  return spans;
}

/**
 * Groups the timeline into at most `maxPoints` points. Groups never straddle a phase boundary, so phase markers
 * and points agree.
 */
export function chartTimeline(timeline: TimelineEntry[], maxPoints = MAX_TIMELINE_POINTS): ChartTimeline {
  const groupSize = Math.max(1, Math.ceil(timeline.length / maxPoints));
  const points: TimelinePoint[] = [];
  let group: TimelineEntry[] = [];
  for (const e of timeline) {
    if (group.length === groupSize || (group.length > 0 && group[0].phase !== e.phase)) {
      points.push(mergeGroup(group));
      group = [];
    }
    group.push(e);
  }
  if (group.length > 0) points.push(mergeGroup(group));
  return { points, groupSize, phases: phaseSpans(timeline) };
}
