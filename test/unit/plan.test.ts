import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario } from '../../src/core/scenario.js';
import { connectionCount, defaultWorkerCount, planFleet, splitRate, splitRoles } from '../../src/coordinator/plan.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

function scenario(input: Record<string, unknown>): Scenario {
  return resolveScenario(input, 'plan-test');
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('planFleet', () => {
  test('spreads publishers and subscribers round-robin; counts differ by at most 1', () => {
    const s = scenario({ publishers: { count: 7 }, subscribers: [{ count: 5 }, { count: 6 }] });
    const plan = planFleet(s, 4);
    assert.equal(plan.workers, 4);
    const pubs = plan.perWorker.map((w) => w.publishers.length);
    const subs = plan.perWorker.map((w) => w.subscribers.length);
    assert.equal(sum(pubs), 7);
    assert.equal(sum(subs), 11);
    assert.ok(Math.max(...pubs) - Math.min(...pubs) <= 1, `publishers ${pubs}`);
    assert.ok(Math.max(...subs) - Math.min(...subs) <= 1, `subscribers ${subs}`);
    const ids = plan.perWorker.flatMap((w) => w.subscribers.map((x) => x.subscriberId)).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: 11 }, (_, i) => i));
  });

  test('caps workers at the number of connections, at least 1', () => {
    assert.equal(planFleet(scenario({ publishers: { count: 1 }, subscribers: [{ count: 1 }] }), 16).workers, 2);
    assert.equal(planFleet(scenario({}), 0).workers, 1);
    assert.equal(planFleet(scenario({}), Number.NaN).workers, 1);
    const one = planFleet(scenario({ publishers: { count: 1 }, subscribers: [{ count: 1 }] }), 2);
    assert.deepEqual(one.perWorker.map((w) => [w.publishers.length, w.subscribers.length]), [[1, 0], [0, 1]], 'no idle thread');
  });

  test('the rate is a TOTAL: per-publisher rates sum to it exactly, never applied per worker', () => {
    for (const [rate, publishers, workers] of [[1000, 3, 2], [1, 7, 3], [0.5, 2, 2], [123456.789, 13, 4], [100_000_000, 99_999, 2], [10, 100, 2]]) {
      const plan = planFleet(scenario({ publishers: { count: publishers, rate }, subscribers: [{ count: 1 }] }), workers);
      const rates = plan.perWorker.flatMap((w) => w.publishers).sort((a, b) => a.publisherId - b.publisherId).map((p) => p.rate as number);
      assert.equal(rates.length, publishers);
      assert.equal(sum(rates), rate, `rate ${rate} over ${publishers} publishers`);
      assert.ok(Math.max(...rates) - Math.min(...rates) < rate * 1e-9, 'even split');
    }
    assert.deepEqual(splitRate('max', 3), ['max', 'max', 'max']);
  });

  test('phase offsets interleave the publishers into one evenly spaced schedule', () => {
    const plan = planFleet(scenario({ publishers: { count: 4, rate: 1000 }, subscribers: [{ count: 1 }] }), 2);
    const pubs = plan.perWorker.flatMap((w) => w.publishers).sort((a, b) => a.publisherId - b.publisherId);
    assert.deepEqual(pubs.map((p) => p.phaseOffsetUs), [0, 1000, 2000, 3000]);
    // Sends of publisher i at offset_i + k × 1e6 / rate_i: merged, consecutive sends are 1 ms apart.
    const sends = pubs.flatMap((p) => Array.from({ length: 5 }, (_, k) => p.phaseOffsetUs + (k * 1e6) / (p.rate as number))).sort((a, b) => a - b);
    for (let i = 1; i < sends.length; i++) assert.ok(Math.abs(sends[i] - sends[i - 1] - 1000) < 1e-6);
    const max = planFleet(scenario({ publishers: { count: 3, rate: 'max' }, subscribers: [{ count: 1 }] }), 2);
    assert.ok(max.perWorker.flatMap((w) => w.publishers).every((p) => p.phaseOffsetUs === 0 && p.rate === 'max'));
  });

  test('publisher channels: all (staggered start) or k each, covering every channel', () => {
    const all = planFleet(scenario({ channels: { count: 3 }, publishers: { count: 4 } }), 1).perWorker[0].publishers;
    assert.deepEqual(all.map((p) => p.channels), [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]);
    const k = planFleet(scenario({ channels: { count: 5 }, publishers: { count: 3, channelsEach: 2 } }), 1).perWorker[0].publishers;
    assert.deepEqual(k.map((p) => p.channels), [[0, 1], [2, 3], [4, 0]]);
  });

  test('subscriber channels: all, k spread over the group (S·k ≥ C covers all), 0 = patterns only', () => {
    const s = scenario({ channels: { count: 10 }, subscribers: [{ count: 4, channelsEach: 3 }, { count: 1, patterns: ['x*'] }, { count: 1 }] });
    const plan = planFleet(s, 3);
    const subs = plan.perWorker.flatMap((w) => w.subscribers).sort((a, b) => a.subscriberId - b.subscriberId);
    assert.deepEqual(subs.slice(0, 4).map((x) => x.channels), [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 0, 1]]);
    assert.deepEqual(subs[4].channels, []);
    assert.deepEqual(subs[4].patterns, ['x*']);
    assert.deepEqual(subs[5].channels, Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(plan.expectedNumsub, [3, 3, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.equal(plan.subscriptions, 12 + 1 + 10);
  });

  test('receiversPerChannel counts direct subscriptions plus matching (subscriber, pattern) pairs', () => {
    const s = scenario({
      channels: { count: 4, naming: '{mod:orders|payments}.{i}' }, // orders.0 payments.1 orders.2 payments.3
      subscribers: [
        { count: 2, channelsEach: 2 }, // orders.0, payments.1 / orders.2, payments.3
        { count: 3, patterns: ['orders.*'] },
        { count: 1, patterns: ['*', 'payments.[13]'] }, // payments.1 and .3 twice for this subscriber
        { count: 1, channelsEach: 'all', patterns: ['orders.0'] }, // a channel and a pattern: orders.0 twice
        { count: 0, patterns: ['never.*'] },
      ],
    });
    const plan = planFleet(s, 2);
    assert.deepEqual(plan.channelNames, ['orders.0', 'payments.1', 'orders.2', 'payments.3']);
    assert.deepEqual(plan.expectedNumsub, [2, 2, 2, 2]);
    assert.deepEqual(plan.receiversPerChannel, [2 + 3 + 1 + 1, 2 + 2, 2 + 3 + 1, 2 + 2]);
    // PUBSUB NUMPAT counts distinct patterns: orders.*, *, payments.[13], orders.0 (never.* has no subscriber).
    assert.equal(plan.expectedNumpat, 4);
    assert.equal(plan.subscriptions, 4 + 3 + 2 + (4 + 1));
  });

  test('is deterministic', () => {
    const s = scenario({ publishers: { count: 5, channelsEach: 2 }, channels: { count: 7 }, subscribers: [{ count: 9, channelsEach: 3 }] });
    assert.deepEqual(planFleet(s, 3), planFleet(structuredClone(s), 3));
  });
});

