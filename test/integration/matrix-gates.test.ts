/**
 * Gates apply to a matrix as to a single run: every variant is judged on its own, named in JUnit (one testcase per
 * variant and threshold), and any failing variant exits 99 — whether the threshold came from a flag or from the
 * scenario file. A baseline cannot judge a matrix, so it is refused (exit 2) instead of ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { useServer } from '../helpers/runs.js';

const bench = useServer('pb-matrix-gates');
const target = (): string => `redis://${bench.server.spec.nodes[0].host}:${bench.server.spec.nodes[0].port}`;

const SHORT = ['--duration', '1s', '--warmup', '200ms', '--rate', '1000', '--subscribers', '2'];

test('a matrix with a failing threshold exits 99 and writes one JUnit testcase per variant and threshold', { timeout: 60_000 }, async () => {
  const junit = join(bench.outDir, 'junit.xml');
  const cap = captureIo();
  const code = await main([
    'run', 'fan-out', '--target', target(), '--matrix', 'publish-mode=await,auto', ...SHORT,
    '--threshold', 'e2e.p99 < 1us', '--threshold', 'lost == 0', '--junit', junit, '--out', bench.outDir,
  ], cap.io);
  assert.equal(code, 99, cap.stderr());
  assert.match(cap.stderr(), /thresholds failed in 2 of 2 variants/);
  const xml = readFileSync(junit, 'utf8');
  const cases = [...xml.matchAll(/<testcase classname="pubsub-bench\.thresholds" name="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(cases.sort(), ['[publish-mode=auto] e2e.p99 &lt; 1us', '[publish-mode=auto] lost == 0', '[publish-mode=await] e2e.p99 &lt; 1us', '[publish-mode=await] lost == 0']);
  assert.equal((xml.match(/<failure /g) ?? []).length, 2, 'the latency threshold fails in each variant');
});

test('a matrix over a scenario file with thresholds: exits 99', { timeout: 60_000 }, async () => {
  const file = join(bench.outDir, 'gated.yaml');
  writeFileSync(file, ['name: gated', 'channels: { count: 2 }', 'publishers: { count: 1, rate: 500 }', 'subscribers: [{ count: 2 }]', "thresholds: ['e2e.p99 < 1us']", ''].join('\n'));
  const cap = captureIo();
  const code = await main(['run', file, '--target', target(), '--matrix', 'publish-mode=await,auto', '--duration', '1s', '--warmup', '200ms', '--out', bench.outDir, '--json'], cap.io);
  assert.equal(code, 99, cap.stderr());
  const out = JSON.parse(cap.stdout()) as { variants: Array<{ result: { thresholds?: { passed: boolean } } }> };
  assert.deepEqual(out.variants.map((v) => v.result.thresholds?.passed), [false, false]);
});

test('a matrix that holds its thresholds exits 0', { timeout: 60_000 }, async () => {
  const cap = captureIo();
  const code = await main(['run', 'fan-out', '--target', target(), '--matrix', 'publish-mode=await,auto', ...SHORT, '--threshold', 'lost == 0', '--out', bench.outDir], cap.io);
  assert.equal(code, 0, cap.stderr());
});

test('--baseline or --repeat with a matrix is refused with exit 2, before anything runs', async () => {
  const cap = captureIo();
  const code = await main(['run', 'pipeline-vs-unpipelined', '--target', target(), '--repeat', '2', '--out', join(bench.outDir, 'refused')], cap.io);
  assert.equal(code, 2, cap.stderr());
  assert.match(cap.stderr(), /--repeat: does not apply to a matrix/);
  const cap2 = captureIo();
  const fixture = join(bench.outDir, 'base.json');
  writeFileSync(fixture, readFileSync(new URL('../../../test/fixtures/await.json', import.meta.url)));
  assert.equal(await main(['run', 'fan-out', '--matrix', 'batch=10,20', '--target', target(), '--baseline', fixture, '--out', join(bench.outDir, 'refused')], cap2.io), 2, cap2.stderr());
  assert.match(cap2.stderr(), /--baseline: cannot judge a matrix/);
});
