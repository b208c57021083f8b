/** planFleet with slow subscribers: they run alone on one extra thread, the others are planned as without them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFleet } from '../../src/coordinator/plan.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

const shape = (w: { publishers: unknown[]; subscribers: Array<{ subscriberId: number; slowUs?: number }> }) =>
  [w.publishers.length, w.subscribers.map((s) => (s.slowUs ? `${s.subscriberId}slow` : String(s.subscriberId))).join(',')];

test('slow subscribers (the first N ids) get the last thread, beyond the workers asked for', () => {
  const s = resolveScenario({ publishers: { count: 2 }, subscribers: [{ count: 3 }, { count: 2 }], slowSubscribers: { count: 2, delayUs: 700 } }, 't');
  const plan = planFleet(s, 2);
  assert.equal(plan.workers, 3);
  assert.deepEqual(plan.perWorker.map(shape), [[1, '2,4'], [1, '3'], [0, '0slow,1slow']]);
  assert.deepEqual(plan.perWorker[2].subscribers.map((x) => x.slowUs), [700, 700]);
  // Everything else is the plan without the shape: same receivers, subscriptions and rates.
  const plain = planFleet(resolveScenario({ publishers: { count: 2 }, subscribers: [{ count: 3 }, { count: 2 }] }, 't'), 2);
  assert.deepEqual(plan.receiversPerChannel, plain.receiversPerChannel);
  assert.equal(plan.subscriptions, plain.subscriptions);
});

test('only slow subscribers: one thread; at rate max the fast ones still get threads apart from publishers', () => {
  const only = planFleet(resolveScenario({ publishers: { count: 0 }, subscribers: [{ count: 2 }], slowSubscribers: { count: 2, delayUs: 1 } }, 't'), 4);
  assert.deepEqual(only.perWorker.map(shape), [[0, '0slow,1slow']]);
  const max = planFleet(resolveScenario({ publishers: { count: 1, rate: 'max' }, subscribers: [{ count: 3 }], slowSubscribers: { count: 1, delayUs: 1 } }, 't'), 2);
  assert.deepEqual(max.perWorker.map(shape), [[1, ''], [0, '1,2'], [0, '0slow']]);
});
