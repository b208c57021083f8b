import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CapacityShape, CostPoint } from '../../src/core/capacity-model.js';
import { calibrationScenario, calibrationShapeOf } from '../../src/coordinator/capacity-predict.js';
import { pushBytes, shapeOf } from '../../src/coordinator/capacity-shape.js';
import { fitCostModel, predictCpu } from '../../src/metrics/capacity-fit.js';
import { classicLoads, predictCapacity, saturationRate, shardOfSlot, shardedLoads, singleNodeLoad } from '../../src/metrics/capacity-model.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { findBuiltin } from '../../src/scenarios/builtins/index.js';
import { seededRandom } from '../helpers/histograms.js';
import { makeSummary } from '../helpers/summary.js';
import { pointFromRun } from '../../src/coordinator/capacity-points.js';

/** A server whose CPU follows known costs: idle 20 ms/s, 8 µs per publish, 3 µs per delivery, 2 ns per byte, 15 ns per pattern check. */
const TRUE = { idle: 20_000, publish: 8, delivery: 3, byte: 0.002, patternCheck: 0.015 };

function point(publishesPerS: number, deliveriesPerPublish: number, bytesPerDelivery: number, patterns: number, noise = 0, rnd = Math.random): CostPoint {
  const deliveriesPerS = publishesPerS * deliveriesPerPublish;
  const outputBytesPerS = deliveriesPerS * bytesPerDelivery + publishesPerS * 4;
  const patternChecksPerS = publishesPerS * patterns;
  const cpu = TRUE.idle + TRUE.publish * publishesPerS + TRUE.delivery * deliveriesPerS + TRUE.byte * outputBytesPerS + TRUE.patternCheck * patternChecksPerS;
  return {
    source: 'synthetic', cpuUsPerS: cpu * (1 + noise * (rnd() * 2 - 1)), publishesPerS, deliveriesPerS, outputBytesPerS, patternChecksPerS,
    publishMode: 'await', windowMs: 4000,
  };
}

/** Points of several shapes (fan-out, fan-in, big messages, patterns) at several rates. */
function manyShapes(noise: number, seed = 7): CostPoint[] {
  const rnd = seededRandom(seed);
  const out: CostPoint[] = [];
  for (const rate of [1000, 2000, 4000, 8000]) {
    out.push(point(rate, 20, 300, 0, noise, rnd), point(rate, 1, 150, 0, noise, rnd), point(rate, 4, 4200, 0, noise, rnd), point(rate, 2, 300, 200, noise, rnd));
  }
  return out;
}

test('the fit recovers known per-publish, per-delivery, per-byte and per-pattern costs from several shapes', () => {
  const exact = fitCostModel(manyShapes(0), 'synthetic');
  assert.deepEqual(exact.fitted, ['idle', 'publish', 'delivery', 'byte', 'patternCheck']);
  for (const [term, v] of Object.entries(TRUE)) assert.ok(Math.abs(exact.coefficients[term as keyof typeof TRUE] - v) < Math.abs(v) * 1e-6, `${term} ${exact.coefficients[term as keyof typeof TRUE]}`);
  const noisy = fitCostModel(manyShapes(0.03), 'synthetic');
  for (const term of ['publish', 'delivery', 'byte'] as const) {
    const c = noisy.coefficients[term];
    const se = noisy.standardErrors[term]!;
    assert.ok(se > 0, `${term} has an error bar`);
    // 3% noise: within four standard errors, and the error bar says so honestly (not absurdly wide).
    assert.ok(Math.abs(c - TRUE[term]) < 4 * se, `${term} ${c} ± ${se}`);
    assert.ok(se < TRUE[term] * 0.5, `${term} se ${se}`);
  }
  assert.ok(noisy.r2! > 0.99);
});

test('one shape only: delivery and byte costs fold into the per-publish cost, which still predicts that shape exactly', () => {
  const pts = [1000, 2000, 4000, 6000].map((r) => point(r, 20, 300, 0));
  const m = fitCostModel(pts, 'one shape');
  assert.deepEqual(m.fitted, ['idle', 'publish']);
  assert.deepEqual(m.folded, ['delivery', 'byte']);
  const perPublish = TRUE.publish + 20 * TRUE.delivery + TRUE.byte * (20 * 300 + 4);
  assert.ok(Math.abs(m.coefficients.publish - perPublish) < 1e-6);
  assert.ok(Math.abs(m.coefficients.idle - TRUE.idle) < 1e-3);
  const p = point(10_000, 20, 300, 0);
  assert.ok(Math.abs(predictCpu(m, p) - p.cpuUsPerS) < 1e-3);
});

