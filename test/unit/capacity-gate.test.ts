/** The CI gate of `capacity`: the judgement per sweep value, its exit code, verdict lines, JUnit and step summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  capacityExitCode, capacityVerdictLines, judgeCapacity, readCapacityGates,
} from '../../src/cli/commands/capacity-gates.js';
import { main } from '../../src/cli/main.js';
import type { Problem } from '../../src/core/errors.js';
import type { CapacityLimit, CapacityReport, Scenario } from '../../src/core/index.js';
import { renderCapacityJunit, renderCapacitySummary } from '../../src/reporting/ci/index.js';
import { captureIo } from '../helpers/cli-io.js';

const SLO = ['e2e.p99 < 10ms', 'lost == 0'];

/** A report with one row per [label, knee, limitedBy]. */
function report(...rows: Array<[string, number | null, CapacityLimit]>): CapacityReport {
  return {
    schemaVersion: 1, startedAt: '2024-01-01T00:00:00.000Z', slo: SLO, target: null,
    settings: { startRate: 1000, maxRate: 64_000, resolution: 0.05, minAchievedShare: 0.95, stepDurationMs: 1000, stepWarmupMs: 300 },
    rows: rows.map(([label, kneeRate, limitedBy]) => ({
      label, scenario: { name: 'fan-out' } as Scenario,
      result: { kneeRate, failedRate: kneeRate === null ? 1000 : kneeRate * 1.05, limitedBy, conclusion: `concluded ${label}`, steps: [] },
    })),
  };
}

/** The testcases of a JUnit document: name, and the failure / skipped message if any. */
function testcases(xml: string): Array<{ name: string; failure?: string; skipped?: string }> {
  return [...xml.matchAll(/<testcase classname="pubsub-bench\.capacity" name="([^"]*)"(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => {
    const body = m[2] ?? '';
    return { name: m[1], failure: /<failure message="([^"]*)"/.exec(body)?.[1], skipped: /<skipped message="([^"]*)"/.exec(body)?.[1] };
  });
}

test('without --min-capacity nothing changes: a knee passes, only "no rate held" fails (99)', () => {
  const v = judgeCapacity(report(['subscribers=10', 8000, 'target'], ['subscribers=1000', null, 'none-held']), undefined);
  assert.equal(v[0].failure, undefined);
  assert.equal(v[1].failure, 'no rate held the SLO');
  assert.equal(capacityExitCode(v, false, 0), 99);
  assert.equal(capacityExitCode(v.slice(0, 1), false, 0), 0);
  assert.deepEqual(capacityVerdictLines(v.slice(0, 1)), [], 'no floor, nothing failed: no gate lines');
});

test('--min-capacity fails each sweep value whose knee is below the floor, and the line names value, capacity and floor', () => {
  const v = judgeCapacity(report(['subscribers=10', 8000, 'target'], ['subscribers=100', 3000, 'target'], ['subscribers=1000', null, 'none-held']), 5000);
  assert.deepEqual(v.map((x) => x.failure === undefined), [true, false, false]);
  assert.equal(capacityExitCode(v, false, 0), 99);
  const lines = capacityVerdictLines(v);
  assert.deepEqual(lines, [
    'pubsub-bench: capacity gate passed: subscribers=10: capacity 8k/s ≥ floor 5k/s (--min-capacity)',
    'pubsub-bench: capacity gate failed: subscribers=100: capacity 3k/s is below the floor 5k/s (--min-capacity)',
    'pubsub-bench: capacity gate failed: subscribers=1000: no rate held the SLO, below the floor 5k/s (--min-capacity)',
  ]);
  // At the floor exactly is enough: the floor is the least capacity accepted.
  assert.equal(capacityExitCode(judgeCapacity(report(['a', 5000, 'target']), 5000), false, 0), 0);
});

test('a knee below the floor says why the search stopped there: --max-rate, the harness, the step budget', () => {
  const [capped, harness, budget] = judgeCapacity(report(['a', 2000, 'max-rate'], ['b', 2000, 'harness'], ['c', 2000, 'step-limit']), 5000);
  assert.match(capped.failure!, /raise --max-rate to at least 5k\/s/);
  assert.match(harness.failure!, /harness saturated first/);
  assert.match(budget.failure!, /--max-steps/);
  // At --max-rate the floor was out of reach whatever else the search noticed (here the harness at the top rate).
  const [atTop] = judgeCapacity(report(['d', 64_000, 'harness']), 100_000);
  assert.match(atTop.failure!, /raise --max-rate to at least 100k\/s/);
});

