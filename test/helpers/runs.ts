/**
 * What the reliability tests share: a server and output folder per test file, running a scenario through the
 * coordinator, the accounting invariants every run must keep whatever went wrong, and temporarily set environment
 * variables (test hooks).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { runBenchmark, type RunOutcome } from '../../src/coordinator/index.js';
import type { RunRequest } from '../../src/core/run.js';
import type { RunResult } from '../../src/core/result.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import type { TargetSpec } from '../../src/core/target.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import type { LocalRedisOptions, LocalTargetDetails } from '../../src/targets/local.js';
import { startServer } from './redis.js';

/** Runs a raw scenario input (short warmup and drain unless given) against `target` (null: a local server). */
export function runScenario(
  target: TargetSpec | null, outDir: string, input: Record<string, unknown>, extra: Partial<RunRequest> = {},
): Promise<RunOutcome> {
  const scenario = resolveScenario({ name: 'reliability', warmup: '300ms', drainTimeout: '2s', ...input }, 'test');
  return runBenchmark({ scenario, target, workers: 2, outDir, intervalMs: 250, ...extra });
}

/** delivered + lost = expected, never more deliveries than expected, one latency per delivery. */
export function assertAccounting(r: RunResult): void {
  const s = r.summary;
  assert.equal(s.delivered + s.lost, s.expectedDeliveries, 'delivered + lost = expected');
  assert.ok(s.delivered <= s.expectedDeliveries, 'never more deliveries than expected');
  assert.equal(s.latencyUs.endToEnd.count, s.delivered, 'one e2e latency per unique measured delivery');
}

/** Runs `fn` with `vars` set in process.env (worker threads started meanwhile inherit them), then restores it. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** What `useServer` gives a test file: its server and a scratch output folder, ready once `before` has run. */
export interface TestBench {
  server: LocalTargetDetails;
  outDir: string;
}

/**
 * Registers before/after hooks that start a local server (and a scratch output folder) for the test file and stop
 * it by pid afterwards; `setup` runs once the server is up. Read the fields inside tests, not at load time.
 */
export function useServer(
  prefix: string, opts: LocalRedisOptions = { kind: 'single' }, setup?: (server: LocalTargetDetails) => Promise<void>,
): TestBench {
  const bench = {} as TestBench;
  before(async () => {
    bench.server = await startServer(opts);
    bench.outDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    await setup?.(bench.server);
  });
  after(async () => {
    await bench.server?.stop();
    if (bench.outDir) rmSync(bench.outDir, { recursive: true, force: true });
  });
  return bench;
}

/**
 * A merged run of `segments` segments that adds up like a one-machine run: every segment present, delivered + lost =
 * expected with nothing lost, the whole-run e2e histogram holding one latency per delivery, the target rate the
 * scenario's `rate` and the publish rate within 10% of it.
 */
export function assertMergedWhole(r: RunResult, segments: number, rate: number): void {
  assert.deepEqual(r.segments?.map((s) => s.index), Array.from({ length: segments }, (_, i) => i));
  assertAccounting(r);
  assert.equal(r.summary.lost, 0);
  assert.ok(r.summary.delivered > 0);
  const h = decodeHistogram(r.histograms.endToEnd);
  try {
    assert.equal(h.totalCount, r.summary.delivered, 'merged e2e histogram count = delivered');
  } finally {
    h.destroy();
  }
  assert.equal(r.summary.targetRate, rate);
  assert.ok(Math.abs(r.summary.publishRate - rate) / rate < 0.1, `merged publish rate ${r.summary.publishRate} ≈ ${rate}`);
}