test('a coefficient that comes out negative is folded and the rest refitted; one point fits a cost per publish without idle', () => {
  // The delivery column varies a little, but the CPU does not follow it (a noise-dominated term).
  const pts = [point(1000, 1, 100, 0), point(2000, 1.2, 100, 0), point(4000, 1, 100, 0), point(8000, 1.1, 100, 0)].map((p, i) => ({ ...p, cpuUsPerS: 30_000 + 10 * p.publishesPerS - (i === 1 ? 1500 : 0) }));
  const m = fitCostModel(pts, 'negative');
  assert.ok(!m.fitted.includes('delivery') && m.folded.includes('delivery'), `fitted ${m.fitted.join(',')}`);
  // Without the fold, the delivery cost would have been negative: the column is independent of idle and publish.
  assert.ok(m.fitted.includes('idle') && m.fitted.includes('publish'));
  assert.ok(m.coefficients.publish > 0);
  const single = fitCostModel([point(5000, 20, 300, 0)], 'one run');
  assert.deepEqual(single.fitted, ['publish']);
  assert.equal(single.degreesOfFreedom, 0);
  assert.equal(single.relativeResidualSd, null);
  assert.throws(() => fitCostModel([], 'none'), /no point/);
});

test('saturation rate: idle + R × cost = budget, its interval widening with the fit noise', () => {
  const m = fitCostModel(manyShapes(0), 'exact');
  const load = { publish: 1, delivery: 20, byte: 20 * 300 + 4, patternCheck: 0 };
  const cost = TRUE.publish + 20 * TRUE.delivery + TRUE.byte * (20 * 300 + 4);
  const r = saturationRate(m, load, 900_000);
  assert.ok(Math.abs(r.rate! - (900_000 - TRUE.idle) / cost) < 1e-3);
  assert.ok(r.high! - r.low! < 1, 'an exact fit has a (near) zero-width interval');
  const noisy = saturationRate(fitCostModel(manyShapes(0.05), 'noisy'), load, 900_000);
  assert.ok(noisy.low! < noisy.rate! && noisy.rate! < noisy.high!);
  assert.ok(noisy.low! <= r.rate! * 1.05 && noisy.high! >= r.rate! * 0.95, 'the true rate lies in (or at the edge of) the interval');
  assert.equal(saturationRate(m, load, 10_000).rate, null, 'a budget below the idle cost predicts nothing');
});

/** A shape with `channels` channels of one receiver each, spread evenly over the slots. */
function evenShape(channels: number, patterns = 0): CapacityShape {
  const channelLoads = Array.from({ length: channels }, (_, i) => ({
    slot: Math.floor(((i + 0.5) * 16384) / channels), nameBytes: 10, publishShare: 1 / channels, receivers: 1, deliveryBytes: 300,
  }));
  return {
    name: 'even', publishers: channels, subscribers: channels, channels, messageBytes: 256, publishMode: 'await', sharded: true, patterns,
    deliveriesPerPublish: 1, outputBytesPerPublish: 304, channelLoads,
  };
}

test('sharded pub/sub: channels spread over shards divide the load; one channel cannot be split', () => {
  assert.equal(shardOfSlot(0, 3), 0);
  assert.equal(shardOfSlot(16383, 3), 2);
  assert.equal(shardOfSlot(5461, 3), 1);
  const m = fitCostModel(manyShapes(0), 'exact');
  const opts = { headroom: 0.1, cores: [2], shards: [4] };
  const wide = predictCapacity(m, evenShape(8), opts);
  const single = wide.predictions.find((p) => p.target === 'this-server')!.rate!;
  const sharded = wide.predictions.find((p) => p.target === 'sharded')!;
  // 8 channels over 4 shards: 2 each, so each shard sees a quarter of the messages.
  const perMessage = TRUE.publish + TRUE.delivery + TRUE.byte * 304;
  assert.ok(Math.abs(sharded.rate! - (900_000 - TRUE.idle) / (perMessage / 4)) < 1e-3, `${sharded.rate}`);
  assert.deepEqual(singleNodeLoad(evenShape(8)), { publish: 1, delivery: 1, byte: 304, patternCheck: 0 });
  assert.ok(sharded.rate! > single * 3.9);
  assert.equal(shardedLoads(evenShape(8), 4).length, 4);
  const hot = predictCapacity(m, evenShape(1), opts).predictions;
  assert.ok(Math.abs(hot.find((p) => p.target === 'sharded')!.rate! - hot.find((p) => p.target === 'this-server')!.rate!) < 1e-6, 'one channel: no gain');
  const cores = wide.predictions.find((p) => p.target === 'cores')!;
  assert.ok(Math.abs(cores.rate! - (1_800_000 - TRUE.idle) / (cores.costPerMessageUs)) < 1e-6);
  const patterned = predictCapacity(m, evenShape(8, 2), opts).predictions.find((p) => p.target === 'sharded')!;
  assert.equal(patterned.rate, null);
  assert.match(patterned.note ?? '', /patterns/);
});

