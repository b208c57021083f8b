import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchCapacity, type StepResult } from '../../src/coordinator/capacity.js';
import { parseThresholds } from '../../src/metrics/thresholds.js';
import { seededRandom } from '../helpers/histograms.js';
import { makeSummary } from '../helpers/summary.js';

const SLO = parseThresholds(['e2e.p99 < 10ms', 'lost == 0'], '--slo');

/**
 * A server that queues: p99 = 500 µs / (1 − load), so it crosses 10 ms at 95% of its capacity; above capacity it
 * cannot keep up (achieved = capacity) and drops 1% of deliveries. The true knee is 0.95 × capacity.
 * `harnessAt` models a client that saturates first: above it the harness is busy and achieves only that rate.
 */
function model(capacity: number, opts: { noise?: number; harnessAt?: number; seed?: number } = {}) {
  const rnd = seededRandom(opts.seed ?? 1);
  const offered: number[] = [];
  const measure = async (rate: number): Promise<StepResult> => {
    offered.push(rate);
    const jitter = 1 + (opts.noise ?? 0) * (rnd() * 2 - 1);
    const harnessSaturated = opts.harnessAt !== undefined && rate > opts.harnessAt;
    const achieved = Math.min(rate, capacity, harnessSaturated ? opts.harnessAt! : Infinity);
    const load = Math.min(achieved / capacity, 0.9999);
    const p99 = (500 / (1 - load)) * jitter;
    const summary = makeSummary({
      publishRate: achieved, targetRate: rate, e2eP50Us: 200, e2eP99Us: p99, lost: rate > capacity ? Math.round(achieved * 0.1) : 0,
    });
    return { summary, health: { harnessBottleneck: harnessSaturated, reasons: harnessSaturated ? ['a worker thread was 99% busy'] : [] } };
  };
  return { measure, offered };
}

test('finds the knee of a synthetic server within the resolution: steps up ×2, then bisects', async () => {
  const m = model(40_000);
  const r = await searchCapacity({ measure: m.measure, slo: SLO, startRate: 1000, maxRate: 1_000_000 });
  const trueKnee = 0.95 * 40_000;
  assert.equal(r.limitedBy, 'target');
  assert.ok(r.kneeRate !== null && r.kneeRate <= trueKnee && r.kneeRate >= trueKnee * 0.95, `knee ${r.kneeRate}`);
  assert.ok(r.failedRate !== null && r.failedRate > trueKnee && (r.failedRate - r.kneeRate) <= r.kneeRate * 0.05);
  assert.deepEqual(m.offered.slice(0, 7), [1000, 2000, 4000, 8000, 16_000, 32_000, 64_000], 'doubling until the first failure');
  assert.ok(r.steps.slice(7).every((s) => s.offeredRate > 32_000 && s.offeredRate < 64_000), 'then only inside the bracket');
  assert.equal(r.steps.at(-1)?.phase, 'confirm');
  assert.equal(r.steps.at(-1)?.offeredRate, r.kneeRate);
  const fail = r.steps.find((s) => s.offeredRate === r.failedRate);
  assert.ok(fail?.reasons.some((x) => x.startsWith('e2e.p99 < 10ms — measured')), JSON.stringify(fail?.reasons));
  assert.match(r.conclusion, /^the knee is 3\d(\.\d)?k\/s: the target held the SLO there and failed above it \(at 3\d(\.\d)?k\/s: e2e.p99 < 10ms — measured 20 ms\)\.$/);
  assert.ok(r.steps.length <= 20);
});

test('with noisy measurements the knee stays near the true one', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = await searchCapacity({ measure: model(40_000, { noise: 0.1, seed }).measure, slo: SLO, startRate: 1000, maxRate: 1_000_000 });
    // ±10% latency noise moves the crossing of 10 ms between 94.5% and 95.5% of capacity.
    assert.ok(r.kneeRate !== null && r.kneeRate >= 0.945 * 40_000 * 0.95 && r.kneeRate <= 0.955 * 40_000, `seed ${seed}: knee ${r.kneeRate}`);
  }
});

test('an achieved rate below 95% of the offered fails a step even when latency looks fine', async () => {
  // A closed-loop-like limit: latency stays low but only 20k/s get out.
  const measure = async (rate: number): Promise<StepResult> => ({
    summary: makeSummary({ publishRate: Math.min(rate, 20_000), targetRate: rate, e2eP99Us: 800 }),
    health: { harnessBottleneck: false, reasons: [] },
  });
  const r = await searchCapacity({ measure, slo: SLO, startRate: 5000, maxRate: 1e6 });
  assert.ok(r.kneeRate !== null && r.kneeRate <= 20_000 / 0.95 && r.kneeRate >= 20_000 * 0.95, `knee ${r.kneeRate}`);
  assert.match(r.steps.find((s) => !s.held)?.reasons.join() ?? '', /below 95%/);
});

