/** --chaos parsing (every problem at once, exit-2 errors with hints) and the per-event report built from outages and the timeline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.js';
import type { OutageEvent } from '../../src/core/messages.js';
import type { TimelineEntry } from '../../src/core/result.js';
import { parseChaos } from '../../src/scenarios/chaos.js';
import { buildChaosReports, type FiredChaos } from '../../src/coordinator/chaos.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`);
    return err.problems.map((p) => `${p.field}: ${p.message} | ${p.hint ?? ''}`);
  }
  assert.fail('expected a UsageError');
}

test('parseChaos reads the three kinds, repeated and comma-separated, sorted by time', () => {
  assert.deepEqual(parseChaos(['restart@40s', 'kill-subscribers@20s,pause@30s:2s'], '--chaos', { durationMs: 60_000, localTarget: true }), [
    { kind: 'kill-subscribers', atMs: 20_000, spec: 'kill-subscribers@20s' },
    { kind: 'pause', atMs: 30_000, durationMs: 2000, spec: 'pause@30s:2s' },
    { kind: 'restart', atMs: 40_000, spec: 'restart@40s' },
  ]);
  assert.deepEqual(parseChaos(undefined, '--chaos'), []);
  assert.deepEqual(parseChaos('PAUSE@500ms:250ms', '--chaos'), [{ kind: 'pause', atMs: 500, durationMs: 250, spec: 'PAUSE@500ms:250ms' }]);
});

test('parseChaos reports every problem at once, naming the flag, with a hint', () => {
  const problems = problemsOf(() => parseChaos(
    ['explode@1s', 'pause@2s', 'pause@1s:2m', 'kill-subscribers@5s:1s', 'restart@90s', 'kill-subscribers@soon', 'nonsense', 7],
    '--chaos', { durationMs: 60_000, localTarget: false },
  ));
  const expected = [
    /unknown fault "explode".*\| use one of kill-subscribers, pause, restart/,
    /"pause@2s" needs a duration/,
    /pause of 2m in "pause@1s:2m" is out of range/,
    /kill-subscribers takes no duration/,
    /"restart@90s" comes at 90s, after the 1m measure phase has ended/,
    /restart needs a server the harness started itself \| drop --target/,
    /time of "kill-subscribers@soon": "soon" is not a duration/,
    /"nonsense" is not KIND@TIME\[:DURATION\]/,
    /expected text such as kill-subscribers@20s, got number/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  for (const re of expected) assert.ok(problems.some((p) => re.test(p) && p.startsWith('--chaos: ')), `${re} in\n${problems.join('\n')}`);
});

test('parseChaos refuses more than 20 faults and hostile text without echoing it raw', () => {
  assert.match(problemsOf(() => parseChaos(Array(21).fill('pause@1s:1s'), '--chaos'))[0], /21 faults given; at most 20/);
  const [p] = problemsOf(() => parseChaos('\u001b[2J@1s', '--chaos'));
  assert.ok(!p.includes('\u001b'), 'control characters are escaped');
});

const START_US = 1_000_000_000_000;
const entry = (fromMs: number, p99Us: number | null, publishErrors = 0): TimelineEntry => ({
  fromMs, toMs: fromMs + 250, phase: 'measure', publishedPerS: 100, receivedPerS: 100, targetPerS: 100, e2eP50Us: p99Us, e2eP99Us: p99Us,
  e2eMaxUs: p99Us, publishErrors, lateSends: 0, duplicates: 0, reordered: 0, gapMessages: 0, disconnects: 0, reconnects: 0, malformed: 0,
  maxEventLoopUtilization: 0.1, maxEventLoopDelayP99Us: 100, e2eHistogram: '',
});
const usAt = (ms: number): number => START_US + ms * 1000;
const outage = (atMs: number, durationMs: number | null, lost: number, role: OutageEvent['role'] = 'subscriber'): OutageEvent =>
  ({ role, id: 0, cause: 'the server closed the connection', atUs: usAt(atMs), durationMs, lostMessages: lost });

test('each event gets the outages, misses, errors and latency of its own window', () => {
  const fired: FiredChaos[] = [
    { event: { kind: 'kill-subscribers', atMs: 500, spec: 'kill-subscribers@500ms' }, firedAtUs: usAt(1000), endUs: usAt(1002), outcome: 'killed 2 subscriber connection(s)', failed: false },
    { event: { kind: 'pause', atMs: 2500, durationMs: 500, spec: 'pause@2500ms:500ms' }, firedAtUs: usAt(3000), endUs: usAt(3500), outcome: 'paused', failed: false },
    { event: { kind: 'restart', atMs: 9000, spec: 'restart@9s' }, firedAtUs: null, endUs: null, outcome: 'not run: the run ended first', failed: false },
  ];
  const outages = [outage(1003, 50, 10), outage(1004, 80, 12), outage(3100, 20, 0, 'publisher'), outage(900, 10, 99)];
  const timeline = [0, 250, 500, 750].map((t) => entry(t, 1000))
    .concat([entry(1000, 30_000, 1), entry(1250, 1500)])
    .concat([1500, 1750, 2000, 2250, 2500, 2750].map((t) => entry(t, 1000)))
    .concat([entry(3000, 2000), entry(3250, 400_000, 3), entry(3500, 200_000), entry(3750, 1800), entry(4000, 900)]);
  const [kill, pause, restart] = buildChaosReports(fired, outages, timeline, START_US);
  assert.equal(kill.firedAtMs, 1000);
  assert.deepEqual([kill.outages, kill.missedMessages, kill.recoveryMs, kill.publishErrors], [2, 22, 84, 1], 'the outage before it is not its own');
  assert.deepEqual([kill.e2eP99BeforeUs, kill.e2eP99PeakUs, kill.latencyRecoveryMs], [1000, 30_000, 250]);
  assert.deepEqual([pause.outages, pause.missedMessages, pause.recoveryMs, pause.publishErrors], [1, 0, 120, 3]);
  assert.deepEqual([pause.e2eP99BeforeUs, pause.e2eP99PeakUs, pause.latencyRecoveryMs], [1000, 400_000, 750]);
  assert.deepEqual([restart.firedAtMs, restart.outages, restart.recoveryMs, restart.outcome], [null, 0, null, 'not run: the run ended first']);
});

test('an outage that never recovered leaves the recovery unknown', () => {
  const fired: FiredChaos[] = [{ event: { kind: 'restart', atMs: 0, spec: 'restart@0s' }, firedAtUs: usAt(100), endUs: usAt(400), outcome: 'restarted', failed: false }];
  const [r] = buildChaosReports(fired, [outage(150, 40, 5), outage(160, null, 0)], [entry(0, null)], START_US);
  assert.deepEqual([r.outages, r.missedMessages, r.recoveryMs, r.e2eP99BeforeUs, r.latencyRecoveryMs], [2, 5, null, null, null]);
});
