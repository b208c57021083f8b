/**
 * Ctrl-C and SIGTERM on the real CLI with its own throwaway redis-server (no --target): the run stops, drains
 * briefly, writes result.json and report.html marked interrupted, exits 130 / 143, and leaves no process behind.
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

async function interruptRun(sig: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stderr: string; children: Map<number, string>; runDir: string }> {
  const out = join(outDir, sig);
  const child = spawn(process.execPath, [CLI, 'run', 'fan-out', '--duration', '30s', '--warmup', '500ms', '--subscribers', '4', '--rate', '2000', '--out', out], {
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
    if (measuringSince === 0 && stderr.includes('[measure')) measuringSince = Date.now();
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
  const runs = readdirSync(out);
  assert.equal(runs.length, 1, 'one run folder');
  return { code, stderr, children, runDir: join(out, runs[0]) };
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

    // redis-server rewrites its title to "/usr/bin/redis-server 127.0.0.1:PORT".
    const servers = [...children].filter(([, cmd]) => cmd.split(' ')[0].endsWith('redis-server'));
    assert.equal(servers.length, 1, `the CLI started its own redis-server (children: ${JSON.stringify([...children])})`);
    for (const [pid, cmd] of children) assert.equal(isAlive(pid), false, `child ${pid} (${cmd}) is still running`);
  });
}
