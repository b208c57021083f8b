/**
 * Opens the fixture report.html and compare.html in a real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): no console errors, no network request, every chart drew marks, and a screenshot for people to
 * look at in reports/screenshots/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import type { RunResult } from '../../src/core/index.js';
import { runBenchmark } from '../../src/coordinator/index.js';
import { runCompare } from '../../src/cli/commands/compare.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { startLocalRedis } from '../../src/targets/local.js';
import { findTool } from '../../src/targets/tools.js';
import { renderCompareReport, renderReport } from '../../src/reporting/html/index.js';
import { updateRunHistory } from '../../src/reporting/history/index.js';
import { REPO_ROOT, fixturePath } from '../helpers/fixtures.js';
import { buildSegments } from '../helpers/fixtures-segments.js';
import { mergeSegments } from '../../src/coordinator/merge.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(REPO_ROOT, 'reports', 'screenshots');
const T = { timeout: 120_000 };

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;

let work = '';
let context: BrowserContext | null = null;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    // Never skip: a report nobody opened in a browser is untested.
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it (Debian/Ubuntu: \`sudo apt-get install -y chromium\`) `
      + 'or point CHROMIUM_PATH at a Chromium/Chrome binary.');
  }
  work = mkdtempSync(path.join(tmpdir(), 'pb-browser-'));
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 768 },
    timeout: 60_000,
  });
});

after(async () => {
  await context?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What a page did when opened: console errors, requests other than the file itself, marks drawn per chart. */
interface PageVisit {
  errors: string[];
  requests: string[];
  marksPerChart: Record<string, number>;
  chartWidths: number[];
}

async function visit(htmlText: string, name: string, screenshot = true): Promise<PageVisit> {
  assert.ok(context);
  const file = path.join(work, `${name}.html`);
  writeFileSync(file, htmlText);
  const url = pathToFileURL(file).href;
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    // Data marks are the `role-mark` groups vega draws (axes, grids and legends have other roles); a mark counts when
    // it has geometry and a visible size on screen.
    const marksPerChart = await page.$$eval('figure.chart', (figures) => Object.fromEntries(figures.map((f) => {
      const marks = [...f.querySelectorAll('svg g.role-mark path, svg g.role-mark rect, svg g.role-mark line')].filter((el) => {
        const box = el.getBoundingClientRect();
        return (el.getAttribute('d') ?? 'x') !== '' && (box.width > 0 || box.height > 0);
      });
      return [f.getAttribute('data-chart') ?? '?', marks.length];
    })));
    const chartWidths = await page.$$eval('figure.chart svg', (svgs) => svgs.map((s) => s.getBoundingClientRect().width));
    if (screenshot) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
    return { errors, requests, marksPerChart, chartWidths };
  } finally {
    await page.close();
  }
}

/** `optional` charts may be present (a real run on a busy machine can have late sends, which adds 'violations'). */
function assertHealthy(v: PageVisit, charts: string[], optional: string[] = []): void {
  assert.deepEqual(v.errors, [], 'no console errors or warnings');
  assert.deepEqual(v.requests, [], 'no request besides the file itself');
  const expected = [...charts, ...optional.filter((c) => c in v.marksPerChart)];
  assert.deepEqual(Object.keys(v.marksPerChart).sort(), expected.sort());
  for (const [chart, marks] of Object.entries(v.marksPerChart)) assert.ok(marks > 0, `${chart} drew ${marks} marks`);
  // Laptop viewport: every chart fits the page (no horizontal scrolling) and is not squashed.
  for (const w of v.chartWidths) assert.ok(w > 300 && w <= 1366, `chart width ${w}`);
}

test('report.html of a clean run opens offline with every chart drawn', T, async () => {
  const v = await visit(await renderReport(load('await.json')), 'report-clean');
  assertHealthy(v, ['spectrum', 'latency-over-time', 'publish-rate', 'delivered-rate', 'event-loop-utilisation', 'event-loop-delay']);
});

test('report.html of a troubled run (hostile names) opens offline with every chart drawn and no script run', T, async () => {
  const v = await visit(await renderReport(load('trouble.json')), 'report-trouble');
  assertHealthy(v, ['spectrum', 'latency-over-time', 'server-cpu', 'server-omem', 'publish-rate', 'delivered-rate', 'violations',
    'event-loop-utilisation', 'event-loop-delay']);
});

test('compare.html opens offline with every chart drawn', T, async () => {
  const v = await visit(await renderCompareReport([load('await.json'), load('pipeline.json')], ['await', 'pipeline ×100']), 'compare');
  assertHealthy(v, ['compare-spectrum-endToEnd', 'compare-spectrum-publish', 'compare-publish-rate', 'compare-delivered-rate', 'compare-latency']);
});

