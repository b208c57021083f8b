/**
 * Outputs that never hang or lose a run (issue 11): a folder or file that cannot be written fails before anything
 * connects (exit 2, naming path and flag) for run, --matrix, --repeat and capacity; a write that fails after the
 * run keeps the measurement (result.json in the temp folder, its path on stderr, exit 1) and does every other write.
 * The CLI runs as a child process killed at a bound, since the bug was a spin that ignored signals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { RunResult } from '../../src/core/result.js';
import { TEST_HOOKS_ARMED } from '../../src/core/test-hooks.js';
import { captureIo } from '../helpers/cli-io.js';
import { closedPort } from '../helpers/redis.js';
import { useServer, withEnv } from '../helpers/runs.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Far above the preflight's own bound (5 s) and far below a run. */
const BOUND_MS = 15_000;

/** Runs the CLI, SIGKILLed at the bound; resolves to its exit code (null when killed), stderr and time taken. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stderr, ms: Date.now() - started });
  }));
}

const bench = useServer('pb-outputs');

test('outputs that cannot be written fail before connecting: exit 2 naming path and flag, in every command', { timeout: 90_000 }, async () => {
  // Nothing listens there: a command that got as far as connecting would exit 3.
  const target = ['--target', `redis://127.0.0.1:${await closedPort()}`, '--connect-timeout', '1s'];
  const file = join(bench.outDir, 'README.md');
  writeFileSync(file, 'a file, not a folder\n');
  const cases: Array<[string, string[], RegExp]> = [
    ['run --out /proc/nope', ['run', 'fan-in', ...target, '--out', '/proc/nope'], /--out: "\/proc\/nope" cannot be created as a folder/],
    ['run --out README.md/sub', ['run', 'fan-in', ...target, '--out', `${file}/sub`], /--out: ".*README\.md\/sub": .*README\.md is a file, not a folder/],
    ['run --junit /proc/nope/j.xml', ['run', 'fan-in', ...target, '--out', bench.outDir, '--junit', '/proc/nope/j.xml'], /--junit: "\/proc\/nope\/j\.xml": \/proc\/nope cannot be created/],
    ['run --matrix', ['run', 'fan-in', ...target, '--matrix', 'publish-mode=await,pipeline', '--out', '/proc/nope'], /--out: "\/proc\/nope"/],
    ['run --repeat', ['run', 'fan-in', ...target, '--repeat', '3', '--out', '/proc/nope'], /--out: "\/proc\/nope"/],
    ['capacity', ['capacity', 'fan-in', ...target, '--slo', 'lost == 0', '--out', '/proc/nope'], /--out: "\/proc\/nope"/],
  ];
  for (const [name, args, expected] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${name}: exit ${r.code} after ${r.ms} ms\n${r.stderr}`);
    assert.ok(r.ms < 5000, `${name}: took ${r.ms} ms`);
    assert.match(r.stderr, expected, name);
    assert.match(r.stderr, /hint: give/, `${name}: with a hint`);
    assert.doesNotMatch(r.stderr, /127\.0\.0\.1|internal error/, `${name}: failed before connecting, as bad input`);
  }
  const summary = await cli(['run', 'fan-in', ...target, '--out', bench.outDir], { GITHUB_STEP_SUMMARY: '/proc/nope/summary.md' });
  assert.equal(summary.code, 2, summary.stderr);
  assert.match(summary.stderr, /\$GITHUB_STEP_SUMMARY: "\/proc\/nope\/summary\.md"/);
});

test('writes that fail after the run keep it: result.json in the temp folder, every other file written, exit 1', { timeout: 60_000 }, async () => {
  const url = `redis://127.0.0.1:${bench.server.spec.nodes[0].port}`;
  const summary = join(bench.outDir, 'summary.md');
  const cap = captureIo({ GITHUB_STEP_SUMMARY: summary });
  const code = await withEnv({ PUBSUB_BENCH_TEST_HOOKS: TEST_HOOKS_ARMED, PUBSUB_BENCH_TEST_FAIL_WRITE: 'result.json,junit.xml' }, () => main([
    'run', 'fan-in', '--target', url, '--duration', '1s', '--warmup', '200ms', '--rate', '500',
    '--out', bench.outDir, '--junit', join(bench.outDir, 'junit.xml'), '--json',
  ], cap.io));
  const result = JSON.parse(cap.stdout()) as RunResult;
  const fallback = join(tmpdir(), `pubsub-bench-${result.runId}-result.json`);
  try {
    assert.equal(code, 1, cap.stderr());
    assert.match(cap.stderr(), new RegExp(`could not write result\\.json to .*${result.runId}/result\\.json: EACCES`));
    assert.match(cap.stderr(), new RegExp(`the measurement is not lost: it was saved to ${fallback}`));
    assert.match(cap.stderr(), /could not write JUnit XML \(--junit\) to .*junit\.xml/);
    assert.doesNotMatch(cap.stderr(), /JUnit XML written/);
    assert.deepEqual((JSON.parse(readFileSync(fallback, 'utf8')) as RunResult).summary, result.summary);
    const runDir = join(bench.outDir, result.runId);
    for (const f of ['report.html', 'e2e.hlog', 'e2e.hgrm']) assert.ok(existsSync(join(runDir, f)), `${f} still written`);
    assert.ok(!existsSync(join(runDir, 'result.json')));
    assert.match(readFileSync(summary, 'utf8'), /## pubsub-bench: fan-in/, 'the step summary still written');
  } finally {
    rmSync(fallback, { force: true });
  }
});
