/**
 * The CLI end to end against a real redis-server started here: exit codes 0, 2 and 3, the matrix comparison of
 * pipelined vs unpipelined publishing, and the JSON output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { startLocalRedis } from '../../src/targets/local.js';
import type { LocalTarget } from '../../src/targets/types.js';
import type { RunResult } from '../../src/core/result.js';
import { captureIo } from '../helpers/cli-io.js';
import { closedPort } from '../helpers/redis.js';

let server: LocalTarget;
let url: string;
let outDir: string;

before(async () => {
  server = await startLocalRedis({ kind: 'single' });
  url = `redis://${server.spec.nodes[0].host}:${server.spec.nodes[0].port}`;
  outDir = mkdtempSync(join(tmpdir(), 'pb-cli-'));
});

after(async () => {
  await server?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('run --json prints only the result on stdout and exits 0', async () => {
  const cap = captureIo();
  const code = await main(['run', 'fan-in', '--target', url, '--duration', '1s', '--warmup', '300ms', '--rate', '2000', '--out', outDir, '--json'], cap.io);
  assert.equal(code, 0, cap.stderr());
  const result = JSON.parse(cap.stdout()) as RunResult;
  assert.equal(result.scenario.name, 'fan-in');
  assert.equal(result.summary.lost, 0);
  assert.equal(result.summary.delivered, result.summary.expectedDeliveries);
  assert.ok(!/\x1b\[/.test(cap.stdout()), 'no terminal control characters when stdout is not a terminal');
});

test('invalid flags exit 2 naming every bad field, without a stack trace', async () => {
  const cap = captureIo();
  const code = await main(['run', '--rate', '-5', '--message-size', '8', '--out', outDir], cap.io);
  assert.equal(code, 2);
  assert.match(cap.stderr(), /--rate/);
  assert.match(cap.stderr(), /--message-size/);
  assert.doesNotMatch(cap.stderr(), /\n\s+at /, 'no stack trace');
});

test('an unreachable target exits 3 within the connect timeout, naming the target but never the password', async () => {
  const port = await closedPort();
  const cap = captureIo({ PB_TEST_PASSWORD: 's3cret-Pa55' });
  const started = Date.now();
  const code = await main(['run', '--target', `redis://bench:s3cret-Pa55@127.0.0.1:${port}`, '--connect-timeout', '1s', '--out', outDir], cap.io);
  assert.equal(code, 3, cap.stderr());
  assert.ok(Date.now() - started < 10_000, 'gave up promptly');
  assert.match(cap.stderr(), new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.doesNotMatch(cap.stderr() + cap.stdout(), /s3cret-Pa55/);
});

test('the pipeline-vs-unpipelined matrix compares await, pipeline and MULTI batches; pipelined is ahead at --rate max', async () => {
  const cap = captureIo();
  const code = await main(['run', 'pipeline-vs-unpipelined', '--target', url, '--duration', '1500ms', '--warmup', '300ms', '--out', outDir, '--json'], cap.io);
  assert.equal(code, 0, cap.stderr());
  const out = JSON.parse(cap.stdout()) as { dir: string; variants: Array<{ label: string; result: RunResult }> };
  assert.deepEqual(out.variants.map((v) => v.label), [
    'publish-mode=await', 'publish-mode=pipeline batch=10', 'publish-mode=pipeline batch=100', 'publish-mode=pipeline batch=1000',
    'publish-mode=multi batch=10', 'publish-mode=multi batch=100', 'publish-mode=multi batch=1000',
  ], 'batch sizes under await run once; pipeline and multi at the same sizes');
  const rate = (label: string): number => out.variants.find((v) => v.label === label)!.result.summary.publishRate;
  assert.ok(rate('publish-mode=pipeline batch=100') > 1.5 * rate('publish-mode=await'),
    `pipeline ×100 ${rate('publish-mode=pipeline batch=100')}/s vs await ${rate('publish-mode=await')}/s`);
  for (const v of out.variants) assert.equal(v.result.summary.lost, 0, `${v.label} lost nothing`);
  assert.ok(existsSync(join(out.dir, 'compare.html')));
});

test('thresholds gate the exit code: 0 when they hold, 99 when one fails, with JUnit XML for CI', async () => {
  const junit = join(outDir, 'junit.xml');
  const common = ['run', 'fan-in', '--target', url, '--duration', '1s', '--warmup', '300ms', '--rate', '1000', '--out', outDir, '--json'];
  const pass = captureIo();
  assert.equal(await main([...common, '--threshold', 'lost == 0', '--threshold', 'e2e.p99 < 10s'], pass.io), 0, pass.stderr());
  const passed = JSON.parse(pass.stdout()) as RunResult;
  assert.equal(passed.thresholds?.passed, true);
  assert.deepEqual(passed.thresholds?.outcomes.map((o) => o.passed), [true, true]);

  const fail = captureIo();
  assert.equal(await main([...common, '--threshold', 'e2e.p50 < 1us', '--threshold', 'lost == 0', '--junit', junit], fail.io), 99, fail.stderr());
  const failed = JSON.parse(fail.stdout()) as RunResult;
  assert.equal(failed.thresholds?.passed, false);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuites [^>]*tests="2" failures="1"/);
  assert.match(xml, /<testcase [^>]*name="e2e\.p50 &lt; 1us">\s*<failure /);
  assert.match(xml, /<testcase [^>]*name="lost == 0">/);
});

test('a threshold that does not parse fails before the run starts, listing the known metrics', async () => {
  const cap = captureIo();
  const started = Date.now();
  assert.equal(await main(['run', '--target', url, '--threshold', 'latency.p99 < 5ms', '--out', outDir], cap.io), 2);
  assert.ok(Date.now() - started < 5000, 'no run was started');
  assert.match(cap.stderr(), /unknown metric "latency\.p99"/);
  assert.match(cap.stderr(), /e2e\.\{p50,p90,p99/);
});

test('--abort-on-fail ends a failing run early, still writes it, and exits 99', async () => {
  const cap = captureIo();
  const started = Date.now();
  const code = await main(['run', 'fan-in', '--target', url, '--duration', '30s', '--warmup', '300ms', '--rate', '1000', '--out', outDir, '--json',
    '--threshold', 'e2e.max < 1us', '--abort-on-fail', '--abort-grace', '500ms'], cap.io);
  assert.equal(code, 99, cap.stderr());
  assert.ok(Date.now() - started < 15_000, 'stopped long before the 30 s asked');
  const r = JSON.parse(cap.stdout()) as RunResult;
  assert.equal(r.interrupted, false, 'an abort is a verdict, not an interrupt');
  assert.deepEqual(r.thresholds?.aborted?.expressions, ['e2e.max < 1us']);
  assert.ok(r.measureMs < 10_000);
  assert.equal(r.summary.delivered + r.summary.lost, r.summary.expectedDeliveries);
});
