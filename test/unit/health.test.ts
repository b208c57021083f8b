import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildWarnings, judgeHealth } from '../../src/coordinator/health.js';
import type { RunSummary, TimelineEntry } from '../../src/core/result.js';

const lat = { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, min: 1, mean: 1, count: 1 };
function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    published: 1000, expectedDeliveries: 2000, delivered: 2000, lost: 0, duplicates: 0, reordered: 0, gaps: 0,
    gapMessages: 0, malformed: 0, publishErrors: 0, lateSends: 0, unsent: 0, disconnects: 0, reconnects: 0,
    publishReplyReceivers: 2000, publishRate: 1000, deliveryRate: 2000, targetRate: 1000,
    latencyUs: { endToEnd: lat, endToEndUncorrected: lat, publish: lat }, ...over,
  };
}
function interval(elu: number, phase: TimelineEntry['phase'] = 'measure'): TimelineEntry {
  return {
    fromMs: 0, toMs: 1000, phase, publishedPerS: 0, receivedPerS: 0, targetPerS: null, e2eP50Us: null, e2eP99Us: null,
    e2eMaxUs: null, publishErrors: 0, lateSends: 0, duplicates: 0, reordered: 0, gapMessages: 0, disconnects: 0,
    reconnects: 0, malformed: 0, maxEventLoopUtilization: elu, maxEventLoopDelayP99Us: 100, e2eHistogram: '',
  };
}

test('one busy second is not a bottleneck; a saturated harness is, and says so', () => {
  const calm = judgeHealth({ summary: summary(), timeline: [0.4, 0.5, 1, 0.4, 0.5].map((e) => interval(e)), processCpuCores: 0.5, rateIsMax: false });
  assert.equal(calm.harnessBottleneck, false);
  assert.equal(calm.maxEventLoopUtilization, 1);
  const busy = judgeHealth({ summary: summary(), timeline: [0.95, 0.99, 0.5, 0.97].map((e) => interval(e)), processCpuCores: 1, rateIsMax: true });
  assert.equal(busy.harnessBottleneck, true);
  assert.match(busy.reasons.join(' '), /3 of 4 measured intervals.*harness limit/);
  const warmupOnly = judgeHealth({ summary: summary(), timeline: [interval(1, 'warmup'), interval(0.2)], processCpuCores: 1, rateIsMax: false });
  assert.equal(warmupOnly.harnessBottleneck, false, 'warmup intervals are not judged');
});

test('a rate shortfall names who was the limit, and unsent messages are reported', () => {
  const h = judgeHealth({ summary: summary({ publishRate: 600, unsent: 400 }), timeline: [interval(0.3)], processCpuCores: 0.3, rateIsMax: false });
  assert.match(h.reasons.join('\n'), /achieved 60\.0% of the target publish rate: Redis replies were the limit/);
  assert.match(h.reasons.join('\n'), /400 scheduled messages were never sent/);
});

test('warnings state loss, foreign subscribers and insecure TLS in plain words', () => {
  const target = { kind: 'single' as const, urls: ['redis://127.0.0.1:1'], tls: true, tlsInsecure: true, local: false };
  const health = judgeHealth({ summary: summary(), timeline: [], processCpuCores: 0, rateIsMax: false });
  const w = buildWarnings({
    summary: summary({ lost: 20, delivered: 1980, publishReplyReceivers: 2100 }), health, target, interrupted: false,
    repliesComparable: true, overDelivered: 0, subscriptionNotes: [],
  });
  assert.ok(w.some((x) => /20 of 2000 expected deliveries were lost \(1\.000%\)/.test(x)));
  assert.ok(w.some((x) => /100 more receivers than the plan: another client/.test(x)));
  assert.ok(w.some((x) => /verification was OFF/.test(x)));
  const clean = buildWarnings({ summary: summary(), health, target: { ...target, tlsInsecure: false }, interrupted: false, repliesComparable: true, overDelivered: 0, subscriptionNotes: [] });
  assert.deepEqual(clean, []);
});
