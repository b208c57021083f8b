import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { WORKER_PROTOCOL_VERSION, zeroCounters, type Counters, type ViolationExample } from '../../src/core/messages.js';
import { MAX_VIOLATION_EXAMPLES, RunAggregator, type SnapshotMessage } from '../../src/metrics/aggregate.js';
import { decodeHistogram, initHistogramEngine, summarizeHistogram } from '../../src/metrics/histogram.js';
import { encodedOf, histogramOf, latencySample } from '../helpers/histograms.js';

const S = 1_700_000_000_000_000; // schedule start, epoch µs
const SEC = 1_000_000;
const opts = { scheduleStartUs: S, measureStartUs: S + 2 * SEC, measureEndUs: S + 5 * SEC, intervalMs: 1000, targetRate: 3000 };
const WORKERS = [0, 1, 2];
const BUCKETS = [-1, 0, 1, 2, 3, 4, 5];

function snapshot(workerId: number, seq: number, fromUs: number, toUs: number, counters: Partial<Counters>, e2eUs: number[] = [],
  extra: Partial<SnapshotMessage> = {}): SnapshotMessage {
  return {
    type: 'snapshot', v: WORKER_PROTOCOL_VERSION, workerId, seq, fromUs, toUs,
    counters: { ...zeroCounters(), ...counters },
    histograms: { endToEnd: encodedOf(e2eUs), endToEndUncorrected: encodedOf(e2eUs.map((v) => v / 2)), publish: encodedOf(e2eUs.map((v) => v / 4)) },
    health: { eventLoopUtilization: 0.1 * (workerId + 1), eventLoopDelayP99Us: 1000 * (workerId + 1), eventLoopDelayMaxUs: 0 },
    violations: [], outages: [], publishingDone: false, final: false, ...extra,
  };
}

const isMeasure = (i: number): boolean => i >= 2 && i <= 4;
/** Deterministic counters of worker w in bucket i. */
function countersOf(w: number, i: number): Partial<Counters> {
  const published = i < 0 || i === 5 ? 0 : 1000 + 10 * w + i;
  return {
    published, publishedMeasured: isMeasure(i) ? published : 0, expectedMeasured: isMeasure(i) ? published * 2 : 0,
    publishRepliesMeasured: isMeasure(i) ? published * 2 : 0, received: published * 2 - w, deliveredMeasured: isMeasure(i) ? published * 2 - w : 0,
    duplicates: w, reordered: i === 3 ? 1 : 0, gaps: w === 2 ? 1 : 0, gapMessages: w === 2 ? 5 : 0, lateSends: i, publishErrors: w === 1 ? 1 : 0,
  };
}

interface Fixture { agg: RunAggregator; values: Map<number, number[]>; all: number[] }

/** Three workers, buckets -1..5, each worker's snapshots offset by w × 10 ms, measured latencies in buckets 2..4. */
function build(): Fixture {
  const agg = new RunAggregator(opts);
  const values = new Map<number, number[]>();
  const all: number[] = [];
  let seed = 1;
  for (const i of BUCKETS) {
    for (const w of WORKERS) {
      const from = S + i * SEC + w * 10_000;
      const e2e = isMeasure(i) ? latencySample(500 + 100 * w, 100 * (w + 1), 20_000 * (w + 1) ** 2, seed++) : [];
      values.set(i, [...(values.get(i) ?? []), ...e2e]);
      all.push(...e2e);
      agg.addSnapshot(snapshot(w, i + 1, from, from + SEC, countersOf(w, i), e2e));
    }
  }
  return { agg, values, all };
}

