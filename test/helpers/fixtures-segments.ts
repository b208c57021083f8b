/**
 * Synthetic segments of one distributed run, built on the real-shaped fixture RunResult (buildFixture) with known
 * counts: publishers of segment p send published[p] measured messages, each expected by RECEIVERS subscriptions, and
 * matrix[s][p] of them reach the subscribers of segment s. Every segment's e2e histogram holds exactly one value per
 * delivery, split into same-segment and cross-segment histograms like a real segment's.
 */
import type { RunResult, SegmentInfo } from '../../src/core/index.js';
import { summarizeHistogram } from '../../src/metrics/histogram.js';
import { buildFixture } from './fixtures.js';
import { encodedOf, histogramOf, latencySample } from './histograms.js';

/** Deliveries each published message is expected to make. */
export const RECEIVERS = 3;

/** The shape of a synthetic set. */
export interface SegmentSetSpec {
  runId?: string;
  published: number[];
  /** matrix[s][p]: unique deliveries to segment s's subscribers of messages from segment p's publishers. */
  matrix: number[][];
  seed?: number;
}

/** The default set: 3 segments, no loss (column sums = published × RECEIVERS). */
export const LOSSLESS: SegmentSetSpec = {
  published: [1000, 1200, 800],
  matrix: [[1000, 1000, 900], [1000, 1300, 800], [1000, 1300, 700]],
};

/** The latencies segment `s` recorded for messages from segment `p` (deterministic). */
export function latenciesOf(spec: SegmentSetSpec, s: number, p: number): number[] {
  return latencySample(spec.matrix[s][p], s === p ? 200 : 300, s === p ? 4000 : 6000, (spec.seed ?? 7) * 100 + s * 10 + p);
}

/** Builds the segment results (index order). */
export function buildSegments(spec: SegmentSetSpec = LOSSLESS): RunResult[] {
  const n = spec.published.length;
  const runId = spec.runId ?? 'seg-run-1';
  return spec.published.map((published, s) => {
    const base = buildFixture({
      seed: (spec.seed ?? 7) + s, scenarioName: 'segmented', mode: 'auto', batch: 1, medianUs: 900, tailFactor: 5, targetRate: 3000,
      publishRate: 1000, subscribers: 4, measureS: 4, lossShare: 0, violations: false, bottleneck: false, interrupted: false,
    });
    const same = latenciesOf(spec, s, s);
    const cross = spec.matrix[s].flatMap((_, p) => (p === s ? [] : latenciesOf(spec, s, p)));
    const all = [...same, ...cross];
    const delivered = all.length;
    const expected = published * RECEIVERS;
    const h = histogramOf(all);
    const endToEnd = summarizeHistogram(h);
    h.destroy();
    const segment: SegmentInfo = {
      index: s, count: n, runId, planDigest: 'digest-abc', host: `pod-${s}`,
      clockOffsetUs: 1000 * (s + 1), clockUncertaintyUs: 20 + s, clockDriftUsPerS: s === 0 ? null : 0.5 * s,
      publisherIds: [s, s + n], subscriberIds: [s],
      deliveredFromSegment: spec.matrix[s].slice(),
      histograms: { same: encodedOf(same), cross: encodedOf(cross) },
      negativeLatencies: 0,
    };
    return {
      ...base,
      runId: `${runId}-seg${s}`,
      summary: {
        ...base.summary, published, expectedDeliveries: expected, delivered, lost: Math.max(0, expected - delivered),
        publishReplyReceivers: expected, publishRate: published / 4, deliveryRate: delivered / 4, targetRate: published / 4,
        latencyUs: { ...base.summary.latencyUs, endToEnd },
      },
      histograms: { ...base.histograms, endToEnd: encodedOf(all) },
      // A calm harness: these segments are about counting, not about the load generator's health.
      timeline: base.timeline.map((t) => ({ ...t, maxEventLoopDelayP99Us: 400 })),
      segment,
    };
  });
}
