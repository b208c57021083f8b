import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublisherAssignment } from '../../src/core/messages.js';
import { BACKGROUND_PATTERN_PREFIX, type Scenario } from '../../src/core/scenario.js';
import { UsageError } from '../../src/core/errors.js';
import { planFleet, type FleetPlan } from '../../src/coordinator/plan.js';
import { apportion, channelCycle, cycleStart, parseSkew, skewShares } from '../../src/load/skew.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { applyOverrides, type ScenarioFlags } from '../../src/scenarios/overrides.js';
import { expandMatrix, MATRIX_KEYS, parseMatrix } from '../../src/scenarios/matrix.js';
import { globMatch } from '../../src/scenarios/glob.js';

const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0);

function scenario(input: Record<string, unknown>): Scenario {
  return resolveScenario(input, 'skew-test');
}

/** Problems of a scenario given as flags on top of `input`, as `run` would report them. */
function flagProblems(flags: ScenarioFlags, input: Record<string, unknown> = {}): Array<{ field: string; hint?: string }> {
  const o = applyOverrides(input, flags);
  try {
    resolveScenario(o.input, 'test', { rename: o.rename, problems: o.problems });
    return [];
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.problems;
  }
}

/**
 * What the publishers of a plan send when each sends `perPublisher` messages: walks each publisher's cycle from
 * its staggered start, exactly as src/workers/publisher.ts does.
 */
function simulate(plan: FleetPlan, perPublisher: (p: PublisherAssignment) => number, publisherCount: number): number[] {
  const counts = new Array<number>(plan.channelNames.length).fill(0);
  for (const p of plan.perWorker.flatMap((w) => w.publishers)) {
    const cycle = p.channelWeights ? channelCycle(p.channelWeights) : Uint32Array.from(p.channels, (_, i) => i);
    let at = p.channelWeights ? cycleStart(p.publisherId, publisherCount, cycle.length) : 0;
    for (let m = 0; m < perPublisher(p); m++) {
      counts[p.channels[cycle[at]]]++;
      at = at + 1 === cycle.length ? 0 : at + 1;
    }
  }
  return counts;
}

/** Pearson's χ² of observed counts against expected shares. */
function chiSquare(observed: number[], shares: number[]): number {
  const total = sum(observed);
  let chi = 0;
  observed.forEach((o, k) => {
    const e = total * shares[k];
    if (e > 0) chi += (o - e) ** 2 / e;
  });
  return chi;
}

describe('skew maths', () => {
  test('parseSkew reads uniform and zipf:S and refuses the rest with a hint', () => {
    assert.deepEqual(parseSkew('uniform'), { kind: 'uniform' });
    assert.deepEqual(parseSkew(' ZIPF: 1.5 '), { kind: 'zipf', exponent: 1.5 });
    assert.deepEqual(parseSkew('zipf:.8'), { kind: 'zipf', exponent: 0.8 });
    for (const bad of ['zipf:', 'zipf:-1', 'zipf:0', 'zipf:11', 'zipf:x', 'pareto:1', '', 5]) {
      const r = parseSkew(bad);
      assert.ok('message' in r && /zipf:S/.test(r.hint), JSON.stringify(bad));
    }
  });

  test('zipf shares are ∝ 1/(k+1)^S and add up to 1', () => {
    const p = skewShares({ kind: 'zipf', exponent: 2 }, 5);
    assert.ok(Math.abs(sum(p) - 1) < 1e-12);
    for (let k = 1; k < 5; k++) assert.ok(Math.abs(p[0] / p[k] - (k + 1) ** 2) < 1e-9);
  });

  test('apportion adds up exactly, keeps to the cap and to the weights within one', () => {
    const w = skewShares({ kind: 'zipf', exponent: 1.3 }, 50);
    for (const [total, cap] of [[1000, Infinity], [500, 30], [50 * 7, 7], [3, 1]] as const) {
      const n = apportion(total, w, cap);
      assert.equal(sum(n), total);
      assert.ok(n.every((x) => x <= cap && x >= 0 && Number.isInteger(x)));
    }
    const free = apportion(1000, w);
    free.forEach((x, k) => assert.ok(Math.abs(x - 1000 * w[k]) < 1, `item ${k}: ${x} vs ${1000 * w[k]}`));
    assert.deepEqual(apportion(6, [5, 1, 1], 2), [2, 2, 2]);
    assert.throws(() => apportion(10, [1, 1], 4), RangeError);
  });

  test('a channel cycle holds each position in proportion, spread evenly', () => {
    const w = skewShares({ kind: 'zipf', exponent: 1 }, 30);
    const cycle = channelCycle(w);
    const counts = new Array<number>(30).fill(0);
    for (const p of cycle) counts[p]++;
    counts.forEach((n, k) => assert.ok(Math.abs(n / cycle.length - w[k]) <= 0.5 / cycle.length + 1e-12, `position ${k}`));
    assert.ok(counts[29] >= 40, `the least position has ${counts[29]} slots`);
    // Any window of the (repeating) cycle holds every position within 2 of its share.
    for (const [from, len] of [[0, 1000], [777, 5000], [cycle.length - 100, 3000]]) {
      const seen = new Array<number>(30).fill(0);
      for (let j = 0; j < len; j++) seen[cycle[(from + j) % cycle.length]]++;
      seen.forEach((n, k) => assert.ok(Math.abs(n - len * (counts[k] / cycle.length)) <= 2, `window ${from}+${len}, position ${k}: ${n}`));
    }
    assert.deepEqual(Array.from(channelCycle([1, 1, 1])), [0, 1, 2], 'equal weights: plain round-robin');
  });
});

