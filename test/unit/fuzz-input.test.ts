/**
 * Fuzzing the scenario loader and the flag parser (issue 6 item 7). The corpus is generated from a fixed seed, so a
 * failure reproduces exactly: the failing case's index and text are in the assertion message. Every case is
 * malformed BY CONSTRUCTION (each carries at least one defect that must be rejected), so each must end in a
 * UsageError / exit 2 — never another error, never a stack trace, never a hang, and never a started run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/core/errors.js';
import { BUILTINS } from '../../src/scenarios/builtins/index.js';
import { loadScenarioInput } from '../../src/scenarios/load.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { captureIo } from '../helpers/cli-io.js';

const SEED = 0x5eed2024;
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

/** mulberry32: small, fast, and the same sequence everywhere for one seed. */
function rng(seed: number): { int: (n: number) => number; pick: <T>(xs: readonly T[]) => T } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Values that are wrong for EVERY scenario field in PATHS (each one must be rejected wherever it lands). */
const ALWAYS_BAD: Json[] = [null, -1, -1e308, 1e308, 1.5e20, -0.5, '', [[[]]], { __proto__x: 1 }];
/** Field paths of a scenario (object keys and array indexes). */
const PATHS: Array<Array<string | number>> = [
  ['channels', 'count'], ['channels', 'naming'], ['channels', 'sharded'], ['publishers', 'count'], ['publishers', 'rate'],
  ['publishers', 'messageBytes'], ['publishers', 'mode'], ['publishers', 'batch'], ['publishers', 'maxInFlight'],
  ['publishers', 'channelsEach'], ['subscribers', 0, 'count'], ['subscribers', 0, 'channelsEach'], ['subscribers', 0, 'patterns'],
  ['warmup'], ['duration'], ['drainTimeout'], ['seed'], ['name'], ['channels'], ['publishers'], ['subscribers'], ['subscribers', 0],
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'publisher', 'Publishers', 'x'.repeat(300), '\u0000'];

/** Any value, possibly valid, possibly deep: noise around the guaranteed defect. */
function noise(r: ReturnType<typeof rng>, depth = 0): Json {
  switch (r.int(depth > 3 ? 4 : 7)) {
    case 0: return r.int(2) === 0;
    case 1: return r.pick([0, 1, 7, 64, 1000, -3, 2 ** 53, 0.25]);
    case 2: return r.pick(['all', 'max', 'await', '10s', 'user.*', '{i}', '{mod:a|b}', 'x', 'NaN', '\u0000\u0001\u00ff', '🙂'.repeat(50), '１２', '0x10', '1e999']);
    case 3: return null;
    case 4: return Array.from({ length: r.int(4) }, () => noise(r, depth + 1));
    case 5: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(HOSTILE_KEYS), noise(r, depth + 1)]));
    default: { let v: Json = 1; for (let i = r.int(2000); i > 0; i--) v = [v]; return v; }
  }
}

/** Sets `value` at `path` inside `root`, creating objects/arrays on the way (replacing what does not fit). */
function setPath(root: { [k: string]: Json }, path: Array<string | number>, value: Json): void {
  let node: Json = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const container = node as Record<string | number, Json>;
    const child = container[key];
    if (child === null || typeof child !== 'object') container[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = container[key];
  }
  (node as Record<string | number, Json>)[path[path.length - 1]] = value;
}

/** One malformed scenario object: a built-in with one always-bad value, plus random noise. */
function malformedScenario(r: ReturnType<typeof rng>): unknown {
  const s = structuredClone(r.pick(BUILTINS).input) as { [k: string]: Json };
  for (let i = r.int(3); i > 0; i--) setPath(s, r.pick(PATHS), noise(r));
  const defect = r.int(4);
  if (defect === 0) setPath(s, r.pick(PATHS), r.pick(ALWAYS_BAD));
  else if (defect === 1) Object.defineProperty(s, r.pick(HOSTILE_KEYS), { value: noise(r), enumerable: true });
  else if (defect === 2) setPath(s, ['publishers', r.pick(HOSTILE_KEYS)], noise(r));
  else setPath(s, r.pick(PATHS.filter((p) => p.length > 1)), r.pick(ALWAYS_BAD));
  return s;
}

/** One malformed file body: guaranteed invalid as text (truncated JSON, NUL bytes, bad UTF-8, tabs, empty, …). */
function malformedText(r: ReturnType<typeof rng>): { ext: string; body: Buffer } {
  const text = JSON.stringify(r.pick(BUILTINS).input);
  switch (r.int(7)) {
    case 0: return { ext: '.json', body: Buffer.from(text.slice(0, r.int(text.length - 1))) }; // any proper prefix of an object is invalid JSON
    case 1: { const b = Buffer.from(text); b[r.int(b.length)] = 0; return { ext: r.pick(['.json', '.yaml']), body: b }; }
    case 2: return { ext: r.pick(['.json', '.yml']), body: Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]) };
    case 3: return { ext: r.pick(['.json', '.yaml', '.yml']), body: Buffer.from(r.pick(['', '   \n\t\n', '\uFEFF', '\n\n'])) };
    case 4: return { ext: '.yaml', body: Buffer.from(`publishers:\n\tcount: ${r.int(9)}\n`) }; // tabs indent: invalid YAML
    case 5: return { ext: '.yaml', body: Buffer.from(`a: &a [1]\n${Array.from({ length: 1 + r.int(5) }, (_, i) => `k${i}: *missing${i}`).join('\n')}\n`) };
    default: return { ext: r.pick(['.json', '.yaml']), body: Buffer.from(r.pick(['[', '{"a":', '{"a": 1,,}', 'key: [unclosed', '- - - :\n  : :', '{"x": "\\u12"}'])) };
  }
}

