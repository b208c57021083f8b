import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RunResult, TimelineEntry } from '../../src/core/index.js';
import { chartTimeline, jsonForScript, renderReport } from '../../src/reporting/html/index.js';
import { fixturePath } from '../helpers/fixtures.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;
const T = { timeout: 60_000 };

/** The embedded Vega-Lite specs by chart name. */
function specs(page: string): Map<string, any> {
  const out = new Map<string, any>();
  for (const m of page.matchAll(/<script type="application\/json" class="vl-spec" data-chart="([^"]+)">([\s\S]*?)<\/script>/g)) {
    out.set(m[1], JSON.parse(m[2]));
  }
  return out;
}

/** Data rows of a spec's line layer (or of the spec itself). */
function lineRows(spec: any): unknown[] {
  const layer = spec.layer ? spec.layer.find((l: any) => l.mark.type === 'line') : spec;
  return layer.data.values;
}

test('a report is one offline file: no URL, no external resource, no executable script, a strict CSP', T, async () => {
  const page = await renderReport(load('await.json'));
  assert.match(page, /^<!doctype html>/);
  assert.doesNotMatch(page, /https?:\/\//i, 'no http(s) URL anywhere');
  assert.doesNotMatch(page, /\s(src|href|xlink:href)\s*=/i, 'no src/href attribute');
  assert.doesNotMatch(page, /url\(/i, 'no CSS url()');
  assert.doesNotMatch(page, /@import/i);
  assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  const scripts = page.match(/<script\b[^>]*>/g) ?? [];
  assert.ok(scripts.length > 0);
  for (const s of scripts) assert.match(s, /type="application\/json"/, `inert script tag: ${s}`);
});

test('every chart is inline SVG with its Vega-Lite spec and data next to it', T, async () => {
  const r = load('trouble.json');
  const page = await renderReport(r);
  const found = specs(page);
  const expected = ['spectrum', 'latency-over-time', 'publish-rate', 'delivered-rate', 'violations', 'event-loop-utilisation', 'event-loop-delay'];
  assert.deepEqual([...found.keys()].sort(), [...expected].sort());
  const figures = [...page.matchAll(/<figure class="chart" data-chart="([^"]+)"><svg [^>]*>/g)].map((m) => m[1]);
  assert.deepEqual(figures.sort(), [...expected].sort());
  // The spectrum holds the three histograms, ending at their max (converted to ms).
  const spectrum = found.get('spectrum');
  const series = new Set(spectrum.data.values.map((p: any) => p.series));
  assert.deepEqual([...series], ['end-to-end (corrected)', 'end-to-end (uncorrected)', 'publish (reply)']);
  const last = spectrum.data.values.filter((p: any) => p.series === 'end-to-end (corrected)').at(-1);
  assert.equal(last.percentile, 100);
  assert.ok(Math.abs(last.latencyMs * 1000 - r.summary.latencyUs.endToEnd.max) <= r.summary.latencyUs.endToEnd.max * 0.001);
  // One latency-over-time point per measured interval and series.
  const measured = r.timeline.filter((t) => t.e2eP50Us !== null).length;
  assert.equal(lineRows(found.get('latency-over-time')).length, measured * 3);
});

test('hostile strings from the result are escaped everywhere', T, async () => {
  const r = load('trouble.json');
  assert.match(r.scenario.name, /<\/script>/);
  const page = await renderReport(r);
  assert.doesNotMatch(page, /<script>alert|<img src=x/i);
  assert.doesNotMatch(page, /onerror=alert\(1\)>/);
  assert.match(page, /<title>pubsub-bench · evil&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(page, /Hostile text in a warning: &lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;quotes&quot;/);
  assert.match(page, /bench\.&lt;\/script&gt;/, 'pattern of a violation example');
  const text = jsonForScript({ s: '</script><!-- & \u2028\u2029' });
  assert.doesNotMatch(text, /<|>|&|\u2028|\u2029/);
  assert.deepEqual(JSON.parse(text), { s: '</script><!-- & \u2028\u2029' });
});

test('verdict banner: ok, loss, violations, harness bottleneck, interrupted', T, async () => {
  const verdict = async (r: RunResult) => /data-verdict="([^"]+)"/.exec(await renderReport(r))?.[1];
  const ok = load('await.json');
  assert.equal(await verdict(ok), 'ok');
  assert.equal(await verdict({ ...ok, summary: { ...ok.summary, duplicates: 1 } }), 'violations');
  assert.equal(await verdict({ ...ok, summary: { ...ok.summary, lost: 3, delivered: ok.summary.delivered - 3 } }), 'loss');
  assert.equal(await verdict({ ...ok, health: { ...ok.health, harnessBottleneck: true, reasons: ['x'] } }), 'harness-bottleneck');
  const trouble = load('trouble.json');
  assert.equal(await verdict(trouble), 'interrupted');
  assert.equal(await verdict({ ...trouble, interrupted: false }), 'thresholds-failed');
  assert.equal(await verdict({ ...trouble, interrupted: false, thresholds: undefined }), 'regression');
  assert.equal(await verdict({ ...trouble, interrupted: false, thresholds: undefined, baseline: undefined }), 'harness-bottleneck');
  const passing = load('pipeline.json');
  assert.equal(passing.thresholds?.passed, true);
  assert.match(await renderReport(passing), /data-verdict="ok"><strong>OK: every expected message delivered, in order; all 3 thresholds held/);
  assert.match(await renderReport(load('trouble.json')), /The harness itself was the bottleneck/);
});

test('thresholds, baseline checks and outages get their own sections, escaped', T, async () => {
  const r = load('trouble.json');
  const page = await renderReport(r);
  assert.match(page, /<h2>Thresholds<\/h2>\n<p>1 of 3 thresholds failed\.<\/p>/);
  assert.match(page, /<td class="text bad">✗ FAIL<\/td><td class="text">lost == 0<\/td>/);
  assert.match(page, /deliveryRate &gt; 1000&lt;\/script&gt;&lt;img src=x/);
  assert.match(page, /<h2>Baseline<\/h2>[\s\S]*<td class="text bad">regression<\/td>/);
  assert.match(page, new RegExp(`<h2>Connection outages</h2>\\n<p>${r.outages!.length} connection loss`));
  assert.doesNotMatch(page, /<img src=x/);
  const clean = await renderReport(load('await.json'));
  assert.doesNotMatch(clean, /<h2>(Thresholds|Baseline|Connection outages)<\/h2>/);
});

test('a two-hour run is downsampled to at most ~600 points and stays small', T, async () => {
  const r = load('await.json');
  const measure = r.timeline.filter((t) => t.phase === 'measure');
  const timeline: TimelineEntry[] = [...r.timeline.filter((t) => t.phase === 'warmup')];
  for (let i = 0; i < 7200; i++) {
    const src = measure[i % measure.length];
    timeline.push({ ...src, fromMs: i * 1000, toMs: (i + 1) * 1000, e2eHistogram: '' });
  }
  timeline.push({ ...r.timeline.at(-1)!, fromMs: 7_200_000, toMs: 7_201_000 });
  const long = { ...r, timeline };
  const tl = chartTimeline(timeline);
  assert.ok(tl.points.length <= 603, `${tl.points.length} points`);
  assert.equal(tl.groupSize, 13);
  assert.deepEqual(tl.phases.map((p) => [p.phase, p.fromS, p.toS]), [['warmup', -2, 0], ['measure', 0, 7200], ['drain', 7200, 7201]]);
  // Rates weighted by time: the total published over the run is preserved by downsampling.
  const published = (xs: Array<{ publishedPerS: number }>, seconds: (i: number) => number) =>
    xs.reduce((sum, x, i) => sum + x.publishedPerS * seconds(i), 0);
  const rawTotal = published(timeline, (i) => (timeline[i].toMs - timeline[i].fromMs) / 1000);
  const measurePoints = tl.points.filter((p) => p.tS >= 0 && p.tS < 7200);
  const sizes = measurePoints.map((p, i) => (i < measurePoints.length - 1 ? 13 : 7200 - 13 * (measurePoints.length - 1)));
  const warmupTotal = timeline.slice(0, 2).reduce((s, t) => s + t.publishedPerS, 0);
  assert.ok(Math.abs(published(measurePoints, (i) => sizes[i]) + warmupTotal - rawTotal) < 1e-6 * rawTotal);
  const page = await renderReport(long);
  assert.ok(page.length < 600_000, `report is ${page.length} bytes`);
  for (const [name, spec] of specs(page)) {
    if (name === 'spectrum') continue;
    const seriesCount = new Set(lineRows(spec).map((row: any) => row.series)).size;
    assert.ok(lineRows(spec).length <= 603 * seriesCount, `${name}: ${lineRows(spec).length} rows`);
  }
});
