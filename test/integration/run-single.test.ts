/**
 * End-to-end runs against a real redis-server started by this test on a free loopback port.
 * Runs are short (about 1–3 s of measuring) so the suite stays well inside CI's limit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runBenchmark } from '../../src/coordinator/index.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { startLocalRedis } from '../../src/targets/local.js';
import type { LocalTarget } from '../../src/targets/types.js';
import type { RunResult } from '../../src/core/result.js';

const run = promisify(execFile);
let server: LocalTarget;
let outDir: string;

before(async () => {
  server = await startLocalRedis({ kind: 'single' });
  outDir = mkdtempSync(join(tmpdir(), 'pb-run-'));
});

after(async () => {
  await server?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Runs a scenario given as raw input (defaults filled in by the validator) against the test's server. */
async function runScenario(
  input: Record<string, unknown>, workers = 2, signal?: AbortSignal, onProgress?: (line: string) => void,
): Promise<{ result: RunResult; runDir: string }> {
  const scenario = resolveScenario({ name: 'test', warmup: '300ms', drainTimeout: '3s', ...input }, 'test');
  return runBenchmark({ scenario, target: server.spec, workers, outDir, intervalMs: 250, signal, onProgress });
}

/** The invariants every run must keep, whatever happened during it. */
function assertConsistent(r: RunResult): void {
  const s = r.summary;
  assert.equal(s.delivered + s.lost, s.expectedDeliveries, 'delivered + lost = expected');
  assert.ok(s.delivered <= s.expectedDeliveries, 'never more deliveries than expected');
  assert.equal(s.latencyUs.endToEnd.count, s.delivered, 'one e2e latency per unique measured delivery');
  assert.equal(s.latencyUs.endToEndUncorrected.count, s.delivered);
  assert.ok(s.latencyUs.endToEnd.p99 >= s.latencyUs.endToEnd.p50);
  // Corrected latency is measured from the earlier (intended) time, so it can only be larger or equal.
  assert.ok(s.latencyUs.endToEnd.max >= s.latencyUs.endToEndUncorrected.max);
}

test('a short paced run delivers every message in order, with consistent counts', async () => {
  const { result: r, runDir } = await runScenario({
    channels: { count: 4 },
    publishers: { count: 2, rate: 2000 },
    subscribers: [{ count: 3, channelsEach: 'all' }],
    duration: '1500ms',
  });
  assertConsistent(r);
  const s = r.summary;
  assert.ok(s.published > 2000, `published ${s.published}`);
  assert.equal(s.expectedDeliveries, s.published * 3, 'each message reaches 3 subscribers');
  assert.equal(s.lost, 0);
  assert.equal(s.duplicates + s.reordered + s.gaps + s.malformed + s.publishErrors, 0);
  assert.equal(s.publishReplyReceivers, s.expectedDeliveries, 'PUBLISH replies agree with the plan');
  assert.ok(Math.abs(s.publishRate - 2000) / 2000 < 0.05, `publish rate ${s.publishRate} within 5% of 2000`);
  assert.equal(s.latencyUs.publish.count, s.published, 'one publish latency per measured publish');
  assert.ok(r.timeline.some((t) => t.phase === 'warmup') && r.timeline.some((t) => t.phase === 'measure'));
  assert.equal(r.ordering.inOrder > 0, true);
  assert.equal(r.interrupted, false);
  const channels = r.channels ?? [];
  assert.equal(channels.length, 4, 'one breakdown entry per channel');
  assert.equal(channels.reduce((n, c) => n + c.published, 0), s.published, 'per-channel published adds up');
  assert.equal(channels.reduce((n, c) => n + c.delivered, 0), s.delivered, 'per-channel delivered adds up');
  assert.ok(channels.every((c) => c.published > 0 && c.expected === c.published * 3), 'every channel carried traffic');
  const onDisk = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
  assert.equal(onDisk.summary.delivered, s.delivered);
  assert.equal(onDisk.schemaVersion, r.schemaVersion);
});

const modes = [['await', {}], ['pipeline', { batch: 50 }], ['multi', { batch: 50 }], ['auto', { maxInFlight: 200 }]] as const;
for (const client of ['native', 'ioredis'] as const) for (const [mode, extra] of modes) {
  test(`publish mode ${mode} at --rate max delivers everything (${client} client)`, async () => {
    const { result: r } = await runScenario({
      client,
      channels: { count: 2 },
      publishers: { count: 1, rate: 'max', mode, ...extra },
      subscribers: [{ count: 1, channelsEach: 'all' }],
      duration: '1s',
    });
    assertConsistent(r);
    assert.ok(r.summary.published > 500, `${mode}: published ${r.summary.published}`);
    assert.equal(r.summary.lost, 0);
    assert.equal(r.summary.publishErrors, 0);
    assert.equal(r.summary.publishReplyReceivers, r.summary.expectedDeliveries, 'every reply (EXEC arrays too) counted its receiver');
    assert.equal(r.scenario.client, client);
    assert.equal(r.summary.duplicates + r.summary.reordered + r.summary.gaps, 0);
    assert.equal(r.summary.targetRate, null);
  });
}

