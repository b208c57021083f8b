/**
 * Load profiles end to end against a real redis-server: the open-loop rate steps and ramps as the stages say, the
 * timeline's target follows them, and nothing is lost on the way. Snapshots every 250 ms line up with a 500 ms
 * warmup and the stage boundaries, so each timeline interval lies inside one stage; intervals this long also keep
 * timer jitter on a busy machine from moving a snapshot into a neighbouring interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult, TimelineEntry } from '../../src/core/result.js';
import { stageFigures } from '../../src/reporting/stages.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';

const T = { timeout: 20_000 };
const bench = useServer('pb-stages');

/** Measure-phase intervals whose midpoint lies in [fromS, toS) (seconds since the schedule start). */
function entriesIn(r: RunResult, fromS: number, toS: number): TimelineEntry[] {
  return r.timeline.filter((e) => e.phase === 'measure' && (e.fromMs + e.toMs) / 2000 >= fromS && (e.fromMs + e.toMs) / 2000 < toS);
}

/** Measure-phase intervals lying wholly in [fromS, toS]: under load a snapshot can straddle a stage boundary. */
function entriesWithin(r: RunResult, fromS: number, toS: number): TimelineEntry[] {
  return r.timeline.filter((e) => e.phase === 'measure' && e.fromMs / 1000 >= fromS && e.toMs / 1000 <= toS);
}

/** Messages published over those intervals, from the timeline's rates. */
function publishedIn(r: RunResult, fromS: number, toS: number): number {
  return entriesIn(r, fromS, toS).reduce((n, e) => n + (e.publishedPerS * (e.toMs - e.fromMs)) / 1000, 0);
}

function assertClean(r: RunResult): void {
  assertAccounting(r);
  const s = r.summary;
  assert.equal(s.lost, 0, 'nothing lost');
  assert.equal(s.duplicates + s.reordered + s.gaps + s.publishErrors, 0);
  // A publisher that wakes just after the end drops what was due just before it (pacing.ts): a handful at most.
  assert.ok((s.unsent ?? 0) <= s.published * 0.01, `unsent ${s.unsent}`);
  assert.equal(r.interrupted, false);
}

const within = (actual: number, expected: number, share: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= expected * share, `${what}: ${actual.toFixed(1)} vs ${expected} (±${share * 100}%)`);

test('steps: each stage publishes rate × duration, the target steps with it, nothing is lost', T, async () => {
  const { result: r, runDir } = await runScenario(bench.server.spec, bench.outDir, {
    channels: { count: 2 }, publishers: { count: 2 }, subscribers: [{ count: 2 }], stages: '1s:500,1s:2000', warmup: '500ms',
  }, { intervalMs: 250 });
  assertClean(r);
  assert.equal(r.scenario.durationMs, 2000, 'the measure phase lasts the stages');
  within(r.summary.published, 2500, 0.01, 'published in the measure phase');
  within(r.summary.targetRate ?? 0, 1250, 0.001, 'summary target: the mean offered rate');
  within(publishedIn(r, 0.5, 1.5), 500, 0.05, 'published in stage 1');
  within(publishedIn(r, 1.5, 2.5), 2000, 0.05, 'published in stage 2');
  // Intervals away from the boundaries carry the stage's own target.
  for (const e of entriesWithin(r, 0.5, 1.5)) within(e.targetPerS ?? 0, 500, 0.05, `target at ${e.fromMs} ms`);
  for (const e of entriesWithin(r, 1.5, 2.5)) within(e.targetPerS ?? 0, 2000, 0.05, `target at ${e.fromMs} ms`);
  assert.ok(r.timeline.filter((e) => e.phase === 'warmup' && e.fromMs >= 0).every((e) => Math.abs((e.targetPerS ?? 0) - 500) <= 25),
    'the warmup runs at the first stage rate');
  const [one, two] = stageFigures(r);
  within(one.publishedPerS ?? 0, 500, 0.05, 'report: stage 1 rate');
  within(two.publishedPerS ?? 0, 2000, 0.05, 'report: stage 2 rate');
  assert.equal((one.e2e?.count ?? 0) + (two.e2e?.count ?? 0), r.summary.delivered, 'every measured delivery lands in one stage');
  const onDisk = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(onDisk.scenario.stages, [{ durationMs: 1000, fromRate: 500, toRate: 500 }, { durationMs: 1000, fromRate: 2000, toRate: 2000 }]);
  assert.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /Latency per stage/);
});

test('a ramp in pipeline mode: the rate rises linearly, the halves carry the right shares', T, async () => {
  const { result: r } = await runScenario(bench.server.spec, bench.outDir, {
    channels: { count: 3 }, publishers: { count: 3, mode: 'pipeline', batch: 20 }, subscribers: [{ count: 1 }], stages: 'ramp:2s:200-3000', warmup: '500ms',
  }, { intervalMs: 250 });
  assertClean(r);
  // (200 + 3000) / 2 × 2 s = 3200 messages; 900 in the first second (200 → 1600/s), 2300 in the second (1600 → 3000/s).
  within(r.summary.published, 3200, 0.01, 'published');
  within(publishedIn(r, 0.5, 1.5), 900, 0.05, 'first half');
  within(publishedIn(r, 1.5, 2.5), 2300, 0.05, 'second half');
  const targets = entriesIn(r, 0.5, 2.5).map((e) => e.targetPerS ?? 0);
  assert.ok(targets.length >= 7, `${targets.length} measure intervals`);
  for (let i = 1; i < targets.length; i++) assert.ok(targets[i] > targets[i - 1], `target rises: ${targets.join(', ')}`);
  assert.ok(targets[0] < 600 && targets[targets.length - 1] > 2600, `from about 200 to about 3000: ${targets.join(', ')}`);
});
