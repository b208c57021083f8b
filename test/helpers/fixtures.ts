/**
 * Deterministic RunResult fixtures with real encoded HdrHistograms, built from a seeded PRNG.
 * `fixtures-generate.ts` writes them to test/fixtures/*.json (committed); tests read the JSON files.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  createHistogram, encodeHistogram, recordUs, summarizeHistogram, type Histogram,
} from '../../src/metrics/histogram.js';
import { seededRandom } from './histograms.js';
import {
  RESULT_SCHEMA_VERSION, type Phase, type RunResult, type Scenario, type TimelineEntry,
  zeroCounters,
} from '../../src/core/index.js';

/** Repository root, found from this file whether it runs from test/ (tsx) or dist/test/ (compiled). */
const here = fileURLToPath(import.meta.url);
export const REPO_ROOT = path.resolve(path.dirname(here), here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** Path of a committed fixture file. */
export function fixturePath(name: string): string {
  return path.join(REPO_ROOT, 'test', 'fixtures', name);
}

/** Knobs that make one fixture differ from another. */
export interface FixtureOptions {
  seed: number;
  scenarioName: string;
  mode: Scenario['publishers']['mode'];
  batch: number;
  /** Data-plane client (default 'native'; the committed fixtures predate the field and have none). */
  client?: Scenario['client'];
  /** Median end-to-end latency (µs) and tail spread factor. */
  medianUs: number;
  tailFactor: number;
  targetRate: number | null;
  publishRate: number;
  subscribers: number;
  measureS: number;
  /** Share of expected deliveries lost (0 for a clean run). */
  lossShare: number;
  violations: boolean;
  bottleneck: boolean;
  interrupted: boolean;
  /** Extra hostile text placed in strings the report embeds. */
  hostile?: string;
  /** Add threshold outcomes (some failing when the run has trouble), a baseline comparison and outages. */
  gates?: boolean;
}

/** Records `n` log-normal-ish latencies around `medianUs`, with a rare slow tail. */
function fill(h: Histogram, rnd: () => number, n: number, medianUs: number, tailFactor: number): void {
  for (let i = 0; i < n; i++) {
    const u = Math.max(1e-9, rnd());
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
    let v = medianUs * Math.exp(0.35 * normal);
    if (rnd() < 0.002) v *= tailFactor;
    recordUs(h, Math.max(1, v));
  }
}

/** Builds one complete, internally consistent RunResult. */
export function buildFixture(o: FixtureOptions): RunResult {
  const rnd = seededRandom(o.seed);
  const scenario: Scenario = {
    name: o.scenarioName,
    description: `Fixture ${o.scenarioName}${o.hostile ? ' ' + o.hostile : ''}`,
    client: o.client ?? 'native',
    channels: { count: 4, naming: 'bench.{i}', sharded: false },
    publishers: { count: 2, rate: o.targetRate ?? 'max', messageBytes: 64, mode: o.mode, batch: o.batch, maxInFlight: 1000, channelsEach: 'all' },
    subscribers: [{ count: o.subscribers, channelsEach: 'all', patterns: [] }],
    warmupMs: 2000, durationMs: o.measureS * 1000, drainTimeoutMs: 5000, seed: o.seed,
  };
  const whole = { e2e: createHistogram(), raw: createHistogram(), pub: createHistogram() };
  const timeline: TimelineEntry[] = [];
  const samplesPerS = 400;
  const stepsBefore = 2, stepsAfter = 1;
  let published = 0, duplicates = 0, reordered = 0, gaps = 0, gapMessages = 0;
  for (let i = -stepsBefore; i < o.measureS + stepsAfter; i++) {
    const phase: Phase = i < 0 ? 'warmup' : i < o.measureS ? 'measure' : 'drain';
    const e2e = createHistogram();
    // A slow patch in the middle of the run, so latency-over-time charts have something to show.
    const slow = i === Math.floor(o.measureS / 2) ? 3 : 1;
    // The timeline's latency covers measured messages only, so warmup and drain intervals record none.
    const n = phase === 'measure' ? samplesPerS : 0;
    fill(e2e, rnd, n, o.medianUs * slow, o.tailFactor);
    const pubPerS = phase === 'drain' ? 0 : Math.round(o.publishRate * (0.97 + 0.06 * rnd()));
    const dups = o.violations && phase === 'measure' && i % 3 === 1 ? 1 + Math.floor(rnd() * 3) : 0;
    const reord = o.violations && phase === 'measure' && i % 4 === 2 ? 1 : 0;
    const gapMsgs = o.lossShare > 0 && phase === 'measure' && i % 5 === 3 ? 5 + Math.floor(rnd() * 20) : 0;
    if (phase === 'measure') {
      whole.e2e.add(e2e);
      fill(whole.raw, rnd, n, o.medianUs * slow * 0.8, o.tailFactor * 0.5);
      fill(whole.pub, rnd, n, o.medianUs * 0.4, o.tailFactor * 0.3);
      published += pubPerS; duplicates += dups; reordered += reord; gapMessages += gapMsgs; gaps += gapMsgs > 0 ? 1 : 0;
    }
    timeline.push({
      fromMs: i * 1000, toMs: (i + 1) * 1000, phase,
      publishedPerS: pubPerS, receivedPerS: Math.round(pubPerS * o.subscribers * (1 - o.lossShare)),
      targetPerS: o.targetRate, e2eP50Us: n ? e2e.getValueAtPercentile(50) : null,
      e2eP99Us: n ? e2e.getValueAtPercentile(99) : null, e2eMaxUs: n ? e2e.getValueAtPercentile(100) : null,
      publishErrors: 0, lateSends: o.bottleneck && phase === 'measure' ? Math.round(pubPerS * 0.1) : 0,
      duplicates: dups, reordered: reord, gapMessages: gapMsgs, disconnects: gapMsgs > 0 ? 1 : 0, reconnects: gapMsgs > 0 ? 1 : 0,
      malformed: 0, maxEventLoopUtilization: o.bottleneck ? 0.97 : 0.3 + 0.2 * rnd(),
      maxEventLoopDelayP99Us: o.bottleneck ? 80_000 : 2000 + Math.round(3000 * rnd()),
      e2eHistogram: n ? encodeHistogram(e2e) : '',
    });
  }
  const expected = published * o.subscribers;
  const lost = Math.round(expected * o.lossShare);
  const delivered = expected - lost;
  const disconnects = timeline.reduce((s, t) => s + t.disconnects, 0);
  const lateSends = timeline.reduce((s, t) => s + (t.phase === 'measure' ? t.lateSends : 0), 0);
  // An interrupted run stops part-way through its last measure interval.
  const measureMs = o.measureS * 1000 - (o.interrupted ? 400 : 0);
  const perWorkerPubs = [1, 1];
  const perWorkerSubs = [Math.ceil(o.subscribers / 2), Math.floor(o.subscribers / 2)];
  const result: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: `fixture-${o.scenarioName.replace(/[^a-z0-9-]/gi, '')}-${o.seed}`,
    startedAt: '2026-01-02T03:04:05.000Z',
    durationMs: (o.measureS + stepsBefore + stepsAfter) * 1000 + 400, measureMs, interrupted: o.interrupted,
    versions: { harness: '0.1.0', node: 'v20.20.0', redis: '7.0.15' },
    target: { kind: 'single', urls: ['redis://default:***@127.0.0.1:6399'], tls: false, tlsInsecure: false, local: true, redisVersion: '7.0.15' },
    scenario,
    plan: { workers: 2, publishersPerWorker: perWorkerPubs, subscribersPerWorker: perWorkerSubs, subscriptions: o.subscribers * 4 },
    summary: {
      published, expectedDeliveries: expected, delivered, lost, duplicates, reordered, gaps, gapMessages,
      malformed: 0, publishErrors: 0, lateSends, disconnects, reconnects: disconnects,
      publishReplyReceivers: expected, publishRate: published / (measureMs / 1000), deliveryRate: delivered / (measureMs / 1000),
      targetRate: o.targetRate,
      latencyUs: { endToEnd: summarizeHistogram(whole.e2e), endToEndUncorrected: summarizeHistogram(whole.raw), publish: summarizeHistogram(whole.pub) },
    },
    timeline,
    histograms: {
      endToEnd: encodeHistogram(whole.e2e), endToEndUncorrected: encodeHistogram(whole.raw),
      publish: encodeHistogram(whole.pub),
    },
    ordering: {
      inOrder: delivered - duplicates - reordered, duplicates, reordered, gaps, gapMessages,
      examples: o.violations ? [
        { kind: 'duplicate', subscriberId: 1, channel: 2, publisherId: 0, expectedSeq: 41, gotSeq: 40, atUs: 1767323047000000 },
        { kind: 'reordered', subscriberId: 0, channel: 1, pattern: o.hostile ? `bench.${o.hostile}` : 'bench.*', publisherId: 1, expectedSeq: 100, gotSeq: 98, atUs: 1767323048000000 },
        { kind: 'gap', subscriberId: 3, channel: 0, publisherId: 0, expectedSeq: 200, gotSeq: 217, atUs: 1767323049000000 },
      ] : [],
    },
    workers: perWorkerPubs.map((p, w) => {
      const counters = zeroCounters();
      counters.publishedMeasured = Math.round(published / 2);
      counters.published = counters.publishedMeasured;
      counters.deliveredMeasured = Math.round(delivered * perWorkerSubs[w] / o.subscribers);
      counters.received = counters.deliveredMeasured;
      return { workerId: w, publishers: p, subscribers: perWorkerSubs[w], counters };
    }),
    health: {
      maxEventLoopUtilization: o.bottleneck ? 0.99 : 0.48, maxEventLoopDelayP99Us: o.bottleneck ? 95_000 : 4800,
      processCpuCores: o.bottleneck ? 1.96 : 0.7, harnessBottleneck: o.bottleneck,
      reasons: o.bottleneck ? ['event loop 99% busy in worker 0', `late sends: ${lateSends}`] : [],
    },
    warnings: [
      ...(o.bottleneck ? ['The harness fell behind its schedule; latency includes harness queueing.'] : []),
      ...(o.hostile ? [`Hostile text in a warning: ${o.hostile}`] : []),
    ],
  };
  if (o.gates) addGates(result, o);
  return result;
}