test('when the harness saturates first, the result says so instead of reporting a false limit', async () => {
  const r = await searchCapacity({ measure: model(100_000, { harnessAt: 30_000 }).measure, slo: SLO, startRate: 1000, maxRate: 1e6 });
  assert.equal(r.limitedBy, 'harness');
  // The busy harness still gets 30k/s out, so offers up to 30k / 0.95 pass the achieved-rate check.
  assert.ok(r.kneeRate !== null && r.kneeRate <= 30_000 / 0.95 && r.kneeRate >= 28_000, `knee ${r.kneeRate}`);
  assert.match(r.conclusion, /harness itself saturated.*lower bound/);
  assert.ok(r.steps.find((s) => s.offeredRate === r.failedRate)?.harnessBottleneck);
});

test('max rate reached, nothing held, and the step budget', async () => {
  const easy = await searchCapacity({ measure: model(1e9).measure, slo: SLO, startRate: 1000, maxRate: 5000 });
  assert.equal(easy.limitedBy, 'max-rate');
  assert.equal(easy.kneeRate, 5000);
  assert.deepEqual(easy.steps.map((s) => s.offeredRate), [1000, 2000, 4000, 5000]);

  const hopeless = await searchCapacity({ measure: model(10).measure, slo: SLO, startRate: 1000, maxRate: 1e6, minRate: 100 });
  assert.equal(hopeless.limitedBy, 'none-held');
  assert.equal(hopeless.kneeRate, null);
  assert.deepEqual(hopeless.steps.map((s) => s.offeredRate), [1000, 500, 250, 125, 100]);

  const low = await searchCapacity({ measure: model(2000).measure, slo: SLO, startRate: 10_000, maxRate: 1e6 });
  assert.equal(low.limitedBy, 'target', 'steps down from a start that fails, then bisects');
  assert.ok(low.kneeRate !== null && low.kneeRate <= 1900 && low.kneeRate >= 1800, `knee ${low.kneeRate}`);

  const short = await searchCapacity({ measure: model(40_000).measure, slo: SLO, startRate: 1000, maxRate: 1e6, maxSteps: 8 });
  assert.equal(short.steps.length, 8);
  assert.equal(short.limitedBy, 'step-limit');
});

test('an interrupted step stops the search', async () => {
  const m = model(40_000);
  let calls = 0;
  const measure = async (rate: number): Promise<StepResult> => ({ ...(await m.measure(rate)), interrupted: ++calls === 3 });
  const r = await searchCapacity({ measure, slo: SLO, startRate: 1000, maxRate: 1e6 });
  assert.equal(r.steps.length, 3);
  assert.equal(r.limitedBy, 'interrupted');
  assert.equal(r.kneeRate, 2000);
});

test('a harness that looks busy at the boundary while Redis used ≥ 85% of a core there: the target set the knee', async () => {
  // Redis saturates at 10k/s; from 9k/s on, the backlog it writes keeps the subscriber threads busy, which the health
  // rule flags as the harness's limit. Redis's CPU at the failing step decides whose limit it was.
  const withCpu = (cpuOf: (rate: number) => number) => async (rate: number): Promise<StepResult> => {
    const r = await model(10_000).measure(rate);
    const busy = rate >= 9000;
    return {
      ...r, health: { harnessBottleneck: busy, reasons: busy ? ['a subscriber thread was 97% busy'] : [] },
      costPoint: { source: 'synthetic', cpuUsPerS: cpuOf(rate), publishesPerS: rate, deliveriesPerS: rate, outputBytesPerS: rate * 100, patternChecksPerS: 0, publishMode: 'auto/100', windowMs: 1000 },
    };
  };
  const search = (cpuOf: (rate: number) => number) => searchCapacity({ measure: withCpu(cpuOf), slo: SLO, startRate: 1000, maxRate: 1e6 });
  const redisBound = await search((rate) => Math.min(1, rate / 10_000) * 1e6);
  assert.equal(redisBound.limitedBy, 'target');
  const fail = redisBound.steps.find((s) => s.offeredRate === redisBound.failedRate)!;
  assert.ok(fail.harnessBottleneck, 'the failing step still carries the harness flag');
  assert.match(redisBound.conclusion, /^the knee is 9\.\d+k\/s: the target held the SLO there and failed above it \(at 9\.\d+k\/s: .*\); Redis used 9\d% of a core there, so the target, not the harness, set the knee\.$/);
  // Redis at half a core where the harness gave out: the knee is the harness's, a lower bound.
  const harnessBound = await search((rate) => Math.min(1, rate / 10_000) * 0.5e6);
  assert.equal(harnessBound.limitedBy, 'harness');
  assert.match(harnessBound.conclusion, /harness itself saturated.*lower bound/);
  // The line is 85% of a core.
  assert.equal((await search(() => 0.849e6)).limitedBy, 'harness');
  assert.equal((await search(() => 0.85e6)).limitedBy, 'target');
});
