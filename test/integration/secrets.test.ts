/**
 * Passwords never leave the harness: a run as an ACL user with --password-env (telemetry and chaos connections
 * included), a user the server refuses CLIENT LIST and CONFIG, and a wrong password — in each case stdout, stderr and
 * every file written are searched for the password (raw and URL-encoded). Runs the real CLI in a child process, so
 * anything printed by accident is caught too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../src/core/result.js';
import { useServer } from '../helpers/runs.js';

const PASSWORD = 'pb-Secret"7f3a:9c/x%!';
const LIMITED_PASSWORD = 'pb-Limited-51d0e2';
const WRONG_PASSWORD = 'pb-Wrong-c0ffee';
const CLI = fileURLToPath(new URL('../../../bin/pubsub-bench.js', import.meta.url));

const bench = useServer('pb-secrets', {
  kind: 'single',
  requirePassword: 'pb-Default-Only-For-Setup',
  aclUsers: [
    { name: 'bench', password: PASSWORD },
    // Everything the run needs, but no CLIENT LIST or CONFIG: telemetry must degrade, not fail.
    { name: 'limited', password: LIMITED_PASSWORD, rules: '~* &* +@all -client|list -config' },
  ],
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 25_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Fails naming the place where any form of any secret shows up. */
function assertNoSecret(places: Record<string, string>, secrets: string[]): void {
  const forms = secrets.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
  for (const [where, text] of Object.entries(places)) {
    for (const form of forms) assert.ok(!text.includes(form), `a password shows up in ${where}`);
  }
}

function runArgs(user: string, outDir: string, extra: string[] = []): string[] {
  const port = bench.server.nodes[0].port;
  return ['run', 'fan-out', '--target', `redis://127.0.0.1:${port}`, '--user', user, '--password-env', 'PB_TEST_PASSWORD',
    '--duration', '1500ms', '--warmup', '300ms', '--subscribers', '3', '--rate', '1000', '--out', outDir, ...extra];
}

function outputsOf(run: CliRun, outDir: string): Record<string, string> {
  const files = filesUnder(outDir);
  return { stdout: run.stdout, stderr: run.stderr, ...Object.fromEntries(files.map((f) => [f, readFileSync(f, 'latin1')])) };
}

test('an ACL user with --password-env: the run works and the password is nowhere in its outputs', { timeout: 30_000 }, async () => {
  const outDir = join(bench.outDir, 'ok');
  const run = await runCli(runArgs('bench', outDir, ['--chaos', 'kill-subscribers@500ms']), { PB_TEST_PASSWORD: PASSWORD });
  assert.equal(run.code, 0, run.stderr);
  const outputs = outputsOf(run, outDir);
  const resultFile = Object.keys(outputs).find((f) => f.endsWith('result.json'));
  assert.ok(resultFile && Object.keys(outputs).some((f) => f.endsWith('report.html')), 'result.json and report.html were written');
  const result = JSON.parse(outputs[resultFile]) as RunResult;
  assert.equal(result.target.urls[0], `redis://bench:***@127.0.0.1:${bench.server.nodes[0].port}`);
  assert.ok((result.server?.samples.length ?? 0) > 0, 'telemetry connected with the same credentials');
  assert.equal(result.chaos?.[0].outcome, 'killed 3 subscriber connection(s)');
  assertNoSecret(outputs, [PASSWORD]);
});

test('a user refused CLIENT LIST and CONFIG: telemetry says so and the run still passes', { timeout: 30_000 }, async () => {
  const outDir = join(bench.outDir, 'limited');
  const run = await runCli([...runArgs('limited', outDir), '--json'], { PB_TEST_PASSWORD: LIMITED_PASSWORD });
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as RunResult;
  assert.equal(result.summary.lost, 0);
  const samples = result.server?.samples ?? [];
  assert.ok(samples.length > 0 && samples.every((s) => s.harnessClients === undefined && s.pubsubLimit === undefined), 'INFO only');
  assert.ok(result.warnings.some((w) => /refused CLIENT LIST .*NOPERM.*output buffers are not sampled/.test(w)), result.warnings.join(' | '));
  assert.ok(result.warnings.some((w) => /refused CONFIG GET .*the output-buffer limit is unknown/.test(w)));
  assertNoSecret(outputsOf(run, outDir), [LIMITED_PASSWORD]);
});

test('a wrong password exits 3 and neither password shows up anywhere', { timeout: 30_000 }, async () => {
  const outDir = join(bench.outDir, 'wrong');
  const run = await runCli(runArgs('bench', outDir), { PB_TEST_PASSWORD: WRONG_PASSWORD });
  assert.equal(run.code, 3, `exit code, stderr: ${run.stderr}`);
  assert.match(run.stderr, /127\.0\.0\.1/, 'the message names the target');
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  assertNoSecret(outputsOf(run, outDir), [WRONG_PASSWORD, PASSWORD]);
});
