/**
 * Synthetic RunSummary / RunResult values for tests of pure judgement code (thresholds, baselines, capacity, CI
 * outputs): every field present, latencies given as a p50 / p99 pair and the rest derived from them.
 */
import type { LatencySummaryUs, RunResult, RunSummary } from '../../src/core/index.js';
import { buildFixture } from './fixtures.js';

/** A latency summary whose percentiles rise from `p50Us` to `p99Us` (and beyond for p999 / max). */
export function latency(p50Us: number, p99Us: number, count = 10_000): LatencySummaryUs {
  return {
    p50: p50Us, p90: (p50Us + p99Us) / 2, p99: p99Us, p999: p99Us * 1.5, max: p99Us * 3, min: p50Us / 2,
    mean: p50Us * 1.1, count,
  };
}

/** Knobs of a synthetic summary. */
export interface SummaryKnobs {
  publishRate?: number;
  targetRate?: number | null;
  /** Subscribers receiving each message. */
  fanOut?: number;
  measureS?: number;
  lost?: number;
  e2eP50Us?: number;
  e2eP99Us?: number;
  publishP99Us?: number;
  /** Extra fields to set as they are. */
  extra?: Partial<RunSummary>;
}

/** A consistent summary: published = rate × time, expected = published × fanOut, delivered = expected − lost. */
export function makeSummary(k: SummaryKnobs = {}): RunSummary {
  const publishRate = k.publishRate ?? 1000;
  const measureS = k.measureS ?? 10;
  const fanOut = k.fanOut ?? 1;
  const published = Math.round(publishRate * measureS);
  const expected = published * fanOut;
  const lost = k.lost ?? 0;
  const e2eP50 = k.e2eP50Us ?? 300;
  const e2eP99 = k.e2eP99Us ?? 1000;
  return {
    published, expectedDeliveries: expected, delivered: expected - lost, lost, duplicates: 0, reordered: 0, gaps: 0,
    gapMessages: 0, malformed: 0, publishErrors: 0, lateSends: 0, disconnects: 0, reconnects: 0,
    publishReplyReceivers: expected, publishRate, deliveryRate: (expected - lost) / measureS,
    targetRate: k.targetRate === undefined ? publishRate : k.targetRate,
    latencyUs: {
      endToEnd: latency(e2eP50, e2eP99, published),
      endToEndUncorrected: latency(e2eP50 * 0.9, e2eP99 * 0.9, published),
      publish: latency(e2eP50 / 2, k.publishP99Us ?? e2eP99 / 2, published),
    },
    ...k.extra,
  };
}

/** A complete RunResult (from the committed fixture builder) carrying the given summary. */
export function makeResult(summary: RunSummary, runId = 'synthetic'): RunResult {
  const base = buildFixture({
    seed: 7, scenarioName: 'synthetic', mode: 'pipeline', batch: 100, medianUs: 300, tailFactor: 5,
    targetRate: summary.targetRate, publishRate: summary.publishRate, subscribers: 1, measureS: 2, lossShare: 0,
    violations: false, bottleneck: false, interrupted: false,
  });
  return { ...base, runId, summary };
}
