import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CostPoint } from '../../src/core/capacity-model.js';
import { TargetError } from '../../src/core/errors.js';
import {
  CALIBRATION_PLAN, calibrate, isSaturated, nextProbeRate, planCalibrationRates, saturationOf, type CalibrationMeasure, type CalibrationShape, type CalibrationStep,
} from '../../src/coordinator/capacity-calibrate.js';
import { fitCostModel } from '../../src/metrics/capacity-fit.js';
import { saturationRate } from '../../src/metrics/capacity-model.js';

test('saturated: Redis at 85% of a core or more, or pipelined publishers below 95% of the offered rate; awaited ones may fall short', () => {
  const s = (cpuShare: number, achievedRate: number) => ({ offeredRate: 1000, achievedRate, cpuShare });
  assert.equal(saturationOf(s(0.849, 1000), 'auto/100'), null);
  assert.equal(saturationOf(s(0.85, 1000), 'auto/100'), 'Redis at 85% CPU');
  assert.equal(saturationOf(s(0.97, 400), 'await'), 'Redis at 97% CPU', 'the CPU counts in every mode');
  assert.equal(saturationOf(s(0.3, 949), 'pipeline/100'), '949/s of 1k/s published');
  assert.equal(saturationOf(s(0.3, 950), 'pipeline/100'), null);
  // An awaited publisher waits for each reply: a shortfall from round trips is not saturation.
  assert.equal(saturationOf(s(0.3, 400), 'await'), null);
  assert.equal(isSaturated(s(0.3, 400), 'await'), false);
  assert.equal(isSaturated(s(0.3, 400), 'auto/100'), true);
});

test('probe rates halve down to a floor of 10/s, at most 6 times', () => {
  assert.equal(nextProbeRate(5000, 0), 2500);
  assert.equal(nextProbeRate(625, 3), 313);
  assert.equal(nextProbeRate(15, 0), 10, 'not below the floor');
  assert.equal(nextProbeRate(10, 0), null, 'at the floor: no lower probe');
  assert.equal(nextProbeRate(5000, CALIBRATION_PLAN.maxHalvings), null, 'out of halvings');
});

test('planned rates put Redis at about 25, 50 and 75% of a core from the probe, and are clamped near an idle probe', () => {
  assert.deepEqual(planCalibrationRates({ rate: 1000, cpuShare: 0.2 }), [1250, 2500, 3750]);
  // A probe just below saturation plans lower rates, never below probe / 8.
  const busy = planCalibrationRates({ rate: 1000, cpuShare: 0.84 });
  assert.deepEqual(busy, [298, 595, 893]);
  // A nearly idle probe would jump 75×: capped at 16× the probe, the three keep their 1 : 2 : 3 spread.
  assert.deepEqual(planCalibrationRates({ rate: 100, cpuShare: 0.01 }), [533, 1067, 1600]);
  assert.deepEqual(planCalibrationRates({ rate: 100, cpuShare: 0 }), [533, 1067, 1600], 'no CPU at all: the cap decides');
  // Slow shapes: whole rates, never below 1.
  assert.deepEqual(planCalibrationRates({ rate: 1, cpuShare: 0.8 }), [1, 1, 1]);
  for (const share of [0.001, 0.05, 0.3, 0.6, 0.849]) {
    for (const r of planCalibrationRates({ rate: 800, cpuShare: share })) assert.ok(r >= 100 && r <= 12_800, `${share}: ${r}`);
  }
});

/**
 * A synthetic Redis: CPU = idle + per-message cost × rate up to one core; pipelined publishers get out at most what
 * fits in a core, awaited ones `awaitShare` of the offered rate at most. 10 subscribers, 100-byte deliveries; the
 * per-byte cost makes 4× messages dearer.
 */