describe('planFleet at --rate max: publishers and subscribers on threads of their own', () => {
  /** [publishers, subscribers] per worker. */
  const shape = (s: Scenario, workers: number) => planFleet(s, workers).perWorker.map((w) => [w.publishers.length, w.subscribers.length]);

  test('no worker runs both kinds; every worker runs something; each kind spread evenly', () => {
    for (const [publishers, subscribers, workers] of [[1, 1, 2], [3, 5, 4], [1, 20, 4], [20, 1, 4], [7, 11, 16], [2, 2, 3], [5, 100, 8], [4, 4, 8]]) {
      const s = scenario({ publishers: { count: publishers, rate: 'max' }, subscribers: [{ count: subscribers }] });
      const plan = planFleet(s, workers);
      const label = `${publishers} pub, ${subscribers} sub, ${workers} workers`;
      assert.equal(plan.workers, Math.min(workers, publishers + subscribers), label);
      const rows = shape(s, workers);
      assert.ok(rows.every(([p, sub]) => (p === 0) !== (sub === 0)), `${label}: one kind per worker, none idle: ${JSON.stringify(rows)}`);
      const pubs = rows.map(([p]) => p).filter((n) => n > 0);
      const subs = rows.map(([, sub]) => sub).filter((n) => n > 0);
      assert.equal(sum(pubs), publishers, label);
      assert.equal(sum(subs), subscribers, label);
      assert.ok(Math.max(...pubs) - Math.min(...pubs) <= 1, `${label}: publishers ${pubs}`);
      assert.ok(Math.max(...subs) - Math.min(...subs) <= 1, `${label}: subscribers ${subs}`);
      const pubIds = plan.perWorker.flatMap((w) => w.publishers.map((x) => x.publisherId)).sort((a, b) => a - b);
      const subIds = plan.perWorker.flatMap((w) => w.subscribers.map((x) => x.subscriberId)).sort((a, b) => a - b);
      assert.deepEqual(pubIds, Array.from({ length: publishers }, (_, i) => i), label);
      assert.deepEqual(subIds, Array.from({ length: subscribers }, (_, i) => i), label);
      assert.ok(plan.perWorker.flatMap((w) => w.publishers).every((p) => p.rate === 'max' && p.phaseOffsetUs === 0), label);
    }
  });

  test('threads are shared in proportion to the connections of each kind', () => {
    const fanOut = scenario({ publishers: { count: 1, rate: 'max' }, subscribers: [{ count: 20 }] });
    assert.deepEqual(shape(fanOut, 4), [[1, 0], [0, 7], [0, 7], [0, 6]]);
    const even = scenario({ publishers: { count: 4, rate: 'max' }, subscribers: [{ count: 4 }] });
    assert.deepEqual(shape(even, 4), [[2, 0], [2, 0], [0, 2], [0, 2]]);
  });

  test('shares threads as before with 1 worker, with one kind only, or at an open-loop rate', () => {
    assert.deepEqual(shape(scenario({ publishers: { count: 2, rate: 'max' }, subscribers: [{ count: 3 }] }), 1), [[2, 3]]);
    assert.deepEqual(shape(scenario({ publishers: { count: 4, rate: 'max' }, subscribers: [{ count: 0 }] }), 2), [[2, 0], [2, 0]]);
    assert.deepEqual(shape(scenario({ publishers: { count: 0 }, subscribers: [{ count: 4 }] }), 2), [[0, 2], [0, 2]]);
    assert.deepEqual(shape(scenario({ publishers: { count: 3, rate: 1000 }, subscribers: [{ count: 3 }] }), 2), [[2, 1], [1, 2]]);
  });

  test('splitRoles gives each kind at least one thread and never more threads than connections', () => {
    assert.equal(splitRoles(1, 5, 5), null);
    assert.equal(splitRoles(4, 0, 5), null);
    assert.equal(splitRoles(4, 5, 0), null);
    for (let workers = 2; workers <= 12; workers++) {
      for (let publishers = 1; publishers <= 12; publishers++) {
        for (let subscribers = 1; subscribers <= 12; subscribers++) {
          if (workers > publishers + subscribers) continue; // planFleet never asks for more threads than connections
          const split = splitRoles(workers, publishers, subscribers);
          assert.ok(split, `${workers} ${publishers} ${subscribers}`);
          const sub = workers - split.publisherWorkers;
          assert.ok(split.publisherWorkers >= 1 && split.publisherWorkers <= publishers, `${workers} ${publishers} ${subscribers}`);
          assert.ok(sub >= 1 && sub <= subscribers, `${workers} ${publishers} ${subscribers}`);
        }
      }
    }
  });
});