test('exit codes: interrupted wins, then a failed worker or an unwritten file (1), then the gate (99)', () => {
  const failedWorker = judgeCapacity(report(['a', 1000, 'target']), 5000, [['reports/x/2000: worker 1 failed']]);
  assert.deepEqual(failedWorker[0].workerErrors, ['reports/x/2000: worker 1 failed']);
  assert.equal(capacityExitCode(failedWorker, false, 0), 1);
  assert.equal(capacityExitCode(failedWorker, true, 0), 130);
  assert.equal(capacityExitCode(judgeCapacity(report(['a', 9000, 'target']), 5000), false, 1), 1);
  const interrupted = judgeCapacity(report(['a', 1000, 'interrupted']), 5000);
  assert.equal(interrupted[0].failure, undefined, 'an interrupted search is not judged');
  assert.equal(capacityExitCode(interrupted, true, 0), 130);
});

test('JUnit: one testcase per sweep value, "capacity ≥ floor" with --min-capacity', () => {
  const xml = renderCapacityJunit(judgeCapacity(report(['subscribers=10', 8000, 'target'], ['subscribers=100', 3000, 'target']), 5000), SLO);
  assert.match(xml, /<testsuites name="pubsub-bench" tests="2" failures="1" errors="0">/);
  const cases = testcases(xml);
  assert.deepEqual(cases.map((c) => c.name), ['[subscribers=10] capacity ≥ 5k/s', '[subscribers=100] capacity ≥ 5k/s']);
  assert.equal(cases[0].failure, undefined);
  assert.match(cases[1].failure!, /capacity 3k\/s is below the floor 5k\/s/);
  assert.match(xml, /<testsuite name="capacity \[subscribers=100\]"/);
  assert.match(xml, /SLO of every step: e2e.p99 &lt; 10ms, lost == 0/);
});

test('JUnit without a floor: a passing testcase records the capacity; a failed worker adds a failing one', () => {
  const xml = renderCapacityJunit(judgeCapacity(report(['fan-out', 8000, 'target'], ['b<&>', 1000, 'interrupted']), undefined, [['run 4000/s: worker 2 failed'], []]), SLO);
  const cases = testcases(xml);
  assert.deepEqual(cases.map((c) => c.name), ['[fan-out] capacity', '[fan-out] workers', '[b&lt;&amp;&gt;] capacity']);
  assert.equal(cases[0].failure, undefined);
  assert.match(xml, /<system-out>capacity 8k\/s \(limited by target\)\. concluded fan-out<\/system-out>/);
  assert.match(cases[1].failure!, /worker 2 failed/);
  assert.match(cases[2].skipped!, /interrupted/);
});

test('step summary: a verdict heading and one row per sweep value, with the floor', () => {
  const md = renderCapacitySummary(judgeCapacity(report(['subscribers=10', 8000, 'target'], ['subscribers=100', 3000, 'target']), 5000), SLO);
  assert.match(md, /^## pubsub-bench capacity — ❌ 1 of 2 searches failed/);
  assert.match(md, /floor 5k\/s \(--min-capacity\)/);
  assert.match(md, /\| ✅ \| subscribers=10 \| 8k\/s \| target \|/);
  assert.match(md, /\| ❌ \| subscribers=100 \| 3k\/s \| target \| capacity 3k\/s is below the floor/);
});

test('--min-capacity takes human rates; a bad one, and a floor above --max-rate, are said before measuring', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pb-capgate-'));
  try {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const plan = await readCapacityGates({ minCapacity: '5k', junit: path.join(dir, 'ci', 'junit.xml') }, 2000, {}, problems, (w) => warnings.push(w));
    assert.equal(problems.length, 0, JSON.stringify(problems));
    assert.equal(plan.floorRate, 5000);
    assert.match(warnings[0], /--min-capacity 5k\/s is above --max-rate 2k\/s/);
    await readCapacityGates({ minCapacity: 'lots', junit: dir }, 2000, {}, problems, () => {});
    assert.deepEqual(problems.map((p) => p.field), ['--min-capacity', '--junit']);
    assert.match(problems[0].hint!, /--min-capacity 5k/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('capacity --threshold is refused (exit 2) with the hint to use --slo or --min-capacity, never ignored', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pb-capgate-'));
  try {
    const cap = captureIo();
    const code = await main(['capacity', '--threshold', 'e2e.p99 < 5ms', '--slo', 'lost == 0', '--out', dir], cap.io);
    assert.equal(code, 2, cap.stderr());
    assert.match(cap.stderr(), /--threshold: gates one run/);
    assert.match(cap.stderr(), /use --slo .* or --min-capacity/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