describe('RunAggregator', { timeout: 30_000 }, () => {
  before(() => initHistogramEngine());

  test('cluster topology events land in the interval they happened in, and only there', () => {
    const agg = new RunAggregator(opts);
    try {
      agg.addSnapshot(snapshot(0, 1, S + 2 * SEC, S + 3 * SEC, { topologyEvents: 3 }));
      agg.addSnapshot(snapshot(1, 1, S + 2 * SEC + 10_000, S + 3 * SEC + 10_000, { topologyEvents: 2 }));
      agg.addSnapshot(snapshot(0, 2, S + 3 * SEC, S + 4 * SEC, {}));
      const tl = agg.timeline();
      assert.deepEqual(tl.map((e) => e.topologyEvents), [5, undefined], 'summed per interval; absent when none');
    } finally {
      agg.destroy();
    }
  });

  test('run and per-worker totals add up exactly', () => {
    const { agg } = build();
    const t = agg.totals();
    const sum = (field: keyof Counters, ws = WORKERS): number =>
      ws.reduce((s, w) => s + BUCKETS.reduce((s2, i) => s2 + (countersOf(w, i)[field] ?? 0), 0), 0);
    for (const field of Object.keys(zeroCounters()) as Array<keyof Counters>) {
      assert.equal(t[field], sum(field), field);
      for (const w of WORKERS) assert.equal(agg.workerTotals().get(w)![field], sum(field, [w]), `${field} of worker ${w}`);
    }
    assert.equal(t.publishedMeasured, 3 * 3 * 1000 + 3 * 10 * 3 + 3 * (2 + 3 + 4));
    agg.destroy();
  });

  test('whole-run percentiles are those of the union of every worker\'s values', () => {
    const { agg, all } = build();
    const union = histogramOf(all);
    const h = agg.histograms();
    assert.deepEqual(summarizeHistogram(h.endToEnd), summarizeHistogram(union));
    assert.equal(h.endToEnd.totalCount, all.length);
    const halves = histogramOf(all.map((v) => v / 2));
    assert.deepEqual(summarizeHistogram(h.endToEndUncorrected), summarizeHistogram(halves));
    assert.deepEqual(agg.summary(3000, true).latencyUs.endToEnd, summarizeHistogram(union));
    union.destroy();
    halves.destroy();
    agg.destroy();
  });

  test('timeline buckets line up, with phases, rates, health and per-bucket latency', () => {
    const { agg, values } = build();
    const tl = agg.timeline();
    assert.equal(tl.length, BUCKETS.length);
    assert.deepEqual(tl.map((e) => e.fromMs), BUCKETS.map((i) => i * 1000));
    assert.deepEqual(tl.map((e) => e.toMs), BUCKETS.map((i) => (i + 1) * 1000 + 20));
    assert.deepEqual(tl.map((e) => e.phase), ['warmup', 'warmup', 'warmup', 'measure', 'measure', 'measure', 'drain']);
    assert.deepEqual(tl.map((e) => e.targetPerS), [3000, 3000, 3000, 3000, 3000, 3000, 0]);
    BUCKETS.forEach((i, k) => {
      const e = tl[k];
      // Each worker covered exactly one second, so the rate is the sum of the workers' counts.
      const published = WORKERS.reduce((s, w) => s + (countersOf(w, i).published ?? 0), 0);
      assert.ok(Math.abs(e.publishedPerS - published) < 1e-6, `publishedPerS of bucket ${i}`);
      assert.ok(Math.abs(e.receivedPerS - (published * 2 - 3)) < 1e-6, `receivedPerS of bucket ${i}`);
      assert.equal(e.lateSends, 3 * i);
      assert.equal(e.duplicates, 3);
      assert.equal(e.gapMessages, 5);
      assert.equal(e.maxEventLoopUtilization, 0.30000000000000004);
      assert.equal(e.maxEventLoopDelayP99Us, 3000);
      const v = values.get(i)!;
      if (v.length === 0) {
        assert.deepEqual([e.e2eP50Us, e.e2eP99Us, e.e2eMaxUs, e.e2eHistogram], [null, null, null, '']);
      } else {
        const expected = histogramOf(v);
        const s = summarizeHistogram(expected);
        assert.deepEqual([e.e2eP50Us, e.e2eP99Us, e.e2eMaxUs], [s.p50, s.p99, s.max]);
        const decoded = decodeHistogram(e.e2eHistogram);
        assert.equal(decoded.totalCount, v.length);
        decoded.destroy();
        expected.destroy();
      }
    });
    // Cached entries are reused but handed out as copies.
    tl[3].publishedPerS = -1;
    assert.notEqual(agg.timeline()[3].publishedPerS, -1);
    agg.destroy();
  });

  test('several snapshots in one bucket add up, and misaligned workers keep their own rates', () => {
    const agg = new RunAggregator({ ...opts, targetRate: null });
    // Worker 0 covers [0, 1 s) in two halves; worker 1 covers [0.25 s, 1.25 s): all midpoints lie in bucket 0.
    agg.addSnapshot(snapshot(0, 0, S, S + SEC / 2, { published: 500 }, [100, 200]));
    agg.addSnapshot(snapshot(0, 1, S + SEC / 2, S + SEC, { published: 500 }, [300]));
    agg.addSnapshot(snapshot(1, 0, S + SEC / 4, S + 1.25 * SEC, { published: 1000 }, [400]));
    // A snapshot mostly before the schedule start goes to a negative bucket.
    agg.addSnapshot(snapshot(2, 0, S - 700_000, S + 300_000, { received: 7 }));
    const tl = agg.timeline();
    assert.deepEqual(tl.map((e) => [e.fromMs, e.toMs]), [[-700, 300], [0, 1250]]);
    assert.equal(tl[1].publishedPerS, 2000); // 1000/s + 1000/s, not 2000 over the 1.25 s union
    assert.equal(tl[0].receivedPerS, 7);
    assert.equal(tl[1].targetPerS, null);
    assert.equal(tl[1].e2eMaxUs, 400);
    const bucketHistogram = decodeHistogram(tl[1].e2eHistogram);
    assert.equal(bucketHistogram.totalCount, 4);
    bucketHistogram.destroy();
    agg.destroy();
  });

  test('an interrupted run moves the measure end and with it the phases', () => {
    const { agg } = build();
    agg.setMeasureEndUs(S + 3 * SEC);
    assert.deepEqual(agg.timeline().map((e) => e.phase), ['warmup', 'warmup', 'warmup', 'measure', 'drain', 'drain', 'drain']);
    agg.destroy();
  });

  test('summary: measured counts, exact loss, rates over the measure time, reply comparability', () => {
    const { agg } = build();
    const t = agg.totals();
    const s = agg.summary(3000, true);
    assert.equal(s.published, t.publishedMeasured);
    assert.equal(s.expectedDeliveries, t.expectedMeasured);
    assert.equal(s.delivered, t.deliveredMeasured);
    assert.equal(s.lost, 3 * 3); // worker w loses w per measured bucket
    assert.equal(s.delivered + s.lost, s.expectedDeliveries);
    assert.equal(s.publishRate, t.publishedMeasured / 3);
    assert.equal(s.deliveryRate, t.deliveredMeasured / 3);
    assert.equal(s.publishReplyReceivers, t.publishRepliesMeasured);
    assert.equal(s.targetRate, 3000);
    assert.deepEqual([s.duplicates, s.reordered, s.gaps, s.gapMessages, s.publishErrors], [t.duplicates, 3, 7, 35, 7]);
    assert.equal(agg.summary(3000, false).publishReplyReceivers, null);
    // More deliveries than expected (a foreign publisher, say) never makes loss negative.
    agg.addSnapshot(snapshot(0, 99, S + 4 * SEC, S + 5 * SEC, { deliveredMeasured: 1_000_000 }));
    assert.equal(agg.summary(3000, true).lost, 0);
    agg.destroy();
  });

  test('keeps the first 50 violation examples in arrival order', () => {
    const agg = new RunAggregator(opts);
    const example = (w: number, n: number): ViolationExample =>
      ({ kind: 'gap', subscriberId: w, channel: 0, publisherId: 0, expectedSeq: n, gotSeq: n + 1, atUs: S + n });
    for (const w of WORKERS) {
      const violations = Array.from({ length: 20 }, (_, n) => example(w, n));
      agg.addSnapshot(snapshot(w, 0, S, S + SEC, {}, [], { violations }));
    }
    const kept = agg.examples();
    assert.equal(kept.length, MAX_VIOLATION_EXAMPLES);
    assert.deepEqual(kept.map((e) => [e.subscriberId, e.expectedSeq]),
      [...Array.from({ length: 40 }, (_, k) => [Math.floor(k / 20), k % 20]), ...Array.from({ length: 10 }, (_, n) => [2, n])]);
    agg.destroy();
  });

  test('destroy frees the whole-run histograms, once; buckets hold no decoded histogram between calls', () => {
    const proto = hdr.WasmHistogram.prototype;
    const original = proto.destroy;
    const { agg } = build();
    let destroyed = 0;
    proto.destroy = function (this: hdr.WasmHistogram) {
      destroyed++;
      original.call(this);
    };
    try {
      agg.destroy();
      agg.destroy();
    } finally {
      proto.destroy = original;
    }
    // Only the three whole-run histograms: a bucket keeps its snapshots' encodings and decodes them into a temporary
    // histogram when its entry is built (one decoded WASM histogram per interval grew a long run's RSS without end).
    assert.equal(destroyed, 3);
    assert.throws(() => agg.timeline(), /after destroy/);
    assert.throws(() => agg.addSnapshot(snapshot(0, 0, S, S + SEC, {})), /after destroy/);
  });
});
