/**
 * The streaming RESP2/RESP3 reader (src/targets/resp/reader.ts, issue 9): a corpus of frames with the exact handler
 * calls each must produce; then the same calls whatever the chunking (every frame and the whole stream split at
 * every byte offset, seeded random chunking, a 1 MiB payload in big and small chunks); then garbage, which must end
 * in a RespProtocolError thrown by feed() — never a hang or another kind of error — and a reader that parses a
 * fresh stream again after reset(). No Redis needed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RespError, RespProtocolError, RespReader, type RespHandler, type RespValue } from '../../src/targets/resp/reader.js';
import { seededRandom } from '../helpers/histograms.js';

// ---------------------------------------------------------------------------------------------------------------
// Recording handler: the buffers handed to onDelivery / onSimple are only valid during the call, so copy them.

type Call =
  | { k: 'delivery'; payload: Buffer; channel: Buffer; pattern: Buffer | null }
  | { k: 'integer'; n: number }
  | { k: 'simple'; bytes: Buffer }
  | { k: 'value'; value: RespValue; push: boolean };

function copy(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.subarray(start, end));
}

function recorder(): { calls: Call[]; handler: RespHandler } {
  const calls: Call[] = [];
  const handler: RespHandler = {
    onDelivery(buf, ps, pe, cs, ce, ts, te) {
      assert.ok(ps >= 0 && ps <= pe && pe <= buf.length, `payload offsets ${ps}..${pe} inside ${buf.length}`);
      assert.ok(cs >= 0 && cs <= ce && ce <= buf.length, `channel offsets ${cs}..${ce} inside ${buf.length}`);
      if (ts >= 0) assert.ok(ts <= te && te <= buf.length, `pattern offsets ${ts}..${te} inside ${buf.length}`);
      calls.push({ k: 'delivery', payload: copy(buf, ps, pe), channel: copy(buf, cs, ce), pattern: ts < 0 ? null : copy(buf, ts, te) });
    },
    onInteger(n) {
      calls.push({ k: 'integer', n });
    },
    onSimple(buf, start, end) {
      calls.push({ k: 'simple', bytes: copy(buf, start, end) });
    },
    onValue(value, push) {
      calls.push({ k: 'value', value, push });
    },
  };
  return { calls, handler };
}

/** Feeds `bytes` cut at the given offsets (ascending, inside (0, length)). */
function feedCut(reader: RespReader, bytes: Buffer, cuts: number[]): void {
  let from = 0;
  for (const cut of cuts) {
    reader.feed(bytes.subarray(from, cut));
    from = cut;
  }
  reader.feed(bytes.subarray(from));
}

/** Parses `bytes` (in chunks cut at `cuts`) with a fresh reader; returns the calls. */
function parse(bytes: Buffer, cuts: number[] = []): Call[] {
  const { calls, handler } = recorder();
  feedCut(new RespReader(handler), bytes, cuts);
  return calls;
}

/** Copies `bytes` into fresh, exactly-sized buffers per chunk (so no chunk can see its neighbours' bytes). */
function feedIsolated(reader: RespReader, bytes: Buffer, size: (i: number) => number): void {
  let i = 0;
  for (let from = 0; from < bytes.length; i++) {
    const to = Math.min(bytes.length, from + Math.max(1, size(i)));
    reader.feed(Buffer.from(bytes.subarray(from, to)));
    from = to;
  }
}

/** Whole numbers below n from the shared seeded generator: the same sequence everywhere for one seed. */
function prng(seed: number): (n: number) => number {
  const next = seededRandom(seed);
  return (n: number): number => Math.floor(next() * n);
}

// ---------------------------------------------------------------------------------------------------------------
// Frame builders and expectations.

const b = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
const bulk = (s: string | Buffer): Buffer => Buffer.concat([b(`$${b(s).length}\r\n`), b(s), b('\r\n')]);
const agg = (type: '*' | '>', parts: Array<string | Buffer>): Buffer =>
  Buffer.concat([b(`${type}${parts.length}\r\n`), ...parts.map((p) => bulk(p))]);

const delivery = (payload: string | Buffer, channel: string | Buffer, pattern: string | Buffer | null = null): Call => ({
  k: 'delivery',
  payload: b(payload),
  channel: b(channel),
  pattern: pattern === null ? null : b(pattern),
});
const integer = (n: number): Call => ({ k: 'integer', n });
const simple = (s: string): Call => ({ k: 'simple', bytes: b(s) });
const value = (v: RespValue, push = false): Call => ({ k: 'value', value: v, push });

interface Frame {
  name: string;
  bytes: Buffer;
  calls: Call[];
}

/** Every byte value, CRLF runs, and bytes that look like RESP: what a binary payload may hold. */
const BINARY = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  b('\r\n\r\n*3\r\n$7\r\nmessage\r\n\r\r\n\n$-1\r\n'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)),
]);
const CRLF_PAYLOAD = b('\r\nline one\r\nline two\r\n\r\n');

