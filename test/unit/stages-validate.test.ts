/** Load profiles in scenarios and flags: the accepted forms, the problems (named by field or flag), and resolution. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, type Problem } from '../../src/core/errors.js';
import { buildRunRequest } from '../../src/cli/commands/run.js';
import { applyOverrides, type ScenarioFlags } from '../../src/scenarios/overrides.js';
import { checkStages, formatStages, meanStagesRate, MAX_STAGES } from '../../src/scenarios/stages.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

/** The problems of resolving `input` with `flags` applied (fails when it resolves). */
function problemsOf(input: unknown, flags: ScenarioFlags = {}): Problem[] {
  const o = applyOverrides(input, flags);
  try {
    resolveScenario(o.input, 'test.yaml', { rename: o.rename, problems: o.problems });
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.problems;
  }
  return assert.fail(`expected ${JSON.stringify(input)} with ${JSON.stringify(flags)} to be rejected`);
}

function fields(problems: Problem[]): string[] {
  return problems.map((p) => p.field);
}

const STEPS = [
  { durationMs: 1000, fromRate: 500, toRate: 500 },
  { durationMs: 2000, fromRate: 2000, toRate: 2000 },
  { durationMs: 1000, fromRate: 2000, toRate: 0 },
];

test('stages as one string, a list of strings, or result.json objects resolve alike', () => {
  for (const stages of ['1s:500,2s:2000,ramp:1s:2000-0', ['1s:500', '2s:2000', 'ramp:1s:2000-0'], ['1s:500,2s:2000', 'ramp:1s:2000-0'], STEPS]) {
    const s = resolveScenario({ stages, publishers: { count: 3 } }, 'x');
    assert.deepEqual(s.stages, STEPS, JSON.stringify(stages));
    assert.equal(s.durationMs, 4000, 'the measure phase lasts the sum of the stages');
    // (500 + 4000 + 1000) messages over 4 s: the resolved rate records the mean.
    assert.equal(s.publishers.rate, 5500 / 4);
    assert.equal(meanStagesRate(STEPS), 5500 / 4);
  }
  assert.equal(resolveScenario({}, 'x').stages, undefined, 'no stages unless asked for');
  assert.equal(formatStages(STEPS), '1s:500,2s:2000,ramp:1s:2000-0');
});

test('a resolved scenario with stages validates again to the same scenario (result.json round trip)', () => {
  const first = resolveScenario({ stages: 'ramp:30s:0-10000,1m:10000', warmup: '1s' }, 'x');
  const again = resolveScenario(JSON.parse(JSON.stringify(first)), 'x');
  assert.deepEqual(again, first);
  assert.equal(again.durationMs, 90_000);
});

test('bad stages are reported one by one as stages[i], every problem at once', () => {
  const problems = problemsOf({ stages: ['10s:100', 'fast:10', { durationMs: 0, fromRate: 1, toRate: 'x', extra: 1 }, 'ramp:5s:0-1e9'], seed: -1 });
  assert.deepEqual(fields(problems).sort(), ['seed', 'stages[1]', 'stages[2].durationMs', 'stages[2].extra', 'stages[2].toRate', 'stages[3]'].sort());
  assert.match(problems.find((p) => p.field === 'stages[1]')!.message, /not a duration/);
  assert.match(problems.find((p) => p.field === 'stages[3]')!.message, /"1e9" is not a rate/);
  assert.match(problems.find((p) => p.field === 'stages[1]')!.hint ?? '', /ramp:30s:0-10000/);
  for (const [stages, message] of [
    [[], /empty list/],
    ['', /"" is not a stage/],
    [42, /expected a load profile/],
    ['1s:0,ramp:1s:0-0', /nothing would be published/],
    ['50ms:100', /at least 100 ms/],
    [`ramp:1s:0-${200_000_000}`, /out of range/],
  ] as const) {
    const [p] = problemsOf({ stages });
    assert.match(p.field, /^stages/);
    assert.match(p.message, message, JSON.stringify(stages));
  }
  assert.match(checkStages(new Array(MAX_STAGES + 1).fill('1s:1'), 'stages').problems[0].message, /limit/);
});

test("stages cannot be combined with rate 'max', need publishers, and a disagreeing duration is a problem", () => {
  const max = problemsOf({ stages: '1s:100', publishers: { rate: 'max' } });
  assert.deepEqual(fields(max), ['publishers.rate']);
  assert.match(max[0].message, /'max' cannot be combined/);
  assert.match(max[0].hint ?? '', /drop the stages/);
  assert.deepEqual(fields(problemsOf({ stages: '1s:100', publishers: { count: 0 } })), ['stages']);
  const duration = problemsOf({ stages: '1s:100,1s:200', duration: '10s' });
  assert.deepEqual(fields(duration), ['duration']);
  assert.match(duration[0].message, /10s disagrees with the stages, which last 2s/);
  assert.match(duration[0].hint ?? '', /drop the duration/);
  // A duration that agrees is fine (a copy of a resolved scenario carries one).
  assert.equal(resolveScenario({ stages: '1s:100,1s:200', durationMs: 2000 }, 'x').durationMs, 2000);
});

test('--stages overrides the scenario; its problems name the flag and the stage', () => {
  const o = applyOverrides({ duration: '10s', publishers: { rate: 300 } }, { stages: '1s:500,ramp:2s:500-1000' });
  const s = resolveScenario(o.input, 'x', { rename: o.rename, problems: o.problems });
  assert.equal(s.durationMs, 3000, "the scenario's own duration gives way to the stages");
  assert.deepEqual(s.stages?.map((x) => x.toRate), [500, 1000]);

  assert.deepEqual(fields(problemsOf({}, { stages: '1s:500,soon:5,1s' })), ['--stages[1]', '--stages[2]']);
  assert.deepEqual(fields(problemsOf({}, { stages: '1s:500', rate: '5000' })), ['--rate']);
  assert.deepEqual(fields(problemsOf({ stages: '1s:500' }, { rate: '5000' })), ['--rate'], 'a file with stages too');
  assert.deepEqual(fields(problemsOf({}, { stages: '1s:500', rate: 'max' })), ['--rate']);
  assert.deepEqual(fields(problemsOf({}, { stages: '1s:500', duration: '3s' })), ['--duration']);
  assert.deepEqual(fields(problemsOf({}, { stages: ['1s:5', '1s:6'] })), ['--stages']);
  assert.deepEqual(fields(problemsOf({}, { stages: ' ' })), ['--stages']);
  // With the measure phase from the stages, an equal --duration is accepted.
  const same = applyOverrides({}, { stages: '1s:500,1s:800', duration: '2s' });
  assert.equal(resolveScenario(same.input, 'x', { rename: same.rename }).durationMs, 2000);
});

test('pubsub-bench run BUILT-IN --stages builds a request whose scenario follows the profile', async () => {
  const built = await buildRunRequest({ scenario: 'fan-out', stages: '30s:1000,30s:5000,ramp:1m:5000-10000' }, {});
  const s = built.request.scenario;
  assert.equal(s.durationMs, 120_000);
  assert.deepEqual(s.stages, [
    { durationMs: 30_000, fromRate: 1000, toRate: 1000 },
    { durationMs: 30_000, fromRate: 5000, toRate: 5000 },
    { durationMs: 60_000, fromRate: 5000, toRate: 10_000 },
  ]);
  await assert.rejects(buildRunRequest({ scenario: 'pipeline-vs-unpipelined', stages: '1s:10' }, {}), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.deepEqual(fields(err.problems), ['publishers.rate']);
    return true;
  });
});
