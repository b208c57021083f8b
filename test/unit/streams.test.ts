/**
 * The streams transport without Redis: the reader's XREADGROUP fast path (RESP2 and RESP3 shapes, split at every
 * byte, a deleted pending entry, a BLOCK timeout), the XADD frame and its bulk reply, validation (patterns, sharded,
 * ioredis refused; the CLI exits 2 naming --transport), the permission needs and the pubsub-vs-streams built-in.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RespReader, type RespHandler, type RespValue } from '../../src/targets/resp/reader.js';
import { encodeCommand, xaddPrefix } from '../../src/targets/resp/encode.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { UsageError } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { findBuiltin } from '../../src/scenarios/builtins/index.js';
import { permissionNeeds } from '../../src/coordinator/preflight-acl.js';
import { planFleet } from '../../src/coordinator/plan.js';
import { streamKey, streamKeyPrefix } from '../../src/targets/stream-keys.js';
import { MATRIX_KEYS } from '../../src/scenarios/matrix.js';

type Call = string;

function recorder(): { calls: Call[]; handler: RespHandler } {
  const calls: Call[] = [];
  const text = (b: Buffer, s: number, e: number): string => b.toString('latin1', s, e);
  const handler: RespHandler = {
    onDelivery: () => calls.push('delivery'),
    onInteger: (n) => calls.push(`int ${n}`),
    onSimple: (b, s, e) => calls.push(`simple ${text(b, s, e)}`),
    onValue: (v: RespValue, push) => calls.push(`value ${JSON.stringify(v)}${push ? ' push' : ''}`),
    onBulk: (b, s, e) => calls.push(`bulk ${text(b, s, e)}`),
    onStreamKey: (b, s, e, n) => calls.push(`key ${text(b, s, e)} ${n}`),
    onStreamEntry: (b, is, ie, ps, pe) => calls.push(`entry ${text(b, is, ie)} ${ps < 0 ? '(deleted)' : text(b, ps, pe)}`),
    onStreamReply: (n) => calls.push(`reply ${n}`),
  };
  return { calls, handler };
}

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const entry = (id: string, payload: string | null): string =>
  `*2\r\n${bulk(id)}${payload === null ? '*-1\r\n' : `*2\r\n${bulk('m')}${bulk(payload)}`}`;

/** Two streams (one with a deleted pending entry), a BLOCK timeout, an XACK count and an XADD id. */
const RESP2 = Buffer.from(
  `*2\r\n*2\r\n${bulk('pb-stream:0000002a:a')}*2\r\n${entry('1-0', 'hello')}${entry('1-1', 'wor\r\nld')}`
  + `*2\r\n${bulk('pb-stream:0000002a:b')}*1\r\n${entry('2-0', null)}`
  + '*-1\r\n:3\r\n' + bulk('5-1'),
);
const RESP2_CALLS = [
  'key pb-stream:0000002a:a 2', 'entry 1-0 hello', 'entry 1-1 wor\r\nld', 'key pb-stream:0000002a:b 1', 'entry 2-0 (deleted)', 'reply 3',
  'reply 0', 'int 3', 'bulk 5-1',
];

function parseCut(bytes: Buffer, cuts: number[]): Call[] {
  const { calls, handler } = recorder();
  const reader = new RespReader(handler, { streams: true });
  let from = 0;
  for (const cut of cuts) {
    reader.feed(Buffer.from(bytes.subarray(from, cut)));
    from = cut;
  }
  reader.feed(Buffer.from(bytes.subarray(from)));
  return calls;
}

describe('the reader\'s stream fast path', () => {
  test('RESP2 XREADGROUP replies: ranges per stream and entry, a deleted entry, a nil timeout', () => {
    assert.deepEqual(parseCut(RESP2, []), RESP2_CALLS);
  });

  test('the same calls, once each, wherever the bytes are split (every offset, and every pair of offsets)', () => {
    for (let i = 1; i < RESP2.length; i++) assert.deepEqual(parseCut(RESP2, [i]), RESP2_CALLS, `cut at ${i}`);
    for (let i = 1; i < RESP2.length; i += 7) {
      for (let j = i + 1; j < RESP2.length; j += 5) assert.deepEqual(parseCut(RESP2, [i, j]), RESP2_CALLS, `cuts at ${i}, ${j}`);
    }
  });

  test('RESP3: a map of streams, and a null for a timeout', () => {
    const bytes = Buffer.from(`%1\r\n${bulk('k')}*1\r\n${entry('3-0', 'x')}_\r\n`);
    const { calls, handler } = recorder();
    new RespReader(handler, { streams: true }).feed(bytes);
    assert.deepEqual(calls, ['key k 1', 'entry 3-0 x', 'reply 1', 'value null']);
  });

  test('a reader without streams: true decodes the same reply on the slow path', () => {
    const { calls, handler } = recorder();
    new RespReader(handler).feed(Buffer.from(`*1\r\n*2\r\n${bulk('k')}*1\r\n${entry('3-0', 'x')}`));
    assert.deepEqual(calls, ['value [["k",[["3-0",["m","x"]]]]]']);
  });

  test('a nil bulk is still decoded (null), not taken for an incomplete frame', () => {
    const { calls, handler } = recorder();
    new RespReader(handler).feed(Buffer.from('$-1\r\n:1\r\n'));
    assert.deepEqual(calls, ['value null', 'int 1']);
  });
});