const CORPUS: Frame[] = [
  // RESP2 deliveries
  { name: 'RESP2 message', bytes: agg('*', ['message', 'chan', 'hello']), calls: [delivery('hello', 'chan')] },
  { name: 'RESP2 pmessage', bytes: agg('*', ['pmessage', 'ch*', 'ch.1', 'abc']), calls: [delivery('abc', 'ch.1', 'ch*')] },
  { name: 'RESP2 smessage', bytes: agg('*', ['smessage', '{s}.a', 'xy']), calls: [delivery('xy', '{s}.a')] },
  { name: 'RESP2 message, empty payload', bytes: agg('*', ['message', 'c', '']), calls: [delivery('', 'c')] },
  { name: 'RESP2 message, empty channel', bytes: agg('*', ['message', '', 'p']), calls: [delivery('p', '')] },
  { name: 'RESP2 message, CRLF in payload', bytes: agg('*', ['message', 'c', CRLF_PAYLOAD]), calls: [delivery(CRLF_PAYLOAD, 'c')] },
  { name: 'RESP2 message, binary payload', bytes: agg('*', ['message', 'bin', BINARY]), calls: [delivery(BINARY, 'bin')] },
  {
    name: 'RESP2 pmessage, binary pattern, channel and payload',
    bytes: agg('*', ['pmessage', b('p\r\n\x00*'), b('p\r\n\x00\xff'), BINARY]),
    calls: [delivery(BINARY, b('p\r\n\x00\xff'), b('p\r\n\x00*'))],
  },
  { name: 'RESP2 smessage, CRLF in payload', bytes: agg('*', ['smessage', 'sh', CRLF_PAYLOAD]), calls: [delivery(CRLF_PAYLOAD, 'sh')] },
  // RESP3 deliveries
  { name: 'RESP3 message push', bytes: agg('>', ['message', 'chan', 'hello']), calls: [delivery('hello', 'chan')] },
  { name: 'RESP3 pmessage push', bytes: agg('>', ['pmessage', 'n.*', 'n.7', 'payload']), calls: [delivery('payload', 'n.7', 'n.*')] },
  { name: 'RESP3 smessage push', bytes: agg('>', ['smessage', '{t}x', BINARY]), calls: [delivery(BINARY, '{t}x')] },
  // confirmations (slow path, decoded)
  { name: 'subscribe', bytes: b('*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n'), calls: [value(['subscribe', 'chan', 1])] },
  { name: 'psubscribe', bytes: b('*3\r\n$10\r\npsubscribe\r\n$3\r\nch*\r\n:2\r\n'), calls: [value(['psubscribe', 'ch*', 2])] },
  { name: 'ssubscribe', bytes: b('*3\r\n$10\r\nssubscribe\r\n$5\r\n{s}.a\r\n:1\r\n'), calls: [value(['ssubscribe', '{s}.a', 1])] },
  { name: 'unsubscribe', bytes: b('*3\r\n$11\r\nunsubscribe\r\n$4\r\nchan\r\n:0\r\n'), calls: [value(['unsubscribe', 'chan', 0])] },
  { name: 'unsubscribe with no channel', bytes: b('*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n'), calls: [value(['unsubscribe', null, 0])] },
  { name: 'sunsubscribe', bytes: b('*3\r\n$12\r\nsunsubscribe\r\n$5\r\n{s}.a\r\n:0\r\n'), calls: [value(['sunsubscribe', '{s}.a', 0])] },
  { name: 'RESP3 subscribe push', bytes: b('>3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n'), calls: [value(['subscribe', 'chan', 1], true)] },
  { name: 'RESP3 psubscribe push', bytes: b('>3\r\n$10\r\npsubscribe\r\n$2\r\na*\r\n:3\r\n'), calls: [value(['psubscribe', 'a*', 3], true)] },
  { name: 'RESP3 ssubscribe push', bytes: b('>3\r\n$10\r\nssubscribe\r\n$1\r\nq\r\n:1\r\n'), calls: [value(['ssubscribe', 'q', 1], true)] },
  { name: 'RESP3 sunsubscribe push', bytes: b('>3\r\n$12\r\nsunsubscribe\r\n$1\r\nq\r\n:0\r\n'), calls: [value(['sunsubscribe', 'q', 0], true)] },
  {
    name: 'RESP3 invalidate push',
    bytes: b('>2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n'),
    calls: [value(['invalidate', ['key']], true)],
  },
  // arrays of 3 / 4 that are not deliveries
  { name: 'message-like array with an integer payload', bytes: b('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n:5\r\n'), calls: [value(['message', 'ch', 5])] },
  { name: 'message-like array with a null payload', bytes: b('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$-1\r\n'), calls: [value(['message', 'ch', null])] },
  { name: 'array of 3 bulks, other kind', bytes: agg('*', ['unsubscribe', 'ch', 'x']), calls: [value(['unsubscribe', 'ch', 'x'])] },
  { name: 'array of 4 bulks, other kind', bytes: agg('*', ['ab', 'cd', 'ef', 'gh']), calls: [value(['ab', 'cd', 'ef', 'gh'])] },
  { name: 'array of 4 bulks, message kind (a message has 3)', bytes: agg('*', ['message', 'a', 'b', 'c']), calls: [value(['message', 'a', 'b', 'c'])] },
  { name: 'array of 3 bulks, pmessage kind (a pmessage has 4)', bytes: agg('*', ['pmessage', 'a', 'b']), calls: [value(['pmessage', 'a', 'b'])] },
  { name: 'array of 4 bulks, smessage kind (an smessage has 3)', bytes: agg('*', ['smessage', 'a', 'b', 'c']), calls: [value(['smessage', 'a', 'b', 'c'])] },
  // integers
  { name: 'integer 0', bytes: b(':0\r\n'), calls: [integer(0)] },
  { name: 'integer 1', bytes: b(':1\r\n'), calls: [integer(1)] },
  { name: 'integer -1', bytes: b(':-1\r\n'), calls: [integer(-1)] },
  { name: 'integer -42', bytes: b(':-42\r\n'), calls: [integer(-42)] },
  { name: 'integer 1234567890', bytes: b(':1234567890\r\n'), calls: [integer(1234567890)] },
  { name: 'integer 2^53-1', bytes: b(':9007199254740991\r\n'), calls: [integer(Number.MAX_SAFE_INTEGER)] },
  { name: 'integer -(2^53-1)', bytes: b(':-9007199254740991\r\n'), calls: [integer(-Number.MAX_SAFE_INTEGER)] },
  // simple strings
  { name: '+OK', bytes: b('+OK\r\n'), calls: [simple('OK')] },
  { name: '+QUEUED', bytes: b('+QUEUED\r\n'), calls: [simple('QUEUED')] },
  { name: '+ (empty simple string)', bytes: b('+\r\n'), calls: [simple('')] },
  { name: '+PONG', bytes: b('+PONG\r\n'), calls: [simple('PONG')] },
  // errors
  { name: '-ERR', bytes: b("-ERR unknown command 'FOO'\r\n"), calls: [value(new RespError("ERR unknown command 'FOO'"))] },
  { name: '-MOVED', bytes: b('-MOVED 3999 127.0.0.1:6381\r\n'), calls: [value(new RespError('MOVED 3999 127.0.0.1:6381'))] },
  { name: '-ASK', bytes: b('-ASK 3999 127.0.0.1:6381\r\n'), calls: [value(new RespError('ASK 3999 127.0.0.1:6381'))] },
  {
    name: '-NOPERM',
    bytes: b("-NOPERM User bob has no permissions to access the 'x' channel\r\n"),
    calls: [value(new RespError("NOPERM User bob has no permissions to access the 'x' channel"))],
  },
  { name: '-EXECABORT', bytes: b('-EXECABORT Transaction discarded because of previous errors.\r\n'), calls: [value(new RespError('EXECABORT Transaction discarded because of previous errors.'))] },
  // bulk strings
  { name: 'bulk', bytes: b('$5\r\nhello\r\n'), calls: [value('hello')] },
  { name: 'bulk, empty', bytes: b('$0\r\n\r\n'), calls: [value('')] },
  { name: 'bulk, null', bytes: b('$-1\r\n'), calls: [value(null)] },
  { name: 'bulk, CRLF inside', bytes: bulk(CRLF_PAYLOAD), calls: [value(CRLF_PAYLOAD.toString('utf8'))] },
  { name: 'bulk, UTF-8', bytes: bulk(Buffer.from('héllo ✓', 'utf8')), calls: [value('héllo ✓')] },
  // arrays
  { name: 'array, empty', bytes: b('*0\r\n'), calls: [value([])] },
  { name: 'array, null', bytes: b('*-1\r\n'), calls: [value(null)] },
  { name: 'array, nested', bytes: b('*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n$1\r\nx\r\n'), calls: [value([[1, 2], ['x']])] },
  { name: 'array, nested empty', bytes: b('*2\r\n*0\r\n*1\r\n*0\r\n'), calls: [value([[], [[]]])] },
  {
    name: 'array, mixed',
    bytes: b('*6\r\n:1\r\n+OK\r\n-ERR x\r\n$-1\r\n*-1\r\n$2\r\n\r\n\r\n'),
    calls: [value([1, 'OK', new RespError('ERR x'), null, null, '\r\n'])],
  },
  { name: 'array, 10 levels deep', bytes: b(`${'*1\r\n'.repeat(10)}:7\r\n`), calls: [value(JSON.parse(`${'['.repeat(10)}7${']'.repeat(10)}`) as RespValue)] },
  // EXEC arrays
  { name: 'EXEC of 1', bytes: b('*1\r\n:1\r\n'), calls: [value([1])] },
  { name: 'EXEC of 2', bytes: b('*2\r\n:1\r\n:0\r\n'), calls: [value([1, 0])] },
  { name: 'EXEC of 3', bytes: b('*3\r\n:1\r\n:2\r\n:3\r\n'), calls: [value([1, 2, 3])] },
  { name: 'EXEC of 4', bytes: b('*4\r\n:4\r\n:3\r\n:2\r\n:1\r\n'), calls: [value([4, 3, 2, 1])] },
  { name: 'EXEC of 5', bytes: b('*5\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n'), calls: [value([1, 1, 1, 1, 1])] },
  { name: 'EXEC with an error', bytes: b('*2\r\n:1\r\n-MOVED 1 127.0.0.1:1\r\n'), calls: [value([1, new RespError('MOVED 1 127.0.0.1:1')])] },
  { name: 'EXEC aborted (null array)', bytes: b('*-1\r\n'), calls: [value(null)] },
  // RESP3 types
  { name: 'RESP3 null', bytes: b('_\r\n'), calls: [value(null)] },
  { name: 'RESP3 true', bytes: b('#t\r\n'), calls: [value(true)] },
  { name: 'RESP3 false', bytes: b('#f\r\n'), calls: [value(false)] },
  { name: 'RESP3 double 1.5', bytes: b(',1.5\r\n'), calls: [value(1.5)] },
  { name: 'RESP3 double -0.25', bytes: b(',-0.25\r\n'), calls: [value(-0.25)] },
  { name: 'RESP3 double 1e10', bytes: b(',1e10\r\n'), calls: [value(1e10)] },
  { name: 'RESP3 double integral', bytes: b(',10\r\n'), calls: [value(10)] },
  { name: 'RESP3 big number', bytes: b('(123\r\n'), calls: [value('123')] },
  { name: 'RESP3 big number, huge', bytes: b('(-3492890328409238509324850943850943825024385\r\n'), calls: [value('-3492890328409238509324850943850943825024385')] },
  { name: 'RESP3 verbatim', bytes: b('=15\r\ntxt:Some string\r\n'), calls: [value('Some string')] },
  { name: 'RESP3 verbatim with CRLF', bytes: b('=10\r\nmkd:a\r\nb\r\n\r\n'), calls: [value('a\r\nb\r\n')] },
  { name: 'RESP3 map', bytes: b('%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n'), calls: [value(['first', 1, 'second', 2])] },
  { name: 'RESP3 map, empty', bytes: b('%0\r\n'), calls: [value([])] },
  { name: 'RESP3 map, nested', bytes: b('%1\r\n$1\r\nk\r\n%1\r\n$1\r\nj\r\n~1\r\n#t\r\n'), calls: [value(['k', ['j', [true]]])] },
  { name: 'RESP3 set', bytes: b('~3\r\n:1\r\n$1\r\na\r\n_\r\n'), calls: [value([1, 'a', null])] },
  {
    name: 'RESP3 attribute before a bulk',
    bytes: b('|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n$5\r\nhello\r\n'),
    calls: [value('hello')],
  },
  { name: 'RESP3 attribute inside an array', bytes: b('*2\r\n:1\r\n|1\r\n+ttl\r\n:9\r\n:2\r\n'), calls: [value([1, 2])] },
  { name: 'RESP3 bulk error', bytes: b('!21\r\nSYNTAX invalid syntax\r\n'), calls: [value(new RespError('SYNTAX invalid syntax'))] },
  {
    name: 'RESP3 HELLO map',
    bytes: b(
      '%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n' +
        '$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n',
    ),
    calls: [value(['server', 'redis', 'version', '7.2.4', 'proto', 3, 'id', 5, 'mode', 'standalone', 'role', 'master', 'modules', []])],
  },
];

