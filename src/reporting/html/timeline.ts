/**
 * Turns result.timeline into chart rows: downsampled to a bounded number of points so a two-hour run gives a
 * report as small and fast as a five-second one, and the phase spans for markers (taken before downsampling, so
 * phase boundaries stay exact).
 */
import type { Phase, TimelineEntry } from '../../core/index.js';
import { meanRates, stageIndexAt, type StageSpan } from '../stages.js';
import { median } from '../../metrics/stats.js';

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
  topologyEvents: number;
  churnEvents: number;
  /** Worst event-loop utilisation (%) and delay p99 (ms) in the group. */
  eventLoopPct: number;
  eventLoopDelayMs: number;
  /** Highest process RSS and V8 heap used (all threads) in the group, MB (1024² bytes); null when not recorded. */
  rssMb: number | null;
  heapMb: number | null;
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
  /** Stages of the load profile, for markers; empty without one. */
  stages: StageSpan[];
}

const COUNT_KEYS = ['duplicates', 'reordered', 'gapMessages', 'publishErrors', 'lateSends', 'disconnects', 'reconnects', 'malformed', 'topologyEvents', 'churnEvents'] as const;


function maxOf(values: number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

const notNull = <T>(v: T | null): v is T => v !== null;

/** Bytes as MB in the binary sense, the unit formatBytes labels "MB". */
const toMb = (bytes: number | null): number | null => (bytes === null ? null : bytes / (1024 * 1024));

/** Merges a group of consecutive intervals into one point (rates weighted by interval length). */
function mergeGroup(group: TimelineEntry[]): TimelinePoint {
  const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Record<(typeof COUNT_KEYS)[number], number>;
  for (const e of group) for (const k of COUNT_KEYS) counts[k] += e[k] ?? 0;
  const rates = meanRates(group);
  const toMs = (us: number | null) => (us === null ? null : us / 1000);
  return {
    tS: (group[0].fromMs + group[group.length - 1].toMs) / 2000,
    publishedPerS: rates.publishedPerS ?? 0,
    receivedPerS: rates.receivedPerS ?? 0,
    targetPerS: rates.targetPerS,
    p50Ms: toMs(median(group.map((e) => e.e2eP50Us).filter(notNull))),
    p99Ms: toMs(maxOf(group.map((e) => e.e2eP99Us).filter(notNull))),
    maxMs: toMs(maxOf(group.map((e) => e.e2eMaxUs).filter(notNull))),
    ...counts,
    eventLoopPct: Math.max(...group.map((e) => e.maxEventLoopUtilization)) * 100,
    eventLoopDelayMs: Math.max(...group.map((e) => e.maxEventLoopDelayP99Us)) / 1000,
    rssMb: toMb(maxOf(group.map((e) => e.rssBytes ?? null).filter(notNull))),
    heapMb: toMb(maxOf(group.map((e) => e.heapUsedBytes ?? null).filter(notNull))),
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
 * Groups the timeline into at most `maxPoints` points (a few more with many stages). Groups never straddle a phase
 * or stage boundary, so markers and points agree.
 */
export function chartTimeline(timeline: TimelineEntry[], maxPoints = MAX_TIMELINE_POINTS, stages: StageSpan[] = []): ChartTimeline {
  const groupSize = Math.max(1, Math.ceil(timeline.length / maxPoints));
  const stageOf = (e: TimelineEntry): number => stageIndexAt(stages, (e.fromMs + e.toMs) / 2000);
  const points: TimelinePoint[] = [];
  let group: TimelineEntry[] = [];
  for (const e of timeline) {
    if (group.length === groupSize || (group.length > 0 && (group[0].phase !== e.phase || stageOf(group[0]) !== stageOf(e)))) {
      points.push(mergeGroup(group));
      group = [];
    }
    group.push(e);
  }
  if (group.length > 0) points.push(mergeGroup(group));
  return { points, groupSize, phases: phaseSpans(timeline), stages };
}
