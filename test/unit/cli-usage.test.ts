import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { formatError, redact } from '../../src/cli/errors.js';
import { RUN_OPTIONS } from '../../src/cli/commands/run-options.js';
import { TargetError, UsageError } from '../../src/core/errors.js';
import { BUILTINS } from '../../src/scenarios/builtins/index.js';
import { captureIo } from '../helpers/cli-io.js';

/** Runs main and returns its exit code with the captured streams. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo(env);
  const code = await main(args, c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)|^\s+at .+:\d+:\d+$/m;

describe('CLI usage errors (exit 2, no stack trace)', { timeout: 30_000 }, () => {
  const cases: Array<[string[], RegExp[]]> = [
    [['run', '--bogus'], [/Unknown argument: bogus/, /run --help/]],
    [['run', '--rate', 'abc'], [/--rate/, /hint:/]],
    [['run', '--rate', 'maxx'], [/--rate/, /did you mean 'max'/]],
    [['run', 'nope'], [/nope/, /fan-out/, /notifications/]],
    [['run', 'fan-ot'], [/did you mean 'fan-out'/]],
    [['run', 'missing-file.yaml'], [/missing-file\.yaml/, /not found/]],
    [['run', '--publishers', '0', '--subscribers', '0'], [/no publishers and no subscribers/]],
    [['run', '--channels', '2', '--channels-per-subscriber', '3'], [/subscribers\[0\]\.channelsEach|--channels-per-subscriber/, /more than the 2 channels/]],
    [['run', '--sharded', '--patterns', 'a.*'], [/--patterns/, /sharded/]],
    [['run', '--message-size', '8'], [/--message-size/, /envelope/]],
    [['run', '--publish-mode', 'pipe'], [/--publish-mode/, /did you mean 'pipeline'/]],
    [['run', '--publish-mode', 'transaction'], [/--publish-mode/, /'multi'/]],
    [['run', '--client', 'natve'], [/--client/, /did you mean 'native'/]],
    [['run', '--matrix', 'client=native,hiredis'], [/--client/, /'ioredis'/]],
    [['run', '--duration', 'forever'], [/--duration/, /10s/]],
    [['run', '--workers', '0'], [/--workers/]],
    [['run', '--interval', '1h'], [/--interval/]],
    [['run', '--user', 'bench'], [/--user/, /only applies with --target/]],
    [['run', '--client-sharding'], [/--client-sharding/, /only applies with --target/]],
    [['run', '--target', '127.0.0.1:1', '--target', '127.0.0.1:2', '--client-sharding', '--sharded'], [/--client-sharding: cannot be combined with --sharded/]],
    [['run', '--target', 'redis://127.0.0.1:1', '--password-env', 'PB_TEST_UNSET'], [/--password-env/, /PB_TEST_UNSET is not set/]],
    [['run', '--target', 'http://example.com'], [/--target/]],
    [['run', '--rate', '5', '--rate', '6'], [/--rate/, /given 2 times/]],
    [['run', '--baseline-stat', 'median2', '--baseline', 'x.json'], [/--baseline-stat: "median2" is not a statistic/, /choose mean or min/]],
    [['run', '--baseline-stat', 'min'], [/--baseline-stat: only applies with --baseline/]],
    [['run', '--repeat-max', '5', '--baseline', 'x.json'], [/--repeat-max: only applies with --baseline-stat min/]],
    [['run', '--repeat', '4', '--repeat-max', '3', '--baseline-stat', 'min', '--baseline', 'x.json'], [/--repeat-max: expected a whole number from the --repeat count \(4\) to 100/]],
    [['run', 'a', 'b'], [/Unknown argument/]],
    [[], [/Name a command/]],
    [['frob'], [/frob/]],
    [['scenarios', '--bogus'], [/bogus/, /scenarios --help/]],
  ];
  for (const [args, patterns] of cases) {
    test(`pubsub-bench ${args.join(' ') || '(nothing)'}`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2, `exit code; stderr: ${r.err}`);
      for (const p of patterns) assert.match(r.err, p);
      assert.doesNotMatch(r.err, STACK_LINE, 'no stack trace');
      assert.equal(r.out, '', 'nothing on stdout');
    });
  }

  test('every problem is reported at once', async () => {
    const r = await cli(['run', '--rate', 'x', '--workers', 'y', '--duration', 'z', '--seed', '-1', '--out', '']);
    assert.equal(r.code, 2);
    for (const flag of ['--rate', '--workers', '--duration', '--seed', '--out']) assert.match(r.err, new RegExp(`- ${flag}:`));
  });

  test('--message-size 1GB suggests a size at or above the 32-byte minimum', async () => {
    const r = await cli(['run', '--message-size', '1GB']);
    assert.equal(r.code, 2);
    const hint = /--message-size:[^\n]*\n\s+hint: (.*)/.exec(r.err)?.[1] ?? '';
    // Whether 1GB is refused as unparseable or as too large, no suggested size may be below the minimum.
    const suggested = /e\.g\. --message-size (\d+)/.exec(hint)?.[1];
    assert.ok(suggested === undefined || Number(suggested) >= 32, `the hint suggests ${suggested}: ${hint}`);
    assert.doesNotMatch(r.err, /--message-size ([0-9]|[12][0-9]|3[01])\b/, 'no size below 32 bytes is suggested');
  });

  test('--rate 0 and --rate -5 never say "between 0 and …" (0 is not allowed)', async () => {
    for (const rate of ['0', '-5']) {
      const r = await cli(['run', '--rate', rate]);
      assert.equal(r.code, 2);
      assert.match(r.err, /--rate: .*must be above 0/);
      assert.doesNotMatch(r.err, /between 0 and/);
      assert.match(r.err, /--publishers\) to 0|'max'/);
    }
  });

  test('--publisher-password-env without --publisher-user, and fleet users without --target', async () => {
    const r = await cli(['run', '--target', 'redis://127.0.0.1:1', '--publisher-password-env', 'PB_PW', '--subscriber-password-env', 'PB_UNSET'], { PB_PW: 'pw-Fleet-1' });
    assert.equal(r.code, 2);
    assert.match(r.err, /--publisher-password-env: needs --publisher-user/);
    assert.match(r.err, /--subscriber-password-env: environment variable PB_UNSET is not set/);
    assert.doesNotMatch(r.err, /pw-Fleet-1/);
    const local = await cli(['run', '--subscriber-user', 'sub']);
    assert.match(local.err, /--subscriber-user: only applies with --target/);
  });

  test('a password never appears in an error', async () => {
    const r = await cli(['run', '--target', 'redis://u:s3cretPW@host:99999', '--password-env', 'PB_PW', '--workers', 'x'], { PB_PW: 'envSecret1' });
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.err, /s3cretPW|envSecret1/);
  });
});

describe('CLI help, version and scenarios', () => {
  test('run --help explains every flag with a default, and shows examples', async () => {
    const r = await cli(['run', '--help']);
    assert.equal(r.code, 0);
    for (const flag of Object.keys(RUN_OPTIONS)) {
      assert.match(r.out, new RegExp(`--${flag}\\b`), `--${flag} in help`);
      assert.ok(RUN_OPTIONS[flag].defaultDescription, `--${flag} has a default description`);
    }
    assert.match(r.out, /Examples:/);
    assert.match(r.out, /default: scenario \(fan-out: 20\)/);
    assert.match(r.out, /cores less one for the local redis-server/, '--workers default follows the cores');
    assert.match(r.out, /'multi' \(batches of --batch, each wrapped in MULTI … EXEC/);
    assert.match(r.out, /default: scenario \(fan-out: native\)/);
    assert.equal(r.err, '');
  });

  test('top-level and scenarios --help', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.out, /run \[scenario\]/);
    assert.match(top.out, /scenarios/);
    const sc = await cli(['scenarios', '--help']);
    assert.equal(sc.code, 0);
    assert.match(sc.out, /--json/);
  });

  test('--version prints the package version', async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.out.trim(), /^\d+\.\d+\.\d+/);
  });

  test('scenarios lists every built-in with its description and key numbers', async () => {
    const r = await cli(['scenarios']);
    assert.equal(r.code, 0);
    for (const b of BUILTINS) {
      assert.match(r.out, new RegExp(`^${b.name}\\*?\\s+${b.description.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    }
    assert.match(r.out, /msg\/s/);
    const j = await cli(['scenarios', '--json']);
    const list = JSON.parse(j.out) as Array<{ name: string; durationMs: number; default: boolean }>;
    assert.deepEqual(list.map((s) => s.name), BUILTINS.map((b) => b.name));
    assert.equal(list.filter((s) => s.default).length, 1);
  });
});

describe('formatError', () => {
  test('BenchErrors keep their message and exit code', () => {
    const u = formatError(new UsageError([{ field: 'x', message: 'bad', hint: 'fix' }]));
    assert.equal(u.exitCode, 2);
    assert.match(u.text, /x: bad/);
    assert.equal(formatError(new TargetError('cannot connect to redis://h:1')).exitCode, 3);
  });

  test('anything else is an internal error, stack only with PUBSUB_BENCH_DEBUG=1', () => {
    const plain = formatError(new TypeError('boom'), { env: {} });
    assert.equal(plain.exitCode, 1);
    assert.match(plain.text, /internal error: boom/);
    assert.doesNotMatch(plain.text, STACK_LINE);
    assert.match(formatError(new Error('boom'), { env: { PUBSUB_BENCH_DEBUG: '1' } }).text, STACK_LINE);
    assert.match(formatError('a string', { env: {} }).text, /internal error: a string/);
    assert.match(formatError(Object.create(null), { env: {} }).text, /internal error/);
  });

  test('secrets are blanked out', () => {
    assert.equal(redact('auth hunter2 failed for hunter2', ['hunter2', undefined]), 'auth *** failed for ***');
    assert.doesNotMatch(formatError(new Error('WRONGPASS pw=xyz'), { env: {}, secrets: ['xyz'] }).text, /xyz/);
  });
});
