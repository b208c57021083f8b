/**
 * The parts of a merged result that are sums over segments: the summary counters, the whole-run histograms, the
 * per-channel and per-shard breakdowns, the fleet plan and the per-segment totals. Pure.
 */
import type { ChannelBreakdown, RunResult, RunSummary, ShardBreakdown } from '../core/result.js';
import type { MergedSegment } from '../core/merged-segment.js';
import type { ServerCost } from '../core/server-cost.js';
import { createHistogram, encodeHistogram, mergeEncodedInto, summarizeHistogram } from '../metrics/histogram.js';
import { ErrorTextTally } from '../metrics/error-texts.js';
import type { SegmentResult } from './merge-check.js';

const HISTOGRAMS = ['endToEnd', 'endToEndUncorrected', 'publish'] as const;

/** The whole-run histograms added bucket by bucket, encoded, and their summaries (percentiles of the sum). */
export function addHistograms(results: readonly RunResult[]): { encoded: RunResult['histograms']; latencyUs: RunSummary['latencyUs'] } {
  const encoded = {} as RunResult['histograms'];
  const latencyUs = {} as RunSummary['latencyUs'];
  for (const key of HISTOGRAMS) {
    const h = createHistogram();
    try {
      for (const r of results) mergeEncodedInto(h, r.histograms[key]);
      encoded[key] = encodeHistogram(h);
      latencyUs[key] = summarizeHistogram(h);
    } finally {
      h.destroy();
    }
  }
  return { encoded, latencyUs };
}

const sumOf = (results: readonly RunResult[], f: (s: RunSummary) => number): number => results.reduce((n, r) => n + f(r.summary), 0);

/**
 * The merged summary: counters added, loss recomputed as Σ expected − Σ delivered (a segment's own `lost` compares
 * its publishers' expected deliveries with its subscribers' receipts, which differ by design), rates over the
 * measure phase, percentiles from the added histograms.
 */
export function addSummaries(results: readonly RunResult[], measureMs: number, targetRate: number | null, latencyUs: RunSummary['latencyUs']): RunSummary {
  const s = results.map((r) => r.summary);
  const sum = (f: (x: RunSummary) => number) => sumOf(results, f);
  const published = sum((x) => x.published);
  const expectedDeliveries = sum((x) => x.expectedDeliveries);
  const delivered = sum((x) => x.delivered);
  const texts = new ErrorTextTally();
  for (const x of s) texts.addAll(x.publishErrorTexts);
  const publishErrors = sum((x) => x.publishErrors);
  const measureS = measureMs / 1000;
  const serverCost = mergeServerCost(s, published, delivered);
  return {
    published, expectedDeliveries, delivered, lost: Math.max(0, expectedDeliveries - delivered),
    duplicates: sum((x) => x.duplicates), reordered: sum((x) => x.reordered), gaps: sum((x) => x.gaps), gapMessages: sum((x) => x.gapMessages),
    malformed: sum((x) => x.malformed), publishErrors,
    ...(publishErrors > 0 && texts.list() ? { publishErrorTexts: texts.list() } : {}),
    lateSends: sum((x) => x.lateSends),
    ...(s.some((x) => x.unsent !== undefined) ? { unsent: sum((x) => x.unsent ?? 0) } : {}),
    ...(s.some((x) => x.topologyEvents !== undefined) ? { topologyEvents: sum((x) => x.topologyEvents ?? 0) } : {}),
    disconnects: sum((x) => x.disconnects), reconnects: sum((x) => x.reconnects),
    ...mergeChurn(s),
    ...(serverCost ? { serverCost } : {}),
    publishReplyReceivers: s.every((x) => x.publishReplyReceivers !== null) ? sum((x) => x.publishReplyReceivers ?? 0) : null,
    publishRate: measureS > 0 ? published / measureS : 0,
    deliveryRate: measureS > 0 ? delivered / measureS : 0,
    targetRate,
    latencyUs,
  };
}

/** Churn: each segment's subscribers excluded their own deliveries, so events and exclusions add up. */
function mergeChurn(summaries: readonly RunSummary[]): Pick<RunSummary, 'churn'> {
  const withChurn = summaries.filter((x) => x.churn);
  if (withChurn.length === 0) return {};
  const events = withChurn.reduce((n, x) => n + x.churn!.events, 0);
  const excludedDeliveries = withChurn.reduce((n, x) => n + x.churn!.excludedDeliveries, 0);
  return { churn: { events, excludedDeliveries, reconnect: withChurn[0].churn!.reconnect } };
}

