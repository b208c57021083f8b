/**
 * `pubsub-bench merge`, the pure part: the results of a run's segments → one RunResult with the schema of a
 * one-machine run, plus `segments` (and `missingSegments` when merged with --allow-partial). Counters and histograms
 * are added exactly (percentiles computed once from the sums), timelines joined by interval, loss, rates, health,
 * warnings and thresholds recomputed. No clock, no files, no network: unit-tested on synthetic segments.
 */
import { UsageError } from '../core/errors.js';
import type { OutageEvent, ViolationExample } from '../core/messages.js';
import { RESULT_SCHEMA_VERSION, type HarnessHealth, type RunResult, type RunSummary, type Threshold } from '../core/result.js';
import type { SegmentInfo } from '../core/segment.js';
import { MAX_VIOLATION_EXAMPLES } from '../metrics/aggregate.js';
import { clockUncertaintyTooLarge, segmentClockSummary } from '../metrics/segment-clock.js';
import { formatLatencyUs } from '../reporting/format.js';
import { checkSegmentSet, type SegmentInput, type SegmentResult } from './merge-check.js';
import { addChannels, addHistograms, addShards, addSummaries, addWorkers, segmentEntries } from './merge-parts.js';
import { joinTimelines } from './merge-timeline.js';
import { buildWarnings, judgeHealth } from './health.js';
import { thresholdsOutcome } from './gates.js';

export type { SegmentInput } from './merge-check.js';

/** How to merge. */
export interface MergeOptions {
  /** Merge an incomplete set, marking the result partial, instead of refusing it (exit 2). */
  allowPartial: boolean;
  /** Thresholds to judge on the merged summary (flags plus the scenario's). */
  thresholds: readonly Threshold[];
}


/**
 * Merges the segment results. Throws a UsageError (exit 2) naming every problem when the set is not one complete,
 * consistent run (unless `allowPartial` and only segments are missing).
 */
export function mergeSegments(inputs: readonly SegmentInput[], opts: MergeOptions): RunResult {
  const check = checkSegmentSet(inputs, opts.allowPartial);
  if (check.problems.length > 0) throw new UsageError(check.problems, 'Cannot merge these segments');
  const results = check.segments.map((s) => s.result);
  const first = results[0];
  const scenario = first.scenario;
  // Every segment measures the same window (one start in server time); an interrupted one covers less of it.
  const measureMs = Math.max(...results.map((r) => r.measureMs));
  const { encoded, latencyUs } = addHistograms(results);
  const targetRate = scenario.publishers.rate === 'max' ? null : results.reduce((n, r) => n + (r.summary.targetRate ?? 0), 0);
  const summary = addSummaries(results, measureMs, targetRate, latencyUs);
  const timeline = joinTimelines(results.map((r) => r.timeline));
  const interrupted = results.some((r) => r.interrupted);
  const health = mergeHealth(results, summary, timeline);
  const segments = segmentEntries(results);
  const errors = results.flatMap((r) => (r.errors ?? []).map((e) => `segment ${r.segment.index}: ${e}`));
  const aborted = results.find((r) => r.thresholds?.aborted)?.thresholds?.aborted;
  const thresholds = thresholdsOutcome(opts.thresholds, summary, aborted);
  const startMs = Math.min(...results.map((r) => Date.parse(r.startedAt)));
  const endMs = Math.max(...results.map((r) => Date.parse(r.startedAt) + r.durationMs));
  // A segment's clock reads server time (its offset is applied to every reading), so its times compare as they are.
  const schedules = results.flatMap((r) => (r.schedule ? [r.schedule] : []));
  const chaos = results.flatMap((r) => r.chaos ?? []);
  const warnings = [
    ...partialWarnings(check.missing, check.count, first.segment.runId),
    ...buildWarnings({
      summary, health, target: first.target, interrupted, repliesComparable: summary.publishReplyReceivers !== null,
      overDelivered: Math.max(0, summary.delivered - summary.expectedDeliveries), subscriptionNotes: [],
    }),
    ...clockWarnings(segments, summary),
    ...segmentOwnWarnings(results),
    ...errors,
  ];
  if (aborted) warnings.push(`A failing threshold ended the run after ${aborted.atMs} ms of measuring: ${aborted.expressions.join(', ')}.`);
  const channels = addChannels(results);
  const shards = addShards(results);
  const server = results.find((r) => r.server)?.server;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: first.segment.runId,
    startedAt: new Date(startMs).toISOString(),
    durationMs: endMs - startMs,
    measureMs,
    interrupted,
    versions: { ...first.versions },
    ...(schedules.length > 0 ? {
      schedule: {
        startUs: Math.min(...schedules.map((s) => s.startUs)),
        measureStartUs: Math.min(...schedules.map((s) => s.measureStartUs)),
        measureEndUs: Math.max(...schedules.map((s) => s.measureEndUs)),
      },
    } : {}),
    target: first.target,
    scenario,
    ...addWorkers(results),
    summary,
    timeline,
    histograms: encoded,
    ordering: {
      inOrder: results.reduce((n, r) => n + r.ordering.inOrder, 0),
      duplicates: summary.duplicates, reordered: summary.reordered, gaps: summary.gaps, gapMessages: summary.gapMessages,
      examples: firstExamples(results),
    },
    health,
    ...(channels ? { channels } : {}),
    ...(shards ? { shards } : {}),
    outages: results.flatMap((r) => (r.outages ?? []).map((o): OutageEvent => ({ ...o }))).sort((a, b) => a.atUs - b.atUs),
    ...(server ? { server } : {}),
    ...(chaos.length > 0 ? { chaos } : {}),
    ...(thresholds ? { thresholds } : {}),
    ...(errors.length > 0 ? { errors } : {}),
    warnings,
    segments,
    ...(check.missing.length > 0 ? { missingSegments: check.missing } : {}),
  };
}

