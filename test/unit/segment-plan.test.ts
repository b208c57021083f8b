/**
 * Property tests of the segment split (issue 12: 1): for many random seeded scenarios and segment counts, the
 * segments' plans together are exactly the global plan — disjoint, complete, the same ids, channels, rates and
 * phase offsets, receivers and server expectations unchanged, the rates adding up to exactly R — and the run tag
 * and digest every segment derives agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublisherAssignment, SubscriberAssignment } from '../../src/core/messages.js';
import { planFleet } from '../../src/coordinator/plan.js';
import {
  fleetMembers, parseSegmentFlag, planDigest, runTagOf, segmentCountProblem, segmentOf, segmentPlan,
} from '../../src/coordinator/segment-plan.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { seededRandom } from '../helpers/histograms.js';

const VERSIONS = { harness: '1.0.0', protocol: 4 };

/** A random valid scenario: publishers, subscriber groups (channels or patterns), rate or stages or max. */
function randomScenario(rand: () => number) {
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const channels = int(1, 40);
  const groups = Array.from({ length: int(1, 3) }, () => {
    const usePattern = rand() < 0.3;
    return usePattern
      ? { count: int(0, 12), patterns: [rand() < 0.5 ? 'bench.*' : 'bench.1*'] }
      : { count: int(0, 30), channelsEach: rand() < 0.5 ? 'all' : int(1, channels) };
  });
  const kind = rand();
  const publishers = int(kind >= 0.15 && kind < 0.3 ? 1 : 0, 25);
  // A scenario needs someone: without publishers, the first group has a subscriber.
  if (publishers === 0 && groups.every((g) => g.count === 0)) groups[0].count = 1;
  const stages = kind < 0.3 && kind >= 0.15 ? { stages: `1s:${int(100, 5000)},ramp:1s:${int(100, 5000)}-${int(100, 5000)}` } : { duration: '2s' };
  const rate = kind < 0.15 ? { rate: 'max' } : kind >= 0.3 ? { rate: int(1, 200_000) } : {};
  return resolveScenario({
    name: 'prop', warmup: '100ms', ...stages,
    channels: { count: channels, naming: 'bench.{i}' },
    publishers: { count: publishers, channelsEach: rand() < 0.5 ? 'all' : int(1, channels), ...rate },
    subscribers: groups,
    ...(rand() < 0.2 && groups.reduce((n, g) => n + g.count, 0) >= 3 ? { slowSubscribers: { count: int(1, 3), delayUs: 100 } } : {}),
  }, 'property test');
}

const byPublisher = (a: PublisherAssignment, b: PublisherAssignment): number => a.publisherId - b.publisherId;
const bySubscriber = (a: SubscriberAssignment, b: SubscriberAssignment): number => a.subscriberId - b.subscriberId;

test('the segments of 300 random scenarios add up exactly to the global plan', () => {
  const rand = seededRandom(0x5e9);
  let checked = 0;
  for (let round = 0; round < 300; round++) {
    const scenario = randomScenario(rand);
    const subscriberCount = scenario.subscribers.reduce((n, g) => n + g.count, 0);
    const members = scenario.publishers.count + subscriberCount;
    if (members === 0) continue;
    const count = 1 + Math.floor(rand() * Math.min(members, 9));
    const workers = 1 + Math.floor(rand() * 4);
    const global = planFleet(scenario, 1);
    const all = fleetMembers(global);
    const rateMax = scenario.publishers.rate === 'max';
    const parts = Array.from({ length: count }, (_, i) => segmentPlan(global, i, count, workers, rateMax));
    const pubs = parts.flatMap((p) => fleetMembers(p).publishers);
    const subs = parts.flatMap((p) => fleetMembers(p).subscribers);
    const ctx = `round ${round}: ${count} segments of ${scenario.publishers.count} publishers + ${subscriberCount} subscribers`;

    // Disjoint and complete, with every member in its own segment and unchanged.
    assert.equal(new Set(pubs.map((p) => p.publisherId)).size, pubs.length, `${ctx}: a publisher in two segments`);
    assert.equal(new Set(subs.map((s) => s.subscriberId)).size, subs.length, `${ctx}: a subscriber in two segments`);
    assert.deepEqual([...pubs].sort(byPublisher), all.publishers, `${ctx}: publishers differ from the global plan`);
    assert.deepEqual([...subs].sort(bySubscriber), all.subscribers, `${ctx}: subscribers differ from the global plan`);
    parts.forEach((part, i) => {
      for (const p of fleetMembers(part).publishers) assert.equal(segmentOf(p.publisherId, count), i, ctx);
      for (const s of fleetMembers(part).subscribers) assert.equal(segmentOf(s.subscriberId, count), i, ctx);
      // What stays global: channels, receivers (expected deliveries) and what the server must show.
      assert.deepEqual(part.channelNames, global.channelNames, ctx);
      assert.deepEqual(part.receiversPerChannel, global.receiversPerChannel, ctx);
      assert.deepEqual(part.expectedNumsub, global.expectedNumsub, ctx);
      assert.equal(part.expectedNumpat, global.expectedNumpat, ctx);
      // No idle thread, and at least one even for an empty share.
      // Slow subscribers keep a thread of their own within their segment.
      const local = fleetMembers(part);
      const slow = local.subscribers.filter((x) => x.slowUs !== undefined).length;
      const fast = local.publishers.length + local.subscribers.length - slow;
      assert.equal(part.workers, (slow > 0 && fast === 0 ? 0 : Math.max(1, Math.min(workers, fast))) + (slow > 0 ? 1 : 0), ctx);
      if (slow > 0) assert.ok(part.perWorker[part.workers - 1].subscribers.every((x) => x.slowUs !== undefined), ctx);
      assert.equal(part.perWorker.length, part.workers, ctx);
    });
    // Confirmed subscriptions add up to the plan's.
    assert.equal(parts.reduce((n, p) => n + p.subscriptions, 0), global.subscriptions, `${ctx}: subscriptions`);
    // The rates add up to exactly R, summed in publisher order as the one-machine plan guarantees.
    if (typeof scenario.publishers.rate === 'number' && scenario.publishers.count > 0) {
      let sum = 0;
      for (const p of [...pubs].sort(byPublisher)) sum += p.rate as number;
      assert.equal(sum, scenario.publishers.rate, `${ctx}: Σ rate`);
    }
    checked++;
  }
  assert.ok(checked > 250, `only ${checked} scenarios had a fleet`);
});