test('pattern subscriptions receive every matching message beside channel subscriptions', async () => {
  const { result: r } = await runScenario({
    channels: { count: 6, naming: 'user.{i}' },
    publishers: { count: 2, rate: 1500 },
    subscribers: [
      { count: 3, channelsEach: 2 },
      { count: 1, channelsEach: 0, patterns: ['user.*', 'user.1?'] },
    ],
    duration: '1s',
  });
  assertConsistent(r);
  // Every channel has exactly one direct subscriber (3 × 2 spread over 6) and matches 'user.*';
  // none of user.0..user.5 matches 'user.1?'.
  assert.equal(r.summary.expectedDeliveries, r.summary.published * 2);
  assert.equal(r.summary.lost, 0);
  assert.equal(r.summary.publishReplyReceivers, r.summary.expectedDeliveries);
});

test('killing subscriber connections mid-run shows up as loss, never as extra deliveries', async () => {
  const host = server.spec.nodes[0];
  let killed: Promise<unknown> | null = null;
  // Kill once the measure phase is under way (the progress line names the phase), so the loss is measured.
  const onProgress = (line: string): void => {
    if (killed === null && line.startsWith('[measure')) {
      killed = run('redis-cli', ['-h', host.host, '-p', String(host.port), 'CLIENT', 'KILL', 'TYPE', 'pubsub']);
    }
  };
  const { result: r } = await runScenario({
    channels: { count: 2 },
    publishers: { count: 1, rate: 4000 },
    subscribers: [{ count: 2, channelsEach: 'all' }],
    duration: '3s',
    drainTimeout: '1s',
  }, 2, undefined, onProgress);
  assert.notEqual(killed, null, 'the kill was sent during the measure phase');
  const { stdout } = (await killed!) as { stdout: string };
  assert.equal(stdout.trim(), '2', 'both subscriber connections were killed');
  assertConsistent(r);
  assert.ok(r.summary.lost > 0, `lost ${r.summary.lost}`);
  assert.ok(r.summary.disconnects >= 2, `disconnects ${r.summary.disconnects}`);
  assert.ok(r.summary.reconnects >= 2, `reconnects ${r.summary.reconnects}`);
  assert.ok(r.summary.delivered > 0, 'deliveries resumed after the resubscription');
  assert.ok(r.warnings.some((w) => /lost/.test(w)), 'the loss is in the warnings');
  const outages = r.outages ?? [];
  assert.equal(outages.filter((o) => o.role === 'subscriber').length, 2, 'one outage per killed subscriber');
  for (const o of outages) {
    assert.ok(o.durationMs !== null && o.durationMs >= 0, 'each outage ended with the resubscription');
    assert.ok(o.cause.length > 0);
  }
  const attributed = outages.reduce((n, o) => n + o.lostMessages, 0);
  assert.ok(attributed > 0, 'the loss is attributed to the outages');
  assert.ok(attributed <= r.summary.lost + r.summary.gapMessages, 'never more attributed than was missed');
});

test('a publisher connection killed mid-run counts its errors, reconnects and publishing resumes', async () => {
  const host = server.spec.nodes[0];
  const cli = (...args: string[]) => run('redis-cli', ['-h', host.host, '-p', String(host.port), ...args]);
  let killed: Promise<string> | null = null;
  const onProgress = (line: string): void => {
    if (killed !== null || !line.startsWith('[measure')) return;
    killed = (async () => {
      const { stdout } = await cli('CLIENT', 'LIST');
      const id = /id=(\d+) [^\n]*name=pb-pub-0 /.exec(stdout)?.[1];
      assert.ok(id, 'the publisher connection is named pb-pub-0 in CLIENT LIST');
      return (await cli('CLIENT', 'KILL', 'ID', id)).stdout.trim();
    })();
  };
  // Closed loop: without a pause after failures the publisher would spin on rejected commands and never reconnect.
  const { result: r } = await runScenario({
    channels: { count: 1 },
    publishers: { count: 1, rate: 'max', mode: 'pipeline', batch: 20 },
    subscribers: [{ count: 1 }],
    duration: '2500ms',
  }, 2, undefined, onProgress);
  assert.notEqual(killed, null);
  assert.equal(await killed!, '1', 'one connection was killed');
  // A publish that failed may still have been run by Redis just before the connection died: its deliveries then
  // exceed what is expected (reported as a warning), by at most the failed publishes.
  assert.ok(r.summary.delivered <= r.summary.expectedDeliveries + r.summary.publishErrors);
  assert.ok(r.summary.publishErrors > 0, 'the commands in flight failed and were counted');
  const pubOutages = (r.outages ?? []).filter((o) => o.role === 'publisher');
  assert.equal(pubOutages.length, 1, 'the publisher outage is recorded');
  assert.ok(pubOutages[0].durationMs !== null, 'and it recovered');
  assert.ok(r.summary.reconnects >= 1);
  const measure = r.timeline.filter((t) => t.phase === 'measure');
  assert.ok(measure[measure.length - 1].publishedPerS > 0, 'publishing resumed before the end');
  assert.equal(r.summary.lost, 0, 'what was published was delivered: failed publishes are errors, not loss');
});

test('an interrupted run still writes what it measured, marked interrupted', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 1500);
  const { result: r, runDir } = await runScenario({
    channels: { count: 1 },
    publishers: { count: 1, rate: 1000 },
    subscribers: [{ count: 1 }],
    duration: '30s',
  }, 1, ac.signal);
  assert.equal(r.interrupted, true);
  assert.ok(r.measureMs < 5000, `measured ${r.measureMs} ms, not the 30 s asked`);
  assertConsistent(r);
  assert.ok(existsSync(join(runDir, 'result.json')));
});
