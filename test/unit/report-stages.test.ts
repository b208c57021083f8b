/** Per-stage figures of a load profile run in the report and the terminal summary, from result.json alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Phase, RunResult, TimelineEntry } from '../../src/core/index.js';
import { chartTimeline, renderReport } from '../../src/reporting/html/index.js';
import { stageFigures, stageSpans } from '../../src/reporting/stages.js';
import { formatSummary } from '../../src/reporting/terminal.js';
import { encodedOf } from '../helpers/histograms.js';
import { makeResult, makeSummary } from '../helpers/summary.js';

const T = { timeout: 60_000 };

function entry(fromS: number, phase: Phase, publishedPerS: number, targetPerS: number, latenciesUs: number[]): TimelineEntry {
  return {
    fromMs: fromS * 1000, toMs: (fromS + 1) * 1000, phase, publishedPerS, receivedPerS: publishedPerS * 2, targetPerS,
    e2eP50Us: null, e2eP99Us: null, e2eMaxUs: null, publishErrors: 0, lateSends: 0, duplicates: 0, reordered: 0,
    gapMessages: 0, disconnects: 0, reconnects: 0, malformed: 0, maxEventLoopUtilization: 0.2, maxEventLoopDelayP99Us: 1000,
    e2eHistogram: encodedOf(latenciesUs),
  };
}

/**
 * 1 s warmup, a 2 s step at 500/s, a 2 s ramp 1000→3000/s, 1 s drain. The ramp's second second has a slow tail;
 * the warmup and drain intervals hold a few measured deliveries, as real ones do at the phase edges.
 */
function profiled(measureMs = 4000): RunResult {
  const base = makeResult(makeSummary({ publishRate: 1500, measureS: 4 }));
  const stages = [{ durationMs: 2000, fromRate: 500, toRate: 500 }, { durationMs: 2000, fromRate: 1000, toRate: 3000 }];
  return {
    ...base,
    measureMs,
    scenario: { ...base.scenario, warmupMs: 1000, durationMs: 4000, publishers: { ...base.scenario.publishers, rate: 1500 }, stages },
    timeline: [
      entry(0, 'warmup', 500, 500, [1000]),
      entry(1, 'measure', 490, 500, new Array(500).fill(1000)),
      entry(2, 'measure', 500, 500, new Array(500).fill(1000)),
      entry(3, 'measure', 1500, 1500, new Array(1000).fill(2000)),
      entry(4, 'measure', 2300, 2500, new Array(10).fill(80_000)),
      entry(5, 'drain', 0, 0, [1500, 1500]),
    ],
  };
}

const near = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= expected * 0.001 + 1, `${what}: ${actual} vs ${expected}`);

test('stage figures merge the intervals inside each stage; percentiles come from the merged histogram', () => {
  const [one, two, ...rest] = stageFigures(profiled());
  assert.equal(rest.length, 0);
  assert.deepEqual([one.fromS, one.toS, two.fromS, two.toS], [1, 3, 3, 5]);
  assert.equal(one.intervals, 2);
  assert.equal(one.e2e?.count, 1001, 'with the measured delivery of the warmup interval');
  near(one.e2e?.p99, 1000, 'step p99');
  assert.equal(one.targetPerS, 500);
  assert.equal(one.publishedPerS, 495);
  assert.equal(one.receivedPerS, 990);
  assert.equal(one.partial, false);
  // 1000 samples at 2 ms, 10 at 80 ms (and 2 from the drain at 1.5 ms): p99 is 2 ms. Averaging the intervals' p99s
  // would say about 41 ms.
  assert.equal(two.e2e?.count, 1012, 'with the deliveries of the drain');
  near(two.e2e?.p99, 2000, 'ramp p99');
  near(two.e2e?.max, 80_000, 'ramp max');
  assert.equal(two.targetPerS, 2000);
  assert.equal(two.publishedPerS, 1900);
  assert.equal(two.rateLabel, '1k→3k/s');
});

