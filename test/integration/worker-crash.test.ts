/**
 * A worker thread that crashes mid-run (the documented test hook PUBSUB_BENCH_TEST_CRASH_WORKER throws an uncaught
 * error from a timer in that thread): the run still ends, names the crash with its error, logs its stack in
 * errors.log beside result.json, keeps the data of the other worker and what the crashed one reported before it
 * died, and the CLI exits 1 naming the worker — for a plain run and for any variant of a matrix.
 */
import { gatedExitCode } from '../../src/cli/commands/run-gates.js';
import { ExitCode } from '../../src/core/errors.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../src/core/result.js';
import { TEST_HOOKS_ARMED } from '../../src/core/test-hooks.js';
import { assertAccounting, runScenario, useServer, withEnv } from '../helpers/runs.js';
import { captureIo } from '../helpers/cli-io.js';
import { main } from '../../src/cli/main.js';

const bench = useServer('pb-crash');

// Two workers: worker 0 runs publisher 0 and subscribers 0, 2; worker 1 runs publisher 1 and subscribers 1, 3.
const scenario = {
  channels: { count: 2 },
  publishers: { count: 2, rate: 2000 },
  subscribers: [{ count: 4, channelsEach: 'all' }],
  duration: '3s',
  drainTimeout: '1s',
};

test('a crashed worker is named with its error and the other worker keeps its data', { timeout: 30_000 }, async () => {
  const started = Date.now();
  const { result: r, runDir } = await withEnv(
    { PUBSUB_BENCH_TEST_HOOKS: TEST_HOOKS_ARMED, PUBSUB_BENCH_TEST_CRASH_WORKER: '1@1200' },
    () => runScenario(bench.server.spec, bench.outDir, scenario),
  );
  assert.ok(Date.now() - started < 20_000, 'the run ended without waiting for the dead worker');
  const crash = r.warnings.find((w) => w.startsWith('internal error in worker 1 (it crashed):'));
  assert.ok(crash, `the crash is in the warnings: ${JSON.stringify(r.warnings)}`);
  assert.match(crash, /crashed on purpose after 1200 ms/, 'with the error it threw');
  const log = readFileSync(join(runDir, 'errors.log'), 'utf8');
  assert.match(log, /internal error in worker 1 \(the thread crashed\):\n.*crashed on purpose/, 'the stack is logged beside result.json');
  assert.match(log, /\n\s+at /, 'with its stack frames');
  assert.ok(r.warnings.some((w) => /Test hook PUBSUB_BENCH_TEST_CRASH_WORKER=1@1200 was in force/.test(w)), 'the hook is named');

  const [w0, w1] = r.workers;
  // The crash ends publishing about 1.2 s after the start (1000 msgs/s per publisher).
  assert.ok(w0.counters.published > 800, `worker 0 published ${w0.counters.published} and kept it`);
  assert.ok(w0.counters.deliveredMeasured > 0, 'worker 0 deliveries kept');
  assert.ok(w1.counters.published > 0, 'what worker 1 reported before it died is kept');
  assertAccounting(r);
  assert.ok(r.summary.delivered > 0);

  const onDisk = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(onDisk.warnings, r.warnings, 'result.json holds the crash too');
  assert.equal(r.errors?.length, 1, 'the crash is a run error, so the CLI exits 1');
  assert.equal(gatedExitCode([r]), ExitCode.internal);
  assert.ok(existsSync(join(runDir, 'report.html')));
});

test('on the CLI a crashed worker exits 1 naming the worker and where its stack is', { timeout: 30_000 }, async () => {
  const cap = captureIo();
  const url = `redis://${bench.server.spec.nodes[0].host}:${bench.server.spec.nodes[0].port}`;
  const code = await withEnv({ PUBSUB_BENCH_TEST_HOOKS: TEST_HOOKS_ARMED, PUBSUB_BENCH_TEST_CRASH_WORKER: '0@800' }, () =>
    main(['run', 'fan-out', '--target', url, '--workers', '2', '--duration', '2s', '--warmup', '300ms', '--rate', '1000', '--out', bench.outDir], cap.io),
  );
  assert.equal(code, ExitCode.internal, cap.stderr());
  assert.match(cap.stderr(), /pubsub-bench: internal error in worker 0 \(it crashed\): test hook/);
  assert.match(cap.stderr(), /the stack is in .*errors\.log/);
});

test('a matrix whose variant had a crashed worker exits 1', { timeout: 40_000 }, async () => {
  const cap = captureIo();
  const url = `redis://${bench.server.spec.nodes[0].host}:${bench.server.spec.nodes[0].port}`;
  const code = await withEnv({ PUBSUB_BENCH_TEST_HOOKS: TEST_HOOKS_ARMED, PUBSUB_BENCH_TEST_CRASH_WORKER: '1@600' }, () =>
    main(['run', 'fan-out', '--target', url, '--workers', '2', '--matrix', 'publish-mode=await,auto', '--duration', '1500ms', '--warmup', '200ms', '--rate', '1000', '--out', bench.outDir], cap.io),
  );
  assert.equal(code, ExitCode.internal, cap.stderr());
  assert.match(cap.stderr(), /internal error in worker 1/);
});

test('the hooks stay inert unless armed, and a set hook is still named', { timeout: 30_000 }, async () => {
  const { result: r } = await withEnv({ PUBSUB_BENCH_TEST_CRASH_WORKER: '0@100' }, () =>
    runScenario(bench.server.spec, bench.outDir, { ...scenario, duration: '1s' }),
  );
  assert.ok(!r.warnings.some((w) => /crashed/.test(w)), 'no crash without PUBSUB_BENCH_TEST_HOOKS');
  assert.ok(r.warnings.some((w) => /PUBSUB_BENCH_TEST_CRASH_WORKER is set but was ignored/.test(w)));
  assert.equal(r.summary.lost, 0);
});
