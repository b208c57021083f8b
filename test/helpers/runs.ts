/**
 * What the reliability tests share: running a scenario through the coordinator against a server, the accounting
 * invariants every run must keep whatever went wrong, and temporarily set environment variables (test hooks).
 */
import assert from 'node:assert/strict';
import { runBenchmark, type RunOutcome } from '../../src/coordinator/index.js';
import type { RunRequest } from '../../src/core/run.js';
import type { RunResult } from '../../src/core/result.js';
import type { TargetSpec } from '../../src/core/target.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

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
