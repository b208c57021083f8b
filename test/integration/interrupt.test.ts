/**
 * Ctrl-C and SIGTERM on the real CLI with its own throwaway redis-server (no --target): the run stops, drains
 * briefly, writes result.json and report.html marked interrupted, exits 130 / 143, and leaves no process behind —
 * for a plain run and for each multi-run command (run --repeat, run --matrix, capacity).
 * The CLI's child processes are listed by parent pid while it runs (never looked up by name) and each one must be
 * gone after it exits.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../src/core/result.js';
import { isAlive } from '../../src/targets/process.js';

const CLI = fileURLToPath(new URL('../../../bin/pubsub-bench.js', import.meta.url));
let outDir: string;

before(() => {
  outDir = mkdtempSync(join(tmpdir(), 'pb-interrupt-'));
});

after(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Pids whose parent is `parent` (from /proc/<pid>/stat: the field after the parenthesised command name). */
function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** The program a pid runs: its command line, else (a title being rewritten, say) the executable it runs. */
function commandOf(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return cmd !== '' ? cmd : readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

const RUN_ARGS = ['fan-out', '--duration', '30s', '--warmup', '500ms', '--subscribers', '4', '--rate', '2000'];

/** The progress line shows the measure phase (commands without a progress line: `measuring` says when). */
const showsMeasure = (stderr: string): boolean => stderr.includes('[measure');

/** Runs the CLI with `args`, signals it ~2 s into the first measure phase, and returns how it ended. */
async function interruptRun(
  sig: 'SIGINT' | 'SIGTERM', args = ['run', ...RUN_ARGS], name: string = sig, measuring: (stderr: string, sinceStartMs: number) => boolean = showsMeasure,
): Promise<{ code: number | null; stderr: string; children: Map<number, string>; runDir: string }> {
  const out = join(outDir, name);
  const child = spawn(process.execPath, [CLI, ...args, '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const children = new Map<number, string>();
  const deadline = Date.now() + 15_000;
  let measuringSince = 0;
  // Record every child while the run goes on; signal ~2 s into the measure phase (about 3 s after the start).
  while (Date.now() < deadline) {
    // A child caught between fork and exec still shows the parent's program (or nothing): keep the newest reading.
    for (const pid of childrenOf(child.pid!)) {
      const cmd = commandOf(pid);
      if (cmd !== '' || !children.has(pid)) children.set(pid, cmd);
    }
    if (measuringSince === 0 && measuring(stderr, Date.now() - (deadline - 15_000))) measuringSince = Date.now();
    if (measuringSince > 0 && Date.now() - measuringSince > 2000) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(measuringSince > 0, `the run reached the measure phase; stderr:\n${stderr}`);
  const signalledAt = Date.now();
  child.kill(sig);
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000).unref())]);
  if (code === 'hung') {
    child.kill('SIGKILL');
    assert.fail(`the CLI did not exit within 15 s of ${sig}`);
  }
  assert.ok(Date.now() - signalledAt < 10_000, 'stopped promptly');
  // Folders only: the run history beside them (index.html, index.json, latest, latest.txt) is not a run.
  const runs = readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.equal(runs.length, 1, `one run (or series) folder: ${readdirSync(out).join(', ')}`);
  return { code, stderr, children, runDir: join(out, runs[0]) };
}

/** The throwaway redis-server was among the CLI's children, and no child outlived it. */
function assertNoneLeft(children: Map<number, string>): void {
  // redis-server rewrites its title to "/usr/bin/redis-server 127.0.0.1:PORT".
  const servers = [...children].filter(([, cmd]) => cmd.split(' ')[0].endsWith('redis-server'));
  assert.equal(servers.length, 1, `the CLI started its own redis-server (children: ${JSON.stringify([...children])})`);
  for (const [pid, cmd] of children) assert.equal(isAlive(pid), false, `child ${pid} (${cmd}) is still running`);
}

for (const [sig, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${sig} mid-run: exit ${exitCode}, results written and marked interrupted, no server left`, { timeout: 40_000 }, async () => {
    const { code, stderr, children, runDir } = await interruptRun(sig);
    assert.equal(code, exitCode, stderr);
    assert.match(stderr, new RegExp(`${sig}: stopping publishers`));
    const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
    assert.equal(result.interrupted, true);
    assert.ok(result.measureMs > 1000 && result.measureMs < 10_000, `measured ${result.measureMs} ms of the 30 s`);
    assert.equal(result.summary.delivered + result.summary.lost, result.summary.expectedDeliveries);
    assert.ok(result.warnings.some((w) => /interrupted/.test(w)));
    assert.ok(existsSync(join(runDir, 'report.html')), 'report.html written');
    assertNoneLeft(children);
  });
}

// Every multi-run command goes through the series runner: one interrupt ends the run in progress, no further run
// starts, what ran is written, and the one local server of the series is stopped.
test('SIGINT during run --repeat 3: exit 130 after the first run, which is written and marked interrupted', { timeout: 40_000 }, async () => {
  const { code, stderr, children, runDir } = await interruptRun('SIGINT', ['run', ...RUN_ARGS, '--repeat', '3'], 'repeat');
  assert.equal(code, 130, stderr);
  assert.match(stderr, /run 1 of 3/);
  assert.doesNotMatch(stderr, /run 2 of 3/, 'no further run started');
  assert.equal((JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult).interrupted, true);
  assertNoneLeft(children);
});

test('SIGINT during run --matrix: exit 130 in the first variant, the second never starts', { timeout: 40_000 }, async () => {
  const { code, stderr, children, runDir } = await interruptRun('SIGINT', ['run', ...RUN_ARGS, '--matrix', 'publish-mode=await,auto'], 'matrix');
  assert.equal(code, 130, stderr);
  assert.match(runDir, /-matrix$/);
  assert.match(stderr, /variant 1\/2/);
  assert.doesNotMatch(stderr, /variant 2\/2/);
  const variants = readdirSync(runDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.equal(variants.length, 1, `one variant folder: ${readdirSync(runDir).join(', ')}`);
  assert.equal((JSON.parse(readFileSync(join(runDir, variants[0], 'result.json'), 'utf8')) as RunResult).interrupted, true);
  assertNoneLeft(children);
});

test('SIGTERM during capacity: exit 143, capacity.json written with the search marked interrupted', { timeout: 40_000 }, async () => {
  const args = ['capacity', 'fan-out', '--slo', 'e2e.p99 < 10s', '--duration', '30s', '--warmup', '500ms', '--subscribers', '4', '--start-rate', '1000'];
  // capacity has no progress line: its first step measures from about 1.5 s after the start (server, warmup).
  const { code, stderr, children, runDir } = await interruptRun('SIGTERM', args, 'capacity', (_err, sinceMs) => sinceMs > 1500);
  assert.equal(code, 143, stderr);
  assert.match(runDir, /-capacity$/);
  const report = JSON.parse(readFileSync(join(runDir, 'capacity.json'), 'utf8')) as { rows: Array<{ result: { limitedBy: string; steps: unknown[] } }> };
  assert.equal(report.rows[0].result.limitedBy, 'interrupted');
  assert.equal(report.rows[0].result.steps.length, 1, 'no step after the interrupted one');
  assertNoneLeft(children);
});