function syntheticRedis(opts: { usPerPublish: number; usPerDelivery: number; usPerByte: number; idle?: number; awaitShare?: number; mode?: string }) {
  const idle = opts.idle ?? 20_000;
  const steps: CalibrationStep[] = [];
  const measure = async (step: CalibrationStep): Promise<CalibrationMeasure> => {
    steps.push(step);
    const subs = step.variant === 'no-subscribers' ? 0 : 10;
    const bytes = step.variant === 'large-messages' ? 400 : 100;
    const perMessage = opts.usPerPublish + subs * (opts.usPerDelivery + bytes * opts.usPerByte);
    const fits = (1e6 - idle) / perMessage;
    const achieved = Math.min(step.rate * (opts.awaitShare ?? 1), fits);
    const point: CostPoint = {
      source: step.label, cpuUsPerS: Math.min(1e6, idle + perMessage * step.rate), publishesPerS: achieved, deliveriesPerS: achieved * subs,
      outputBytesPerS: achieved * subs * bytes, patternChecksPerS: 0, publishMode: opts.mode ?? 'auto/100', windowMs: 3000,
    };
    return { point, achievedRate: achieved };
  };
  return { measure, steps };
}

const SHAPE: CalibrationShape = { rate: 5000, publishMode: 'auto/100', subscribers: 10, messageBytes: 100 };

test('a shape whose rate saturates Redis: the probe halves until it does not, then the calibration aims at 25–75% of a core', async () => {
  // 350 µs per message: Redis saturates at ~2.8k/s, so 5k/s and 2.5k/s (90% CPU) saturate and 1.25k/s (46%) does not.
  const redis = syntheticRedis({ usPerPublish: 50, usPerDelivery: 20, usPerByte: 0.1 });
  const out = await calibrate(SHAPE, redis.measure);
  assert.deepEqual(redis.steps.map((s) => s.label), [
    'probe 5000/s', 'probe 2500/s', 'probe 1250/s', 'calibrate 683/s', 'calibrate 1366/s', 'calibrate 2049/s',
    'calibrate 1366/s, no subscribers', 'calibrate 1366/s, 400 B messages',
  ]);
  // The saturated probes and the 4×-size run (650 µs per message at 1366/s: 91% CPU) are not fit points.
  assert.deepEqual(out.points.map((p) => p.source), ['probe 1250/s', 'calibrate 683/s', 'calibrate 1366/s', 'calibrate 2049/s', 'calibrate 1366/s, no subscribers']);
  assert.equal(out.skipped.length, 3);
  assert.match(out.skipped[0], /^probe 5000\/s: saturated \(Redis at 100% CPU\)$/);
  const ladder = out.points.slice(1, 4).map((p) => p.cpuUsPerS / 1e6);
  ladder.forEach((cpu, i) => assert.ok(Math.abs(cpu - [0.25, 0.5, 0.75][i]) < 0.03, `calibration ${i}: ${cpu}`));
  assert.equal(out.note,
    "Calibrated at 683–2.05k/s (Redis 26–74% CPU), aimed at 25, 50 and 75% of a core from a probe at 1.25k/s (Redis 46% CPU); the shape's 5k/s saturated (Redis at 100% CPU) and was halved 2 times; left out as saturated: 1366/s, 400 B messages (Redis at 91% CPU).");
  // The fit from those points finds the true saturation rate (a probe at 5k/s alone gave nothing to fit).
  const model = fitCostModel(out.points, 'synthetic');
  const rate = saturationRate(model, { publish: 1, delivery: 10, byte: 1000, patternCheck: 0 }, 0.9e6).rate!;
  assert.ok(Math.abs(rate - 880_000 / 350) < 1, `rate ${rate}`);
});

