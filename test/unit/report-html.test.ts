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
  const expected = ['spectrum', 'latency-over-time', 'server-cpu', 'server-omem', 'publish-rate', 'delivered-rate', 'violations',
    'event-loop-utilisation', 'event-loop-delay'];
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

/** The markup of one report section: from its heading to the next one. */
function section(page: string, title: string): string {
  const start = page.indexOf(`<h2>${title}</h2>`);
  if (start < 0) return '';
  const end = page.indexOf('<h2>', start + 4);
  return page.slice(start, end < 0 ? undefined : end);
}

/** Body rows of the first table in some markup. */
const bodyRows = (markup: string): number => (/<tbody>([\s\S]*?)<\/tbody>/.exec(markup)?.[1].match(/<tr>/g) ?? []).length;

const NEW_SECTIONS = ['Server', 'Chaos', 'Per shard', 'Per channel'];

test('server telemetry: CPU and output-buffer charts on the latency chart\'s axis, peaks per node', T, async () => {
  const r = load('trouble.json');
  const page = await renderReport(r);
  const found = specs(page);
  const latency = found.get('latency-over-time');
  for (const name of ['server-cpu', 'server-omem']) {
    const spec = found.get(name);
    assert.deepEqual(spec.layer.at(-1).encoding.x.scale, latency.layer.at(-1).encoding.x.scale, `${name}: same x domain`);
    assert.equal(spec.width, latency.width);
    const nodes = new Set(lineRows(spec).map((row: any) => row.series));
    assert.equal(nodes.size, 2);
    assert.ok([...nodes].every((n) => !/[\u2028\u0000-\u001f]/.test(String(n))), 'chart labels carry no line separators');
    // Samples outside the timeline (-3 s, 12 s) are left out, so the axis stays the client charts'.
    const times = lineRows(spec).map((row: any) => row.tS as number);
    assert.ok(Math.min(...times) >= -2 && Math.max(...times) <= 11);
  }
  const cpuRows = lineRows(found.get('server-cpu')) as Array<{ value: number }>;
  assert.equal(Math.max(...cpuRows.map((row) => row.value)), Math.max(...r.server!.samples.map((s) => s.cpuPercent ?? 0)));
  const server = section(page, 'Server');
  assert.equal(bodyRows(server), 2);
  assert.match(server, /<td class="text">127\.0\.0\.1:7000<\/td><td>16<\/td><td>83%<\/td><td>9 MB<\/td>/);
  assert.match(server, /10\.0\.0\.2:6379&lt;\/script&gt;&lt;img src=x/);
  assert.match(server, /32 MB hard, 8 MB for 60 s soft/);
  // No buffer ever built up: a flat line on a usable scale rather than a collapsed [0, 0] one.
  const idle = { ...r, server: { samples: r.server!.samples.map((x) => ({ ...x, maxOmemBytes: 0 })) } };
  assert.deepEqual(specs(await renderReport(idle)).get('server-omem').layer.at(-1).encoding.y.scale, { domain: [0, 1] });
  // Without CLIENT LIST (no omem at all) the buffer chart gives way to a sentence.
  const noList = { ...r, server: { samples: r.server!.samples.map(({ maxOmemBytes: _omit, ...x }) => x) } };
  const noListPage = await renderReport(noList);
  assert.ok(!specs(noListPage).has('server-omem') && specs(noListPage).has('server-cpu'));
  assert.match(section(noListPage, 'Server'), /class="quiet">Largest output buffer \(omem\) among the harness&#39;s connections: not sampled/);
});

test('outages and chaos events are marked on the time charts, and only when there are some', T, async () => {
  const r = load('trouble.json');
  const layersOf = (spec: any, mark: string) => spec.layer.filter((l: any) => l.mark.type === mark && l.mark.color);
  const found = specs(await renderReport(r));
  for (const name of ['latency-over-time', 'publish-rate', 'delivered-rate', 'server-cpu']) {
    const bands = layersOf(found.get(name), 'rect').flatMap((l: any) => l.data.values);
    // The four kills at 4 s overlap and merge into one band that lasts as long as the longest (640 ms).
    assert.deepEqual(bands.map((b: any) => [b.fromS, Number(b.toS.toFixed(3))]), [[3, 3.12], [4, 4.643], [8, 8.121]], name);
    const rules = layersOf(found.get(name), 'rule').flatMap((l: any) => l.data.values);
    assert.deepEqual(rules.map((m: any) => [m.tS, m.label]), [[4, 'kill-subscribers@4s'], [7, 'pause@7s:500ms']], name);
  }
  const clean = specs(await renderReport(load('await.json')));
  assert.equal(layersOf(clean.get('latency-over-time'), 'rule').length + layersOf(clean.get('latency-over-time'), 'rect').length, 0);
  // Without a schedule, outages cannot be placed: no bands, and the table falls back to wall-clock times.
  const old = await renderReport({ ...r, schedule: undefined });
  assert.equal(layersOf(specs(old).get('latency-over-time'), 'rect').length, 0);
  assert.match(section(old, 'Connection outages'), /<td class="text">2026-01-02T03:04:10\.000Z<\/td>/);
});

test('outage and chaos tables: times on the schedule axis, capped outage rows, escaped causes', T, async () => {
  const r = load('trouble.json');
  const page = await renderReport(r);
  const outages = section(page, 'Connection outages');
  assert.equal(bodyRows(outages), r.outages!.length);
  assert.match(outages, /killed by chaos \(CLIENT KILL\) &lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;[^<]*<\/td><td class="nowrap">4\.00 s<\/td><td class="nowrap">400 ms<\/td>/);
  assert.doesNotMatch(outages, /and \d+ more/);
  const many = { ...r, outages: Array.from({ length: 130 }, (_, i) => ({ ...r.outages![0], id: i, lostMessages: 2 })) };
  const capped = section(await renderReport(many), 'Connection outages');
  assert.equal(bodyRows(capped), 50);
  assert.match(capped, /<p>130 connection loss\(es\), 260 message\(s\) missed/);
  assert.match(capped, /… and 80 more \(160 message\(s\) missed\), listed in result\.json\./);
  const chaos = section(page, 'Chaos');
  assert.equal(bodyRows(chaos), 2);
  assert.match(chaos, /<td class="text">kill-subscribers@4s<\/td><td class="text">killed 4 subscriber connections &lt;\/script&gt;&lt;img src=x[^<]*<\/td><td class="nowrap">4\.00 s<\/td><td>4<\/td><td class="bad">96<\/td><td>0<\/td><td class="nowrap">640 ms<\/td>/);
  const failed = { ...r, chaos: [{ ...r.chaos![0], failed: true, firedAtMs: null, outcome: 'not a local target' }] };
  assert.match(section(await renderReport(failed), 'Chaos'), /<td class="text bad">failed: not a local target<\/td><td class="bad">not run<\/td>/);
});

test('per-shard and per-channel tables: all of a few channels, the worst ten of 2,000 or 10,000', T, async () => {
  const r = load('trouble.json');
  assert.equal(r.channels!.length, 2000);
  const page = await renderReport(r);
  const shards = section(page, 'Per shard');
  assert.equal(bodyRows(shards), 3);
  const s0 = r.shards![0];
  assert.match(shards, new RegExp(`127\\.0\\.0\\.1:7000</td><td>667</td><td>2,668</td><td>${s0.published.toLocaleString('en-US')}</td>`));
  const channels = section(page, 'Per channel');
  assert.equal(bodyRows(channels), 10);
  const published = r.channels!.map((c) => c.published).sort((a, b) => a - b);
  const lossy = r.channels!.filter((c) => c.delivered < c.expected).length;
  assert.match(channels, new RegExp(`2,000 channels, ${lossy} with loss\\. Published per channel: min ${published[0]}, `
    + `median ${Math.round((published[999] + published[1000]) / 2)}, max ${published[1999]}\\. Listed: the 10 with the most loss`));
  // The worst channel first (its name is hostile, so escaped), then by loss.
  assert.match(channels, /<tbody><tr><td class="text">bench\.&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;quotes&quot;/);
  const few = section(await renderReport({ ...r, channels: r.channels!.slice(0, 12) }), 'Per channel');
  assert.equal(bodyRows(few), 12);
  assert.doesNotMatch(few, /Listed:/);
  const huge = Array.from({ length: 10_000 }, (_, i) => ({ name: `c.${i}`, receivers: 1, published: i % 100, expected: i % 100, delivered: i % 100 }));
  huge[7777].delivered = 0;
  const big = await renderReport({ ...r, channels: huge });
  assert.equal(bodyRows(section(big, 'Per channel')), 10);
  assert.match(section(big, 'Per channel'), /<tbody><tr><td class="text">c\.7777<\/td>/);
  assert.ok(big.length - page.length < 5000, 'ten thousand channels cost the report no more than a few lines');
});

test('the new sections are absent when result.json lacks their data', T, async () => {
  const r = load('trouble.json');
  const page = await renderReport({ ...r, server: undefined, chaos: undefined, shards: undefined, channels: undefined, outages: undefined });
  for (const title of [...NEW_SECTIONS, 'Connection outages']) assert.equal(section(page, title), '', title);
  assert.ok(!specs(page).has('server-cpu'));
  const clean = await renderReport(load('await.json'));
  for (const title of NEW_SECTIONS) assert.equal(section(clean, title), '', title);
  assert.doesNotMatch(clean, /not recorded yet|data-count=|class="(warning )?error"/);
});

test('harness errors: a red line in the verdict banner and in the warnings; unsent and topology counts', T, async () => {
  const ok = load('await.json');
  const crashed = await renderReport({ ...ok, errors: ['worker 1 crashed: <b>TypeError</b> & boom'] });
  assert.match(crashed, /data-verdict="errors"><strong>Harness errors: part of the fleet failed/);
  assert.match(crashed, /<li class="error">! worker 1 crashed: &lt;b&gt;TypeError&lt;\/b&gt; &amp; boom<\/li>/);
  assert.match(section(crashed, 'Warnings'), /<div class="warning error">! worker 1 crashed: &lt;b&gt;/);
  const trouble = await renderReport(load('trouble.json'));
  assert.match(trouble, /<span data-count="unsent">unsent: <b class="bad">42<\/b>/);
  assert.match(trouble, /<span data-count="topology-events">cluster topology events: <b>3<\/b>/);
});

test('the run metadata names the client, and what its numbers describe', T, async () => {
  const r = load('await.json');
  const native = await renderReport({ ...r, scenario: { ...r.scenario, client: 'native' } });
  assert.match(native, /<td>client<\/td><td>native — pubsub-bench&#39;s own RESP connections/);
  assert.match(native, /· native client/);
  const old = await renderReport(r);
  assert.match(old, /<td>client<\/td><td>ioredis — what a Node\.js application using ioredis would see/);
});
