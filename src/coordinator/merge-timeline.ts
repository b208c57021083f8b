/**
 * Joins the timelines of a run's segments into one. Every segment times its intervals from the common start the
 * rendezvous fixed in server time, so interval k of one segment is interval k of every other: entries are matched by
 * the interval their midpoint falls in, counts and rates are added, latency histograms added and their percentiles
 * computed once (never averaged). Pure.
 */
import type { Phase, TimelineEntry } from '../core/result.js';
import { mergeEncoded } from '../metrics/histogram.js';

/** The interval length the entries were cut at (ms): the median entry width, whole ms; 1000 when there is none. */
export function intervalOf(timelines: ReadonlyArray<readonly TimelineEntry[]>): number {
  const widths = timelines.flat().map((t) => t.toMs - t.fromMs).filter((w) => w > 0).sort((a, b) => a - b);
  if (widths.length === 0) return 1000;
  return Math.max(1, Math.round(widths[Math.floor(widths.length / 2)]));
}

const COUNTS = ['publishErrors', 'lateSends', 'duplicates', 'reordered', 'gapMessages', 'disconnects', 'reconnects', 'malformed'] as const;

/**
 * One timeline from several. `targetPerS` adds the segments' targets (each offered its own share of the rate), null
 * when every segment's is null (--rate max). Memory fields add up: the merged run's harness is every segment's
 * process together.
 */
export function joinTimelines(timelines: ReadonlyArray<readonly TimelineEntry[]>): TimelineEntry[] {
  const intervalMs = intervalOf(timelines);
  const buckets = new Map<number, TimelineEntry[]>();
  for (const tl of timelines) {
    for (const e of tl) {
      // By the midpoint, as the aggregator buckets snapshots: an entry's ends sit near interval boundaries.
      const k = Math.floor((e.fromMs + e.toMs) / 2 / intervalMs);
      const list = buckets.get(k);
      if (list) list.push(e);
      else buckets.set(k, [e]);
    }
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, entries]) => joinEntries(entries));
}

function joinEntries(entries: TimelineEntry[]): TimelineEntry {
  const sum = (f: (e: TimelineEntry) => number): number => entries.reduce((s, e) => s + f(e), 0);
  const { summary, encoded } = mergeEncoded(entries.map((e) => e.e2eHistogram).filter((h) => h !== ''));
  const targets = entries.map((e) => e.targetPerS);
  const topology = sum((e) => e.topologyEvents ?? 0);
  const rss = entries.filter((e) => e.rssBytes !== undefined);
  const heap = entries.filter((e) => e.heapUsedBytes !== undefined);
  const counts = Object.fromEntries(COUNTS.map((k) => [k, sum((e) => e[k])])) as Record<(typeof COUNTS)[number], number>;
  return {
    fromMs: Math.min(...entries.map((e) => e.fromMs)),
    toMs: Math.max(...entries.map((e) => e.toMs)),
    phase: majorityPhase(entries),
    publishedPerS: sum((e) => e.publishedPerS),
    receivedPerS: sum((e) => e.receivedPerS),
    targetPerS: targets.every((t) => t === null) ? null : targets.reduce<number>((s, t) => s + (t ?? 0), 0),
    e2eP50Us: summary?.p50 ?? null,
    e2eP99Us: summary?.p99 ?? null,
    e2eMaxUs: summary?.max ?? null,
    ...counts,
    ...(topology > 0 ? { topologyEvents: topology } : {}),
    maxEventLoopUtilization: Math.max(...entries.map((e) => e.maxEventLoopUtilization)),
    maxEventLoopDelayP99Us: Math.max(...entries.map((e) => e.maxEventLoopDelayP99Us)),
    ...(rss.length > 0 ? { rssBytes: rss.reduce((s, e) => s + (e.rssBytes ?? 0), 0) } : {}),
    ...(heap.length > 0 ? { heapUsedBytes: heap.reduce((s, e) => s + (e.heapUsedBytes ?? 0), 0) } : {}),
    e2eHistogram: encoded,
  };
}

/** The phase most entries of the interval give; measure on a tie, since an interval's latency is of measured messages. */
function majorityPhase(entries: TimelineEntry[]): Phase {
  const order: Phase[] = ['warmup', 'measure', 'drain'];
  const votes = order.map((p) => entries.filter((e) => e.phase === p).length);
  const best = Math.max(...votes);
  if (votes[1] === best) return 'measure';
  return order[votes.indexOf(best)];
}