test('a probe that does not saturate is kept; an awaited shape is not halved for falling short of the offered rate', async () => {
  const light = syntheticRedis({ usPerPublish: 50, usPerDelivery: 5, usPerByte: 0, awaitShare: 0.6, mode: 'await' });
  const out = await calibrate({ ...SHAPE, rate: 2000, publishMode: 'await' }, light.measure);
  // 100 µs per message at 2k/s: 22% CPU, 60% of the offered rate published (round trips).
  assert.equal(light.steps[0].label, 'probe 2000/s');
  assert.equal(light.steps.filter((s) => s.label.startsWith('probe')).length, 1);
  assert.equal(out.points.length, 6);
  assert.doesNotMatch(out.note!, /halved|left out/);
  assert.match(out.note!, /from a probe at 2k\/s \(Redis 22% CPU\)\.$/);
  // The same shortfall with pipelined publishers is saturation: halved.
  const piped = syntheticRedis({ usPerPublish: 50, usPerDelivery: 5, usPerByte: 0, awaitShare: 0.6 });
  await assert.rejects(calibrate({ ...SHAPE, rate: 2000 }, piped.measure), (err: Error) => {
    assert.ok(err instanceof TargetError);
    // 2000 → 1000 → 500 → 250 → 125 → 63 → 32: six halvings, every one short of the offered rate.
    assert.match(err.message, /from the shape's 2k\/s halved 6 times down to 32\/s \(19\.2\/s of 32\/s published\)/);
    return true;
  });
  assert.deepEqual(piped.steps.map((s) => s.rate), [2000, 1000, 500, 250, 125, 63, 32]);
});

test('a nearly idle probe is capped at 16×; a drowned probe is halved; no cost point or an interrupt ends the calibration early', async () => {
  const idle = syntheticRedis({ usPerPublish: 2, usPerDelivery: 0.5, usPerByte: 0, idle: 1000 });
  const out = await calibrate({ ...SHAPE, rate: 100, subscribers: 0 }, idle.measure);
  assert.deepEqual(idle.steps.map((s) => s.rate), [100, 533, 1067, 1600]);
  assert.match(out.note!, /capped at 16× the probe at 100\/s \(Redis 0% CPU\)/);

  let runs = 0;
  const blind = await calibrate(SHAPE, async () => {
    runs++;
    return { point: 'no server cost (its counters could not be read)', achievedRate: 5000 };
  });
  assert.equal(runs, 1, 'without the CPU of the probe there is nothing to plan from');
  assert.deepEqual(blind.points, []);
  assert.match(blind.skipped[0], /^probe 5000\/s: no server cost/);
  assert.equal(blind.note, null);

  // A probe so far past saturation that nothing published in its measure phase got out has no cost point, but its
  // server cost still shows Redis busy: it is halved, not taken for a server whose CPU cannot be read.
  const drowned = syntheticRedis({ usPerPublish: 50, usPerDelivery: 20, usPerByte: 0.1 });
  const past = await calibrate(SHAPE, async (step) => (step.rate === 5000
    ? { point: 'nothing published in the server-cost window', achievedRate: 0, cpuShare: 1 } : drowned.measure(step)));
  assert.equal(past.skipped[0], 'probe 5000/s: saturated (Redis at 100% CPU)');
  assert.equal(past.points[0].source, 'probe 1250/s');
  // Pipelined publishers that got nothing out saturated too, even when the CPU is not known.
  const unknown = await calibrate(SHAPE, async (step) => (step.rate === 5000 ? { point: 'no CPU', achievedRate: 0, cpuShare: null } : drowned.measure(step)));
  assert.equal(unknown.skipped[0], 'probe 5000/s: saturated (0/s of 5k/s published)');

  const redis = syntheticRedis({ usPerPublish: 50, usPerDelivery: 20, usPerByte: 0.1 });
  const cut = await calibrate(SHAPE, redis.measure, () => redis.steps.length >= 4);
  assert.equal(redis.steps.length, 4);
  assert.deepEqual(cut.points.map((p) => p.source), ['probe 1250/s', 'calibrate 683/s']);
});

test('a shape too slow to halve (at the floor) and still saturated says so', async () => {
  const hopeless = syntheticRedis({ usPerPublish: 200_000, usPerDelivery: 0, usPerByte: 0 });
  await assert.rejects(calibrate({ ...SHAPE, rate: 40 }, hopeless.measure), /halved 2 times down to 10\/s \(Redis at 100% CPU\)/);
  assert.deepEqual(hopeless.steps.map((s) => s.rate), [40, 20, 10]);
});
