/**
 * CLI habits of issue 14: shell completion, short flags, did-you-mean for flags and commands, colour decisions,
 * and lazy loading (what `--version` and `--help` import; measured in `npm run bench -- --only startup`).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { main } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { RUN_SHORT_FLAGS, runCommandModule } from '../../src/cli/commands/run-command.js';
import { RUN_OPTIONS, type RunArgs } from '../../src/cli/commands/run-options.js';
import { buildRunRequest } from '../../src/cli/commands/run.js';
import { suggestForUnknown } from '../../src/cli/did-you-mean.js';
import { canRewriteLine, colorEnabled, type CliIo } from '../../src/cli/io.js';
import { captureIo } from '../helpers/cli-io.js';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo(env);
  const code = await main(args, c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

/** yargs decides bash or zsh from the process's own SHELL. */
async function withShell<T>(shell: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SHELL;
  if (shell === undefined) delete process.env.SHELL;
  else process.env.SHELL = shell;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SHELL;
    else process.env.SHELL = saved;
  }
}

describe('completion', () => {
  test('bash script by default, zsh when $SHELL is zsh', async () => {
    const bash = await withShell('/bin/bash', () => cli(['completion']));
    assert.equal(bash.code, 0, bash.err);
    assert.match(bash.out, /###-begin-pubsub-bench-completions-###/);
    assert.match(bash.out, /complete -o bashdefault -o default -F _pubsub-bench_yargs_completions pubsub-bench/);
    assert.match(bash.out, /pubsub-bench --get-yargs-completions/);
    const zsh = await withShell('/usr/bin/zsh', () => cli(['completion']));
    assert.match(zsh.out, /^#compdef pubsub-bench/);
    assert.match(zsh.out, /compdef _pubsub-bench_yargs_completions pubsub-bench/);
  });

  test('completes every command, and the flags of a command', async () => {
    const commands = await withShell('/bin/bash', () => cli(['--get-yargs-completions', 'pubsub-bench', '']));
    for (const c of COMMANDS) assert.match(commands.out, new RegExp(`^${c.name}$`, 'm'), c.name);
    const flags = await withShell('/bin/bash', () => cli(['--get-yargs-completions', 'pubsub-bench', 'run', '--']));
    for (const f of ['--duration', '--rate', '--message-size', '--target', '--quiet', '--color', '--matrix', '--threshold']) {
      assert.match(flags.out, new RegExp(`^${f}$`, 'm'), f);
    }
  });
});

describe('short flags', () => {
  test('none clashes with another flag, an alias, -h or -q', () => {
    const taken = new Set(['h', 'q', ...Object.keys(RUN_OPTIONS)]);
    for (const [short, long] of Object.entries(RUN_SHORT_FLAGS)) {
      assert.ok(!taken.has(short), `-${short} is free`);
      assert.ok(long in RUN_OPTIONS, `--${long} is a run flag`);
      taken.add(short);
    }
  });

  test('-d -r -p -s -w -t -o reach the request like their long forms, with human numbers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pb-alias-'));
    try {
      let args: RunArgs | undefined;
      const module = runCommandModule(captureIo().io, () => {});
      await yargs(['run', 'fan-in', '-d', '2s', '-r', '5k', '-p', '3', '-s', '4', '-w', '1', '-t', 'redis://127.0.0.1:1', '-o', out, '--message-size', '1KiB'])
        .command({ ...module, handler: (a) => void (args = a as RunArgs) })
        .strict()
        .parseAsync();
      const built = await buildRunRequest(args!, {}, { stepSummary: false });
      const s = built.request.scenario;
      assert.equal(s.durationMs, 2000);
      assert.equal(s.publishers.rate, 5000);
      assert.equal(s.publishers.count, 3);
      assert.equal(s.subscribers[0].count, 4);
      assert.equal(s.publishers.messageBytes, 1024);
      assert.equal(built.request.workers, 1);
      assert.equal(built.request.outDir, out);
      assert.equal(built.request.target?.nodes[0].port, 1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('did you mean', () => {
  test('a misspelt flag names the flag meant; a misspelt command the command', async () => {
    const flag = await cli(['run', '--durtion', '1s']);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /Unknown argument: durtion/);
    assert.match(flag.err, /hint: did you mean --duration \(for --durtion\)\?/);
    const command = await cli(['rn']);
    assert.equal(command.code, 2);
    assert.match(command.err, /did you mean 'run' \(for 'rn'\)\?/);
    const capacity = await cli(['capacity', '--slos', 'lost == 0']);
    assert.match(capacity.err, /did you mean --slo/);
  });

  test('nothing near: no guess; a stray word after a command is not taken for a command', () => {
    assert.equal(suggestForUnknown('Unknown argument: zzzzzz', ['--zzzzzz'], ['duration', 'rate'], ['run'], true), undefined);
    assert.equal(suggestForUnknown('Unknown argument: rn', ['run', 'x', 'rn'], ['duration'], ['run'], true), undefined);
    assert.equal(suggestForUnknown('Not enough arguments', [], ['duration'], ['run'], false), undefined);
    assert.equal(
      suggestForUnknown('Unknown arguments: rat, workrs', ['run', '--rat=5', '--workrs', '2'], ['rate', 'workers', 'r'], ['run'], true),
      'did you mean --rate (for --rat)? did you mean --workers (for --workrs)?',
    );
  });
});

describe('colour', () => {
  const io = (env: NodeJS.ProcessEnv, tty: boolean, color?: boolean): CliIo => ({ ...captureIo(env).io, stdoutIsTTY: tty, stderrIsTTY: tty, color });
  const cases: Array<[string, CliIo, boolean]> = [
    ['a terminal', io({}, true), true],
    ['a pipe', io({}, false), false],
    ['NO_COLOR=1 on a terminal', io({ NO_COLOR: '1' }, true), false],
    ['NO_COLOR= (empty) on a terminal', io({ NO_COLOR: '' }, true), true],
    ['TERM=dumb on a terminal', io({ TERM: 'dumb' }, true), false],
    ['FORCE_COLOR=1 on a pipe', io({ FORCE_COLOR: '1' }, false), true],
    ['FORCE_COLOR=1 beats NO_COLOR', io({ FORCE_COLOR: '1', NO_COLOR: '1' }, false), true],
    ['FORCE_COLOR=0 on a terminal', io({ FORCE_COLOR: '0' }, true), false],
    ['--no-color beats FORCE_COLOR', io({ FORCE_COLOR: '1' }, true, false), false],
    ['--color on a pipe with NO_COLOR', io({ NO_COLOR: '1' }, false, true), true],
  ];
  for (const [name, given, want] of cases) test(name, () => assert.equal(colorEnabled(given), want));

  test('TERM=dumb gets plain progress lines, not a line rewritten with escape codes', () => {
    assert.equal(canRewriteLine(io({}, true)), true);
    assert.equal(canRewriteLine(io({ TERM: 'dumb' }, true)), false);
    assert.equal(canRewriteLine(io({}, false)), false);
  });
});

describe('lazy loading', () => {
  test('each command line in the list matches the loaded command', async () => {
    for (const entry of COMMANDS) {
      const loaded = await entry.load(captureIo().io, () => {});
      assert.equal(loaded.command, entry.command, entry.name);
      assert.equal(loaded.describe, entry.describe, entry.name);
    }
  });

  test('--version, --help and completion load no command, coordinator, report or Redis client; run --help no Redis client', { timeout: 60_000 }, () => {
    const mainJs = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
    const dir = mkdtempSync(join(tmpdir(), 'pb-lazy-'));
    try {
      // A resolve hook that lists every module the CLI imports.
      const hooks = join(dir, 'hooks.mjs');
      writeFileSync(hooks, "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n");
      const register = join(dir, 'register.mjs');
      writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
      const heavy = /\/(coordinator|reporting|workers|targets)\/|node_modules\/(ioredis|piscina|hdr-histogram-js|vega|vega-lite)\/|\/cli\/commands\/(run|report|compare|target|capacity)\.js/;
      // run --help needs run's flags (run-options, run-gates: they pull in parts of the reports), never Redis or threads.
      const heavyForRunHelp = /\/(workers|targets)\/|node_modules\/(ioredis|piscina|vega|vega-lite)\/|\/cli\/commands\/run\.js/;
      const cases: Array<[string[], RegExp]> = [[['--version'], heavy], [['--help'], heavy], [['completion'], heavy], [['run', '--help'], heavyForRunHelp]];
      for (const [args, pattern] of cases) {
        const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, mainJs, ...args], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
        assert.ok(loaded.some((u) => u.includes('/cli/main.js')), 'the hook saw the CLI load');
        assert.deepEqual(loaded.filter((u) => pattern.test(u)), [], `pubsub-bench ${args.join(' ')} loads only what it needs`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
