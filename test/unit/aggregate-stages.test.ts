/** The aggregator under a load profile: timeline targets follow the curve, the summary's target is its mean. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WORKER_PROTOCOL_VERSION, zeroCounters } from '../../src/core/messages.js';
import { RunAggregator, type SnapshotMessage } from '../../src/metrics/aggregate.js';
import { initHistogramEngine } from '../../src/metrics/histogram.js';
import { parseStages } from '../../src/scenarios/stages.js';
import { RateCurve } from '../../src/load/profile.js';

const S = 1_700_000_000_000_000;
const SEC = 1_000_000;

function emptySnapshot(seq: number, fromUs: number, toUs: number): SnapshotMessage {
  return {
    type: 'snapshot', v: WORKER_PROTOCOL_VERSION, workerId: 0, seq, fromUs, toUs, counters: zeroCounters(),
    histograms: { endToEnd: '', endToEndUncorrected: '', publish: '' },
    health: { eventLoopUtilization: 0, eventLoopDelayP99Us: 0, eventLoopDelayMaxUs: 0 },
    violations: [], outages: [], publishingDone: false, final: false,
  };
}

before(() => initHistogramEngine());

test('targetPerS is the mean offered rate of each interval; summary.targetRate the mean over the measure phase', () => {
  // 2 s warmup held at 1000/s, then 1 s at 1000/s and a 2 s ramp from 1000 to 3000/s.
  const curve = new RateCurve(parseStages('1s:1000,ramp:2s:1000-3000', 's'), S, 2 * SEC);
  const agg = new RunAggregator({
    scheduleStartUs: S, measureStartUs: S + 2 * SEC, measureEndUs: S + 5 * SEC, intervalMs: 1000, targetRate: 1, offeredLoad: curve,
  });
  for (let i = -1; i <= 5; i++) agg.addSnapshot(emptySnapshot(i + 1, S + i * SEC, S + (i + 1) * SEC));
  const targets = agg.timeline().map((e) => Math.round(e.targetPerS ?? -1));
  // Before the schedule starts nothing is offered; the drain offers nothing either.
  assert.deepEqual(targets, [0, 1000, 1000, 1000, 1500, 2500, 0]);
  assert.ok(Math.abs((agg.summary(3000, true).targetRate ?? 0) - 5000 / 3) < 1e-6, 'the constant targetRate is not used');
  // An interrupted run: the mean over what was measured (1000 + 625 messages in 1.5 s); a span reaching past the end averages in zeros.
  agg.setMeasureEndUs(S + 3.5 * SEC);
  assert.ok(Math.abs((agg.summary(1500, true).targetRate ?? 0) - 1625 / 1.5) < 1e-6);
  const cut = agg.timeline().find((e) => e.fromMs === 3000);
  assert.equal(Math.round(cut?.targetPerS ?? -1), 625);
  agg.destroy();
});

test('without a profile the constant target stays as it was', () => {
  const agg = new RunAggregator({ scheduleStartUs: S, measureStartUs: S + SEC, measureEndUs: S + 2 * SEC, intervalMs: 1000, targetRate: 700 });
  for (let i = 0; i <= 2; i++) agg.addSnapshot(emptySnapshot(i, S + i * SEC, S + (i + 1) * SEC));
  assert.deepEqual(agg.timeline().map((e) => e.targetPerS), [700, 700, 0]);
  assert.equal(agg.summary(1000, true).targetRate, 700);
  agg.destroy();
});