/**
 * Server cost: each segment that read it measured the whole server (it is not theirs to add), so the first one is
 * taken and its per-message figures recomputed over every segment's messages. µs per PUBLISH call stays as it is.
 */
function mergeServerCost(summaries: readonly RunSummary[], published: number, delivered: number): ServerCost | undefined {
  const cost = summaries.find((x) => x.serverCost)?.serverCost;
  if (!cost) return undefined;
  const per = (total: number | undefined, n: number) => (total !== undefined && n > 0 ? total / n : undefined);
  const out: ServerCost = { ...cost, nodes: cost.nodes.map((n) => ({ ...n })), notes: [...cost.notes] };
  const set = (key: 'cpuUsPerPublish' | 'cpuUsPerDelivery' | 'bytesPerDelivery', v: number | undefined) => {
    if (v === undefined) delete out[key];
    else out[key] = v;
  };
  set('cpuUsPerPublish', per(cost.cpuUs, published));
  set('cpuUsPerDelivery', per(cost.cpuUs, delivered));
  set('bytesPerDelivery', per(cost.netOutputBytes, delivered));
  return out;
}

/**
 * Channels by name: counts added. Receivers are the channel's receivers over the whole fleet, Σ expected / Σ
 * published (every segment's expected counts every receiver of its messages, wherever it runs).
 */
export function addChannels(results: readonly RunResult[]): ChannelBreakdown[] | undefined {
  if (!results.some((r) => r.channels)) return undefined;
  const byName = new Map<string, ChannelBreakdown>();
  for (const r of results) {
    for (const c of r.channels ?? []) {
      const m = byName.get(c.name);
      if (!m) byName.set(c.name, { ...c });
      else {
        m.published += c.published;
        m.expected += c.expected;
        m.delivered += c.delivered;
        m.receivers = Math.max(m.receivers, c.receivers);
      }
    }
  }
  for (const c of byName.values()) if (c.published > 0) c.receivers = Math.round(c.expected / c.published);
  return [...byName.values()];
}

/** Shards by master: counts added; the channels a master owns and their subscriptions are the plan's (the same on every segment). */
export function addShards(results: readonly RunResult[]): ShardBreakdown[] | undefined {
  if (!results.some((r) => r.shards)) return undefined;
  const byMaster = new Map<string, ShardBreakdown>();
  for (const r of results) {
    for (const s of r.shards ?? []) {
      const m = byMaster.get(s.master);
      if (!m) byMaster.set(s.master, { ...s });
      else {
        m.channels = Math.max(m.channels, s.channels);
        m.subscriptions = Math.max(m.subscriptions, s.subscriptions);
        m.published += s.published;
        m.expected += s.expected;
        m.delivered += s.delivered;
      }
    }
  }
  return [...byMaster.values()];
}

/** Worker threads of every segment, numbered on (segment 0's first, then segment 1's, …) so ids stay unique. */
export function addWorkers(results: readonly RunResult[]): Pick<RunResult, 'plan' | 'workers'> {
  const workers: RunResult['workers'] = [];
  for (const r of results) {
    const base = workers.length;
    workers.push(...r.workers.map((w, i) => ({ ...w, workerId: base + i, counters: { ...w.counters } })));
  }
  return {
    plan: {
      workers: results.reduce((n, r) => n + r.plan.workers, 0),
      publishersPerWorker: results.flatMap((r) => r.plan.publishersPerWorker),
      subscribersPerWorker: results.flatMap((r) => r.plan.subscribersPerWorker),
      subscriptions: results.reduce((n, r) => n + r.plan.subscriptions, 0),
    },
    workers,
  };
}

/** Each segment's SegmentInfo with its own totals; a segment's lost messages are judged over every segment's receipts. */
export function segmentEntries(results: readonly SegmentResult[]): MergedSegment[] {
  return results.map((r) => {
    const i = r.segment.index;
    const receivedAnywhere = results.reduce((n, o) => n + (o.segment.deliveredFromSegment[i] ?? 0), 0);
    const e2e = r.summary.latencyUs.endToEnd;
    return {
      ...r.segment,
      totals: {
        published: r.summary.published, expectedDeliveries: r.summary.expectedDeliveries, delivered: r.summary.delivered,
        lostOfItsMessages: Math.max(0, r.summary.expectedDeliveries - receivedAnywhere),
        e2eP50Us: e2e.count > 0 ? e2e.p50 : null, e2eP99Us: e2e.count > 0 ? e2e.p99 : null,
        harnessBottleneck: r.health.harnessBottleneck, healthReasons: [...r.health.reasons], interrupted: r.interrupted,
      },
    };
  });
}
