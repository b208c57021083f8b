import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planFleet } from '../../src/coordinator/plan.js';
import { BUILTINS, DEFAULT_SCENARIO, findBuiltin } from '../../src/scenarios/builtins/index.js';
import { loadScenarioInput } from '../../src/scenarios/load.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { applyOverrides } from '../../src/scenarios/overrides.js';
import { effectiveKey, effectiveLabel, expandMatrix, parseMatrix } from '../../src/scenarios/matrix.js';

describe('built-in scenarios', () => {
  test('the five use cases of issue 2 and the two comparisons are there, names unique', () => {
    const names = BUILTINS.map((b) => b.name);
    assert.deepEqual([...names].sort(), ['chat', 'event-bus', 'fan-in', 'fan-out', 'notifications', 'pipeline-vs-unpipelined', 'pubsub-vs-streams']);
    assert.deepEqual(BUILTINS.filter((b) => b.matrix).map((b) => b.name), ['pipeline-vs-unpipelined', 'pubsub-vs-streams'], 'only the comparisons are matrices');
    assert.equal(new Set(names).size, names.length);
    assert.ok(findBuiltin(DEFAULT_SCENARIO), 'the default is a built-in');
  });

  for (const b of BUILTINS) {
    test(`${b.name} resolves, has a one-line description and plans with receivers everywhere`, async () => {
      const loaded = await loadScenarioInput(b.name);
      const s = resolveScenario(loaded.input, loaded.source);
      assert.equal(s.name, b.name);
      assert.ok(s.description.length > 10 && !s.description.includes('\n'));
      // Finishes in about 15 s on a 2-core machine: warmup + duration + drain well under half a minute.
      assert.ok(s.warmupMs + s.durationMs <= 15_000, 'short enough for a quick run');
      const plan = planFleet(s, 2);
      assert.ok(plan.receiversPerChannel.every((r) => r > 0), 'every channel has a receiver');
      const published = new Set(plan.perWorker.flatMap((w) => w.publishers.flatMap((p) => p.channels)));
      assert.equal(published.size, s.channels.count, 'publishers cover every channel');
    });
  }

  test('notifications has per-user channels and a user.* pattern subscriber', () => {
    const s = resolveScenario(structuredClone(findBuiltin('notifications')!.input), 'n');
    assert.match(s.channels.naming, /^user\.\{i\}$/);
    assert.ok(s.subscribers.some((g) => g.patterns.includes('user.*')));
    assert.deepEqual(new Set(planFleet(s, 1).receiversPerChannel), new Set([2]));
  });

  test('event-bus has hierarchical names and service patterns', () => {
    const s = resolveScenario(structuredClone(findBuiltin('event-bus')!.input), 'e');
    const plan = planFleet(s, 2);
    assert.deepEqual(plan.channelNames.slice(0, 5), ['orders.created.0', 'orders.shipped.1', 'payments.captured.2', 'inventory.updated.3', 'orders.created.4']);
    assert.ok(s.subscribers.some((g) => g.patterns.includes('orders.*')));
  });

  test('loading returns a copy: changing it leaves the built-in alone', async () => {
    const a = await loadScenarioInput('chat');
    (a.input as { publishers: { count: number } }).publishers.count = 999;
    const b = await loadScenarioInput('chat');
    assert.notEqual((b.input as { publishers: { count: number } }).publishers.count, 999);
  });

  test('pipeline-vs-unpipelined compares await, pipeline and multi at the same batch sizes, in under a minute', () => {
    const b = findBuiltin('pipeline-vs-unpipelined')!;
    const runs = new Map<string, { label: string; measureMs: number }>();
    for (const v of expandMatrix(parseMatrix(b.matrix!))) {
      const o = applyOverrides(structuredClone(b.input), v.flags);
      const s = resolveScenario(o.input, 'p', { rename: o.rename, problems: o.problems });
      runs.set(effectiveKey(s), { label: effectiveLabel(v, s), measureMs: s.warmupMs + s.durationMs });
    }
    const labels = [...runs.values()].map((r) => r.label);
    assert.deepEqual(labels, [
      'publish-mode=await',
      ...['pipeline', 'multi'].flatMap((mode) => [10, 100, 1000].map((n) => `publish-mode=${mode} batch=${n}`)),
    ]);
    // Warmup + measure of every variant; connecting and draining add about a second each.
    const totalMs = [...runs.values()].reduce((n, r) => n + r.measureMs + 1000, 0);
    assert.ok(totalMs <= 60_000, `${totalMs} ms in all`);
  });
});
