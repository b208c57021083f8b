/**
 * The pure side of the segment rendezvous (issue 12: 2): the clock offset from TIME round trips, drift, digest and
 * barrier bookkeeping, the global drain and silent segments; and the segment flags (`--segment`, `--run-id`, the
 * environment, conflicts), each problem naming its flag or variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '../../src/core/errors.js';
import { digestMismatches, driftUsPerS, judgeProgress, measureClock, missingSegments } from '../../src/coordinator/segment-progress.js';
import { readSegmentFlags, type SegmentConflicts } from '../../src/cli/commands/run-segment.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

test('the clock offset comes from the fastest round trip, known to ± half of it', async () => {
  // Local clock 1 s behind the server; round trips of 900, 100 and 500 µs, the server answering at different points.
  let local = 5_000_000;
  const trips = [{ rtt: 900, serverAt: 800 }, { rtt: 100, serverAt: 50 }, { rtt: 500, serverAt: 100 }];
  let i = 0;
  const reading = await measureClock(() => local, async () => {
    const t = trips[i++];
    const server = local + t.serverAt + 1_000_000;
    local += t.rtt;
    return server;
  }, 3);
  assert.equal(reading.uncertaintyUs, 50);
  // The server read its clock 50 µs into a 100 µs trip: the midpoint estimate is exact here (+0.5 for TIME's truncation).
  assert.equal(reading.offsetUs, 1_000_000.5);
  assert.ok(Math.abs(reading.offsetUs - 1_000_000) <= reading.uncertaintyUs + 1);
});

test('drift is the offset change per second, null over less than a second', () => {
  assert.equal(driftUsPerS({ offsetUs: 100, uncertaintyUs: 1, atLocalUs: 0 }, { offsetUs: 130, uncertaintyUs: 1, atLocalUs: 10e6 }), 3);
  assert.equal(driftUsPerS({ offsetUs: 100, uncertaintyUs: 1, atLocalUs: 0 }, { offsetUs: 130, uncertaintyUs: 1, atLocalUs: 0.5e6 }), null);
});

test('digest mismatches and missing segments are named by index', () => {
  assert.deepEqual(digestMismatches({ 0: 'a', 1: 'b', 2: 'a', 3: 'c' }, 'a'), [1, 3]);
  assert.deepEqual(digestMismatches({ 0: 'a' }, 'a'), []);
  assert.deepEqual(missingSegments({ 0: '{}', 2: '{}' }, 4), [1, 3]);
  assert.deepEqual(missingSegments({ 0: '{}', 1: '{}' }, 2), []);
});

test('global drain: every segment done publishing and Σ delivered ≥ Σ expected; silence is named', () => {
  const p = (publishingDone: boolean, expected: number, delivered: number, atUs: number, done = false): string =>
    JSON.stringify({ publishingDone, expected, delivered, atUs, done });
  const now = 100e6;
  const start = 50e6;
  const stale = 8e6;
  // A segment without publishers (expected 0) and one without subscribers (delivered 0) add up.
  assert.deepEqual(judgeProgress({ 0: p(true, 300, 100, now), 1: p(true, 0, 150, now), 2: p(true, 0, 50, now) }, 3, now, start, stale), { drained: true, silent: [] });
  assert.equal(judgeProgress({ 0: p(true, 300, 100, now), 1: p(true, 0, 150, now), 2: p(true, 0, 49, now) }, 3, now, start, stale).drained, false);
  assert.equal(judgeProgress({ 0: p(true, 300, 300, now), 1: p(false, 0, 0, now) }, 2, now, start, stale).drained, false, 'one still publishing');
  assert.equal(judgeProgress({ 0: p(true, 300, 300, now) }, 2, now, start, stale).drained, false, 'one never reported');
  // Silent: no write for longer than the limit, unless done; never written long after the start; garbage.
  assert.deepEqual(judgeProgress({ 0: p(false, 1, 1, now - 9e6), 1: p(true, 1, 1, now - 60e6, true), 3: 'not json' }, 4, now, start, stale).silent, [0, 2, 3]);
  assert.deepEqual(judgeProgress({}, 2, start + 1e6, start, stale).silent, [], 'just started: nobody is silent yet');
});

const scenario = resolveScenario({ publishers: { count: 2 }, subscribers: [{ count: 3 }] }, 'x');
const none: SegmentConflicts = { matrix: false, repeat: 1, baselines: 0, flagThresholds: false, junit: false, chaos: false };

function read(args: Record<string, unknown>, env: Record<string, string> = {}, conflicts: Partial<SegmentConflicts> = {}) {
  const problems: Problem[] = [];
  const segment = readSegmentFlags(args, env, scenario, { ...none, ...conflicts }, problems);
  return { segment, problems, fields: problems.map((p) => p.field) };
}

test('segment flags: the flag wins over the environment; I, N and the run id may come from the environment', () => {
  assert.equal(read({}).segment, undefined);
  assert.deepEqual(read({ segment: '1/3', runId: 'r1' }).segment, { index: 1, count: 3, runId: 'r1', barrierTimeoutMs: 120_000 });
  const env = { JOB_COMPLETION_INDEX: '2', PUBSUB_BENCH_SEGMENTS: '4', PUBSUB_BENCH_RUN_ID: 'from-env' };
  assert.deepEqual(read({}, env).segment, { index: 2, count: 4, runId: 'from-env', barrierTimeoutMs: 120_000 });
  assert.deepEqual(read({ segment: '0/2', runId: 'flag', barrierTimeout: '5s' }, env).segment, { index: 0, count: 2, runId: 'flag', barrierTimeoutMs: 5000 });
  const control = read({ segment: '0/2', runId: 'r', controlTarget: 'redis://10.0.0.5:6380' }).segment;
  assert.deepEqual(control?.controlTarget?.nodes, [{ host: '10.0.0.5', port: 6380 }]);
});

test('segment flags: every problem names its flag or variable', () => {
  assert.deepEqual(read({ segment: '3/3', runId: 'r' }).fields, ['--segment']);
  assert.deepEqual(read({ segment: 'two', runId: 'r' }).fields, ['--segment']);
  assert.deepEqual(read({ segment: '0/3' }).fields, ['--run-id']);
  assert.deepEqual(read({ segment: '0/3', runId: 'no spaces' }).fields, ['--run-id']);
  assert.deepEqual(read({ segment: '0/3', runId: 'r{1}' }).fields, ['--run-id']);
  assert.deepEqual(read({}, { PUBSUB_BENCH_SEGMENTS: '3', PUBSUB_BENCH_RUN_ID: 'r' }).fields, ['$JOB_COMPLETION_INDEX']);
  assert.deepEqual(read({}, { PUBSUB_BENCH_SEGMENTS: 'x', JOB_COMPLETION_INDEX: '0', PUBSUB_BENCH_RUN_ID: 'r' }).fields, ['$PUBSUB_BENCH_SEGMENTS']);
  assert.deepEqual(read({ segment: '0/3', runId: 'r', barrierTimeout: 'soon' }).fields, ['--barrier-timeout']);
  assert.deepEqual(read({ segment: '0/3', runId: 'r', controlTarget: 'http://x' }).fields, ['--control-target']);
  // More segments than publishers + subscribers (2 + 3).
  const tooMany = read({ segment: '0/6', runId: 'r' });
  assert.deepEqual(tooMany.fields, ['--segment']);
  assert.match(tooMany.problems[0].hint ?? '', /at most 5 segments/);
  // Flags that belong to a segment only, and flags a segment refuses.
  assert.deepEqual(read({ runId: 'r', barrierTimeout: '1s' }).fields, ['--run-id', '--barrier-timeout']);
  assert.deepEqual(read({ segment: '0/3', runId: 'r' }, {}, { matrix: true, repeat: 3, baselines: 1, flagThresholds: true, junit: true, chaos: true }).fields,
    ['--matrix', '--repeat', '--baseline', '--threshold', '--junit', '--chaos']);
  assert.deepEqual(read({ segment: '0/1', runId: 'r' }, {}, { chaos: true }).fields, [], 'chaos on a single segment is a plain run');
});

test('--control-target has credentials of its own: a password from --control-password-env, a CA from --control-tls-ca', () => {
  const ca = join(mkdtempSync(join(tmpdir(), 'pb-ctl-ca-')), 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
  const withCreds = read({ segment: '0/2', runId: 'r', controlTarget: 'rediss://ctl:6380', controlPasswordEnv: 'CTL_PW', controlTlsCa: ca }, { CTL_PW: 'ctl-secret' });
  assert.deepEqual(withCreds.problems, []);
  assert.equal(withCreds.segment?.controlTarget?.password, 'ctl-secret');
  assert.equal(withCreds.segment?.controlTarget?.tls?.caFile, ca);
  assert.deepEqual(read({ segment: '0/2', runId: 'r', controlTarget: 'rediss://ctl:6380', controlTlsCa: join(tmpdir(), 'pb-no-such-ca.pem') }).fields, ['--control-tls-ca'], 'an unreadable CA names the control flag');
  // Neither leaks from the target's own flags: without them the control target has no password and no CA file.
  const bare = read({ segment: '0/2', runId: 'r', controlTarget: 'redis://ctl:6380', passwordEnv: 'CTL_PW' }, { CTL_PW: 'x' }).segment;
  assert.equal(bare?.controlTarget?.password, undefined);
  assert.equal(bare?.controlTarget?.tls, undefined);
  assert.deepEqual(read({ segment: '0/2', runId: 'r', controlTarget: 'redis://ctl:6380', controlPasswordEnv: 'UNSET_PW' }).fields, ['--control-password-env']);
  assert.deepEqual(read({ segment: '0/2', runId: 'r', controlTlsCa: 'ca.pem' }).fields, ['--control-tls-ca'], 'only with --control-target');
  assert.deepEqual(read({ controlPasswordEnv: 'X' }).fields, ['--control-password-env'], 'only in a segment');
});
