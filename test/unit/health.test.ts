import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildWarnings, judgeHealth, type HealthInput } from '../../src/coordinator/health.js';
import type { LatencySummaryUs, RunSummary, TimelineEntry } from '../../src/core/result.js';

const lat = { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, min: 1, mean: 1, count: 1 };
function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    published: 1000, expectedDeliveries: 2000, delivered: 2000, lost: 0, duplicates: 0, reordered: 0, gaps: 0,
    gapMessages: 0, malformed: 0, publishErrors: 0, lateSends: 0, unsent: 0, disconnects: 0, reconnects: 0,
    publishReplyReceivers: 2000, publishRate: 1000, deliveryRate: 2000, targetRate: 1000,
    latencyUs: { endToEnd: lat, endToEndUncorrected: lat, publish: lat }, ...over,
  };
}
function interval(elu: number, phase: TimelineEntry['phase'] = 'measure', delayP99Us = 100): TimelineEntry {
  return {
    fromMs: 0, toMs: 1000, phase, publishedPerS: 0, receivedPerS: 0, targetPerS: null, e2eP50Us: null, e2eP99Us: null,
    e2eMaxUs: null, publishErrors: 0, lateSends: 0, duplicates: 0, reordered: 0, gapMessages: 0, disconnects: 0,
    reconnects: 0, malformed: 0, maxEventLoopUtilization: elu, maxEventLoopDelayP99Us: delayP99Us, e2eHistogram: '',
  };
}
/** judgeHealth with a calm default run: pipeline mode, one publisher, nothing unusual. */
function judge(over: Partial<HealthInput>) {
  return judgeHealth({ summary: summary(), timeline: [interval(0.3)], processCpuCores: 0.3, rateIsMax: false, publishMode: 'pipeline', publishers: 1, ...over });
}
function latency(p50: number, p99: number, count = 1000): LatencySummaryUs {
  return { ...lat, p50, p99, count };
}

test('one busy second is not a bottleneck; a saturated harness is, and says so', () => {
  const calm = judgeHealth({ summary: summary(), timeline: [0.4, 0.5, 1, 0.4, 0.5].map((e) => interval(e)), processCpuCores: 0.5, rateIsMax: false, publishMode: 'pipeline', publishers: 1 });
  assert.equal(calm.harnessBottleneck, false);
  assert.equal(calm.maxEventLoopUtilization, 1);
  const busy = judgeHealth({ summary: summary(), timeline: [0.95, 0.99, 0.5, 0.97].map((e) => interval(e)), processCpuCores: 1, rateIsMax: true, publishMode: 'pipeline', publishers: 1 });
  assert.equal(busy.harnessBottleneck, true);
  assert.match(busy.reasons.join(' '), /3 of 4 measured intervals.*harness limit/);
  const warmupOnly = judgeHealth({ summary: summary(), timeline: [interval(1, 'warmup'), interval(0.2)], processCpuCores: 1, rateIsMax: false, publishMode: 'pipeline', publishers: 1 });
  assert.equal(warmupOnly.harnessBottleneck, false, 'warmup intervals are not judged');
});

test('a rate shortfall names who was the limit, and unsent messages are reported', () => {
  const h = judgeHealth({ summary: summary({ publishRate: 600, unsent: 400 }), timeline: [interval(0.3)], processCpuCores: 0.3, rateIsMax: false, publishMode: 'pipeline', publishers: 1 });
  assert.match(h.reasons.join('\n'), /achieved 60\.0% of the target publish rate: Redis replies were the limit/);
  assert.match(h.reasons.join('\n'), /400 scheduled messages were never sent/);
});

