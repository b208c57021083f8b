/**
 * --chaos against real servers: subscriber connections killed mid-run (loss attributed to the event), CLIENT PAUSE
 * (a latency spike that recovers, nothing lost), and a restart of the harness's own local server (the run
 * completes, reports the outage and what it cost, writes its outputs, and leaves no server running).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/result.js';
import { parseChaos } from '../../src/scenarios/chaos.js';
import { isAlive } from '../../src/targets/process.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';

const bench = useServer('pb-chaos');

const scenario = {
  channels: { count: 1 },
  publishers: { count: 1, rate: 2000 },
  subscribers: [{ count: 3 }],
  duration: '2500ms',
};

test('kill-subscribers: every subscriber is cut, and the loss is attributed to the event', { timeout: 30_000 }, async () => {
  const chaos = parseChaos('kill-subscribers@700ms', '--chaos');
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, { ...scenario, drainTimeout: '1s' }, { chaos });
  assertAccounting(r);
  assert.equal(r.chaos?.length, 1);
  const [c] = r.chaos!;
  assert.equal(c.outcome, 'killed 3 subscriber connection(s)');
  assert.equal(c.failed, false);
  assert.ok(c.firedAtMs !== null && Math.abs(c.firedAtMs - (300 + 700)) < 250, `fired at ${c.firedAtMs} ms (warmup 300 ms + 700 ms)`);
  assert.equal(c.outages, 3);
  assert.ok(c.recoveryMs !== null && c.recoveryMs < 2000, `recovered after ${c.recoveryMs} ms`);
  assert.ok(r.summary.lost > 0, 'messages published while the subscribers were gone are lost');
  assert.equal(c.missedMessages, r.summary.lost, 'all of the loss, and no more, is attributed to the kill');
  assert.equal(c.publishErrors, 0);
});

test('pause: latency spikes while the server is paused and recovers, nothing is lost', { timeout: 30_000 }, async () => {
  const chaos = parseChaos('pause@700ms:1s', '--chaos');
  // 2.3 s after the pause leave a loaded machine time to work off the backlog, so the recovery is seen.
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, { ...scenario, duration: '4s' }, { chaos });
  assertAccounting(r);
  const [c] = r.chaos!;
  assert.equal(c.outcome, 'paused all clients on 1 node(s) for 1000 ms');
  assert.equal(r.summary.lost, 0, 'a pause delays, it does not drop');
  assert.equal(c.outages, 0);
  assert.equal(c.missedMessages, 0);
  // Bounds loose enough for a busy CI machine: the pause itself adds up to a whole second.
  assert.ok(c.e2eP99BeforeUs !== null && c.e2eP99PeakUs !== null, 'latency before and during the pause was measured');
  assert.ok(c.e2eP99PeakUs >= 500_000 && c.e2eP99PeakUs > 2 * c.e2eP99BeforeUs, `p99 ${c.e2eP99BeforeUs} µs before, ${c.e2eP99PeakUs} µs at the peak`);
  assert.ok(c.latencyRecoveryMs !== null && c.latencyRecoveryMs >= 500 && c.latencyRecoveryMs <= 3000, `latency back after ${c.latencyRecoveryMs} ms`);
});

test('restart: the local server is restarted mid-run, the run completes and reports it', { timeout: 40_000 }, async () => {
  const chaos = parseChaos('restart@800ms', '--chaos', { durationMs: 3000, localTarget: true });
  const { result: r, runDir } = await runScenario(null, bench.outDir, { ...scenario, duration: '3s', drainTimeout: '1s' }, { chaos });
  assert.equal(r.interrupted, false);
  assert.equal(r.target.local, true);
  assertAccounting(r);
  const [c] = r.chaos!;
  const m = /^restarted redis-server on port (\d+) \(pid (\d+) → (\d+)\), back after \d+ ms$/.exec(c.outcome);
  assert.ok(m, `outcome: ${c.outcome}`);
  assert.equal(r.target.urls[0], `redis://127.0.0.1:${m[1]}`, 'same port as before');
  assert.ok(c.outages >= 4, `${c.outages} outages: 3 subscribers and the publisher`);
  assert.ok((r.outages ?? []).some((o) => o.role === 'publisher'), 'the publisher outage is recorded');
  assert.ok(c.recoveryMs !== null && c.recoveryMs < 5000, `recovered after ${c.recoveryMs} ms`);
  assert.ok(c.publishErrors + c.missedMessages > 0, 'the outage cost something and the report says what');
  assert.ok(r.summary.delivered > 0 && r.timeline.filter((t) => t.phase === 'measure').at(-1)!.receivedPerS > 0, 'deliveries resumed');
  for (const pid of [Number(m[2]), Number(m[3])]) assert.equal(isAlive(pid), false, `redis-server pid ${pid} is gone after the run`);
  const onDisk = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(onDisk.chaos, r.chaos);
  assert.ok(existsSync(join(runDir, 'report.html')));
});
