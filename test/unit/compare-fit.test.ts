/**
 * compare's defaults for people: labels from the scenario name or the differing matrix keys, a table that fits the
 * terminal (transposed for many runs), one winner line per metric family, and a t-test note when runs are repeated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RunResult } from '../../src/core/index.js';
import { compareResults, deriveLabels, formatComparison, significanceNote, uniqueLabels, winnerLines } from '../../src/reporting/compare.js';
import { renderCompareReport } from '../../src/reporting/html/index.js';
import { RUN_PALETTE } from '../../src/reporting/html/charts.js';
import { compareNoise } from '../../src/reporting/compare-noise.js';
import { fixturePath } from '../helpers/fixtures.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;
const widest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));
const renamed = (r: RunResult, name: string): RunResult => ({ ...r, scenario: { ...r.scenario, name } });

/** A copy of a run with its latency and rates scaled (a repeat with noise). */
function scaled(r: RunResult, f: number): RunResult {
  const e2e = { ...r.summary.latencyUs.endToEnd, p99: r.summary.latencyUs.endToEnd.p99 * f };
  return { ...r, summary: { ...r.summary, deliveryRate: r.summary.deliveryRate / f, latencyUs: { ...r.summary.latencyUs, endToEnd: e2e } } };
}

test('labels: the scenario name when it tells runs apart, else the matrix keys that differ', () => {
  const a = load('await.json');
  const p = load('pipeline.json');
  assert.deepEqual(deriveLabels([renamed(a, 'chat'), renamed(p, 'fan-out')]), ['chat', 'fan-out']);
  assert.deepEqual(deriveLabels([a, p]), ['publish-mode=await rate=2000', 'publish-mode=pipeline batch=100 rate=5000']);
  // Same name and scenario (repeats): the name, numbered for display only.
  const repeats = deriveLabels([a, a, p]);
  assert.equal(repeats[0], repeats[1]);
  assert.deepEqual(uniqueLabels(repeats).slice(0, 2), [`${repeats[0]} #1`, `${repeats[0]} #2`]);
  // A name shared by two variants gets their keys; a name of its own stays alone.
  assert.deepEqual(deriveLabels([a, p, renamed(a, 'solo')]), ['fan-out publish-mode=await rate=2000', 'fan-out publish-mode=pipeline batch=100 rate=5000', 'solo']);
});

