/**
 * The result of a run rebuilt from recorded worker messages alone, without Redis: assembleResult is pure, so the
 * same messages give the same result; an interrupted run and a run whose worker crashed keep their accounting and
 * name what happened. The messages go through RunRecording's one handler, as in a real run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode } from '../../src/core/errors.js';
import { WORKER_PROTOCOL_VERSION as V, zeroCounters, type Counters, type WorkerMessage } from '../../src/core/messages.js';
import { assembleResult, type AssembleInput } from '../../src/coordinator/assemble.js';
import { planFleet } from '../../src/coordinator/plan.js';
import { RunRecording } from '../../src/coordinator/recording.js';
import { initHistogramEngine } from '../../src/metrics/histogram.js';
import { parseThresholds } from '../../src/metrics/thresholds.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { encodedOf } from '../helpers/histograms.js';

const S = 1_700_000_000_000_000; // schedule start, epoch µs
const SEC = 1_000_000;
// 1 s warmup, 3 s measured; two workers: worker 0 publishes, worker 1 subscribes (2 subscribers on 1 channel).
const scenario = resolveScenario({
  name: 'recorded', channels: { count: 1 }, publishers: { count: 1, rate: 100 }, subscribers: [{ count: 2, channelsEach: 'all' }],
  warmup: '1s', duration: '3s', drainTimeout: '1s',
}, 'test');
const plan = planFleet(scenario, 2);

function snapshot(workerId: number, seq: number, counters: Partial<Counters>, e2eUs: number[], last: boolean): WorkerMessage {
  const fromUs = S + seq * SEC;
  return {
    type: 'snapshot', v: V, workerId, seq, fromUs, toUs: fromUs + SEC,
    counters: { ...zeroCounters(), ...counters },
    histograms: { endToEnd: encodedOf(e2eUs), endToEndUncorrected: encodedOf(e2eUs), publish: encodedOf(workerId === 0 ? e2eUs.map((v) => v / 2) : []) },
    health: { eventLoopUtilization: 0.1, eventLoopDelayP99Us: 0, eventLoopDelayMaxUs: 0 },
    violations: [], outages: [], publishingDone: last, final: last,
    ...(last ? { perChannel: workerId === 0 ? { published: [300], delivered: [0] } : { published: [0], delivered: [600] } } : {}),
  };
}

/** A run of `seconds` snapshots per worker (1 warmup, then measured); each measured second 100 messages × 2 receivers. */
function record(seconds: number, crashWorker1At?: number): RunRecording {
  const rec = new RunRecording(2);
  rec.record({ type: 'ready', v: V, workerId: 0, confirmedSubscriptions: 0 });
  rec.record({ type: 'ready', v: V, workerId: 1, confirmedSubscriptions: 2 });
  for (let i = 0; i < seconds; i++) {
    const measured = i >= 1;
    const last = i === seconds - 1;
    rec.record(snapshot(0, i, { published: 100, publishedMeasured: measured ? 100 : 0, expectedMeasured: measured ? 200 : 0, publishRepliesMeasured: measured ? 200 : 0 }, [], last));
    if (crashWorker1At !== undefined && i >= crashWorker1At) continue;
    rec.record(snapshot(1, i, { received: 200, deliveredMeasured: measured ? 200 : 0, inOrder: 200 }, measured ? Array(200).fill(1000 + i) : [], last));
  }
  if (crashWorker1At !== undefined) rec.crashed(1, Object.assign(new Error('boom'), { stack: 'Error: boom\n    at bug (worker.js:1:1)' }));
  return rec;
}

function input(rec: RunRecording, over: Partial<AssembleInput> = {}): AssembleInput {
  return {
    runId: 'r1', startedAt: new Date(1000), endedAt: new Date(6000), scenario, plan, snapshots: rec.snapshots, failures: rec.failures,
    schedule: { startUs: S, measureStartUs: S + SEC, measureEndUs: S + 4 * SEC }, intervalMs: 1000, interrupted: false,
    target: { kind: 'single', urls: ['redis://127.0.0.1:1'], tls: false, tlsInsecure: false, local: true, redisVersion: '7.2.0' },
    info: { redisVersion: '7.2.0', mode: 'standalone', masters: ['127.0.0.1:1'] },
    versions: { harness: '0.0.0', node: '20', redis: '7.2.0' }, repliesComparable: true, subscriptionNotes: [], processCpuCores: 0.2,
    thresholds: [], server: { samples: [], warnings: [] }, hookWarnings: [], ...over,
  };
}