test('the XADD frame: prefix + payload + CRLF is XADD key MAXLEN ~ cap * m payload', () => {
  const key = Buffer.from('pb-stream:0000002a:room.1');
  const payload = Buffer.from('0123456789abcdef0123456789abcdef');
  const frame = Buffer.concat([xaddPrefix(key, 100_000, payload.length), payload, Buffer.from('\r\n')]);
  assert.deepEqual(frame, encodeCommand(['XADD', key, 'MAXLEN', '~', '100000', '*', 'm', payload]));
});

test('stream keys carry the run tag, so runs never share a stream', () => {
  assert.equal(streamKeyPrefix(0x2a), 'pb-stream:0000002a:');
  assert.equal(streamKey(0xdeadbeef, 'room.1'), 'pb-stream:deadbeef:room.1');
});

describe('validation', () => {
  const problems = (input: Record<string, unknown>): string[] => {
    try {
      resolveScenario(input, 'test');
    } catch (err) {
      assert.ok(err instanceof UsageError);
      return err.problems.map((p) => `${p.field}: ${p.message} (${p.hint ?? ''})`);
    }
    return [];
  };

  test('pub/sub is the default and leaves the scenario as it was (no transport key)', () => {
    const s = resolveScenario({}, 'test');
    assert.equal(s.transport, undefined);
    assert.equal(s.streamMaxLen, undefined);
    assert.equal(resolveScenario({ transport: 'pubsub', streamMaxLen: 5 }, 'test').streamMaxLen, undefined);
  });

  test('streams get the default cap, or the one given', () => {
    assert.deepEqual([resolveScenario({ transport: 'streams' }, 'test').streamMaxLen, resolveScenario({ transport: 'streams', streamMaxLen: 500 }, 'test').streamMaxLen], [100_000, 500]);
  });

  test('patterns, sharded channels, ioredis and a bad cap are refused with hints', () => {
    const p = problems({ transport: 'streams', subscribers: [{ count: 1, patterns: ['user.*'] }], channels: { sharded: false } });
    assert.equal(p.length, 1);
    assert.match(p[0], /^transport: streams cannot carry the pattern subscriptions of subscribers\[0\] \(user\.\*\) \(.*--transport pubsub/);
    assert.match(problems({ transport: 'streams', channels: { sharded: true } })[0], /^transport: streams cannot be combined with sharded pub\/sub/);
    assert.match(problems({ transport: 'streams', client: 'ioredis' })[0], /^transport: streams run on the native client only/);
    assert.match(problems({ transport: 'streams', streamMaxLen: 0 })[0], /^streamMaxLen: 0 is out of range/);
    assert.match(problems({ transport: 'stream' })[0], /^transport: expected one of 'pubsub', 'streams'.*did you mean 'streams'/);
  });

  test('the CLI: --transport streams with --patterns exits 2 naming --transport, before connecting anywhere', async () => {
    const cap = captureIo();
    const code = await main(['run', 'fan-out', '--transport', 'streams', '--patterns', 'user.*', '--target', 'redis://127.0.0.1:1'], cap.io);
    assert.equal(code, 2, cap.stderr());
    assert.match(cap.stderr(), /--transport: streams cannot carry the pattern subscriptions/);
    assert.match(cap.stderr(), /--transport pubsub/);
  });

  test('transport and stream-maxlen are matrix keys', () => {
    assert.equal(MATRIX_KEYS.transport, 'transport');
    assert.equal(MATRIX_KEYS['stream-maxlen'], 'streamMaxlen');
  });
});

test('permissions: streams need XADD for publishers and XGROUP CREATE, XREADGROUP, XACK for subscribers, on the run\'s keys', () => {
  const scenario = resolveScenario({ transport: 'streams', channels: { count: 2, naming: 'c.{i}' }, subscribers: [{ count: 2, channelsEach: 1 }] }, 'test');
  const needs = permissionNeeds(planFleet(scenario, 1), scenario, 7);
  const keys = [streamKey(7, 'c.0'), streamKey(7, 'c.1')];
  assert.deepEqual(needs.filter((n) => n.what === 'key').map((n) => [n.role, n.command, n.names]), [
    ['publisher', 'XADD', keys], ['subscriber', 'XGROUP CREATE', keys], ['subscriber', 'XREADGROUP', keys], ['subscriber', 'XACK', keys],
  ]);
  assert.ok(!needs.some((n) => /PUBLISH|SUBSCRIBE/.test(n.command)));
});

test('the pubsub-vs-streams built-in is a matrix over the transport with a subscriber kill, and resolves', () => {
  const b = findBuiltin('pubsub-vs-streams');
  assert.ok(b);
  assert.deepEqual(b.matrix, ['transport=pubsub,streams']);
  assert.deepEqual(b.chaos, ['kill-subscribers@3s']);
  const s = resolveScenario(structuredClone(b.input), 'built-in');
  assert.ok(s.durationMs > 3000, 'the kill falls inside the measure phase');
  assert.equal(resolveScenario({ ...structuredClone(b.input), transport: 'streams' }, 'built-in').transport, 'streams');
});