const STREAM = Buffer.concat(CORPUS.map((f) => f.bytes));
const STREAM_CALLS = CORPUS.flatMap((f) => f.calls);

/** Shows the first difference in a way a failure message can carry. */
function label(frame: string, how: string): string {
  return `${frame}, ${how}`;
}

// ---------------------------------------------------------------------------------------------------------------

describe('RESP reader: the corpus, whole', () => {
  for (const frame of CORPUS) {
    test(frame.name, () => {
      assert.deepStrictEqual(parse(frame.bytes), frame.calls);
    });
  }

  test('the whole stream in one chunk gives every call in order', () => {
    assert.deepStrictEqual(parse(STREAM), STREAM_CALLS);
  });

  test('a frame repeated many times in one chunk gives one call per frame', () => {
    const frame = agg('*', ['message', 'c', 'x']);
    assert.deepStrictEqual(parse(Buffer.concat(Array(1000).fill(frame))), Array(1000).fill(delivery('x', 'c')));
  });

  test('offsets handed to onDelivery point into the buffer given (no stale bytes after a split)', () => {
    // A payload whose bytes differ per message: a split that reuses a stale buffer would show wrong bytes.
    const frames = Array.from({ length: 50 }, (_, i) => agg('*', ['message', `c${i}`, `payload-${i}-`.repeat(i + 1)]));
    const stream = Buffer.concat(frames);
    const want = frames.map((_, i) => delivery(`payload-${i}-`.repeat(i + 1), `c${i}`));
    for (const size of [1, 2, 3, 7, 64]) {
      const { calls, handler } = recorder();
      feedIsolated(new RespReader(handler), stream, () => size);
      assert.deepStrictEqual(calls, want, `chunks of ${size}`);
    }
  });
});