describe('defaultWorkerCount', () => {
  test('the cores less one for a local redis-server, all of them for a remote target', () => {
    assert.equal(defaultWorkerCount({ cores: 8, localTarget: true, connections: 100 }), 7);
    assert.equal(defaultWorkerCount({ cores: 8, localTarget: false, connections: 100 }), 8);
    assert.equal(defaultWorkerCount({ cores: 2, localTarget: true, connections: 100 }), 1);
    assert.equal(defaultWorkerCount({ cores: 2, localTarget: false, connections: 100 }), 2);
  });

  test('at least 1, and never more than the connections to run', () => {
    assert.equal(defaultWorkerCount({ cores: 1, localTarget: true, connections: 10 }), 1);
    assert.equal(defaultWorkerCount({ cores: 1, localTarget: false, connections: 10 }), 1);
    assert.equal(defaultWorkerCount({ cores: 64, localTarget: false, connections: 2 }), 2);
    assert.equal(defaultWorkerCount({ cores: 64, localTarget: true, connections: 0 }), 1);
    assert.equal(defaultWorkerCount({ cores: 16, localTarget: false, connections: Infinity }), 16);
    assert.equal(defaultWorkerCount({ cores: Number.NaN, localTarget: false, connections: 5 }), 1);
  });

  test('connectionCount adds publishers and every subscriber group', () => {
    assert.equal(connectionCount(scenario({ publishers: { count: 3 }, subscribers: [{ count: 5 }, { count: 0 }, { count: 2 }] })), 10);
    assert.equal(connectionCount(scenario({ publishers: { count: 0 }, subscribers: [{ count: 1 }] })), 1);
  });
});