describe('planFleet with a channel skew', () => {
  test("publishers on 'all' channels: per-channel counts follow zipf (χ²) and add up", () => {
    const s = scenario({ channels: { count: 40 }, publishers: { count: 3, rate: 3000 }, channelSkew: 'zipf:1.1' });
    const plan = planFleet(s, 2);
    const shares = skewShares({ kind: 'zipf', exponent: 1.1 }, 40);
    plan.publishShares!.forEach((x, k) => assert.ok(Math.abs(x - shares[k]) < 1e-12));
    const counts = simulate(plan, () => 20_011, 3);
    assert.equal(sum(counts), 3 * 20_011);
    // 39 degrees of freedom: χ² stays far below the 0.1 % critical value (72.1); a stride cycle is much closer than random.
    const chi = chiSquare(counts, shares);
    assert.ok(chi < 10, `χ² ${chi}`);
    assert.ok(Math.abs(counts[0] / counts[9] - 10 ** 1.1) / 10 ** 1.1 < 0.02, `ratio ${counts[0] / counts[9]}`);
    const rates = plan.perWorker.flatMap((w) => w.publishers).map((p) => p.rate as number);
    assert.equal(sum(rates), 3000);
  });

  test('publishers on k channels each carry unequal rates that add up and give the fleet exact zipf shares', () => {
    const s = scenario({ channels: { count: 100 }, publishers: { count: 20, rate: 2000, channelsEach: 5 }, channelSkew: 'zipf:1' });
    const plan = planFleet(s, 3);
    const pubs = plan.perWorker.flatMap((w) => w.publishers).sort((a, b) => a.publisherId - b.publisherId);
    let total = 0;
    for (const p of pubs) total += p.rate as number;
    assert.equal(total, 2000, 'summed in publisher order, exactly the total');
    assert.ok((pubs[0].rate as number) > 4 * (pubs[19].rate as number), 'the publisher of the hot channels carries more');
    // Messages per channel per second = rate × weight / Σ weights of that publisher.
    const perChannel = new Array<number>(100).fill(0);
    for (const p of pubs) {
      const w = sum(p.channelWeights!);
      p.channels.forEach((c, i) => (perChannel[c] += ((p.rate as number) * p.channelWeights![i]) / w));
    }
    const shares = skewShares({ kind: 'zipf', exponent: 1 }, 100);
    perChannel.forEach((r, c) => assert.ok(Math.abs(r / 2000 - shares[c]) < 1e-9, `channel ${c}`));
    // And the same over whole messages: each publisher sends its rate × 10 s.
    const counts = simulate(plan, (p) => Math.round((p.rate as number) * 10), 20);
    assert.ok(chiSquare(counts, shares) < 30, `χ² ${chiSquare(counts, shares)}`);
  });

  test('uniform leaves the plan exactly as it was', () => {
    const input = { channels: { count: 7 }, publishers: { count: 3, rate: 900, channelsEach: 2 }, subscribers: [{ count: 4, channelsEach: 3 }] };
    const plain = planFleet(scenario(input), 2);
    const uniform = planFleet(scenario({ ...input, channelSkew: 'uniform', subscriberSkew: 'uniform' }), 2);
    assert.deepEqual(uniform, plain);
    assert.equal(plain.publishShares, undefined);
    assert.ok(plain.perWorker.every((w) => w.publishers.every((p) => p.channelWeights === undefined)));
  });
});