describe('RESP reader: split at every byte offset', () => {
  test('every frame split into two chunks at every offset gives the same calls', () => {
    for (const frame of CORPUS) {
      for (let cut = 1; cut < frame.bytes.length; cut++) {
        assert.deepStrictEqual(parse(frame.bytes, [cut]), frame.calls, label(frame.name, `split at ${cut} of ${frame.bytes.length}`));
      }
    }
  });

  test('every frame fed one byte at a time gives the same calls', () => {
    for (const frame of CORPUS) {
      const { calls, handler } = recorder();
      feedIsolated(new RespReader(handler), frame.bytes, () => 1);
      assert.deepStrictEqual(calls, frame.calls, label(frame.name, 'one byte at a time'));
    }
  });

  test('the concatenated stream split into two chunks at every offset gives the same calls', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const calls = parse(STREAM, [cut]);
      if (calls.length !== STREAM_CALLS.length) assert.fail(`split at ${cut} of ${STREAM.length}: ${calls.length} calls, want ${STREAM_CALLS.length}`);
      assert.deepStrictEqual(calls, STREAM_CALLS, `split at ${cut} of ${STREAM.length}`);
    }
  });

  test('the concatenated stream split into three chunks around every frame boundary gives the same calls', () => {
    // Cut one byte either side of each boundary and at it: the reader must keep a frame whose header or tail
    // sits alone in a chunk.
    let boundary = 0;
    for (const frame of CORPUS) {
      boundary += frame.bytes.length;
      for (const d of [-2, -1, 1, 2]) {
        const cuts = [boundary + d, boundary + d + 1].filter((c) => c > 0 && c < STREAM.length).sort((x, y) => x - y);
        assert.deepStrictEqual(parse(STREAM, cuts), STREAM_CALLS, `cuts ${cuts.join(',')} (after ${frame.name})`);
      }
    }
  });
});

