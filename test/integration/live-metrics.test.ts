/**
 * Live metrics against a real redis-server started here: the NDJSON file grows while the run goes and its counts add
 * up to the result's; `--metrics-out -` keeps stdout for the lines; /metrics is scraped over HTTP during a run and is
 * gone after it; bad combinations and a port in use are exit 2 before measuring.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { runBenchmark } from '../../src/coordinator/index.js';
import { ExitCode } from '../../src/core/errors.js';
import type { LiveInterval } from '../../src/core/live.js';
import type { RunResult } from '../../src/core/result.js';
import { openNdjsonFile, startPrometheusServer } from '../../src/reporting/live/index.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { captureIo } from '../helpers/cli-io.js';
import { startServer } from '../helpers/redis.js';

let redis: LocalTargetDetails;
let url: string;
let outDir: string;

before(async () => {
  redis = await startServer({ kind: 'single' });
  url = `redis://${redis.spec.nodes[0].host}:${redis.spec.nodes[0].port}`;
  outDir = mkdtempSync(join(tmpdir(), 'pb-live-'));
});

after(async () => {
  await redis?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const serverSpec = () => redis.spec;

const readLines = (path: string): LiveInterval[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LiveInterval) : [];

/** The lines of one run agree with its result: one per timeline interval, in order, counts adding up to the totals. */
function assertMatches(lines: LiveInterval[], result: RunResult): void {
  assert.deepEqual(lines.map((l) => l.seq), lines.map((_, k) => k), 'seq 0, 1, 2, … with no gap or repeat');
  assert.ok(lines.every((l) => l.runId === result.runId && l.scenario === result.scenario.name));
  assert.deepEqual(lines.map((l) => l.fromMs), result.timeline.map((t) => t.fromMs), 'one line per timeline interval');
  assert.deepEqual(lines.map((l) => l.phase), result.timeline.map((t) => t.phase));
  const sum = (k: keyof LiveInterval['counts']): number => lines.reduce((n, l) => n + l.counts[k], 0);
  const s = result.summary;
  assert.equal(sum('publishedMeasured'), s.published, 'measured publishes add up to the summary');
  assert.equal(sum('deliveredMeasured'), s.delivered, 'measured deliveries add up to the summary');
  assert.equal(sum('expectedMeasured'), s.expectedDeliveries);
  const last = lines[lines.length - 1];
  assert.equal(last.totals.publishedMeasured, s.published);
  assert.equal(last.totals.lostMeasured, s.lost);
  assert.ok(lines.some((l) => l.phase === 'measure' && l.e2eP99Us !== null && l.publishedPerS > 0));
}

test('runBenchmark streams one NDJSON line per interval while it runs, adding up to the result', { timeout: 60_000 }, async () => {
  const path = join(outDir, 'live.ndjson');
  const file = openNdjsonFile(path);
  const scenario = resolveScenario({
    name: 'live', warmup: '300ms', duration: '2s', drainTimeout: '3s',
    channels: { count: 2 }, publishers: { count: 2, rate: 1000 }, subscribers: [{ count: 2, channelsEach: 'all' }],
  }, 'test');
  let seenDuringRun = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      seenDuringRun = Math.max(seenDuringRun, readLines(path).length);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const { result } = await runBenchmark({ scenario, target: redis.spec, workers: 2, outDir, intervalMs: 250, liveSinks: [file.sink], label: 'only' });
    running = false;
    await poll;
    assert.ok(seenDuringRun >= 4, `lines were on disk before the run ended (${seenDuringRun} seen)`);
    const lines = readLines(path);
    assert.ok(lines.length >= 9, `about 2.3 s of 250 ms intervals, got ${lines.length}`);
    assert.ok(lines.every((l) => l.variant === 'only'));
    assertMatches(lines, result);
  } finally {
    running = false;
    file.close();
  }
});

test('--metrics-out - puts only NDJSON lines on stdout, the summary on stderr', { timeout: 60_000 }, async () => {
  const cap = captureIo();
  const code = await main(['run', 'fan-in', '--target', url, '--duration', '1s', '--warmup', '200ms', '--rate', '500', '--out', outDir, '--metrics-out', '-'], cap.io);
  assert.equal(code, ExitCode.ok, cap.stderr());
  const lines = cap.stdout().split('\n').filter(Boolean);
  assert.ok(lines.length >= 2, cap.stdout());
  const parsed = lines.map((l) => JSON.parse(l) as LiveInterval);
  assert.ok(parsed.every((l) => l.v === 1 && l.scenario === 'fan-in'));
  assert.match(cap.stderr(), /Written to /);
  const runDir = /Written to (\S+)\//.exec(cap.stderr())?.[1] ?? '';
  assertMatches(parsed, JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult);
});

test('--metrics-out - with --json, or a file that cannot be written, is exit 2 before measuring, naming the flag', { timeout: 30_000 }, async () => {
  const cap = captureIo();
  const code = await main(['run', '--target', url, '--out', outDir, '--metrics-out', '-', '--json'], cap.io);
  assert.equal(code, ExitCode.usage, cap.stderr());
  assert.match(cap.stderr(), /--metrics-out.*stdout.*--json/);
  assert.match(cap.stderr(), /metrics\.ndjson/, 'the hint shows a file instead');
  const blocked = join(outDir, 'a-file');
  writeFileSync(blocked, 'x');
  const cap2 = captureIo();
  assert.equal(await main(['run', '--target', url, '--out', outDir, '--metrics-out', join(blocked, 'm.ndjson')], cap2.io), ExitCode.usage);
  assert.match(cap2.stderr(), /--metrics-out/);
  assert.doesNotMatch(cap2.stderr(), /Written to/);
});