test('report.html of a merged run (partial, a doubtful clock) opens offline with its segment tables shown', T, async () => {
  const segs = buildSegments();
  segs[2].segment!.clockUncertaintyUs = 5000;
  const merged = mergeSegments([segs[0], segs[2]].map((result, i) => ({ source: `seg${i}`, result })), { allowPartial: true, thresholds: [] });
  const v = await visit(await renderReport(merged), 'report-merged');
  assertHealthy(v, ['spectrum', 'latency-over-time', 'publish-rate', 'delivered-rate', 'event-loop-utilisation', 'event-loop-delay']);
  const page = await context!.newPage();
  try {
    await page.goto(pathToFileURL(path.join(work, 'report-merged.html')).href);
    // Segments 0 and 2 and the missing 1; a 3 × 3 delivery matrix; the clock warning visible on screen.
    assert.equal(await page.locator('table.segments tbody tr').count(), 3);
    assert.equal(await page.locator('table.delivery-matrix tbody tr').count(), 3);
    assert.ok(await page.locator('[data-clock-warning]').isVisible());
    assert.match(await page.locator('.verdict').innerText(), /PARTIAL/);
  } finally {
    await page.close();
  }
});

test('index.html of an --out folder opens offline with its trend charts drawn', T, async () => {
  const out = path.join(work, 'history');
  ['await.json', 'pipeline.json', 'trouble.json', 'await.json'].forEach((name, i) => {
    const folder = path.join(out, `run-${i + 1}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'result.json'), JSON.stringify({ ...load(name), runId: `run-${i + 1}`, startedAt: `2026-02-0${i + 1}T10:00:00.000Z` }));
  });
  assert.deepEqual((await updateRunHistory(out)).warnings, []);
  const v = await visit(readFileSync(path.join(out, 'index.html'), 'utf8'), 'history-index');
  assertHealthy(v, ['history-e2e-p99', 'history-delivery-rate', 'history-loss']);
});

test('a real short run writes a report (and a comparison) that open the same way', T, async () => {
  if (!findTool('redis-server')) throw new Error('redis-server is not on PATH: this test needs it (apt-get install redis-server)');
  const server = await startLocalRedis({ kind: 'single' });
  try {
    const runs: string[] = [];
    for (const mode of ['await', 'pipeline'] as const) {
      const scenario = resolveScenario({
        name: `browser-${mode}`, warmup: '300ms', duration: '1500ms', drainTimeout: '3s', channels: { count: 2 },
        publishers: { count: 2, rate: 1000, mode, batch: 10 }, subscribers: [{ count: 2, channelsEach: 'all' }],
      }, 'test');
      const { runDir } = await runBenchmark({ scenario, target: server.spec, workers: 1, outDir: work, intervalMs: 250 });
      runs.push(path.join(runDir, 'result.json'));
    }
    const report = readFileSync(path.join(path.dirname(runs[0]), 'report.html'), 'utf8');
    // Each run updated the folder's history: both runs are listed, the newest is `latest`.
    const index = readFileSync(path.join(work, 'index.html'), 'utf8');
    for (const r of runs) assert.ok(index.includes(`${path.basename(path.dirname(r))}/report.html`));
    assert.equal(readFileSync(path.join(work, 'latest.txt'), 'utf8').trim(), path.basename(path.dirname(runs[1])));
    assertHealthy(await visit(report, 'report-real-run'),
      // Server charts need telemetry samples inside the (short) timeline: present on a local server, but not required.
      // Memory (RSS and heap per interval) is recorded by every run since the timeline carries it.
      ['spectrum', 'latency-over-time', 'publish-rate', 'delivered-rate', 'event-loop-utilisation', 'event-loop-delay', 'memory'],
      ['violations', 'server-cpu', 'server-omem', 'server-us-per-publish']);
    const { htmlPath } = await runCompare({ results: runs, out: path.join(work, 'real-compare.html'), color: false });
    assertHealthy(await visit(readFileSync(htmlPath, 'utf8'), 'compare-real-runs'),
      ['compare-spectrum-endToEnd', 'compare-spectrum-publish', 'compare-publish-rate', 'compare-delivered-rate', 'compare-latency']);
  } finally {
    await server.stop();
  }
});

test('the checks catch a page that fetches something or draws no marks', T, async () => {
  const good = await renderReport(load('await.json'));
  const tampered = good
    .replace('<main>', '<main><img alt="" src="http://127.0.0.1:9/x.png">')
    // Empty the spectrum's data marks, as if the chart had rendered blank.
    .replace(/(<figure class="chart" data-chart="spectrum">[\s\S]*?<\/figure>)/, (fig) => fig.replace(/class="mark-line role-mark/g, 'class="mark-line role-gone'));
  const v = await visit(tampered, 'tampered', false);
  assert.ok(v.errors.length + v.requests.length > 0, 'the outside fetch is seen (blocked by the CSP and reported)');
  assert.equal(v.marksPerChart.spectrum, 0);
});