test('warnings state loss, foreign subscribers and insecure TLS in plain words', () => {
  const target = { kind: 'single' as const, urls: ['redis://127.0.0.1:1'], tls: true, tlsInsecure: true, local: false };
  const health = judgeHealth({ summary: summary(), timeline: [], processCpuCores: 0, rateIsMax: false, publishMode: 'pipeline', publishers: 1 });
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

test('an event-loop delay comparable to the e2e latency is harness-dominated latency, naming both figures', () => {
  // The run: 2,000 subscribers on one thread, delay p99 29.7 ms beside an e2e p50 of 20.7 ms.
  const e2e = latency(20_700, 44_000);
  const h = judge({ summary: summary({ latencyUs: { endToEnd: e2e, endToEndUncorrected: e2e, publish: lat } }), timeline: [interval(0.5, 'measure', 29_700), interval(0.5)] });
  assert.equal(h.harnessBottleneck, true, 'ELU alone (50%) would not have said so');
  assert.equal(h.maxEventLoopDelayP99Us, 29_700);
  assert.match(h.reasons.join('\n'), /latency was dominated by the harness: .*delay p99 reached 29\.7 ms.*p50 20\.7 ms, p99 44 ms/);
  // Exactly half of the p99 is comparable; a little less is not.
  const atHalf = judge({ summary: summary({ latencyUs: { endToEnd: latency(4000, 9000), endToEndUncorrected: lat, publish: lat } }), timeline: [interval(0.5, 'measure', 4500)] });
  assert.equal(atHalf.harnessBottleneck, true);
  const below = judge({ summary: summary({ latencyUs: { endToEnd: latency(4000, 9000), endToEndUncorrected: lat, publish: lat } }), timeline: [interval(0.5, 'measure', 4400)] });
  assert.equal(below.harnessBottleneck, false);
});

test('one stalled interval in five is noise; a delay in a quarter of the run or more is the harness', () => {
  const e2e = latency(700, 2300);
  const withE2e = summary({ latencyUs: { endToEnd: e2e, endToEndUncorrected: e2e, publish: lat } });
  const once = judge({ summary: withE2e, timeline: [1630, 300, 250, 280, 310].map((d) => interval(0.1, 'measure', d)) });
  assert.equal(once.harnessBottleneck, false, 'a single GC pause or a neighbour process is not the harness');
  const steady = judge({ summary: withE2e, timeline: [1630, 1500, 250, 1700, 310].map((d) => interval(0.1, 'measure', d)) });
  assert.equal(steady.harnessBottleneck, true);
  assert.match(steady.reasons.join('\n'), /in 3 of 5 measured intervals .*delay p99 reached 1\.63 ms \(median; worst 1\.7 ms\)/);
});

test('at --rate max a large event-loop delay explains the latency figures but is no throughput bottleneck', () => {
  // A closed loop keeps the thread busy by design (batches of 1000 queue behind each other) while ELU stays at 62%.
  const e2e = latency(700, 5300);
  const h = judge({ rateIsMax: true, summary: summary({ latencyUs: { endToEnd: e2e, endToEndUncorrected: e2e, publish: lat } }), timeline: [interval(0.62, 'measure', 3090)] });
  assert.equal(h.harnessBottleneck, false);
  assert.match(h.reasons.join('\n'), /at --rate max deliveries queue behind whole batches: .*3\.09 ms.*p50 700 µs/);
  const saturated = judge({ rateIsMax: true, summary: summary({ latencyUs: { endToEnd: e2e, endToEndUncorrected: e2e, publish: lat } }), timeline: [interval(0.97, 'measure', 3090)] });
  assert.equal(saturated.harnessBottleneck, true, 'a saturated thread still is the bottleneck at --rate max');
});

test('harness-dominated latency does not fire on a small delay, an idle run, warmup stalls or a run without deliveries', () => {
  const e2e = latency(20_700, 44_000);
  const withE2e = summary({ latencyUs: { endToEnd: e2e, endToEndUncorrected: e2e, publish: lat } });
  const small = judge({ summary: withE2e, timeline: [interval(0.5, 'measure', 10_000)] });
  assert.equal(small.harnessBottleneck, false, '10 ms beside a 44 ms p99 is below half');
  assert.deepEqual(small.reasons, []);
  // Loopback: e2e p50 400 µs, delay 600 µs is above half the p50 but below the 1 ms floor (timer jitter).
  const idle = judge({ summary: summary({ latencyUs: { endToEnd: latency(400, 900), endToEndUncorrected: lat, publish: lat } }), timeline: [interval(0.1, 'measure', 600)] });
  assert.equal(idle.harnessBottleneck, false);
  const warmup = judge({ summary: withE2e, timeline: [interval(0.9, 'warmup', 50_000), interval(0.2, 'measure', 500)] });
  assert.equal(warmup.harnessBottleneck, false, 'only measured intervals are judged');
  const none = judge({ summary: summary({ latencyUs: { endToEnd: latency(0, 0, 0), endToEndUncorrected: lat, publish: lat } }), timeline: [interval(0.2, 'measure', 50_000)] });
  assert.doesNotMatch(none.reasons.join('\n'), /dominated/, 'no e2e samples: nothing to compare with');
});

test('the late-send share is of the measured sends including failed ones, so it never passes 100%', () => {
  // 2444 late sends beside 470 published used to print as 520%: the late ones include publishes that then failed.
  const h = judge({ summary: summary({ published: 470, publishErrors: 2500, lateSends: 2444 }) });
  const line = h.reasons.find((r) => /left over 5 ms/.test(r));
  assert.ok(line, 'late sends reported');
  assert.match(line, /^2444 of 2970 measured sends \(82\.3%\) left over 5 ms/);
  const share = Number(/\(([\d.]+)%\)/.exec(line)![1]);
  assert.ok(share <= 100, `share ${share}% must not pass 100%`);
  const few = judge({ summary: summary({ published: 1000, lateSends: 10 }) });
  assert.deepEqual(few.reasons, [], '1% late is within the schedule tolerance');
});

test('an await publisher that falls behind is told why: one reply per round trip, and what to do', () => {
  const short = summary({
    targetRate: 10_000, publishRate: 5000,
    latencyUs: { endToEnd: lat, endToEndUncorrected: lat, publish: latency(358, 900) },
  });
  const h = judge({ summary: short, publishMode: 'await', publishers: 2 });
  assert.match(h.reasons.join('\n'), /achieved 50\.0% of the target publish rate/);
  assert.match(h.reasons.join('\n'),
    /one connection waiting for each reply sends at most 1\/RTT \(RTT measured: 358 µs → 2\.79k msgs\/s per publisher, 5\.59k msgs\/s with 2 publishers\); add --publishers or use --publish-mode auto/);
  const one = judge({ summary: short, publishMode: 'await', publishers: 1 });
  assert.match(one.reasons.join('\n'), /\(RTT measured: 358 µs → 2\.79k msgs\/s per publisher\); add --publishers/);
});

test('the await explanation does not fire for other modes, without a shortfall, or when the RTT leaves room', () => {
  const rtt = (p50: number) => ({ endToEnd: lat, endToEndUncorrected: lat, publish: latency(p50, p50 * 2) });
  const short = summary({ targetRate: 10_000, publishRate: 5000, latencyUs: rtt(358) });
  assert.doesNotMatch(judge({ summary: short, publishMode: 'pipeline', publishers: 2 }).reasons.join('\n'), /1\/RTT/);
  assert.doesNotMatch(judge({ summary: short, publishMode: 'auto', publishers: 2 }).reasons.join('\n'), /1\/RTT/);
  const onTarget = summary({ targetRate: 10_000, publishRate: 9990, latencyUs: rtt(358) });
  assert.deepEqual(judge({ summary: onTarget, publishMode: 'await', publishers: 2 }).reasons, []);
  // 50 µs → 20k/s per publisher, 40k/s for two: four times the target, so the wait does not explain the shortfall.
  const fastReplies = summary({ targetRate: 10_000, publishRate: 5000, latencyUs: rtt(50) });
  const h = judge({ summary: fastReplies, publishMode: 'await', publishers: 2 });
  assert.match(h.reasons.join('\n'), /achieved 50\.0%/);
  assert.doesNotMatch(h.reasons.join('\n'), /1\/RTT/);
  const noReplies = summary({ targetRate: 10_000, publishRate: 5000, latencyUs: { endToEnd: lat, endToEndUncorrected: lat, publish: latency(0, 0, 0) } });
  assert.doesNotMatch(judge({ summary: noReplies, publishMode: 'await', publishers: 2 }).reasons.join('\n'), /1\/RTT/);
});

test('late sends that make up most of the e2e p99 are harness-dominated latency, never "no"', () => {
  // The run: 21% of sends late beside an e2e p99 of 142 ms, of which only 3.1 ms remained from the actual send.
  const corrected = latency(2_000, 142_000);
  const uncorrected = latency(900, 3_100);
  const late = summary({ published: 10_000, lateSends: 2_100, latencyUs: { endToEnd: corrected, endToEndUncorrected: uncorrected, publish: lat } });
  const h = judge({ summary: late, timeline: [interval(0.4, 'measure', 400), interval(0.4, 'measure', 400)] });
  assert.equal(h.harnessBottleneck, true, 'neither ELU (40%) nor loop delay (400 µs) would have said so');
  const line = h.reasons.find((r) => /sending late/.test(r));
  assert.ok(line, h.reasons.join('\n'));
  assert.match(line, /^latency was dominated by sending late: 2100 of 10000 measured sends \(21\.0%\) left over 5 ms after their intended time, and the corrected e2e p99 of 142 ms is mostly that wait \(from the actual send it was p99 3\.1 ms\)/);
  assert.equal(h.reasons.filter((r) => /left over 5 ms/.test(r)).length, 1, 'late sends said once');
  // At --rate max there is no schedule to be late against: no verdict from it.
  assert.equal(judge({ summary: late, rateIsMax: true }).harnessBottleneck, false);
});

test('late sends are not the bottleneck when Redis, not the wait before sending, makes the p99', () => {
  // Slow deliveries grow both percentiles alike: 21% late, but 120 of the 142 ms came after the send.
  const slowRedis = summary({ published: 10_000, lateSends: 2_100, latencyUs: { endToEnd: latency(2_000, 142_000), endToEndUncorrected: latency(1_800, 120_000), publish: lat } });
  const h = judge({ summary: slowRedis });
  assert.equal(h.harnessBottleneck, false);
  assert.match(h.reasons.join('\n'), /^2100 of 10000 measured sends \(21\.0%\) left over 5 ms after their intended time; latency is still measured/m);
  // Exactly half of the p99 spent before sending is comparable; a little less is not; 1% late is within tolerance.
  const atHalf = summary({ published: 1000, lateSends: 50, latencyUs: { endToEnd: latency(1000, 20_000), endToEndUncorrected: latency(900, 10_000), publish: lat } });
  assert.equal(judge({ summary: atHalf }).harnessBottleneck, true);
  const below = summary({ published: 1000, lateSends: 50, latencyUs: { endToEnd: latency(1000, 20_000), endToEndUncorrected: latency(900, 10_100), publish: lat } });
  assert.equal(judge({ summary: below }).harnessBottleneck, false);
  const few = summary({ published: 1000, lateSends: 10, latencyUs: { endToEnd: latency(1000, 20_000), endToEndUncorrected: latency(900, 1_000), publish: lat } });
  assert.equal(judge({ summary: few }).harnessBottleneck, false, 'at most 1% late cannot make the p99');
});

test('a fleet without publishers reports no rate shortfall: nothing was offered', () => {
  const h = judge({ publishers: 0, summary: summary({ published: 0, publishRate: 0, expectedDeliveries: 0, delivered: 0 }) });
  assert.deepEqual(h.reasons, []);
});
