/**
 * `run --repeat N` on a real server records the series' noise in every result.json, prints the noise table, writes it
 * to JUnit system-out, and a baseline comparison of the series against itself is within noise with an MDC per metric.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/index.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { useServer } from '../helpers/runs.js';

const bench = useServer('pb-repeat-noise');
const target = (): string => `redis://${bench.server.spec.nodes[0].host}:${bench.server.spec.nodes[0].port}`;
const SHORT = ['--duration', '1s', '--warmup', '200ms', '--rate', '1000', '--subscribers', '2'];

function results(dir: string): RunResult[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.endsWith('fan-out'))
    .map((d) => JSON.parse(readFileSync(join(dir, d.name, 'result.json'), 'utf8')) as RunResult);
}

test('--repeat 3: the noise table in the terminal, every result.json and JUnit; --baseline says within noise', { timeout: 120_000 }, async () => {
  const out = join(bench.outDir, 'series');
  const junit = join(bench.outDir, 'junit.xml');
  const cap = captureIo();
  const code = await main(['run', 'fan-out', '--target', target(), ...SHORT, '--repeat', '3', '--junit', junit, '--out', out], cap.io);
  assert.equal(code, 0, cap.stderr());
  assert.match(cap.stdout(), /Noise over 3 runs[\s\S]*e2e\.p99[\s\S]*MDC: the smallest change/);
  const runs = results(out);
  assert.equal(runs.length, 3);
  for (const r of runs) {
    assert.equal(r.noise?.runs, 3);
    assert.deepEqual(r.noise, runs[0].noise, 'the same noise object in every run of the series');
  }
  const p99 = runs[0].noise!.metrics.find((m) => m.metric === 'e2e.p99')!;
  assert.equal(p99.n, 3);
  assert.ok(p99.min <= p99.median && p99.median <= p99.max);
  assert.ok(p99.mdc !== null && p99.mdc >= 0);
  assert.match(readFileSync(junit, 'utf8'), /<system-out>Noise over 3 runs/);

  const again = captureIo();
  const files = readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.endsWith('fan-out'))
    .flatMap((d) => ['--baseline', join(out, d.name, 'result.json')]);
  const compared = await main(['run', 'fan-out', '--target', target(), ...SHORT, '--repeat', '2', ...files, '--max-regression', '1000%', '--out', join(bench.outDir, 'again')], again.io);
  assert.equal(compared, 0, again.stderr());
  const last = results(join(bench.outDir, 'again'))[0];
  const check = last.baseline!.checks.find((c) => c.metric === 'e2e.p50')!;
  assert.ok(check.mdc !== undefined, 'an MDC with two runs or more a side');
  assert.match(check.note, /(within|beyond) noise \(MDC/);
  assert.match(again.stdout(), /e2e\.p50: baseline .* — (within|beyond) noise \(MDC/);

  // --baseline-stat min: the best run of each side, end to end; result.json's checks say which statistic judged.
  const byMin = captureIo();
  const minOut = join(bench.outDir, 'by-min');
  const code3 = await main(['run', 'fan-out', '--target', target(), ...SHORT, '--repeat', '3', ...files, '--baseline-stat', 'min', '--max-regression', '1000%', '--out', minOut], byMin.io);
  assert.equal(code3, 0, byMin.stderr());
  const judged = results(minOut);
  assert.equal(judged.length, 3);
  const cmp = judged[0].baseline!;
  assert.equal(cmp.stat, 'min');
  assert.equal(cmp.checks.find((c) => c.metric === 'e2e.p99')!.statistic, 'min');
  assert.equal(cmp.checks.find((c) => c.metric === 'deliveryRate')!.statistic, 'max');
  const p50 = cmp.checks.find((c) => c.metric === 'e2e.p50')!;
  assert.equal(p50.pValue, null);
  assert.equal(p50.verdict, 'within-tolerance', p50.note);
  assert.match(p50.note, /min of 3 current run\(s\) .* vs min of 3 baseline run\(s\)/);
  assert.equal(typeof p50.confirmed?.current, 'boolean', 'the min rule says whether each best run is confirmed');

  // --repeat-max: one run leaves the gated metric's best run unconfirmed, so a second run is made; bytes per delivery
  // are fixed by the scenario (two runs agree within 0.1%), so the second confirms it and no third follows.
  const more = captureIo();
  const moreOut = join(bench.outDir, 'repeat-max');
  const code4 = await main(['run', 'fan-out', '--target', target(), ...SHORT, '--repeat', '1', '--repeat-max', '4', ...files, '--baseline-stat', 'min',
    '--max-regression', '1000%,server.bytesPerDelivery=5%', '--out', moreOut], more.io);
  assert.equal(code4, 0, more.stderr());
  assert.match(more.stderr(), /run 2 \(up to 4\): the best run of server\.bytesPerDelivery is not yet confirmed within 5%/);
  const extended = results(moreOut);
  assert.equal(extended.length, 2, more.stderr());
  const bytes = extended[0].baseline!.checks.find((c) => c.metric === 'server.bytesPerDelivery')!;
  assert.deepEqual(bytes.confirmed, { current: true, baseline: true }, bytes.note);
  assert.match(bytes.note, /Both best runs are confirmed by a second run within 5%/);
});