before(async () => {
  await initHistogramEngine();
});

test('a complete run: counts add up, percentiles come from the merged histograms, and the same input gives the same result', () => {
  const rec = record(4);
  const r = assembleResult(input(rec));
  assert.equal(r.summary.published, 300);
  assert.equal(r.summary.expectedDeliveries, 600);
  assert.equal(r.summary.delivered, 600);
  assert.equal(r.summary.lost, 0);
  assert.equal(r.summary.latencyUs.endToEnd.count, 600);
  assert.ok(r.summary.latencyUs.endToEnd.max >= 1003 && r.summary.latencyUs.endToEnd.min <= 1001);
  assert.equal(r.measureMs, 3000);
  assert.equal(r.durationMs, 5000);
  assert.deepEqual(r.workers.map((w) => w.counters.published), [400, 0]);
  assert.deepEqual(r.channels?.map((c) => [c.published, c.expected, c.delivered]), [[300, 600, 600]]);
  assert.equal(r.errors, undefined);
  assert.equal(r.thresholds, undefined);
  assert.equal(r.interrupted, false);
  assert.deepEqual(assembleResult(input(rec)), r, 'pure: the same recording gives the same result');
});

test('an interrupted run covers the part that ran and says so', () => {
  // Interrupted 2 s into the measure phase: the workers stopped publishing, the drain delivered what was sent.
  const r = assembleResult(input(record(3), { interrupted: true, schedule: { startUs: S, measureStartUs: S + SEC, measureEndUs: S + 3 * SEC } }));
  assert.equal(r.interrupted, true);
  assert.equal(r.measureMs, 2000);
  assert.equal(r.summary.published, 200);
  assert.equal(r.summary.delivered + r.summary.lost, r.summary.expectedDeliveries);
  assert.ok(r.warnings.some((w) => /interrupted/.test(w)), JSON.stringify(r.warnings));
});

test('a crashed worker: an error naming it, its stack kept out of the result, the other worker\'s data kept', () => {
  const rec = record(4, 2);
  assert.equal(rec.failed, true);
  assert.equal(rec.allFinal, true, 'the crashed worker is not waited for');
  const r = assembleResult(input(rec));
  assert.equal(r.errors?.length, 1);
  assert.match(r.errors![0], /^internal error in worker 1 \(it crashed\): boom \(stack in errors\.log\)$/);
  assert.ok(r.warnings.includes(r.errors![0]));
  assert.ok(!JSON.stringify(r).includes('at bug'), 'the stack goes to errors.log, not result.json');
  assert.equal(rec.failures[0].exitCode, ExitCode.internal);
  assert.equal(r.summary.published, 300, 'the publishing worker kept all of it');
  assert.equal(r.summary.delivered, 200, 'what worker 1 reported before it died is kept');
  assert.equal(r.summary.delivered + r.summary.lost, r.summary.expectedDeliveries);
});

test('thresholds are judged on the assembled summary, and an early abort fails them and is named', () => {
  const thresholds = parseThresholds(['e2e.p99 < 1ms', 'lost == 0'], 'test');
  const passed = assembleResult(input(record(4), { thresholds }));
  assert.equal(passed.thresholds?.passed, false, 'e2e p99 is about 1 ms and above');
  assert.deepEqual(passed.thresholds?.outcomes.map((o) => o.passed), [false, true]);
  const aborted = assembleResult(input(record(4), { thresholds: parseThresholds(['lost == 0'], 'test'), thresholdAbort: { atMs: 1200, expressions: ['lost == 0'] } }));
  assert.equal(aborted.thresholds?.passed, false);
  assert.match(aborted.warnings.at(-1)!, /A failing threshold ended the run after 1200 ms/);
});

test('the recording refuses messages of another protocol version as a harness bug in that worker', () => {
  const rec = new RunRecording(1);
  rec.record({ type: 'ready', v: V + 1, workerId: 0, confirmedSubscriptions: 1 } as WorkerMessage);
  assert.equal(rec.allReady, false);
  assert.equal(rec.failures[0].exitCode, ExitCode.internal);
  assert.match(rec.failures[0].message, /protocol version/);
  const fatal = new RunRecording(1);
  fatal.record({ type: 'fatal', v: V, workerId: 0, exitCode: ExitCode.target, message: "SUBSCRIBE 'c' was refused: NOPERM" });
  assert.deepEqual(fatal.failures.map((f) => [f.workerId, f.exitCode, f.crashed]), [[0, ExitCode.target, false]]);
});