describe('RESP reader: seeded random chunking', () => {
  for (const seed of [1, 7, 42, 0x5eed, 0xdecade, 2024]) {
    for (const maxChunk of [1, 3, 16, 100, 1500, 5000]) {
      test(`seed ${seed}, chunks of 1..${maxChunk} bytes`, () => {
        const rand = prng(seed ^ (maxChunk * 7919));
        const { calls, handler } = recorder();
        feedIsolated(new RespReader(handler), STREAM, () => 1 + rand(maxChunk));
        assert.deepStrictEqual(calls, STREAM_CALLS);
      });
    }
  }

  test('seeded chunking of a shuffled stream with repeats (3000 frames)', () => {
    const rand = prng(0xfeed);
    const picks = Array.from({ length: 3000 }, () => CORPUS[rand(CORPUS.length)]);
    const stream = Buffer.concat(picks.map((f) => f.bytes));
    const want = picks.flatMap((f) => f.calls);
    for (const seed of [3, 5, 11]) {
      const r = prng(seed);
      const { calls, handler } = recorder();
      feedIsolated(new RespReader(handler), stream, () => 1 + r(seed * 97));
      assert.deepStrictEqual(calls, want, `seed ${seed}`);
    }
  });
});

describe('RESP reader: big payloads', () => {
  const MiB = 1024 * 1024;
  const big = Buffer.alloc(MiB);
  {
    const rand = prng(99);
    for (let i = 0; i < big.length; i++) big[i] = rand(256);
    // CRLFs and RESP look-alikes inside the payload, at both ends too.
    big.write('\r\n$-1\r\n*3\r\n', 0, 'latin1');
    big.write('\r\n', MiB - 2, 'latin1');
    big.write('*3\r\n$7\r\nmessage\r\n', MiB / 2, 'latin1');
  }
  const frames = [
    { name: 'RESP2 message', bytes: agg('*', ['message', 'big', big]), want: delivery(big, 'big') },
    { name: 'RESP2 pmessage', bytes: agg('*', ['pmessage', 'b*', 'big', big]), want: delivery(big, 'big', 'b*') },
    { name: 'RESP2 smessage', bytes: agg('*', ['smessage', '{b}ig', big]), want: delivery(big, '{b}ig') },
    { name: 'RESP3 message push', bytes: agg('>', ['message', 'big', big]), want: delivery(big, 'big') },
  ];
  /** Small frames before and after, so the big one starts and ends mid-chunk. */
  const before = Buffer.concat([b(':5\r\n'), agg('*', ['message', 'a', 'first'])]);
  const afterBytes = Buffer.concat([agg('*', ['message', 'a', 'last']), b('+OK\r\n')]);
  const around = (want: Call): Call[] => [integer(5), delivery('first', 'a'), want, delivery('last', 'a'), simple('OK')];

  function check(bytes: Buffer, want: Call[], size: (i: number) => number, how: string): void {
    const calls: Call[] = [];
    // Compare big buffers with equals() rather than deepStrictEqual's per-byte diff.
    const reader = new RespReader({
      onDelivery(buf, ps, pe, cs, ce, ts, te) {
        calls.push({ k: 'delivery', payload: copy(buf, ps, pe), channel: copy(buf, cs, ce), pattern: ts < 0 ? null : copy(buf, ts, te) });
      },
      onInteger: (n) => calls.push(integer(n)),
      onSimple: (buf, s, e) => calls.push({ k: 'simple', bytes: copy(buf, s, e) }),
      onValue: (v, push) => calls.push(value(v, push)),
    });
    feedIsolated(reader, bytes, size);
    assert.equal(calls.length, want.length, `${how}: ${calls.length} calls, want ${want.length}`);
    for (let i = 0; i < want.length; i++) {
      const got = calls[i];
      const exp = want[i];
      if (got.k === 'delivery' && exp.k === 'delivery') {
        assert.equal(got.payload.length, exp.payload.length, `${how}: call ${i} payload length`);
        assert.ok(got.payload.equals(exp.payload), `${how}: call ${i} payload bytes differ`);
        assert.deepStrictEqual(got.channel, exp.channel, `${how}: call ${i} channel`);
        assert.deepStrictEqual(got.pattern, exp.pattern, `${how}: call ${i} pattern`);
      } else {
        assert.deepStrictEqual(got, exp, `${how}: call ${i}`);
      }
    }
  }

  for (const frame of frames) {
    const bytes = Buffer.concat([before, frame.bytes, afterBytes]);
    const want = around(frame.want);
    test(`1 MiB ${frame.name} in 64 KiB chunks`, () => check(bytes, want, () => 64 * 1024, '64 KiB chunks'));
    test(`1 MiB ${frame.name} in 997-byte chunks`, () => check(bytes, want, () => 997, '997-byte chunks'));
    test(`1 MiB ${frame.name} in one chunk`, () => check(bytes, want, () => bytes.length, 'one chunk'));
    test(`1 MiB ${frame.name} in seeded random chunks`, () => {
      const rand = prng(frame.name.length);
      check(bytes, want, () => 1 + rand(200_000), 'random chunks');
    });
  }

  test('1 MiB bulk reply (slow path) in 64 KiB and 997-byte chunks', () => {
    const bytes = Buffer.concat([bulk(Buffer.alloc(MiB, 'z')), b(':1\r\n')]);
    for (const size of [64 * 1024, 997]) {
      const { calls, handler } = recorder();
      feedIsolated(new RespReader(handler), bytes, () => size);
      assert.equal(calls.length, 2);
      assert.equal(calls[0].k, 'value');
      assert.equal((calls[0] as { value: string }).value.length, MiB);
      assert.ok((calls[0] as { value: string }).value === 'z'.repeat(MiB), `chunks of ${size}: the bulk is byte-exact`);
      assert.deepStrictEqual(calls[1], integer(1));
    }
  });

  test('two 1 MiB messages back to back, the second starting in the chunk that ends the first', () => {
    const other = Buffer.from(big).reverse();
    const bytes = Buffer.concat([agg('*', ['message', 'x', big]), agg('>', ['smessage', 'y', other])]);
    check(bytes, [delivery(big, 'x'), delivery(other, 'y')], () => 64 * 1024 + 13, '64 KiB+13 chunks');
  });
});