test('intervals straddling a stage boundary are left out of the rates, but their latency still counts', () => {
  // Stages start at 1 s and 3 s; with a 1.5 s warmup the 1-s intervals straddle every boundary.
  const r = profiled();
  const shifted = { ...r, scenario: { ...r.scenario, warmupMs: 1500 } };
  const [one, two] = stageFigures(shifted);
  assert.deepEqual([one.fromS, one.toS, two.fromS, two.toS], [1.5, 3.5, 3.5, 5.5]);
  // [1, 2) and [3, 4) straddle the boundaries at 1.5 s and 3.5 s: only [2, 3) and [4, 5) carry rates.
  assert.equal(one.intervals, 1);
  assert.equal(one.publishedPerS, 500);
  assert.equal(two.intervals, 1);
  assert.equal(two.publishedPerS, 2300);
  // Latency by midpoint: [1, 2) and the warmup interval go to stage 1, [2, 3) too; [3, 4), [4, 5) and the drain to stage 2.
  assert.equal((one.e2e?.count ?? 0) + (two.e2e?.count ?? 0), 1 + 500 + 500 + 1000 + 10 + 2, 'every delivery in one stage');
  const jitter = (warmupMs: number) => stageFigures({ ...r, scenario: { ...r.scenario, warmupMs } })[0].intervals;
  assert.equal(jitter(1050), 2, 'an interval starting up to 10% of its length early still counts (timer jitter)');
  assert.equal(jitter(1200), 1, 'one starting 20% early does not');
});

test('an interrupted run shows only the stages it reached, the last one cut short', () => {
  const figures = stageFigures(profiled(1500));
  assert.equal(figures.length, 1);
  assert.equal(figures[0].partial, true);
});

test('a result without a well-formed profile has no stage figures (result.json is untrusted)', () => {
  const r = profiled();
  for (const stages of [undefined, 'x', [], [{ durationMs: 'a', fromRate: 1, toRate: 1 }], [null]]) {
    const bad = { ...r, scenario: { ...r.scenario, stages } } as unknown as RunResult;
    assert.deepEqual(stageFigures(bad), [], JSON.stringify(stages));
    assert.deepEqual(stageSpans(bad), []);
  }
});

test('chart points never straddle a stage boundary', () => {
  const r = profiled();
  const tl = chartTimeline(r.timeline, 2, stageSpans(r));
  assert.equal(tl.groupSize, 3);
  assert.deepEqual(tl.points.map((p) => p.tS), [0.5, 2, 4, 5.5]);
  assert.deepEqual(chartTimeline(r.timeline, 2).points.map((p) => p.tS), [0.5, 2.5, 4.5, 5.5], 'without stages, groups of 3 within a phase');
});

test('the report marks the stages on the time charts and has a latency-per-stage table', T, async () => {
  const page = await renderReport(profiled());
  assert.match(page, /<h2>Latency per stage<\/h2>/);
  assert.match(page, /2 s at 500\/s/);
  assert.match(page, /ramp over 2 s 1k→3k\/s/);
  const spec = JSON.parse(/class="vl-spec" data-chart="publish-rate">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? 'null') as { layer: Array<{ mark: { type: string }; data: { values: Array<Record<string, unknown>> } }> };
  const rules = spec.layer.find((l) => l.mark.type === 'rule');
  assert.deepEqual(rules?.data.values.map((v) => v.fromS), [3], 'a boundary where the second stage starts');
  const labels = spec.layer.filter((l) => l.mark.type === 'text').flatMap((l) => l.data.values.map((v) => v.label)).filter(Boolean);
  assert.deepEqual(labels, ['1 · 500/s', '2 · 1k→3k/s']);
  const plain = await renderReport(makeResult(makeSummary()));
  assert.doesNotMatch(plain, /Latency per stage/, 'no section without a profile');
});

test('the terminal summary has one line per stage with its rate and p99', () => {
  const text = formatSummary(profiled());
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('Load profile (per stage)'));
  assert.ok(at > 0, text);
  assert.match(lines[at + 1], /1\s+2 s at 500\/s\s+target 500\/s\s+published 495\/s\s+e2e p99 1 ms/);
  assert.match(lines[at + 2], /2\s+ramp over 2 s 1k→3k\/s\s+target 2k\/s\s+published 1\.9k\/s\s+e2e p99 2 ms/);
  assert.doesNotMatch(formatSummary(makeResult(makeSummary())), /Load profile/);
});
