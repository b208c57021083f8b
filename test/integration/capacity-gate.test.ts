/**
 * The CI gate of `capacity` on a real, short search: two steps (500/s, then --max-rate 1000/s) against a local
 * redis-server, so the capacity found is at most 1k/s. A floor above it exits 99 with a failing JUnit testcase and
 * a ❌ step summary; a low floor exits 0. The output paths are probed before measuring, as `run` does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCapacityCommand, type CapacityArgs } from '../../src/cli/commands/capacity.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { captureIo } from '../helpers/cli-io.js';
import { startServer } from '../helpers/redis.js';

let server: LocalTargetDetails;
let dir: string;

const SCENARIO = {
  name: 'capacity-gate-it',
  channels: { count: 1, naming: 'capacity-gate-it.{i}' },
  publishers: { count: 1, rate: 500 },
  subscribers: [{ count: 1, channelsEach: 'all' }],
  drainTimeout: '2s',
};

before(async () => {
  server = await startServer({ kind: 'single' });
  dir = mkdtempSync(join(tmpdir(), 'pb-capacity-gate-'));
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(SCENARIO));
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The flags of a short search: an SLO lenient enough for a loaded CI machine; the gate, not the SLO, is tested. */
function searchArgs(name: string, minCapacity: string): CapacityArgs {
  const spec = server.spec;
  assert.equal(spec.kind, 'single');
  return {
    scenario: join(dir, 'scenario.json'), target: [`redis://127.0.0.1:${spec.nodes[0].port}`], workers: '1', out: join(dir, name),
    slo: ['lost == 0', 'e2e.p99 < 1s'], startRate: '500', maxRate: '1k', maxSteps: '3', duration: '1s', warmup: '300ms', interval: '250ms',
    json: true, minCapacity, junit: join(dir, name, 'ci', 'junit.xml'),
  };
}

test('a floor above what the search can reach exits 99, with a failing JUnit testcase and step summary', { timeout: 60_000 }, async () => {
  const summary = join(dir, 'summary.md');
  const cap = captureIo({ GITHUB_STEP_SUMMARY: summary });
  const code = await runCapacityCommand(searchArgs('high', '5k'), cap.io);
  const err = cap.stderr();
  assert.equal(code, 99, err);
  assert.match(err, /warning: --min-capacity 5k\/s is above --max-rate 1k\/s/, 'said before measuring');
  assert.match(err, /capacity gate failed: capacity-gate-it: capacity (1k|500)\/s is below the floor 5k\/s \(--min-capacity\)/);

  const xml = readFileSync(join(dir, 'high', 'ci', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="pubsub-bench" tests="1" failures="1" errors="0">/);
  assert.match(xml, /<testcase classname="pubsub-bench\.capacity" name="\[capacity-gate-it\] capacity ≥ 5k\/s">/);
  assert.match(xml, /<failure message="\[capacity-gate-it\] capacity ≥ 5k\/s failed: capacity (1k|500)\/s is below the floor/);
  assert.match(readFileSync(summary, 'utf8'), /^## pubsub-bench capacity — ❌ 1 of 1 searches failed/);
  // stdout stays the capacity.json alone (--json): the gate speaks on stderr and in the CI files.
  assert.equal(JSON.parse(cap.stdout()).rows[0].label, 'capacity-gate-it');
});

test('a floor the search reaches exits 0, and the JUnit testcase passes', { timeout: 60_000 }, async () => {
  const cap = captureIo();
  const code = await runCapacityCommand(searchArgs('low', '100'), cap.io);
  assert.equal(code, 0, cap.stderr());
  assert.match(cap.stderr(), /capacity gate passed: capacity-gate-it: capacity (1k|500)\/s ≥ floor 100\/s/);
  const xml = readFileSync(join(dir, 'low', 'ci', 'junit.xml'), 'utf8');
  assert.match(xml, /tests="1" failures="0"/);
  assert.match(xml, /name="\[capacity-gate-it\] capacity ≥ 100\/s">\n\s*<system-out>capacity (1k|500)\/s \(limited by/);
});
