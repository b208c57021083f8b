/**
 * A real run split into 3 segments: three CLI processes (`run --segment I/3 --run-id X`) against one local
 * redis-server, merged from their folders and from the results they stored in Redis. The merged run must add up like
 * a one-machine run: delivered + lost = expected, nothing lost, one latency per delivery, the target rate the whole
 * scenario's, and the delivery matrix summing to the deliveries. A segment killed mid-run leaves a set merge refuses
 * (naming it) unless --allow-partial, which marks the result partial and interrupted (exit 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError, type RunResult } from '../../src/core/index.js';
import { runMerge } from '../../src/cli/commands/merge.js';
import { captureIo } from '../helpers/cli-io.js';
import { assertMergedWhole, useServer } from '../helpers/runs.js';
import { barrierStartOf, spawnCli, type CliProcess } from '../helpers/cli-procs.js';

const bench = useServer('pb-merge-segments');
const N = 3;
const RATE = 3000;
const RUN_ID = `merge-it-${process.pid}`;

/** Starts one segment's CLI; `ended` resolves with its exit code and output. */
function startSegment(index: number, out: string, runId = RUN_ID, duration = '3s'): CliProcess {
  const node = bench.server.spec.nodes[0];
  return spawnCli([
    'run', 'fan-out', '--publishers', '3', '--subscribers', '6', '--rate', String(RATE), '--duration', duration, '--warmup', '500ms',
    '--workers', '1', '--target', `redis://${node.host}:${node.port}`, '--segment', `${index}/${N}`, '--run-id', runId, '--out', out, '--quiet',
  ]);
}

const segment = (index: number, out: string) => startSegment(index, out).ended;

const startOf = (runId: string, ms: number): Promise<number> => barrierStartOf(bench.server, bench.server.spec.nodes[0].port, runId, ms);

test('3 segment processes merged: the whole run adds up exactly', { timeout: 120_000 }, async () => {
  const out = path.join(bench.outDir, 'segments');
  const ends = await Promise.all(Array.from({ length: N }, (_, i) => segment(i, out)));
  for (const [i, e] of ends.entries()) assert.equal(e.code, ExitCode.ok, `segment ${i} exit ${e.code}:\n${e.stderr}`);

  const merged = path.join(bench.outDir, 'merged');
  const c = captureIo();
  assert.equal(await runMerge({ files: [out], out: merged, threshold: ['lost == 0'] }, c.io), ExitCode.ok, c.stdout() + c.stderr());
  const r = JSON.parse(readFileSync(path.join(merged, 'result.json'), 'utf8')) as RunResult;
  // Accounting, no loss, histogram count = delivered, segments 0–2, Σ of the segments' shares = the scenario's rate.
  assertMergedWhole(r, 3, RATE);
  assert.equal(r.segment, undefined);
  const matrixSum = (r.segments ?? []).reduce((n, s) => n + s.deliveredFromSegment.reduce((a, b) => a + b, 0), 0);
  assert.equal(matrixSum, r.summary.delivered, 'the delivery matrix sums to the deliveries');
  assert.deepEqual(r.segments?.map((s) => s.totals.lostOfItsMessages), [0, 0, 0]);
  assert.equal(r.thresholds?.passed, true);

  // The same run from the results the segments stored in Redis.
  const fromRedis = path.join(bench.outDir, 'merged-redis');
  const node = bench.server.spec.nodes[0];
  assert.equal(await runMerge({ fromRedis: `redis://${node.host}:${node.port}`, runId: RUN_ID, segments: String(N), out: fromRedis }, captureIo().io), ExitCode.ok);
  const again = JSON.parse(readFileSync(path.join(fromRedis, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(again.summary, r.summary);
});

test('a segment killed mid-run: merge names it (exit 2); --allow-partial merges the rest, partial and interrupted (exit 1)', { timeout: 150_000 }, async () => {
  const out = path.join(bench.outDir, 'killed');
  const runId = `merge-killed-${process.pid}`;
  const segs = Array.from({ length: N }, (_, i) => startSegment(i, out, runId, '60s'));
  // Into the measure phase (past the common start and 500 ms of warmup), then a kill that leaves no chance to say goodbye.
  const startUs = await startOf(runId, 90_000);
  await new Promise((r) => setTimeout(r, Math.max(0, startUs / 1000 - Date.now()) + 2500));
  segs[2].child.kill('SIGKILL');
  const ends = await Promise.all(segs.map((s) => s.ended));
  assert.equal(ends[2].code, null, 'segment 2 was killed');
  await assert.rejects(runMerge({ files: [out], out: path.join(bench.outDir, 'killed-merged') }, captureIo().io), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, new RegExp(`segment 2 of 3 \\(run ${runId}\\) is missing`));
    return true;
  });
  const merged = path.join(bench.outDir, 'killed-partial');
  const c = captureIo();
  assert.equal(await runMerge({ files: [out], out: merged, allowPartial: true }, c.io), ExitCode.internal, c.stdout());
  const r = JSON.parse(readFileSync(path.join(merged, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(r.missingSegments, [2]);
  assert.equal(r.interrupted, true);
  assert.ok(r.measureMs < 40_000, `stopped early: ${r.measureMs} ms`);
  assert.match(c.stdout(), /segment 2: MISSING/);
  assert.equal(r.summary.delivered + r.summary.lost, r.summary.expectedDeliveries);
});