describe('planFleet with a subscriber skew', () => {
  test('each subscriber holds k distinct channels; channels get zipf-many subscribers, NUMSUB and receivers exact', () => {
    const s = scenario({ channels: { count: 50 }, subscribers: [{ count: 40, channelsEach: 3 }, { count: 2 }], subscriberSkew: 'zipf:1' });
    const plan = planFleet(s, 3);
    const subs = plan.perWorker.flatMap((w) => w.subscribers).sort((a, b) => a.subscriberId - b.subscriberId);
    for (const sub of subs.slice(0, 40)) {
      assert.equal(sub.channels.length, 3);
      assert.equal(new Set(sub.channels).size, 3, 'distinct');
    }
    assert.ok(subs.slice(40).every((sub) => sub.channels.length === 50), "the 'all' group is left alone");
    const numsub = new Array<number>(50).fill(0);
    for (const sub of subs) for (const c of sub.channels) numsub[c]++;
    assert.deepEqual(plan.expectedNumsub, numsub);
    assert.deepEqual(plan.receiversPerChannel, numsub);
    assert.equal(sum(numsub), 40 * 3 + 2 * 50);
    const skewed = numsub.map((n) => n - 2);
    assert.deepEqual(skewed, apportion(120, skewShares({ kind: 'zipf', exponent: 1 }, 50), 40));
    assert.equal(skewed[0], 27, 'the hottest channel: 120 / H(50) ≈ 26.7 subscribers');
    for (let c = 1; c < 50; c++) assert.ok(skewed[c] <= skewed[c - 1], `non-increasing at ${c}`);
  });

  test('a crowded channel never gets more subscribers than the group has', () => {
    const plan = planFleet(scenario({ channels: { count: 10 }, subscribers: [{ count: 4, channelsEach: 5 }], subscriberSkew: 'zipf:3' }), 1);
    assert.deepEqual(plan.expectedNumsub.slice(0, 4), [4, 4, 4, 4]);
    assert.equal(sum(plan.expectedNumsub), 20);
  });
});

describe('background patterns', () => {
  test('add subscriptions and NUMPAT on one worker, no receivers, and match no channel', () => {
    const base = { channels: { count: 20, naming: 'pubsub-bench:{i}' }, subscribers: [{ count: 3 }, { count: 1, patterns: ['pubsub-bench:1*'] }] };
    const without = planFleet(scenario(base), 3);
    const plan = planFleet(scenario({ ...base, backgroundPatterns: 25 }), 3);
    assert.equal(plan.subscriptions, without.subscriptions + 25);
    assert.equal(plan.expectedNumpat, without.expectedNumpat + 25);
    assert.deepEqual(plan.receiversPerChannel, without.receiversPerChannel);
    const holders = plan.perWorker.filter((w) => (w.backgroundPatterns?.length ?? 0) > 0);
    assert.equal(holders.length, 1);
    const patterns = holders[0].backgroundPatterns ?? [];
    assert.equal(new Set(patterns).size, 25);
    for (const name of plan.channelNames) assert.ok(!patterns.some((p) => globMatch(p, name)), name);
  });

  test('a naming template that a background pattern would match is refused', () => {
    const problems = flagProblems({ backgroundPatterns: '3' }, { channels: { count: 2, naming: `${BACKGROUND_PATTERN_PREFIX}{i}:x` } });
    assert.ok(problems.some((p) => p.field === 'channels.naming'), JSON.stringify(problems));
  });
});

