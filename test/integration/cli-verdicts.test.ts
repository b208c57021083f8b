/**
 * Verdicts end to end against a real redis-server started here: a run that publishes nothing is NO DATA (exit 5),
 * `--json` keeps stdout for the JSON and says the verdict, the failed checks and the report path on stderr, and a
 * load that cannot fit the server's pubsub output-buffer limit is warned about before the run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { ExitCode } from '../../src/core/errors.js';
import type { RunResult } from '../../src/core/result.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { judge } from '../../src/reporting/describe.js';
import { captureIo } from '../helpers/cli-io.js';
import { redisCli, startServer } from '../helpers/redis.js';

let server: LocalTargetDetails;
let url: string;
let outDir: string;

before(async () => {
  server = await startServer({ kind: 'single' });
  url = `redis://${server.spec.nodes[0].host}:${server.spec.nodes[0].port}`;
  outDir = mkdtempSync(join(tmpdir(), 'pb-verdicts-'));
});

after(async () => {
  await server?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const short = ['--duration', '1s', '--warmup', '200ms', '--drain-timeout', '1s'];

test('run --publishers 0 is NO DATA with its reason and exit 5, in the terminal, JUnit and the step summary', { timeout: 60_000 }, async () => {
  const junit = join(outDir, 'no-data.xml');
  const stepSummary = join(outDir, 'summary.md');
  const cap = captureIo({ GITHUB_STEP_SUMMARY: stepSummary });
  const code = await main(['run', '--target', url, '--publishers', '0', ...short, '--out', outDir, '--junit', junit], cap.io);
  assert.equal(code, ExitCode.noData, cap.stderr());
  assert.match(cap.stdout(), /^NO DATA: the fleet has no publishers \(--publishers 0\): nothing was published/);
  assert.doesNotMatch(cap.stdout(), /OK: every expected message/);
  assert.doesNotMatch(cap.stdout(), /Redis replies were the limit/, 'no rate shortfall blamed on Redis when nothing was offered');
  assert.match(readFileSync(junit, 'utf8'), /<failure message="NO DATA: the fleet has no publishers/);
  assert.match(readFileSync(stepSummary, 'utf8'), /— ❌ NO DATA: the fleet has no publishers/);
});

test('--json with a failing threshold: stdout is the JSON alone, stderr names the failed check and the report', { timeout: 60_000 }, async () => {
  const cap = captureIo();
  const code = await main(['run', 'fan-in', '--target', url, ...short, '--rate', '1000', '--out', outDir, '--json',
    '--threshold', 'e2e.p50 < 1us', '--threshold', 'lost == 0'], cap.io);
  assert.equal(code, ExitCode.thresholds, cap.stderr());
  const result = JSON.parse(cap.stdout()) as RunResult;
  assert.equal(result.thresholds?.passed, false);
  const err = cap.stderr();
  assert.match(err, /^pubsub-bench: verdict: Thresholds failed$/m);
  assert.match(err, /^pubsub-bench: threshold failed: ✗ e2e\.p50 < 1us — measured \S+/m);
  assert.doesNotMatch(err, /threshold failed: .*lost == 0/, 'a threshold that held is not listed as failed');
  const report = /^pubsub-bench: report: (\S+report\.html) \(result\.json beside it\)$/m.exec(err);
  assert.ok(report, err);
  assert.ok(existsSync(report[1]), `${report[1]} exists`);
});

test('a message larger than the pubsub output-buffer limit is warned about before the run', { timeout: 60_000 }, async () => {
  const port = server.spec.nodes[0].port;
  await redisCli(server, port, 'CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 512kb 60');
  try {
    const cap = captureIo();
    const code = await main(['run', '--target', url, '--subscribers', '1', '--message-size', '2000000', '--rate', '5', ...short, '--out', outDir, '--json'], cap.io);
    const err = cap.stderr();
    const warning = err.indexOf('pubsub-bench: warning: One message (1.91 MB as delivered) is larger than the server\'s client-output-buffer-limit pubsub 1 MB hard');
    assert.ok(warning >= 0, err);
    assert.ok(warning < err.indexOf('[measure'), 'said before measuring');
    const result = JSON.parse(cap.stdout()) as RunResult;
    assert.ok(result.warnings.some((w) => /larger than the server's client-output-buffer-limit pubsub 1 MB hard/.test(w)), 'kept in result.json');
    assert.equal(code, ExitCode.ok, 'loss alone is reported, not a failed exit (README "Exit codes")');
    assert.ok(result.summary.disconnects > 0 && result.summary.lost > 0, `the server disconnected the subscriber: ${JSON.stringify(result.summary)}`);
    assert.notEqual(judge(result).kind, 'ok');
  } finally {
    await redisCli(server, port, 'CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  }
});
