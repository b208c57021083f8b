/** The fleet plan under a load profile: numeric rates that add up to the mean, and phase offsets on the curve. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFleet } from '../../src/coordinator/plan.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { RateCurve, RateProfile } from '../../src/load/profile.js';

test('with stages every publisher gets a numeric rate, adding up to the mean, and its first message as phase offset', () => {
  const scenario = resolveScenario({ publishers: { count: 4 }, warmup: 0, stages: 'ramp:1s:0-2000,1s:3000' }, 'x');
  const plan = planFleet(scenario, 3);
  const pubs = plan.perWorker.flatMap((w) => w.publishers).sort((a, b) => a.publisherId - b.publisherId);
  assert.equal(pubs.length, 4);
  const total = pubs.reduce((sum, p) => sum + (p.rate as number), 0);
  assert.equal(total, (1000 + 3000) / 2, 'the mean of 1000 + 3000 messages over 2 s');
  // On a ramp from zero N(t) = 1000 t², so message i leaves at √(i / 1000) s.
  pubs.forEach((p, i) => assert.ok(Math.abs(p.phaseOffsetUs - Math.sqrt(i / 1000) * 1e6) < 1e-3, `publisher ${i}: ${p.phaseOffsetUs}`));
  // …which is exactly where the publisher's own profile starts.
  const curve = new RateCurve(scenario.stages!, 0, 0);
  pubs.forEach((p, i) => assert.equal(new RateProfile(curve, 2e6, i, 4).firstUs, p.phaseOffsetUs));
});

test('the warmup holds the first rate, so offsets are the constant-rate ones when the profile starts with a step', () => {
  const scenario = resolveScenario({ publishers: { count: 4 }, warmup: '1s', stages: '1s:4000,1s:8000' }, 'x');
  const offsets = planFleet(scenario, 1).perWorker[0].publishers.map((p) => p.phaseOffsetUs);
  assert.deepEqual(offsets.map((o) => Math.round(o * 1000) / 1000), [0, 250, 500, 750]);
});
