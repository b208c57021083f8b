/**
 * The compiled CLI as child processes, for tests that run segments of a distributed run (and their merge) the way a
 * user does: each one its own Node process, its exit code, stdout and stderr kept, every wait bounded.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, segmentKeys, type RunResult } from '../../src/core/index.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { redisCli } from './redis.js';

/** bin/pubsub-bench.js of this checkout (dist/test/helpers/… → the package root). */
export const CLI = fileURLToPath(new URL('../../../bin/pubsub-bench.js', import.meta.url));

/** How a CLI process ended: its exit code (null when killed by a signal) and what it wrote. */
export interface CliExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A started CLI process; `ended` resolves when it exits. */
export interface CliProcess {
  child: ChildProcess;
  ended: Promise<CliExit>;
}

/** Starts `pubsub-bench ARGS…` with `env` added to this process's environment. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, ended: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}

/** Waits for every process, SIGKILLing those still running after `ms` (they then end with code null and fail their checks). */
export async function allEnded(procs: readonly CliProcess[], ms: number): Promise<CliExit[]> {
  const timer = setTimeout(() => procs.forEach((p) => p.child.kill('SIGKILL')), ms);
  try {
    return await Promise.all(procs.map((p) => p.ended));
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one CLI command to its end (bounded by `ms`). */
export async function runCli(args: readonly string[], ms: number, env: Record<string, string> = {}): Promise<CliExit> {
  return (await allEnded([spawnCli(args, env)], ms))[0];
}

/** Runs `pubsub-bench merge ARGS… --out OUT -q`, fails unless it exits 0, and returns the merged result.json. */
export async function mergeWithCli(args: readonly string[], out: string, ms = 60_000): Promise<RunResult> {
  const merge = await runCli(['merge', ...args, '--out', out, '-q'], ms);
  assert.equal(merge.code, ExitCode.ok, `merge ${args.join(' ')}:\n${merge.stdout}${merge.stderr}`);
  return JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
}

/**
 * Polls the server at `port` until run `runId`'s start key is set (every segment passed the start barrier); returns
 * the common start, epoch µs. Fails after `ms`.
 */
export async function barrierStartOf(server: LocalTargetDetails, port: number, runId: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const start = (await redisCli(server, port, 'GET', segmentKeys.start(runId))).trim();
    if (start !== '') return Number(start);
    await new Promise((r) => setTimeout(r, 200));
  }
  return assert.fail(`run ${runId} never passed its start barrier`);
}
