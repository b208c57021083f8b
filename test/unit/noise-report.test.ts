import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithBaseline, seriesNoise, type ComparableRun } from '../../src/metrics/baseline.js';
import { renderJunitSections, renderStepSummary } from '../../src/reporting/ci/index.js';
import { formatSummary } from '../../src/reporting/terminal.js';
import { noiseClause, noisePlainText } from '../../src/reporting/noise-table.js';
import { makeResult, makeSummary } from '../helpers/summary.js';

function runs(tag: string, p99s: number[]): ComparableRun[] {
  return p99s.map((p99, i) => ({ runId: `${tag}-${i}`, summary: makeSummary({ e2eP50Us: 300, e2eP99Us: p99, publishP99Us: 200 }) }));
}

test('seriesNoise: per key metric spread and MDC; constant metrics have cv 0 and MDC 0', () => {
  const noise = seriesNoise(runs('s', [1000, 1100, 900, 1050, 950]));
  assert.equal(noise.runs, 5);
  assert.equal(noise.alpha, 0.05);
  const p99 = noise.metrics.find((m) => m.metric === 'e2e.p99')!;
  assert.equal(p99.n, 5);
  assert.equal(p99.mean, 1000);
  assert.equal(p99.min, 900);
  assert.equal(p99.median, 1000);
  assert.equal(p99.max, 1100);
  const sd = Math.sqrt(25000 / 4);
  assert.ok(Math.abs(p99.cv! - sd / 1000) < 1e-12);
  // t(0.975, 8) = 2.306; se = sd × sqrt(2/5).
  assert.ok(Math.abs(p99.mdc! - (2.306004 * sd * Math.sqrt(0.4)) / 1000) < 1e-5, `mdc ${p99.mdc}`);
  const p50 = noise.metrics.find((m) => m.metric === 'e2e.p50')!;
  assert.equal(p50.cv, 0);
  assert.equal(p50.mdc, 0);
  // Metrics no run measured (server.* on a result without server-cost figures) are left out, not shown as zero.
  assert.ok(noise.metrics.every((m) => m.n > 0));
  assert.ok(!noise.metrics.some((m) => m.metric.startsWith('server.') && m.n === 0));
});

test('seriesNoise: a single run gives no MDC, with the reason', () => {
  const noise = seriesNoise(runs('s', [1000]));
  const p99 = noise.metrics.find((m) => m.metric === 'e2e.p99')!;
  assert.equal(p99.mdc, null);
  assert.match(p99.mdcNote ?? '', /at least 2 runs/);
});

test('baseline checks carry the MDC and say beyond / within noise', () => {
  const base = runs('b', [1000, 1100, 900, 1050, 950]);
  const far = compareWithBaseline(runs('c', [1500, 1600, 1400, 1550, 1450]), base);
  const farP99 = far.checks.find((c) => c.metric === 'e2e.p99')!;
  assert.equal(farP99.verdict, 'regression');
  assert.ok(farP99.mdc !== undefined && farP99.mdc > 0.05 && farP99.mdc < 0.2, `mdc ${farP99.mdc}`);
  assert.match(farP99.note, /beyond noise \(MDC \d+(\.\d)?%\)/);
  assert.match(noiseClause(farP99), /^ — beyond noise \(MDC/);
  const wide = runs('b', [1000, 1300, 700, 1150, 850]);
  const near = compareWithBaseline(runs('c', [1150, 1450, 850, 1300, 1000]), wide);
  const nearP99 = near.checks.find((c) => c.metric === 'e2e.p99')!;
  assert.equal(nearP99.verdict, 'not-significant');
  assert.match(nearP99.note, /within noise \(MDC/);
  // One run a side: no spread, no MDC, no noise clause.
  const single = compareWithBaseline(runs('c', [1500]), runs('b', [1000]));
  const singleP99 = single.checks.find((c) => c.metric === 'e2e.p99')!;
  assert.equal(singleP99.mdc, undefined);
  assert.equal(noiseClause(singleP99), '');
  assert.doesNotMatch(singleP99.note, /noise \(MDC/);
});

test('the noise table in the terminal, the step summary and JUnit system-out', () => {
  const series = runs('s', [1000, 1100, 900, 1050, 950]);
  const result = makeResult(series[4].summary);
  result.noise = seriesNoise(series);
  const text = formatSummary(result);
  assert.match(text, /Noise over 5 runs/);
  assert.match(text, /e2e\.p99\s+1 ms\s+7\.9%\s+900 µs\s+1 ms\s+1\.1 ms\s+12%/);
  assert.match(text, /MDC: the smallest change/);
  const md = renderStepSummary(result, []);
  assert.match(md, /### Noise over 5 runs/);
  assert.match(md, /\| `e2e\.p99` \| 1 ms \| 7\.9% \|/);
  const xml = renderJunitSections([{ outcomes: [], noise: result.noise }]);
  assert.match(xml, /<system-out>[^<]*Noise over 5 runs/);
  assert.match(noisePlainText(result.noise), /^metric\s+mean\s+cv\s+min\s+median\s+max\s+MDC \(95%\)$/m);
  // A plain run has no noise section anywhere.
  const plain = makeResult(series[0].summary);
  assert.doesNotMatch(formatSummary(plain), /Noise over/);
  assert.doesNotMatch(renderStepSummary(plain, []), /Noise over/);
});