/** Optional fields: thresholds, a baseline comparison and connection outages, consistent with the summary. */
function addGates(result: RunResult, o: FixtureOptions): void {
  const p99 = result.summary.latencyUs.endToEnd.p99;
  result.thresholds = {
    passed: o.lossShare === 0,
    outcomes: [
      { expression: 'e2e.p99 < 50ms', metric: 'e2e.p99', measured: p99, limit: 50_000, unit: 'us', passed: p99 < 50_000 },
      { expression: 'lost == 0', metric: 'lost', measured: result.summary.lost, limit: 0, unit: 'count', passed: result.summary.lost === 0 },
      { expression: `deliveryRate > 1000${o.hostile ?? ''}`, metric: 'deliveryRate', measured: result.summary.deliveryRate, limit: 1000, unit: 'per_s', passed: true },
    ],
  };
  const regressed = o.lossShare > 0;
  result.baseline = {
    currentRuns: 1, baselineRuns: 3, alpha: 0.05, regressed, inconclusive: true,
    warnings: ['A single current run: significance cannot be tested.'],
    checks: [{
      metric: 'e2e.p99', unit: 'us', better: 'lower', currentValues: [p99], baselineValues: [p99 / 2, p99 / 2.1, p99 / 1.9],
      currentMean: p99, baselineMean: p99 / 2, change: 1, tolerance: 0.1, pValue: null,
      verdict: regressed ? 'regression' : 'within-tolerance', inconclusive: true, passed: !regressed, note: 'fixture check',
    }],
  };
  result.outages = result.timeline.filter((t) => t.disconnects > 0).map((t, i) => ({
    role: 'subscriber' as const, id: i % o.subscribers, cause: `server closed the connection${o.hostile ? ' ' + o.hostile : ''}`,
    atUs: Date.parse(result.startedAt) * 1000 + (t.fromMs + 2000) * 1000, durationMs: 120 + i, lostMessages: t.gapMessages,
  }));
}