describe('RESP reader: only message / pmessage / smessage are deliveries', () => {
  // Same length and count as a delivery kind, other bytes: a decoded value, not a delivery.
  const lookalikes: Array<[string, number]> = [
    ['massage', 3],
    ['mXXXXXX', 3],
    ['Message', 3],
    ['smXXXXXX', 3],
    ['pmXXXXXX', 4],
    ['smessagf', 3],
    ['pmessagf', 4],
  ];
  test(`arrays of kind ${lookalikes.map(([k]) => JSON.stringify(k)).join(', ')} are decoded, not delivered`, () => {
    const wrong: string[] = [];
    for (const [kind, count] of lookalikes) {
      const parts = [kind, ...['ch', 'x', 'y'].slice(0, count - 1)];
      for (const type of ['*', '>'] as const) {
        const calls = parse(agg(type, parts));
        if (calls.length !== 1 || calls[0].k !== 'value') wrong.push(`${type}${count} ${JSON.stringify(kind)} → ${calls.map((c) => c.k).join(', ')}`);
        else assert.deepStrictEqual(calls, [value(parts, type === '>')]);
      }
    }
    assert.deepStrictEqual(wrong, [], 'frames taken for deliveries');
  });
});

describe('RESP reader: large integers', () => {
  // Redis integers are signed 64-bit; a JS number holds them as the nearest double (what Number() gives).
  for (const text of ['9223372036854775807', '-9223372036854775808', '18014398509481985', '12345678901234567890']) {
    test(`:${text} decodes to the nearest double`, () => {
      assert.deepStrictEqual(parse(b(`:${text}\r\n`)), [integer(Number(text))]);
      assert.deepStrictEqual(parse(b(`*1\r\n:${text}\r\n`)), [value([Number(text)])]);
    });
  }
});

