import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WORKER_PROTOCOL_VERSION, zeroCounters, type RunResult, type TimelineEntry } from '../../src/core/index.js';
import { RunAggregator, type SnapshotMessage } from '../../src/metrics/aggregate.js';
import { initHistogramEngine } from '../../src/metrics/histogram.js';
import { sampleProcessMemory } from '../../src/coordinator/memory.js';
import { describeMemory, memoryFigures } from '../../src/reporting/memory.js';
import { formatSummary } from '../../src/reporting/terminal.js';
import { renderReport } from '../../src/reporting/html/index.js';
import { fixturePath } from '../helpers/fixtures.js';

const S = 1_700_000_000_000_000;
const SEC = 1_000_000;
const MB = 1024 * 1024;
const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;

function snapshot(workerId: number, fromUs: number, toUs: number, heapUsedBytes?: number): SnapshotMessage {
  return {
    type: 'snapshot', v: WORKER_PROTOCOL_VERSION, workerId, seq: 0, fromUs, toUs, counters: zeroCounters(),
    histograms: { endToEnd: '', endToEndUncorrected: '', publish: '' },
    health: { eventLoopUtilization: 0.1, eventLoopDelayP99Us: 0, eventLoopDelayMaxUs: 0, ...(heapUsedBytes === undefined ? {} : { heapUsedBytes }) },
    violations: [], outages: [], publishingDone: false, final: false,
  };
}

before(() => initHistogramEngine());

test('timeline entries carry the peak RSS and the heap of every worker plus the main thread', () => {
  const agg = new RunAggregator({ scheduleStartUs: S, measureStartUs: S, measureEndUs: S + 2 * SEC, intervalMs: 1000, targetRate: null });
  agg.addSnapshot(snapshot(0, S, S + SEC, 30 * MB), { rssBytes: 200 * MB, heapUsedBytes: 10 * MB });
  agg.addSnapshot(snapshot(1, S, S + SEC, 40 * MB), { rssBytes: 210 * MB, heapUsedBytes: 11 * MB });
  // Two drain-style snapshots of worker 0 in the next bucket: its highest heap counts once, not twice.
  agg.addSnapshot(snapshot(0, S + SEC, S + 1.5 * SEC, 50 * MB), { rssBytes: 220 * MB, heapUsedBytes: 12 * MB });
  agg.addSnapshot(snapshot(0, S + 1.5 * SEC, S + 2 * SEC, 45 * MB), { rssBytes: 215 * MB, heapUsedBytes: 12 * MB });
  const [first, second] = agg.timeline();
  assert.equal(first.rssBytes, 210 * MB, 'highest RSS sample of the interval');
  assert.equal(first.heapUsedBytes, (30 + 40 + 11) * MB, 'both workers + the main thread');
  assert.equal(second.rssBytes, 220 * MB);
  assert.equal(second.heapUsedBytes, (50 + 12) * MB);
  agg.destroy();
});

test('without memory samples the entries have no memory fields (the shape older results have)', () => {
  const agg = new RunAggregator({ scheduleStartUs: S, measureStartUs: S, measureEndUs: S + SEC, intervalMs: 1000, targetRate: null });
  agg.addSnapshot(snapshot(0, S, S + SEC));
  const [entry] = agg.timeline();
  assert.equal('rssBytes' in entry, false);
  assert.equal('heapUsedBytes' in entry, false);
  agg.destroy();
});

test('the coordinator samples real figures', () => {
  const m = sampleProcessMemory();
  assert.ok(m.rssBytes > m.heapUsedBytes && m.heapUsedBytes > 0, JSON.stringify(m));
});

function entry(fromMs: number, phase: TimelineEntry['phase'], rssMb: number, heapMb: number): TimelineEntry {
  return {
    fromMs, toMs: fromMs + 1000, phase, publishedPerS: 0, receivedPerS: 0, targetPerS: null, e2eP50Us: null, e2eP99Us: null,
    e2eMaxUs: null, publishErrors: 0, lateSends: 0, duplicates: 0, reordered: 0, gapMessages: 0, disconnects: 0,
    reconnects: 0, malformed: 0, maxEventLoopUtilization: 0, maxEventLoopDelayP99Us: 0, e2eHistogram: '',
    rssBytes: rssMb * MB, heapUsedBytes: heapMb * MB,
  };
}

/** A 3-minute measure phase whose RSS grows from 100 MB to 130 MB, after a warmup at 300 MB. */
function growingTimeline(): TimelineEntry[] {
  const out = [entry(-1000, 'warmup', 300, 20)];
  for (let s = 0; s < 180; s++) out.push(entry(s * 1000, 'measure', 100 + s / 6, 40));
  return out;
}

test('memory figures: peak, first minute of measuring and the end with its growth', () => {
  const m = memoryFigures(growingTimeline())!;
  assert.equal(m.peakRssBytes, 300 * MB);
  assert.equal(m.firstMinuteRssBytes, (100 + 59 / 6) * MB);
  assert.equal(m.endRssBytes, (100 + 179 / 6) * MB);
  assert.equal(m.peakHeapBytes, 40 * MB);
  assert.equal(describeMemory(m, 180_000), 'peak RSS 300 MB · first minute 110 MB · end 130 MB (+18%) · heap peak 40 MB');
  assert.doesNotMatch(describeMemory(m, 30_000), /end/, 'a run shorter than a minute has no growth to show');
  assert.equal(memoryFigures(load('await.json').timeline), null, 'a result written before memory was recorded');
});

test('terminal and HTML show memory when the result has it, and nothing for older results', { timeout: 60_000 }, async () => {
  const old = load('await.json');
  assert.doesNotMatch(formatSummary(old), /memory/);
  assert.doesNotMatch(await renderReport(old), /data-chart="memory"|data-memory/);
  const r: RunResult = { ...old, measureMs: 180_000, timeline: growingTimeline() };
  assert.match(formatSummary(r), /^ {2}memory {6}peak RSS 300 MB · first minute 110 MB · end 130 MB \(\+18%\)/m);
  const page = await renderReport(r);
  assert.match(page, /Harness memory: peak RSS 300 MB/);
  const spec = /<script type="application\/json" class="vl-spec" data-chart="memory">([\s\S]*?)<\/script>/.exec(page);
  assert.ok(spec, 'memory chart embedded');
  const rows = (JSON.parse(spec[1]).layer as Array<{ mark: { type: string }; data: { values: Array<{ series: string; value: number }> } }>)
    .find((l) => l.mark.type === 'line')!.data.values;
  assert.deepEqual([...new Set(rows.map((v) => v.series))], ['process RSS', 'V8 heap (all threads)']);
  assert.equal(Math.max(...rows.filter((v) => v.series === 'process RSS').map((v) => v.value)), 300);
});