test('classic pub/sub on a cluster: every node pays every publish, so adding nodes tends to budget / per-publish cost', () => {
  const m = fitCostModel(manyShapes(0), 'exact');
  const shape = evenShape(64);
  const rates = [1, 3, 12, 96].map((n) => predictCapacity(m, shape, { headroom: 0.1, cores: [], shards: [n] }).predictions.find((p) => p.target === 'classic')!.rate!);
  const loads = classicLoads(shape, 3);
  assert.ok(loads.every((l) => l.publish === 1 && Math.abs(l.delivery - 1 / 3) < 1e-9));
  // The bus copies (2 KiB headers to N − 1 peers) make big clusters slower, never faster than budget / publish cost.
  const ceiling = (900_000 - TRUE.idle) / TRUE.publish;
  assert.ok(rates.every((r) => r < ceiling));
  assert.ok(rates[1] < predictCapacity(m, shape, { headroom: 0.1, cores: [], shards: [3] }).predictions.find((p) => p.target === 'sharded')!.rate!);
});

function builtin(name: string) {
  return resolveScenario(findBuiltin(name)!.input, name);
}

test('shapes of the built-ins: deliveries, RESP-framed output bytes and patterns per publish from the fleet plan', () => {
  const fanOut = shapeOf(builtin('fan-out'));
  assert.equal(fanOut.deliveriesPerPublish, 20);
  // *3 $7 message, $22 pubsub-bench:fan-out:0, $256 payload = 310 bytes per delivery, plus ":20\r\n".
  assert.equal(pushBytes(22, 256, 'message'), 310);
  assert.equal(fanOut.outputBytesPerPublish, 20 * 310 + 5);
  const notifications = shapeOf(builtin('notifications'));
  assert.equal(notifications.patterns, 1);
  assert.ok(Math.abs(notifications.deliveriesPerPublish - 2) < 1e-9, 'own channel + the user.* pattern');
  assert.ok(Math.abs(notifications.channelLoads.reduce((s, c) => s + c.publishShare, 0) - 1) < 1e-9);
  const eventBus = shapeOf(builtin('event-bus'));
  assert.equal(eventBus.publishMode, 'auto/100');
  assert.equal(eventBus.patterns, 3);
});

test('background patterns count as pattern checks alike in the shape and in a run\'s cost point', () => {
  const scenario = { ...builtin('notifications'), backgroundPatterns: 8000 };
  assert.equal(shapeOf(scenario).patterns, 8001, 'user.* plus the 8000 that match nothing');
  const summary = makeSummary();
  summary.published = 4000;
  summary.delivered = 8000;
  summary.serverCost = { cpuUs: 800_000, netOutputBytes: 800_000, windowMs: 2000, nodes: [{ node: 'n', cpuUs: 800_000 }], notes: [] };
  const p = pointFromRun({ summary, scenario }, 'run');
  assert.ok(typeof p !== 'string', String(p));
  assert.equal(p.publishesPerS, 2000);
  assert.equal(p.patternChecksPerS, 2000 * 8001, 'every PUBLISH is tried against all 8001 patterns');
});

test('calibration runs: the shape at a planned rate, without subscribers, and with 4× messages, each short', () => {
  const chat = builtin('chat');
  const shape = calibrationShapeOf(chat);
  assert.deepEqual(shape, { rate: 2000, publishMode: 'await', subscribers: chat.subscribers.reduce((n, g) => n + g.count, 0), messageBytes: 128 });
  const plain = calibrationScenario(chat, { rate: 700, variant: 'shape' });
  assert.equal(plain.publishers.rate, 700);
  assert.deepEqual(plain.subscribers, chat.subscribers);
  const alone = calibrationScenario(chat, { rate: 700, variant: 'no-subscribers' });
  assert.equal(alone.subscribers.reduce((n, g) => n + g.count, 0), 0);
  assert.equal(alone.publishers.messageBytes, 128);
  const large = calibrationScenario(chat, { rate: 700, variant: 'large-messages' });
  assert.equal(large.publishers.messageBytes, 512);
  assert.ok([plain, alone, large].every((r) => r.durationMs === 3000 && r.warmupMs === 1000 && r.stages === undefined));
  assert.equal(calibrationScenario(chat, { rate: 5, variant: 'shape' }, { warmupMs: 200, durationMs: 500 }).durationMs, 500);
  // Calibration data of this kind separates the terms (the delivery cost is fitted, not folded).
  const pts = [point(2000, 4, 160, 0), point(4000, 4, 160, 0), point(4000, 0, 0, 0), point(2000, 4, 544, 0)];
  assert.ok(fitCostModel(pts, 'calibration').fitted.includes('delivery'));
});