describe('RESP reader: RESP3 special doubles', () => {
  // RESP3 spells infinities and NaN as `inf`, `-inf` and `nan`.
  test(',inf / ,-inf / ,nan decode to Infinity / -Infinity / NaN', () => {
    assert.deepStrictEqual(parse(b(',inf\r\n,-inf\r\n,nan\r\n')), [value(Infinity), value(-Infinity), value(NaN)]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Garbage: the reader must throw RespProtocolError from feed(), whatever the chunking, and parse again after reset().

interface Garbage {
  name: string;
  bytes: Buffer;
}

const GARBAGE: Garbage[] = [
  // unknown type bytes
  { name: 'unknown type byte ?', bytes: b('?hello\r\n') },
  { name: 'unknown type byte @', bytes: b('@1\r\n') },
  { name: 'a bare CRLF', bytes: b('\r\n') },
  { name: 'a space', bytes: b(' +OK\r\n') },
  { name: 'plain text (HTTP)', bytes: b('HTTP/1.1 400 Bad Request\r\n\r\n') },
  { name: 'a NUL byte', bytes: b('\x00\x00\x00\x00') },
  { name: 'unknown type inside an array', bytes: b('*2\r\n:1\r\n?x\r\n') },
  { name: 'unknown type in a delivery payload slot', bytes: b('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n?5\r\n') },
  { name: 'unknown type in a map', bytes: b('%1\r\n+k\r\n^v\r\n') },
  { name: 'unknown type after a good frame', bytes: b(':1\r\n+OK\r\n&\r\n') },
  // bulk strings not ended by CRLF
  { name: 'top-level bulk not ended by CRLF', bytes: b('$3\r\nfooXY:1\r\n') },
  { name: 'top-level bulk ended by LF CR', bytes: b('$3\r\nfoo\n\r:1\r\n') },
  { name: 'bulk not ended by CRLF in an array', bytes: b('*2\r\n$1\r\naXY:1\r\n') },
  { name: 'bulk not ended by CRLF in a subscribe confirmation', bytes: b('*3\r\n$9\r\nsubscribeXY$2\r\nch\r\n:1\r\n') },
  { name: 'delivery payload not ended by CRLF', bytes: b('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nabcXY') },
  { name: 'delivery channel not ended by CRLF', bytes: b('*3\r\n$7\r\nmessage\r\n$2\r\nchXY$3\r\nabc\r\n') },
  { name: 'delivery kind not ended by CRLF', bytes: b('*3\r\n$7\r\nmessageXY$2\r\nch\r\n$3\r\nabc\r\n') },
  { name: 'pmessage pattern not ended by CRLF', bytes: b('*4\r\n$8\r\npmessage\r\n$2\r\nc*XY$2\r\nch\r\n$3\r\nabc\r\n') },
  { name: 'RESP3 push payload not ended by CRLF', bytes: b('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nabc\n\n') },
  { name: 'bulk error not ended by CRLF', bytes: b('!3\r\nERRXY:1\r\n') },
  { name: 'verbatim string not ended by CRLF', bytes: b('=7\r\ntxt:abcXY:1\r\n') },
  // lines and lengths
  { name: 'non-digit bulk length', bytes: b('$abc\r\nabc\r\n') },
  { name: 'bulk length with a trailing letter', bytes: b('$1a\r\nx\r\n') },
  { name: 'empty bulk length', bytes: b('$\r\n\r\n') },
  { name: 'bulk length of a lone minus', bytes: b('$-\r\n') },
  { name: 'non-digit array length', bytes: b('*x\r\n') },
  { name: 'array length with a plus sign', bytes: b('*+1\r\n:1\r\n') },
  { name: 'non-digit push length', bytes: b('>?\r\n') },
  { name: 'non-digit map length', bytes: b('%one\r\n') },
  { name: 'non-digit integer', bytes: b(':12a\r\n') },
  { name: 'empty integer', bytes: b(':\r\n') },
  { name: 'integer of a lone minus', bytes: b(':-\r\n') },
  { name: 'integer line ended by CR alone', bytes: b(':12\rX') },
  { name: 'simple string ended by CR alone', bytes: b('+OK\rX\r\n') },
  { name: 'error line ended by CR alone', bytes: b('-ERR\rX\r\n') },
  { name: 'non-digit length of the delivery kind', bytes: b('*3\r\n$7x\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n') },
  { name: 'non-digit length of a delivery payload', bytes: b('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1x\r\nx\r\n') },
  { name: 'non-digit length inside a nested array', bytes: b('*1\r\n*1\r\n$z\r\n') },
  // nesting
  { name: 'arrays nested 100 deep', bytes: b(`${'*1\r\n'.repeat(100)}:1\r\n`) },
  { name: 'arrays nested 10,000 deep', bytes: b('*1\r\n'.repeat(10_000)) },
  { name: 'pushes nested 100 deep', bytes: b(`${'>1\r\n'.repeat(100)}:1\r\n`) },
  { name: 'maps nested 100 deep', bytes: b(`${'%1\r\n+k\r\n'.repeat(100)}:1\r\n`) },
  { name: 'attributes nested 100 deep', bytes: b(`${'|1\r\n+k\r\n'.repeat(100)}:1\r\n:1\r\n`) },
];

/** Feeds chunks; returns the error feed() threw (undefined when none). */
function feedExpectingError(reader: RespReader, bytes: Buffer, size: (i: number) => number): unknown {
  try {
    feedIsolated(reader, bytes, size);
  } catch (err) {
    return err;
  }
  return undefined;
}

function assertProtocolError(err: unknown, how: string): void {
  assert.ok(err !== undefined, `${how}: feed() threw nothing`);
  assert.ok(err instanceof RespProtocolError, `${how}: threw ${String(err)} (${(err as Error)?.constructor?.name}), want RespProtocolError`);
  assert.match((err as Error).message, /protocol error/);
}

describe('RESP reader: garbage', () => {
  for (const g of GARBAGE) {
    test(`${g.name} → RespProtocolError`, () => {
      const { handler } = recorder();
      assertProtocolError(feedExpectingError(new RespReader(handler), g.bytes, () => g.bytes.length), 'one chunk');
      // Whatever the split, the error surfaces (and nothing else is thrown); a split never hides it.
      for (let cut = 1; cut < Math.min(g.bytes.length, 200); cut++) {
        const { handler: h } = recorder();
        const reader = new RespReader(h);
        let err: unknown;
        try {
          feedCut(reader, g.bytes, [cut]);
        } catch (e) {
          err = e;
        }
        assertProtocolError(err, `split at ${cut}`);
      }
      const { handler: h1 } = recorder();
      assertProtocolError(feedExpectingError(new RespReader(h1), g.bytes, () => 1), 'one byte at a time');
    });
  }

  test('garbage after good frames: the good frames were delivered before the error', () => {
    const { calls, handler } = recorder();
    const reader = new RespReader(handler);
    const good = Buffer.concat([agg('*', ['message', 'c', 'ok']), b(':3\r\n')]);
    assertProtocolError(feedExpectingError(reader, Buffer.concat([good, b('?junk\r\n')]), () => 1000), 'one chunk');
    assert.deepStrictEqual(calls, [delivery('ok', 'c'), integer(3)]);
  });

  test('a huge announced array count with nothing behind it waits (no hang, no allocation of the count)', () => {
    const { calls, handler } = recorder();
    const reader = new RespReader(handler);
    reader.feed(b('*2147483647\r\n:1\r\n'));
    assert.deepStrictEqual(calls, []);
  });
});

describe('RESP reader: reset()', () => {
  test('after a protocol error (first chunk), reset() lets the reader parse a fresh stream', () => {
    for (const g of GARBAGE) {
      const { calls, handler } = recorder();
      const reader = new RespReader(handler);
      const err = feedExpectingError(reader, g.bytes, () => g.bytes.length);
      if (err !== undefined) assertProtocolError(err, g.name); // whether it is detected at all: the garbage tests
      reader.reset();
      calls.length = 0;
      feedIsolated(reader, STREAM, () => 333);
      assert.deepStrictEqual(calls, STREAM_CALLS, `after ${g.name}`);
    }
  });

  test('after a protocol error found in pending bytes, reset() lets the reader parse a fresh stream', () => {
    for (const g of GARBAGE) {
      const { calls, handler } = recorder();
      const reader = new RespReader(handler);
      const err = feedExpectingError(reader, g.bytes, () => 1);
      if (err !== undefined) assertProtocolError(err, g.name);
      reader.reset();
      calls.length = 0;
      // A fresh stream whose first frame is split: uses the pending buffer the garbage sat in.
      feedIsolated(reader, STREAM, (i) => (i % 2 === 0 ? 5 : 401));
      assert.deepStrictEqual(calls, STREAM_CALLS, `after ${g.name}`);
    }
  });

  test('reset() drops a partial frame: the next bytes start a new stream', () => {
    const { calls, handler } = recorder();
    const reader = new RespReader(handler);
    const bigFrame = agg('*', ['message', 'c', Buffer.alloc(100_000, 'q')]);
    reader.feed(bigFrame.subarray(0, 70_000)); // a partial frame with a known length waiting in `pending`
    reader.reset();
    reader.feed(b(':7\r\n'));
    reader.feed(agg('*', ['message', 'd', 'fresh']).subarray(0, 10));
    reader.reset();
    feedIsolated(reader, STREAM, () => 17);
    assert.deepStrictEqual(calls, [integer(7), ...STREAM_CALLS]);
  });

  test('reset() from inside a handler stops the current chunk; the next feed starts afresh', () => {
    const calls: string[] = [];
    let resetOn = 'b';
    const reader: RespReader = new RespReader({
      onDelivery(buf, ps, pe) {
        const text = buf.toString('latin1', ps, pe);
        calls.push(text);
        if (text === resetOn) reader.reset();
      },
      onInteger: (n) => calls.push(`:${n}`),
      onSimple: () => undefined,
      onValue: () => undefined,
    });
    const m = (p: string): Buffer => agg('*', ['message', 'c', p]);
    reader.feed(Buffer.concat([m('a'), m('b'), m('c'), m('d').subarray(0, 5)]));
    reader.feed(Buffer.concat([m('e'), b(':1\r\n')]));
    assert.deepStrictEqual(calls, ['a', 'b', 'e', ':1']);
    // Same from the pending buffer.
    calls.length = 0;
    resetOn = 'g';
    reader.feed(m('f').subarray(0, 6));
    reader.feed(Buffer.concat([m('f').subarray(6), m('g'), m('h')]));
    reader.feed(m('i'));
    assert.deepStrictEqual(calls, ['f', 'g', 'i']);
  });
});