/** Flag values that are wrong for that flag. */
const BAD_FLAGS: Array<[string, string[]]> = [
  ['--publishers', ['-1', 'abc', '1.5', '1e9', '']], ['--subscribers', ['-3', 'many', '0x10', '100001']],
  ['--channels', ['0', '-1', 'ten', '2000000']], ['--channels-per-subscriber', ['al', '-2', '1.5']],
  ['--message-size', ['8', '31', '1e12', 'big']], ['--rate', ['0', '-5', 'maxx', 'fast', '1e300']],
  ['--duration', ['forever', '-1s', '10 parsecs', '99999h']], ['--warmup', ['soon', '2d']], ['--drain-timeout', ['x', '-1']],
  ['--publish-mode', ['turbo', 'pipe', '']], ['--batch', ['0', '-1', 'x']], ['--max-in-flight', ['0', '1e7']],
  ['--seed', ['-1', 'abc', '1.5', '99999999999']], ['--workers', ['0', 'x', '1000', '-1']], ['--interval', ['1ms', 'x', '2h']],
  ['--connect-timeout', ['0', 'x']], ['--password-env', ['PB_FUZZ_UNSET', '1BAD']], ['--bogus-flag', ['1']],
];
const GOOD_FLAGS: Array<[string, string]> = [['--rate', '500'], ['--channels', '4'], ['--publishers', '2'], ['--duration', '1s'], ['--sharded', '']];

function malformedArgv(r: ReturnType<typeof rng>): string[] {
  const args = ['run'];
  if (r.int(3) === 0) args.push(r.pick(['fan-out', 'chat', 'event-bus', 'notifications']));
  for (let i = r.int(3); i > 0; i--) {
    const [flag, value] = r.pick(GOOD_FLAGS);
    args.push(flag, ...(value ? [value] : []));
  }
  for (let i = 1 + r.int(3); i > 0; i--) {
    const [flag, values] = r.pick(BAD_FLAGS);
    args.push(flag, r.pick(values));
  }
  return args;
}

describe(`fuzzed scenario input and flags (seed ${SEED.toString(16)})`, { timeout: 120_000 }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pubsub-bench-fuzz-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('400 malformed scenario objects are each rejected with a UsageError', () => {
    const r = rng(SEED);
    for (let i = 0; i < 400; i++) {
      const input = malformedScenario(r);
      const t0 = performance.now();
      assert.throws(() => resolveScenario(input, `case-${i}`), (err: unknown) => {
        assert.ok(err instanceof UsageError, `case ${i}: ${String(err)}`);
        assert.ok(err.problems.length > 0 && err.problems.every((p) => p.field && p.message), `case ${i}: problems named`);
        return true;
      }, `case ${i} was accepted: ${JSON.stringify(input).slice(0, 400)}`);
      assert.ok(performance.now() - t0 < 2000, `case ${i} took too long`);
    }
  });

  test('250 malformed files are each rejected by the loader with the file named', async () => {
    const r = rng(SEED + 1);
    for (let i = 0; i < 250; i++) {
      const { ext, body } = malformedText(r);
      const path = join(dir, `case-${i}${ext}`);
      await writeFile(path, body);
      await assert.rejects(loadScenarioInput(path), (err: unknown) => {
        assert.ok(err instanceof UsageError, `case ${i} (${JSON.stringify(body.toString('latin1'))}): ${String(err)}`);
        assert.ok(err.message.includes(path), `case ${i}: names the file`);
        return true;
      }, `case ${i} loaded: ${JSON.stringify(body.toString('latin1'))}`);
    }
  });

  test('unreadable and special paths never hang', async () => {
    const folder = join(dir, 'folder.json');
    await mkdir(folder);
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const dangling = join(dir, 'dangling.json');
    await symlink(join(dir, 'nowhere.json'), dangling);
    const device = join(dir, 'zero.json');
    await symlink('/dev/zero', device);
    const big = join(dir, 'big.json');
    await writeFile(big, `{"description": "${'x'.repeat(2 * 1024 * 1024)}"}`);
    const yamlBomb = join(dir, 'bomb.yaml');
    await writeFile(yamlBomb, `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 10 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*l${i}`).join(',')}]`).join('\n')}\n`);
    for (const path of [folder, fifo, dangling, device, big, join(dir, 'case-0.json', 'x.json'), '/nonexistent/x.yaml', yamlBomb]) {
      await assert.rejects(loadScenarioInput(path), UsageError, path);
    }
    const valid = join(dir, 'valid.yaml');
    await writeFile(valid, stringify({ publishers: { count: 2 }, duration: '3s' }));
    const loaded = await loadScenarioInput(valid);
    assert.equal(resolveScenario(loaded.input, loaded.source).durationMs, 3000, 'a good file still loads');
  });

  test('200 malformed command lines each exit 2 with no stack trace', async () => {
    const r = rng(SEED + 2);
    // 200, not more: yargs renders the whole help text on every command run (~40 ms a case).
    for (let i = 0; i < 200; i++) {
      const argv = malformedArgv(r);
      const c = captureIo({});
      const code = await main(argv, c.io);
      assert.equal(code, 2, `case ${i}: pubsub-bench ${argv.join(' ')}\n${c.stderr()}`);
      assert.doesNotMatch(c.stderr(), STACK_LINE, `case ${i}: stack trace`);
      assert.match(c.stderr(), /hint:/, `case ${i}: hint`);
    }
  });
});