describe('shape flags, fields and matrix keys', () => {
  test('bad values exit 2 naming the flag, with a hint', () => {
    const cases: Array<[ScenarioFlags, string, Record<string, unknown>?]> = [
      [{ channelSkew: 'zipf:' }, '--channel-skew'],
      [{ channelSkew: 'zipf:-1' }, '--channel-skew'],
      [{ channelSkew: 'pareto:1' }, '--channel-skew'],
      [{ subscriberSkew: 'zipf:x' }, '--subscriber-skew'],
      [{ subscriberSkew: 'zipf:1' }, '--subscriber-skew'], // every subscriber on every channel: nothing to skew
      [{ backgroundPatterns: '-1' }, '--background-patterns'],
      [{ backgroundPatterns: '2', sharded: true }, '--background-patterns'],
      [{ resp: '4' }, '--resp'],
      [{ resp: 'three' }, '--resp'],
      [{ channelSkew: 'zipf:1', rate: 'max' }, '--channel-skew', { channels: { count: 10 }, publishers: { channelsEach: 2, count: 5 } }],
      [{ channelSkew: 'zipf:1', stages: '1s:100' }, '--channel-skew', { channels: { count: 10 }, publishers: { channelsEach: 2, count: 5 } }],
    ];
    for (const [flags, field, input] of cases) {
      const problems = flagProblems(flags, input);
      const p = problems.find((x) => x.field === field);
      assert.ok(p && p.hint, `${JSON.stringify(flags)}: ${JSON.stringify(problems)}`);
    }
  });

  test('scenario-file fields resolve to canonical values, left out when default', () => {
    const s = scenario({ channels: { count: 4 }, subscribers: [{ count: 2, channelsEach: 1 }], channelSkew: 'Zipf:1.50', subscriberSkew: 'zipf:2', backgroundPatterns: 10, resp: 3 });
    assert.equal(s.channelSkew, 'zipf:1.5');
    assert.equal(s.subscriberSkew, 'zipf:2');
    assert.equal(s.backgroundPatterns, 10);
    assert.equal(s.resp, 3);
    assert.deepEqual(resolveScenario(structuredClone(s), 'again'), s, 'a resolved scenario reads back the same');
    const plain = scenario({ channelSkew: 'uniform', backgroundPatterns: 0, resp: 2 });
    for (const key of ['channelSkew', 'subscriberSkew', 'backgroundPatterns', 'resp']) assert.ok(!(key in plain), key);
  });

  test('every shape flag is a matrix key, and so are patterns and sharded', () => {
    for (const key of ['channel-skew', 'subscriber-skew', 'background-patterns', 'resp', 'patterns', 'sharded']) assert.ok(key in MATRIX_KEYS, key);
    const variants = expandMatrix(parseMatrix(['patterns=none,pubsub-bench:*|other.*', 'sharded=false,true', 'resp=2,3']));
    assert.equal(variants.length, 8);
    const input = { subscribers: [{ count: 2, patterns: ['x.*'] }] };
    const resolved = variants.map((v) => {
      const o = applyOverrides(input, v.flags as ScenarioFlags);
      try {
        return resolveScenario(o.input, 'm', { rename: o.rename, problems: o.problems });
      } catch {
        return undefined; // patterns with sharded channels: refused, as without the matrix
      }
    });
    assert.deepEqual(resolved.map((r) => r !== undefined), [true, true, true, true, true, true, false, false]);
    const none = resolved[0]!;
    assert.deepEqual(none.subscribers[0], { count: 2, channelsEach: 'all', patterns: [] }, "'none': channel subscriptions instead");
    assert.equal(none.resp, undefined);
    assert.equal(resolved[1]!.resp, 3);
    assert.deepEqual(resolved[4]!.subscribers[0].patterns, ['pubsub-bench:*', 'other.*']);
    assert.equal(resolved[4]!.subscribers[0].channelsEach, 0);
    assert.equal(resolved[2]!.channels.sharded, true);
  });
});