/**
 * Health of the whole run: judged again on the merged figures (a rate shortfall shows only in the sum), and a
 * harness bottleneck if any segment was one (one slow load generator holds the whole run back), each named.
 */
function mergeHealth(results: readonly SegmentResult[], summary: RunSummary, timeline: RunResult['timeline']): HarnessHealth {
  const p = results[0].scenario.publishers;
  // The busiest process, not the sum: the figure is read against one machine's cores.
  const processCpuCores = Math.max(...results.map((r) => r.health.processCpuCores));
  const merged = judgeHealth({ summary, timeline, processCpuCores, rateIsMax: p.rate === 'max', publishMode: p.mode, publishers: p.count });
  const slow = results.filter((r) => r.health.harnessBottleneck);
  return {
    maxEventLoopUtilization: Math.max(merged.maxEventLoopUtilization, ...results.map((r) => r.health.maxEventLoopUtilization)),
    maxEventLoopDelayP99Us: Math.max(merged.maxEventLoopDelayP99Us, ...results.map((r) => r.health.maxEventLoopDelayP99Us)),
    processCpuCores,
    harnessBottleneck: merged.harnessBottleneck || slow.length > 0,
    // One line for the segments: each one's reasons are in its row of the report's segment table (segments[].totals).
    reasons: [
      ...merged.reasons,
      ...(slow.length > 0 ? [`${slow.length === 1 ? 'segment' : 'segments'} ${slow.map((r) => `${r.segment.index} (${r.segment.host})`).join(', ')} `
        + `${slow.length === 1 ? 'was a harness bottleneck' : 'were harness bottlenecks'} (the report's segment table says why)`] : []),
    ],
  };
}

function partialWarnings(missing: readonly number[], count: number, runId: string): string[] {
  if (missing.length === 0) return [];
  return [`PARTIAL: segment${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${count} (run ${runId}) missing, merged with --allow-partial. `
    + 'The counts cover the segments present only: deliveries the missing subscribers would have received count as lost, '
    + 'and messages of the missing publishers received here count beyond the plan.'];
}

function clockWarnings(segments: readonly SegmentInfo[], summary: RunSummary): string[] {
  const clock = segmentClockSummary(segments);
  const p50 = summary.latencyUs.endToEnd.p50;
  const out: string[] = [];
  if (clockUncertaintyTooLarge(clock, p50)) {
    out.push(`Clock: segment ${clock.maxUncertaintySegment} knew the server's time only to ±${formatLatencyUs(clock.maxUncertaintyUs)}, over 10% of the `
      + `e2e p50 (${formatLatencyUs(p50)}): latencies across segments are uncertain by that much (same-segment latency is not; see the clock section). `
      + 'Synchronise the hosts (NTP/PTP) or run closer to the server.');
  }
  if (clock.negativeLatencies > 0) {
    out.push(`Clock: ${clock.negativeLatencies} deliveries had a negative latency (the clock offset error exceeded the latency); they are counted as 0 µs.`);
  }
  return out;
}

/** Segment warnings the merged result says again in its own words (health, the early abort, negative latencies) or that no longer hold (what a segment alone means). */
const SAID_AGAIN = [/^Harness: /, /^A failing threshold ended the run/, /^Segment \d+\/\d+ of run /, /deliveries had a negative end-to-end latency/];

/**
 * What a segment warned about that the merged figures do not say again: its loss, duplicates, cross-checks and health
 * are recomputed over the whole run (and a segment's own loss compares unlike things), so those are left out; the
 * rest (test hooks, telemetry, chaos, TLS) is kept once, naming the segments that said it.
 */
function segmentOwnWarnings(results: readonly SegmentResult[]): string[] {
  const who = new Map<string, number[]>();
  for (const r of results) {
    const s = r.summary;
    const recomputed = new Set(buildWarnings({
      summary: s, health: r.health, target: r.target, interrupted: r.interrupted, repliesComparable: s.publishReplyReceivers !== null,
      overDelivered: Math.max(0, s.delivered - s.expectedDeliveries), subscriptionNotes: [],
    }));
    const errors = new Set(r.errors ?? []);
    for (const w of r.warnings) {
      if (recomputed.has(w) || errors.has(w) || SAID_AGAIN.some((re) => re.test(w))) continue;
      who.set(w, [...(who.get(w) ?? []), r.segment.index]);
    }
  }
  return [...who].map(([w, idx]) => `Segment${idx.length === 1 ? '' : 's'} ${idx.join(', ')}: ${w}`);
}

/** The first MAX_VIOLATION_EXAMPLES ordering violations of every segment, in server-time order. */
function firstExamples(results: readonly SegmentResult[]): ViolationExample[] {
  return results.flatMap((r) => r.ordering.examples.map((v) => ({ ...v })))
    .sort((a, b) => a.atUs - b.atUs).slice(0, MAX_VIOLATION_EXAMPLES);
}
