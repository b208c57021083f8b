/** Live metrics without Redis: completed intervals emitted once and in order, the NDJSON sink's lines, the Prometheus text. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_PROTOCOL_VERSION, zeroCounters, type Counters } from '../../src/core/messages.js';
import type { LiveInterval } from '../../src/core/live.js';
import { RunAggregator, type SnapshotMessage } from '../../src/metrics/aggregate.js';
import { initHistogramEngine } from '../../src/metrics/histogram.js';
import { LiveIntervals } from '../../src/coordinator/live-intervals.js';
import { ndjsonSink, openNdjsonFile, PrometheusSink } from '../../src/reporting/live/index.js';
import { encodedOf } from '../helpers/histograms.js';

const S = 1_700_000_000_000_000;
const SEC = 1_000_000;

function snapshot(workerId: number, fromUs: number, toUs: number, counters: Partial<Counters>, e2eUs: number[] = []): SnapshotMessage {
  return {
    type: 'snapshot', v: WORKER_PROTOCOL_VERSION, workerId, seq: 0, fromUs, toUs,
    counters: { ...zeroCounters(), ...counters },
    histograms: { endToEnd: encodedOf(e2eUs), endToEndUncorrected: encodedOf(e2eUs), publish: encodedOf([]) },
    health: { eventLoopUtilization: 0.25, eventLoopDelayP99Us: 1000, eventLoopDelayMaxUs: 0 },
    violations: [], outages: [], publishingDone: false, final: false,
  };
}

/** An aggregator and an emitter wired as execute.ts wires them, collecting what the sink gets. */
function rig(workers: number, gone: Set<number> = new Set()) {
  const agg = new RunAggregator({ scheduleStartUs: S, measureStartUs: S + SEC, measureEndUs: S + 4 * SEC, intervalMs: 1000, targetRate: 100 });
  const got: LiveInterval[] = [];
  const errors: unknown[] = [];
  const emitter = new LiveIntervals({
    runId: 'r1', scenario: 'test', variant: 'v', workers, isGone: (id) => gone.has(id), scheduleStartUs: S, intervalMs: 1000,
    timeline: () => agg.timeline(), sinks: [{ interval: (i) => got.push(i) }], onSinkError: (e) => errors.push(e),
  });
  const add = (s: SnapshotMessage): void => {
    agg.addSnapshot(s);
    emitter.add(s);
  };
  return { agg, emitter, got, errors, add };
}

describe('live intervals', () => {
  before(() => initHistogramEngine());

  test('an interval is emitted once every worker moved past it, in order, with counts and running totals', () => {
    const { agg, emitter, got, add } = rig(2);
    const c = (n: number): Partial<Counters> => ({ published: n, publishedMeasured: n, expectedMeasured: 2 * n, deliveredMeasured: 2 * n - 1, received: 2 * n });
    add(snapshot(0, S, S + SEC, c(10), [500]));
    assert.equal(got.length, 0, 'worker 1 has sent nothing yet');
    add(snapshot(0, S + SEC, S + 2 * SEC, c(20), [600]));
    assert.equal(got.length, 0, 'still nothing from worker 1');
    add(snapshot(1, S + 5000, S + SEC + 5000, c(1), [700]));
    assert.equal(got.length, 0, 'worker 1 is still in interval 0');
    add(snapshot(1, S + SEC + 5000, S + 2 * SEC + 5000, c(2)));
    assert.deepEqual(got.map((i) => i.seq), [0], 'interval 0 is complete');
    assert.equal(got[0].counts.published, 11);
    assert.equal(got[0].e2eP50Us !== null, true);
    assert.equal('e2eHistogram' in got[0], false, 'the encoded histogram stays out of live lines');
    emitter.flush();
    assert.deepEqual(got.map((i) => i.seq), [0, 1]);
    assert.equal(got[1].counts.published, 22);
    assert.equal(got[1].totals.published, 33);
    assert.equal(got[1].totals.lostMeasured, 4, 'one delivery short in each of the 4 snapshots');
    assert.equal(got[1].runId, 'r1');
    assert.equal(got[1].variant, 'v');
    assert.equal(got[1].phase, 'measure');
    emitter.flush();
    assert.equal(got.length, 2, 'a flush never emits an interval twice');
    agg.destroy();
  });

  test('a failed worker is not waited for; a skipped bucket keeps timeline positions aligned', () => {
    const gone = new Set<number>();
    const { agg, got, add } = rig(2, gone);
    add(snapshot(0, S, S + SEC, { published: 1 }));
    gone.add(1);
    // Worker 0 jumps over interval 1 (a stalled timer): intervals 0 and 2 exist, 1 does not.
    add(snapshot(0, S + SEC + 600_000, S + 3 * SEC + 400_000, { published: 5 }));
    add(snapshot(0, S + 3 * SEC + 400_000, S + 4 * SEC, { published: 7 }));
    assert.deepEqual(got.map((i) => i.counts.published), [1, 5]);
    assert.deepEqual(got.map((i) => i.fromMs), agg.timeline().slice(0, 2).map((t) => t.fromMs), 'each line is its own bucket');
    agg.destroy();
  });

  test('a sink that throws is dropped with one warning; the others still get every interval', () => {
    const agg = new RunAggregator({ scheduleStartUs: S, measureStartUs: S, measureEndUs: S + 4 * SEC, intervalMs: 1000, targetRate: null });
    const got: number[] = [];
    const errors: unknown[] = [];
    const emitter = new LiveIntervals({
      runId: 'r', scenario: 's', variant: '', workers: 1, isGone: () => false, scheduleStartUs: S, intervalMs: 1000, timeline: () => agg.timeline(),
      sinks: [{ interval: () => { throw new Error('disk full'); } }, { interval: (i) => got.push(i.seq) }], onSinkError: (e) => errors.push(e),
    });
    for (let k = 0; k < 3; k++) {
      const s = snapshot(0, S + k * SEC, S + (k + 1) * SEC, { published: 1 });
      agg.addSnapshot(s);
      emitter.add(s);
    }
    emitter.flush();
    assert.deepEqual(got, [0, 1, 2]);
    assert.equal(errors.length, 1);
    agg.destroy();
  });
});

