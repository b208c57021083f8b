import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError, type RunResult } from '../../src/core/index.js';
import { compareResults, formatComparison, labelsFromPaths, uniqueLabels, type Comparison } from '../../src/reporting/compare.js';
import { renderCompareReport } from '../../src/reporting/html/index.js';
import { runCompare } from '../../src/cli/commands/compare.js';
import { fixturePath } from '../helpers/fixtures.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;
const metric = (c: Comparison, key: string) => {
  const m = c.metrics.find((x) => x.key === key);
  assert.ok(m, key);
  return m;
};
const T = { timeout: 60_000 };

test('lower latency is better, higher rate is better, less loss is better', T, () => {
  const base = load('await.json');
  const fast = load('pipeline.json');
  const c = compareResults([base, fast], ['await', 'pipeline']);
  const p99 = metric(c, 'latency.endToEnd.p99');
  assert.deepEqual(p99.values, [base.summary.latencyUs.endToEnd.p99, fast.summary.latencyUs.endToEnd.p99]);
  assert.equal(p99.deltas[1], fast.summary.latencyUs.endToEnd.p99 - base.summary.latencyUs.endToEnd.p99);
  assert.deepEqual(p99.changes, ['same', 'better']);
  assert.deepEqual(metric(c, 'publishRate').changes, ['same', 'better']);
  assert.deepEqual(metric(c, 'deliveryRate').changes, ['same', 'better']);
  // Reversed order: the same differences are now worse.
  const r = compareResults([fast, base], ['pipeline', 'await']);
  assert.equal(metric(r, 'latency.endToEnd.p99').changes[1], 'worse');
  assert.equal(metric(r, 'publishRate').changes[1], 'worse');
  const lossy = compareResults([base, load('trouble.json')], ['a', 'b']);
  for (const key of ['lost', 'lostShare', 'duplicates', 'reordered', 'gaps', 'lateSends', 'disconnects']) {
    assert.equal(metric(lossy, key).changes[1], 'worse', key);
  }
  assert.equal(metric(lossy, 'lost').relative[1], null, 'no percentage from zero');
});

test('context metrics have no direction, tiny differences are the same, missing values are n/a', T, () => {
  const base = load('await.json');
  const close = structuredClone(base);
  close.summary.publishRate *= 1.005;
  close.summary.targetRate = null;
  close.summary.latencyUs.publish = { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, count: 0 };
  const c = compareResults([base, close], ['a', 'b']);
  assert.equal(metric(c, 'publishRate').changes[1], 'same');
  assert.equal(metric(c, 'targetRate').changes[1], 'n/a');
  assert.equal(metric(c, 'targetRate').values[1], null);
  assert.equal(metric(c, 'latency.publish.p99').values[1], null);
  assert.equal(metric(c, 'latency.publish.p99').changes[1], 'n/a');
  assert.equal(metric(c, 'health.maxEventLoopUtilization').direction, 'none');
});

test('the terminal table shows values, signed differences and better/worse; colour only on request', T, () => {
  const c = compareResults([load('await.json'), load('pipeline.json'), load('trouble.json')], ['await', 'pipeline', 'trouble']);
  const text = formatComparison(c);
  assert.doesNotMatch(text, /\x1b\[/);
  const row = text.split('\n').find((l) => l.trim().startsWith('e2e p99 '));
  assert.match(row ?? '', /^\s+e2e p99\s+4\.36 ms\s+1\.66 ms\s+−62% better\s+21 ms\s+\+382% worse$/);
  assert.match(text, /lost \(share\)\s+0%\s+0%\s+same\s+1%\s+\+1 pp worse/);
  const colored = formatComparison(c, { color: true });
  assert.match(colored, /\x1b\[32m−62% better\x1b\[0m/);
  assert.match(colored, /\x1b\[31m\+382% worse\x1b\[0m/);
});

test('comparison needs two runs and one label each; labels are shortened and made unique', T, () => {
  assert.throws(() => compareResults([load('await.json')], ['a']), UsageError);
  assert.throws(() => compareResults([load('await.json'), load('pipeline.json')], ['a']), UsageError);
  const fromPaths = labelsFromPaths(['reports/run-a/result.json', 'reports/run-b/result.json', 'x/pipe.json', 'y/run-a/result.json']);
  assert.deepEqual(fromPaths, ['run-a', 'run-b', 'pipe', 'run-a']);
  assert.deepEqual(uniqueLabels(fromPaths), ['run-a #1', 'run-b', 'pipe', 'run-a #4']);
});

test('compare.html overlays the runs and escapes their labels; the command writes it', T, async () => {
  const results = [load('await.json'), load('trouble.json')];
  const page = await renderCompareReport(results, ['await', '<b>x</b>']);
  assert.doesNotMatch(page, /https?:\/\/|<b>x<\/b>|<script>alert/);
  assert.match(page, /&lt;b&gt;x&lt;\/b&gt;/);
  const charts = [...page.matchAll(/<figure class="chart" data-chart="([^"]+)"><svg /g)].map((m) => m[1]);
  assert.deepEqual(charts, ['compare-spectrum-endToEnd', 'compare-spectrum-publish', 'compare-publish-rate', 'compare-delivered-rate', 'compare-latency']);
  const spec = /class="vl-spec" data-chart="compare-spectrum-endToEnd">([\s\S]*?)<\/script>/.exec(page);
  const series = new Set(JSON.parse(spec?.[1] ?? '{}').data.values.map((p: { series: string }) => p.series));
  assert.deepEqual([...series], ['await', '<b>x</b>']);

  const dir = mkdtempSync(path.join(tmpdir(), 'pb-compare-'));
  try {
    const out = path.join(dir, 'cmp.html');
    const { table, htmlPath } = await runCompare({ results: [fixturePath('await.json'), fixturePath('pipeline.json')], out, color: false });
    assert.equal(htmlPath, out);
    // Default labels: the matrix keys that differ (both fixtures run the scenario 'fan-out'), not the file names.
    assert.match(table, /publish-mode=await …\s+publish-mode=pipeli…\s+vs first/);
    assert.match(readFileSync(out, 'utf8'), /<h1>pubsub-bench comparison<\/h1>/);
    await assert.rejects(runCompare({ results: [fixturePath('await.json'), path.join(dir, 'missing.json')], out, color: false }),
      (err: unknown) => err instanceof UsageError && /missing\.json: file not found/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