test('the table fits the terminal: runs as columns when they fit, transposed for many runs', () => {
  const runs = [load('await.json'), load('pipeline.json'), load('trouble.json'), load('await.json'), load('pipeline.json'), load('trouble.json')];
  const labels = uniqueLabels(deriveLabels(runs));
  for (const width of [60, 80, 100, 160]) {
    const text = formatComparison(compareResults(runs, labels), { color: false, width });
    assert.ok(widest(text) <= width, `width ${width}: widest line ${widest(text)}`);
    assert.match(text, /one run per row/, 'six runs are transposed');
    const table = text.slice(text.indexOf('one run per row'), text.indexOf('Winners'));
    assert.equal(table.split('\n').filter((l) => /\dk\/s(\s|$)/.test(l)).length, 6, 'one row per run');
  }
  const narrow = formatComparison(compareResults(runs, labels), { color: false, width: 60 });
  assert.match(narrow, /more metrics in compare\.html/);
  const two = formatComparison(compareResults(runs.slice(0, 2), ['await', 'pipeline']), { color: false, width: 100 });
  assert.doesNotMatch(two, /one run per row/);
  assert.match(two, /e2e p99\s+4\.36 ms\s+1\.66 ms\s+−62% better/);
  assert.ok(widest(formatComparison(compareResults(runs, labels), { color: true, width: 80 }).replace(/\x1b\[[0-9;]*m/g, '')) <= 80);
});

test('one winner line per metric family, naming the best run and by how much', () => {
  const c = compareResults([load('await.json'), load('pipeline.json'), load('trouble.json')], ['await', 'pipeline', 'trouble']);
  const lines = winnerLines(c);
  assert.deepEqual(lines.map((l) => l.family), ['latency', 'throughput', 'delivery']);
  assert.equal(lines[0].winner, 'pipeline');
  assert.match(lines[0].text, /^latency: pipeline — e2e p99 1\.66 ms, 62% lower than await \(4\.36 ms\)$/);
  assert.match(lines[1].text, /^throughput: pipeline — delivered \/s 20\.1k\/s, 56% higher than trouble/);
  assert.equal(lines[2].winner, null);
  assert.match(lines[2].text, /await, pipeline tie at lost \(share\) 0%; trouble trails \(1%\)/);
  assert.match(winnerLines(compareResults([load('await.json'), load('pipeline.json')], ['a', 'b']))[2].text, /no run lost a message/);
  assert.match(significanceNote(c.groups), /^Single runs/);
});

test('repeats under one label are compared by their means with a t-test', () => {
  const a = load('await.json');
  const p = load('pipeline.json');
  const runs = [scaled(a, 1), scaled(a, 1.02), scaled(a, 0.98), scaled(p, 1), scaled(p, 1.03), scaled(p, 0.97)];
  const groups = ['await', 'await', 'await', 'pipeline', 'pipeline', 'pipeline'];
  const c = compareResults(runs, uniqueLabels(groups), { groups });
  const [latency] = winnerLines(c, c.groups);
  assert.match(latency.text, /^latency: pipeline — e2e p99 1\.66 ms \(mean of 3\), 62% lower than await \(4\.36 ms\); p < 0\.001, beyond run-to-run noise \(MDC \d+(\.\d+)?%\)$/);
  assert.match(significanceNote(c.groups), /Welch's t-test/);
  // Overlapping repeats: the difference is within noise.
  const close = [scaled(a, 1), scaled(a, 1.3), scaled(a, 0.7), scaled(a, 1.05), scaled(a, 1.35), scaled(a, 0.75)];
  const [noisy] = winnerLines(compareResults(close, uniqueLabels(groups), { groups }), groups);
  assert.match(noisy.text, /within run-to-run noise/);
  assert.match(formatComparison(c, { color: false, width: 100 }), /Winners[\s\S]*beyond run-to-run\s+noise/);
  // Repeated sides: the noise table, cv and MDC per metric and side; single runs have none.
  const text = formatComparison(c, { color: false, width: 100 });
  assert.match(text, /Noise of the repeats[\s\S]*await \(n=3\) cv \/ MDC\s+pipeline \(n=3\) cv \/ MDC/);
  const p99 = compareNoise(c, c.groups).find((r) => r.key === 'latency.endToEnd.p99')!;
  assert.deepEqual(p99.sides.map((s) => s.group), ['await', 'pipeline']);
  // Scaled by 1, 1.02, 0.98: cv 2%; MDC = t(0.975, 4) × 0.02 × sqrt(2/3) ≈ 4.5%.
  assert.ok(Math.abs(p99.sides[0].cv! - 0.02) < 1e-3, `cv ${p99.sides[0].cv}`);
  assert.ok(Math.abs(p99.sides[0].mdc! - 2.776445 * 0.02 * Math.sqrt(2 / 3)) < 2e-3, `mdc ${p99.sides[0].mdc}`);
  assert.doesNotMatch(formatComparison(compareResults([a, p], ['a', 'b']), { color: false, width: 100 }), /Noise of the repeats/);
});

test('compare.html draws runs in neutral colours and shows the winner lines', async () => {
  const page = await renderCompareReport([load('await.json'), load('pipeline.json')], ['await', 'pipeline']);
  assert.match(page, /<h2>Winners<\/h2>/);
  assert.match(page, /latency: pipeline — e2e p99/);
  const specs = [...page.matchAll(/class="vl-spec" data-chart="([^"]+)">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[2]) as { encoding: { color: { scale: { range: string[] } } } });
  assert.ok(specs.length >= 5);
  for (const spec of specs) {
    assert.deepEqual(spec.encoding.color.scale.range, RUN_PALETTE.slice(0, 2));
    assert.ok(!spec.encoding.color.scale.range.includes('#d62728'), 'no red for a run');
  }
});