test('every segment derives the same run tag and digest; a different scenario or count changes the digest', () => {
  const rand = seededRandom(7);
  const scenario = randomScenario(rand);
  const global = planFleet(scenario, 1);
  assert.equal(runTagOf('nightly-42'), runTagOf('nightly-42'));
  assert.notEqual(runTagOf('nightly-42'), runTagOf('nightly-43'));
  assert.ok(Number.isInteger(runTagOf('x')) && runTagOf('x') >= 0 && runTagOf('x') <= 0xffffffff);
  // Planned with other worker counts (each pod has its own cores): the same digest.
  const digest = planDigest(scenario, global, 3, VERSIONS);
  assert.equal(planDigest(scenario, planFleet(scenario, 7), 3, VERSIONS), digest);
  assert.notEqual(planDigest(scenario, global, 4, VERSIONS), digest, 'segment count');
  assert.notEqual(planDigest(scenario, global, 3, { ...VERSIONS, harness: '1.0.1' }), digest, 'harness version');
  const other = { ...scenario, publishers: { ...scenario.publishers, messageBytes: scenario.publishers.messageBytes + 1 } };
  assert.notEqual(planDigest(other, global, 3, VERSIONS), digest, 'scenario');
});

test('--segment syntax and the segment count limit', () => {
  assert.deepEqual(parseSegmentFlag('0/3'), { index: 0, count: 3 });
  assert.deepEqual(parseSegmentFlag(' 2 / 3 '), { index: 2, count: 3 });
  for (const bad of ['3/3', '1/0', '-1/3', 'a/3', '1', '1/3/4', '', '0/']) assert.equal(parseSegmentFlag(bad), null, bad);
  assert.equal(segmentCountProblem(5, 2, 3), null);
  assert.match(segmentCountProblem(6, 2, 3) ?? '', /6 segments but only 2 publishers \+ 3 subscribers/);
});

test('background patterns are held once, by segment 0, and counted in its subscriptions only', () => {
  const scenario = resolveScenario({
    name: 'bg', duration: '1s', channels: { count: 4, naming: 'bench.{i}' }, publishers: { count: 2 },
    subscribers: [{ count: 4 }], backgroundPatterns: 25,
  }, 'test');
  const global = planFleet(scenario, 2);
  const globalBackground = global.perWorker.flatMap((w) => w.backgroundPatterns ?? []);
  assert.equal(globalBackground.length, 25);
  const held = [0, 1, 2].map((i) => segmentPlan(global, i, 3, 2, false).perWorker.flatMap((w) => w.backgroundPatterns ?? []));
  assert.deepEqual(held.map((b) => b.length), [25, 0, 0]);
  assert.deepEqual(held[0], globalBackground);
  const own = (i: number): number => segmentPlan(global, i, 3, 2, false).subscriptions;
  assert.equal(own(0) + own(1) + own(2), global.subscriptions, 'the segments confirm exactly the global subscriptions');
});