test('/metrics answers over HTTP during runBenchmark with the run\'s metrics, and refuses connections after', { timeout: 60_000 }, async () => {
  const server = await startPrometheusServer('127.0.0.1', 0);
  const scenario = resolveScenario({
    name: 'scraped', warmup: '300ms', duration: '2s', drainTimeout: '3s',
    channels: { count: 2 }, publishers: { count: 1, rate: 500 }, subscribers: [{ count: 2, channelsEach: 'all' }],
  }, 'test');
  const scrapes: string[] = [];
  let running = true;
  const poll = (async () => {
    while (running) {
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      if (running) scrapes.push(text);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  let runId = '';
  try {
    const { result } = await runBenchmark({ scenario, target: serverSpec(), workers: 2, outDir, intervalMs: 250, liveSinks: [server.sink], label: 'v1' });
    runId = result.runId;
    running = false;
    await poll;
    const during = scrapes.filter((t) => t.includes(`run_id="${runId}"`));
    assert.ok(during.length >= 3, `scraped the run's metrics while it ran (${during.length} of ${scrapes.length} scrapes)`);
    const labels = `{run_id="${runId}",scenario="scraped",variant="v1"}`;
    const mid = during[Math.floor(during.length / 2)];
    for (const name of ['publish_rate', 'delivery_rate', 'e2e_latency_p99_seconds', 'event_loop_utilization', 'published_messages_total', 'lost_messages']) {
      assert.ok(mid.includes(`pubsub_bench_${name}${labels} `), `${name} during the run`);
    }
    // The counters end where the result does.
    const final = await (await fetch(server.url)).text();
    const value = (name: string): number => Number(new RegExp(`^pubsub_bench_${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(final)?.[1]);
    assert.equal(value('measured_published_messages_total'), result.summary.published);
    assert.equal(value('measured_delivered_messages_total'), result.summary.delivered);
    assert.equal(value('lost_messages'), result.summary.lost);
  } finally {
    running = false;
    await poll.catch(() => undefined);
    await server.close();
  }
  await assert.rejects(fetch(server.url), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED', 'closed after the run');
});

test('--prometheus-port on a port in use is exit 2 before measuring, naming the port', { timeout: 30_000 }, async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    const cap = captureIo();
    const code = await main(['run', '--target', url, '--out', outDir, '--prometheus-port', String(port), '--metrics-out', join(outDir, 'never.ndjson')], cap.io);
    assert.equal(code, ExitCode.usage, cap.stderr());
    assert.match(cap.stderr(), new RegExp(`--prometheus-port: port ${port} on 127\\.0\\.0\\.1 is in use`));
    assert.doesNotMatch(cap.stderr(), /Written to/);
    const bad = captureIo();
    assert.equal(await main(['run', '--target', url, '--out', outDir, '--prometheus-port', '70000', '--prometheus-host', ''], bad.io), ExitCode.usage);
    assert.match(bad.stderr(), /--prometheus-port: expected a port from 0 to 65535/);
    assert.match(bad.stderr(), /--prometheus-host: needs an address/);
  } finally {
    await new Promise((r) => taken.close(r));
  }
});

test('a --repeat series is served by one endpoint for the whole series, each run under its own run_id', { timeout: 60_000 }, async () => {
  const cap = captureIo();
  const done = main(['run', 'fan-in', '--target', url, '--duration', '800ms', '--warmup', '200ms', '--rate', '300', '--out', outDir,
    '--repeat', '2', '--prometheus-port', '0', '--interval', '250ms'], cap.io);
  let finished = false;
  void done.finally(() => (finished = true));
  const runIds = new Set<string>();
  let endpoint: string | undefined;
  while (!finished) {
    endpoint ??= /live metrics at (\S+) until the command ends/.exec(cap.stderr())?.[1];
    if (endpoint) {
      const text = await fetch(endpoint).then((r) => r.text(), () => '');
      for (const m of text.matchAll(/pubsub_bench_publish_rate\{run_id="([^"]+)"/g)) runIds.add(m[1]);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await done, ExitCode.ok, cap.stderr());
  assert.ok(endpoint, 'the URL is printed');
  assert.equal(runIds.size, 2, `both runs were seen on the one endpoint: ${[...runIds].join(', ')}`);
  await assert.rejects(fetch(endpoint), 'closed when the command ends');
});

test('capacity streams every step into one --metrics-out file, each step labelled with its offered rate', { timeout: 90_000 }, async () => {
  const file = join(outDir, 'capacity.ndjson');
  const cap = captureIo();
  const code = await main([
    'capacity', 'fan-in', '--target', url, '--slo', 'lost == 0', '--start-rate', '200', '--max-rate', '400', '--max-steps', '2',
    '--duration', '1s', '--warmup', '200ms', '--out', outDir, '--metrics-out', file,
  ], cap.io);
  assert.equal(code, ExitCode.ok, cap.stderr());
  const lines = readLines(file);
  const variants = [...new Set(lines.map((l) => l.variant))];
  assert.deepEqual(variants, ['200/s', '400/s'], 'one labelled stream per step, in search order');
  assert.equal(new Set(lines.map((l) => l.runId)).size, 2, 'each step is its own run');
  for (const v of variants) {
    const seqs = lines.filter((l) => l.variant === v).map((l) => l.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i), `${v}: intervals in order, once each`);
  }
});