const line = (seq: number, runId = 'r'): LiveInterval => ({
    v: 1, runId, scenario: 's', variant: '', seq, emittedAtMs: 0, fromMs: seq * 1000, toMs: (seq + 1) * 1000, phase: 'measure',
    publishedPerS: 10, receivedPerS: 20, targetPerS: 10, e2eP50Us: 100, e2eP99Us: 200, e2eMaxUs: 300, publishErrors: 0, lateSends: 0,
    duplicates: 0, reordered: 0, gapMessages: 0, disconnects: 0, reconnects: 0, malformed: 0, maxEventLoopUtilization: 0.5, maxEventLoopDelayP99Us: 0,
    counts: { published: 10, received: 20, publishedMeasured: 10, expectedMeasured: 20, deliveredMeasured: 20, publishErrors: 0, disconnects: 0, reconnects: 0 },
    totals: { published: 10, received: 20, publishedMeasured: 10, expectedMeasured: 20, deliveredMeasured: 20, publishErrors: 0, disconnects: 0, reconnects: 0, lostMeasured: 0 },
});

describe('NDJSON sink', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pb-live-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('one parsable line per interval, in order, each on disk as soon as it is written', () => {
    const path = join(dir, 'm.ndjson');
    const file = openNdjsonFile(path);
    for (let k = 0; k < 3; k++) {
      file.sink.interval(line(k));
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, k + 1, 'readable before the file is closed');
    }
    file.close();
    const parsed = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as LiveInterval);
    assert.deepEqual(parsed.map((p) => p.seq), [0, 1, 2]);
    assert.deepEqual(parsed[1], line(1));
  });

  test('a second series appends to the same file; a closed file takes no more lines', () => {
    const path = join(dir, 'a.ndjson');
    for (const k of [0, 1]) {
      const file = openNdjsonFile(path);
      file.sink.interval(line(k));
      file.close();
      file.sink.interval(line(9));
    }
    assert.deepEqual(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as LiveInterval).seq), [0, 1]);
  });

  test('stdout lines go through the writer given, one whole line each', () => {
    const out: string[] = [];
    const sink = ndjsonSink((t) => out.push(t));
    sink.interval(line(0));
    assert.equal(out.length, 1);
    assert.ok(out[0].endsWith('\n') && !out[0].slice(0, -1).includes('\n'));
  });
});

describe('Prometheus sink', () => {
  test('the text format holds every metric with its labels: gauges of the last interval, counters of all', async () => {
    const sink = new PrometheusSink();
    sink.interval({ ...line(0), variant: 'mode=await' });
    sink.interval({ ...line(1), variant: 'mode=await', e2eP99Us: 2500 });
    const text = await sink.metrics();
    const labels = '{run_id="r",scenario="s",variant="mode=await"}';
    assert.match(text, /^# TYPE pubsub_bench_publish_rate gauge$/m);
    assert.ok(text.includes(`pubsub_bench_publish_rate${labels} 10\n`), text);
    assert.ok(text.includes(`pubsub_bench_delivery_rate${labels} 20\n`));
    assert.ok(text.includes(`pubsub_bench_e2e_latency_p99_seconds${labels} 0.0025\n`), 'µs become seconds; the last interval wins');
    assert.ok(text.includes(`pubsub_bench_e2e_latency_p50_seconds${labels} 0.0001\n`));
    assert.ok(text.includes(`pubsub_bench_event_loop_utilization${labels} 0.5\n`));
    assert.ok(text.includes(`pubsub_bench_lost_messages${labels} 0\n`));
    assert.match(text, /^# TYPE pubsub_bench_published_messages_total counter$/m);
    assert.ok(text.includes(`pubsub_bench_published_messages_total${labels} 20\n`), 'counters add the intervals up');
    for (const name of ['received_messages_total', 'measured_delivered_messages_total', 'publish_errors_total', 'disconnects_total']) {
      assert.ok(text.includes(`pubsub_bench_${name}${labels} `), name);
    }
  });

  test('a new run of the series drops the last run\'s gauges and keeps its counters; label values are escaped', async () => {
    const sink = new PrometheusSink();
    sink.interval(line(0, 'first'));
    sink.interval({ ...line(0, 'second'), variant: 'a "quoted" \\ label', targetPerS: null });
    const text = await sink.metrics();
    assert.doesNotMatch(text, /pubsub_bench_publish_rate\{run_id="first"/);
    assert.match(text, /pubsub_bench_published_messages_total\{run_id="first",scenario="s",variant=""\} 10/);
    assert.ok(text.includes('variant="a \\"quoted\\" \\\\ label"'), text);
    assert.doesNotMatch(text, /pubsub_bench_target_rate\{run_id="second"/, 'no target rate at --rate max');
  });
});