test('awaited publishers: the round trip bounds the rate before the CPU does; the CPU Redis reached sets its own budget', () => {
  // One await publisher on a fan-out: 20 deliveries cost the server ~70 µs per message (~12.6k/s on 0.9 core), but
  // each publish also waits 50 µs of round trip beyond that, so one publisher sends at most 1e6 / 120 µs.
  const pts = [1000, 2000, 4000].map((r) => ({ ...point(r, 20, 300, 0), publishers: 1, publishRoundTripP50Us: 50 + (point(r, 20, 300, 0).cpuUsPerS - TRUE.idle) / r }));
  const m = fitCostModel(pts, 'await');
  assert.ok(Math.abs(m.roundTrip!.us - 50) < 1e-6, `overhead ${m.roundTrip!.us}`);
  const shape = { ...evenShape(1), publishers: 1, deliveriesPerPublish: 20, outputBytesPerPublish: 20 * 300 + 4, channelLoads: [{ slot: 0, nameBytes: 10, publishShare: 1, receivers: 20, deliveryBytes: 6000 }] };
  const p = predictCapacity(m, shape, { headroom: 0.1, cores: [], shards: [], reachedCpuUsPerS: 300_000 });
  const one = p.predictions.find((k) => k.target === 'this-server')!;
  const cost = one.costPerMessageUs;
  assert.equal(one.limit, 'round-trip');
  assert.ok(Math.abs(one.rate! - 1e6 / (50 + cost)) < 1e-6);
  assert.ok(Math.abs(one.serverCpuRate! - (900_000 - TRUE.idle) / cost) < 1e-3);
  // At 30% of a core the CPU binds first again.
  const reached = p.predictions.find((k) => k.target === 'cpu-reached')!;
  assert.equal(reached.limit, 'server-cpu');
  assert.ok(Math.abs(reached.rate! - (300_000 - TRUE.idle) / cost) < 1e-3);
  assert.ok(Math.abs(reached.cores - 0.3) < 1e-12);
  // Pipelined publishers are not bounded by a round trip.
  const auto = predictCapacity(m, { ...shape, publishMode: 'auto/100' }, { headroom: 0.1, cores: [], shards: [] });
  assert.notEqual(auto.predictions[0].limit, 'round-trip');
  assert.ok(auto.notes.some((n) => n.includes('published with await; this shape uses auto/100')), auto.notes.join('\n'));
});

test('a missing per-delivery cost is explained by its cause: one shape, or a cost too small to tell from noise', () => {
  const opts = { headroom: 0.1, cores: [], shards: [3] };
  // One shape at three rates: deliveries are 20 per publish throughout, so their cost cannot be split off.
  const oneShape = fitCostModel([1000, 2000, 4000].map((r) => point(r, 20, 300, 0)), 'one shape');
  assert.ok(!oneShape.fitted.includes('delivery'));
  assert.match(predictCapacity(oneShape, evenShape(8), opts).notes.join(' '), /one shape\) cannot give/);
  // Deliveries varied (with and without subscribers), but they cost nothing measurable: the term comes out ≤ 0 and folds.
  const tiny = [1000, 2000, 4000].flatMap((r) => [0, 4].map((d) => {
    const p = point(r, d, 0, 0);
    return { ...p, outputBytesPerS: 0, cpuUsPerS: 20_000 + 300 * r - 0.5 * p.deliveriesPerS };
  }));
  const folded = fitCostModel(tiny, 'varied');
  assert.ok(!folded.fitted.includes('delivery'), `delivery folded: ${folded.fitted.join(', ')}`);
  const notes = predictCapacity(folded, evenShape(8), opts).notes.join(' ');
  assert.match(notes, /the data varied deliveries per publish, but their cost could not be told from noise/);
  assert.doesNotMatch(notes, /one shape/);
});
