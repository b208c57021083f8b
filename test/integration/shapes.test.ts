/**
 * Workload shapes of issue 13 against a real redis-server: channel and subscriber skew (the counts per channel
 * follow the distribution and loss stays exact), background patterns (the server's NUMPAT shows them, they
 * receive nothing) and RESP3 (the server sees resp=3 connections; the counts equal a RESP2 run's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResult } from '../../src/core/result.js';
import { apportion, skewShares } from '../../src/load/skew.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';
import { CLIENTS, redisCli } from '../helpers/redis.js';

const bench = useServer('pb-shapes');

const port = (): number => bench.server.spec.nodes[0].port;

/**
 * Polls the server with `args` every 50 ms while `run` lasts; returns the run's result and every reply seen.
 * What a test asks the server must be seen while the fleet is connected, not after.
 */
async function watching(args: string[], run: () => Promise<{ result: RunResult }>): Promise<{ result: RunResult; replies: string[] }> {
  const replies: string[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      replies.push(await redisCli(bench.server, port(), ...args));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    return { result: (await run()).result, replies };
  } finally {
    done = true;
    await poll;
  }
}

function assertExact(r: RunResult): void {
  assertAccounting(r);
  assert.equal(r.summary.lost, 0, 'no loss on an idle loopback server');
  assert.equal(r.summary.publishErrors, 0);
  assert.equal(r.summary.malformed, 0);
}

test('channel and subscriber skew: per-channel counts follow zipf, add up, and loss is exact', { timeout: 60_000 }, async () => {
  const channels = 12;
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, {
    channels: { count: channels, naming: 'shape.skew.{i}' },
    publishers: { count: 2, rate: 3000, mode: 'auto' },
    subscribers: [{ count: 8, channelsEach: 3 }],
    channelSkew: 'zipf:1',
    subscriberSkew: 'zipf:1',
    duration: '2s',
  });
  assertExact(r);
  const per = r.channels!;
  assert.equal(per.length, channels);
  const published = per.reduce((n, c) => n + c.published, 0);
  assert.equal(published, r.summary.published, 'per-channel published adds up to the measured total');
  assert.equal(per.reduce((n, c) => n + c.expected, 0), r.summary.expectedDeliveries);
  assert.equal(per.reduce((n, c) => n + c.delivered, 0), r.summary.delivered);
  const shares = skewShares({ kind: 'zipf', exponent: 1 }, channels);
  // Each publisher walks a contiguous stretch of its stride cycle: within ~2 messages of its share per channel.
  per.forEach((c, k) => {
    assert.ok(Math.abs(c.share! - shares[k]) < 1e-12, `intended share of channel ${k}`);
    assert.ok(Math.abs(c.published - published * shares[k]) <= 6, `channel ${k}: ${c.published} published, ${(published * shares[k]).toFixed(1)} intended`);
    assert.equal(c.expected, c.published * c.receivers);
  });
  assert.ok(per[0].published > 5 * per[11].published, 'channel 0 is the hot one');
  // Subscribers per channel: 8 × 3 subscriptions shared out by zipf, at most 8 a channel.
  assert.deepEqual(per.map((c) => c.receivers), apportion(24, shares, 8));
  assert.equal(r.scenario.channelSkew, 'zipf:1');
});

test("background patterns: the server's NUMPAT confirms them; they receive nothing and change no count", { timeout: 60_000 }, async () => {
  const { result: r, replies } = await watching(['PUBSUB', 'NUMPAT'], () => runScenario(bench.server.spec, bench.outDir, {
    channels: { count: 4, naming: 'shape.bg.{i}' },
    publishers: { count: 1, rate: 1000 },
    subscribers: [{ count: 2 }, { count: 1, patterns: ['shape.bg.*'] }],
    backgroundPatterns: 40,
    duration: '1500ms',
  }));
  assertExact(r);
  const numpat = Math.max(...replies.map((x) => Number(x.trim())));
  assert.equal(numpat, 41, `NUMPAT seen during the run: ${[...new Set(replies.map((x) => x.trim()))].join(', ')}`);
  assert.equal(r.plan.subscriptions, 4 * 2 + 1 + 40);
  assert.ok(r.channels!.every((c) => c.receivers === 3), 'background patterns are no receivers');
  assert.equal(r.summary.expectedDeliveries, r.summary.published * 3);
});

for (const client of CLIENTS) {
  test(`${client}: a RESP3 run speaks RESP3 on the server and equals a RESP2 run in counts`, { timeout: 60_000 }, async () => {
    const input = {
      client,
      channels: { count: 3, naming: `shape.resp.${client}.{i}` },
      publishers: { count: 2, rate: 1000, mode: 'auto' },
      subscribers: [{ count: 2 }, { count: 1, patterns: [`shape.resp.${client}.*`] }],
      duration: '1500ms',
    };
    const runs: Array<{ result: RunResult; replies: string[] }> = [];
    for (const resp of [2, 3]) {
      runs.push(await watching(['CLIENT', 'LIST'], () => runScenario(bench.server.spec, bench.outDir, { ...input, resp })));
    }
    for (const [i, resp] of [2, 3].entries()) {
      const { result: r, replies } = runs[i];
      assertExact(r);
      assert.equal(r.resp, resp, 'result.json says which protocol ran');
      // Every data-plane connection the server listed (publishers, subscribers) spoke that protocol.
      const lines = replies.flatMap((x) => x.split('\n')).filter((l) => / name=pb-(pub|sub)-\d+ /.test(l));
      assert.ok(lines.length > 0, 'the fleet was seen on the server');
      const spoken = new Set(lines.map((l) => / resp=(\d)/.exec(l)?.[1]));
      assert.deepEqual([...spoken], [String(resp)], `RESP${resp} run: resp= values ${[...spoken].join(', ')}`);
    }
    const [two, three] = runs.map(({ result: r }) => r.summary);
    // On a loaded machine (ioredis at 100 % of a shared core) a publisher may leave the tail of its schedule unsent:
    // then the counts equal per message sent, and what was scheduled still adds up to the same 1500.
    for (const s of [two, three]) {
      assert.equal(s.published + (s.unsent ?? 0), 1500, 'the same open-loop schedule');
      assert.equal(s.expectedDeliveries, 3 * s.published, 'three receivers per message, whatever the protocol');
    }
    const sentAll = (two.unsent ?? 0) === 0 && (three.unsent ?? 0) === 0;
    for (const key of ['published', 'expectedDeliveries', 'delivered', 'lost', 'duplicates', 'reordered'] as const) {
      if (sentAll || key === 'lost' || key === 'duplicates' || key === 'reordered') assert.equal(three[key], two[key], key);
    }
  });
}
