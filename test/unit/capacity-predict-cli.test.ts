/**
 * `capacity --predict` with bad input: every case exits 2 with the field and a hint, before anything connects, and
 * a model fitted from saved data (no Redis needed) is printed and written as capacity.json + capacity.html.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCapacityCommand, type CapacityArgs } from '../../src/cli/commands/capacity.js';
import type { CostPoint } from '../../src/core/capacity-model.js';
import type { CapacityReport } from '../../src/core/result.js';
import { captureIo } from '../helpers/cli-io.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-predict-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: Partial<CapacityArgs> & Record<string, unknown>) {
  const c = captureIo();
  const code = await runCapacityCommand({ out: join(dir, 'out'), ...args } as CapacityArgs, c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

/** A saved run's result.json: the fixture without server cost, or with it. */
function savedRun(name: string, withCost: boolean): string {
  const r = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/await.json'), 'utf8'));
  if (withCost) r.summary.serverCost = { cpuUs: 400_000, netOutputBytes: 1_000_000, windowMs: 4000, nodes: [{ node: 'n', cpuUs: 400_000, netOutputBytes: 1_000_000 }], notes: [] };
  else delete r.summary.serverCost;
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'result.json'), JSON.stringify(r));
  return d;
}

test('an unknown shape exits 2 naming it, with a hint', async () => {
  const r = await run({ predict: 'no-such-shape', model: [savedRun('with-cost', true)] });
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /no-such-shape/);
  assert.match(r.err, /hint:/);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
});

test('a model file without server-cost data exits 2 saying so, with what to give instead', async () => {
  const r = await run({ predict: 'fan-out', model: [savedRun('no-cost', false)] });
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--model/);
  assert.match(r.err, /no server-cost data/);
  assert.match(r.err, /hint: .*leave --model out to calibrate/);
  const missing = await run({ predict: 'fan-out', model: [join(dir, 'nowhere')] });
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nowhere: no such file or folder/);
});

test('search-only flags, bad lists and a headroom of 100% are refused with --predict; --model without --predict too', async () => {
  const r = await run({ predict: 'fan-out', model: [savedRun('with-cost', true)], slo: ['lost == 0'], shards: '0,x', headroom: '100%' });
  assert.equal(r.code, 2);
  for (const field of ['--slo', '--shards', '--headroom']) assert.match(r.err, new RegExp(`${field}: `), field);
  const search = await run({ scenario: 'fan-out', slo: ['lost == 0'], model: ['x'] });
  assert.equal(search.code, 2);
  assert.match(search.err, /--model: is a flag of --predict/);
});

test('a model from saved runs of two shapes predicts, prints the table and writes capacity.json and capacity.html', async () => {
  // Two capacity searches' worth of steps, written as a capacity.json whose steps carry their cost points.
  const pt = (p: number, d: number, cpuPerPublish: number): CostPoint => ({
    source: 's', cpuUsPerS: 10_000 + cpuPerPublish * p, publishesPerS: p, deliveriesPerS: p * d, outputBytesPerS: p * d * 300, patternChecksPerS: 0, publishMode: 'await', windowMs: 4000,
  });
  const steps = [pt(1000, 20, 70), pt(2000, 20, 70), pt(4000, 20, 70), pt(1000, 1, 10.5), pt(3000, 1, 10.5), pt(6000, 1, 10.5)].map((costPoint, index) => ({
    index, phase: 'up', offeredRate: 1, achievedRate: 1, deliveryRate: 1, e2eP50Us: 1, e2eP99Us: 1, held: true, harnessBottleneck: false, reasons: [], outcomes: [], costPoint,
  }));
  const report = {
    schemaVersion: 1, startedAt: new Date().toISOString(), slo: ['lost == 0'],
    settings: { startRate: 1000, maxRate: 1e6, resolution: 0.05, minAchievedShare: 0.95, stepDurationMs: 4000, stepWarmupMs: 1000 }, target: null,
    rows: [{ label: 'x', scenario: {}, result: { kneeRate: 1, failedRate: 2, limitedBy: 'target', conclusion: '', steps } }],
  };
  const folder = join(dir, 'search');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'capacity.json'), JSON.stringify(report));
  const r = await run({ predict: 'fan-out', model: [folder], shards: '2', cores: '4', json: true });
  assert.equal(r.code, 0, r.err);
  const written = JSON.parse(r.out) as CapacityReport;
  const p = written.prediction!;
  // 20 deliveries cost 70 µs and 1 costs 10.5: 3.13 µs per delivery (with its bytes), 7.4 µs per publish.
  const thisServer = p.predictions.find((k) => k.target === 'this-server')!;
  assert.ok(Math.abs(thisServer.costPerMessageUs - (70 + 0.02)) < 1.5, `cost ${thisServer.costPerMessageUs}`);
  assert.ok(Math.abs(thisServer.rate! - (900_000 - 10_000) / thisServer.costPerMessageUs) < 1);
  assert.deepEqual(p.predictions.map((k) => k.target), ['this-server', 'cores', 'sharded', 'classic']);
  assert.ok(p.model.fitted.includes('delivery'), 'two shapes separate the delivery cost');
  const out = join(dir, 'out');
  const made = readdirSync(out).find((f) => f.endsWith('-prediction'))!;
  assert.ok(existsSync(join(out, made, 'capacity.html')));
  assert.match(readFileSync(join(out, made, 'capacity.html'), 'utf8'), /Predicted capacity/);
  assert.match(readFileSync(join(out, made, 'capacity.txt'), 'utf8'), /this server \(1 core\)/);
  // The written prediction is itself a model source: its points fit the same model again.
  const again = await run({ predict: 'fan-out', model: [join(out, made)], json: true });
  assert.equal(again.code, 0, again.err);
  assert.equal((JSON.parse(again.out) as CapacityReport).prediction!.model.points.length, 6);
});
