/**
 * Per-stage figures of a run with a load profile, rebuilt from result.json alone: where each stage lies on the
 * timeline, and its rates and latency from the timeline intervals inside it. Latency merges the intervals' encoded
 * histograms and computes percentiles once (never an average of the intervals' percentiles).
 */
import type { LatencySummaryUs, RateStage, RunResult, TimelineEntry } from '../core/index.js';
import { createHistogram, mergeEncodedInto, summarizeHistogram } from '../metrics/histogram.js';
import { formatDurationMs, formatRate } from './format.js';

/** One stage placed on the timeline (seconds since the schedule start, like timeline entries). */
export interface StageSpan {
  /** Position in the profile, from 1. */
  number: number;
  stage: RateStage;
  fromS: number;
  toS: number;
  /** "500/s" for a step, "500→2k/s" for a ramp. */
  rateLabel: string;
}

/** What one stage measured. */
export interface StageFigures extends StageSpan {
  /** True when the run ended (interrupted) before the stage did: its figures cover only the part that ran. */
  partial: boolean;
  /** Timeline intervals that lie within the stage (the ones its rates come from). */
  intervals: number;
  /**
   * Time-weighted means over those intervals (msgs/s), target and achieved over the same time so they compare;
   * null when no interval lies within the stage (a stage shorter than the snapshot interval, or not aligned with it).
   */
  targetPerS: number | null;
  publishedPerS: number | null;
  receivedPerS: number | null;
  /**
   * End-to-end (corrected) latency of the deliveries received in the intervals whose midpoint lies in the stage (the
   * first stage also takes the warmup intervals', the last stage reached the drain's); null without samples.
   */
  e2e: LatencySummaryUs | null;
}

/** The stages of a result's scenario, or null without a (well-formed) profile: result.json is read as untrusted. */
export function resultStages(result: RunResult): RateStage[] | null {
  const stages: unknown = (result.scenario as { stages?: unknown }).stages;
  if (!Array.isArray(stages) || stages.length === 0) return null;
  const ok = stages.every((s: unknown) => {
    const r = s as Partial<Record<keyof RateStage, unknown>> | null;
    return r !== null && typeof r === 'object' && [r.durationMs, r.fromRate, r.toRate].every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  });
  return ok ? (stages as RateStage[]) : null;
}

/** "500/s" or "500→2k/s". */
export function stageRateLabel(stage: RateStage): string {
  return stage.fromRate === stage.toRate ? formatRate(stage.fromRate) : `${formatRate(stage.fromRate).replace('/s', '')}→${formatRate(stage.toRate)}`;
}

/** "10 s at 500/s" or "ramp over 1 min 500→2k/s". */
export function describeStage(stage: RateStage): string {
  const length = formatDurationMs(stage.durationMs);
  return stage.fromRate === stage.toRate ? `${length} at ${stageRateLabel(stage)}` : `ramp over ${length} ${stageRateLabel(stage)}`;
}

/** Where the stages lie on the timeline: the measure phase starts after the warmup, stage after stage. */
export function stageSpans(result: RunResult): StageSpan[] {
  const stages = resultStages(result);
  if (!stages) return [];
  let fromMs = result.scenario.warmupMs;
  return stages.map((stage, i) => {
    const span = { number: i + 1, stage, fromS: fromMs / 1000, toS: (fromMs + stage.durationMs) / 1000, rateLabel: stageRateLabel(stage) };
    fromMs += stage.durationMs;
    return span;
  });
}

/** An interval may reach this share of its length past a stage's edge and still count as within (timer jitter). */
const EDGE_SLACK = 0.1;

/**
 * Figures per stage. Rates come from the intervals within the stage: one straddling a boundary (snapshot intervals
 * not aligned with the stages) mixes two rates and is left out of both. A histogram cannot be split, so for latency
 * each interval belongs to the stage holding its midpoint; a delivery late enough to arrive in the next stage's
 * interval counts there. Stages the run never reached (interrupted) are left out.
 */
export function stageFigures(result: RunResult): StageFigures[] {
  const measureEndS = (result.scenario.warmupMs + result.measureMs) / 1000;
  const spans = stageSpans(result).filter((span) => span.fromS < measureEndS);
  const inside: TimelineEntry[][] = spans.map(() => []);
  const within: TimelineEntry[][] = spans.map(() => []);
  // Interval histograms hold measured messages only. An interval labelled warmup can still hold the first of them
  // (its midpoint fell just before the measure phase) and drain intervals hold the last: their latency belongs to
  // the first and the last stage, so every measured delivery counts in exactly one stage.
  const edges: TimelineEntry[][] = spans.map(() => []);
  for (const e of result.timeline) {
    const midS = (e.fromMs + e.toMs) / 2000;
    const i = e.phase === 'measure' ? stageIndexAt(spans, midS) : -1;
    if (i >= 0) {
      inside[i].push(e);
      const slackS = ((e.toMs - e.fromMs) / 1000) * EDGE_SLACK;
      if (e.fromMs / 1000 >= spans[i].fromS - slackS && e.toMs / 1000 <= spans[i].toS + slackS) within[i].push(e);
    } else if (spans.length > 0) edges[e.phase === 'warmup' || midS < spans[0].fromS ? 0 : spans.length - 1].push(e);
  }
  return spans.map((span, i) => ({
    ...span, partial: span.toS > measureEndS + 1e-9, intervals: within[i].length, ...meanRates(within[i]),
    e2e: mergedLatency([...inside[i], ...edges[i]]),
  }));
}

/** Index of the span holding time `tS` (binary search: spans are in time order), or -1 outside every span. */
export function stageIndexAt(spans: readonly StageSpan[], tS: number): number {
  let lo = 0, hi = spans.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].fromS <= tS) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && tS < spans[found].toS ? found : -1;
}

/** Time-weighted mean rates over timeline intervals (msgs/s); null when they cover no time (or have no target). */
export function meanRates(entries: readonly TimelineEntry[]): Pick<StageFigures, 'targetPerS' | 'publishedPerS' | 'receivedPerS'> {
  let seconds = 0, target = 0, targetSeconds = 0, published = 0, received = 0;
  for (const e of entries) {
    const s = Math.max(0, e.toMs - e.fromMs) / 1000;
    seconds += s;
    published += e.publishedPerS * s;
    received += e.receivedPerS * s;
    if (e.targetPerS !== null) {
      target += e.targetPerS * s;
      targetSeconds += s;
    }
  }
  if (!(seconds > 0)) return { targetPerS: null, publishedPerS: null, receivedPerS: null };
  return { targetPerS: targetSeconds > 0 ? target / targetSeconds : null, publishedPerS: published / seconds, receivedPerS: received / seconds };
}

/** The intervals' e2e histograms added together, summarised once; null without samples or with a damaged one. */
function mergedLatency(entries: TimelineEntry[]): LatencySummaryUs | null {
  const h = createHistogram();
  try {
    for (const e of entries) if (typeof e.e2eHistogram === 'string') mergeEncodedInto(h, e.e2eHistogram);
    return h.totalCount > 0 ? summarizeHistogram(h) : null;
  } catch {
    // A histogram that does not decode (an edited result.json): no figure rather than one missing some intervals.
    return null;
  } finally {
    h.destroy();
  }
}
