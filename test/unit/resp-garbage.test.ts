/**
 * The native data path against a server that does not speak proper RESP (issue 9): a fake server on loopback — NOT
 * Redis; it exists to send bytes no Redis sends — answers the handshake, then sends garbage or a reply of an
 * unexpected type. The native subscriber and publisher must report a disconnect whose cause names the protocol error
 * (or, during the handshake, reject with a TargetError), and never crash the process or hang. Every wait is bounded
 * and everything opened is closed in the after hooks.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { TargetError } from '../../src/core/errors.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { ConnectionEvents, PublishConnection, PublisherOptions, SubscribeConnection, SubscriberHandlers } from '../../src/targets/types.js';

// ---------------------------------------------------------------------------------------------------------------
// A fake server: parses the commands the client sends (arrays of bulk strings) and lets each test script replies.

interface FakeConn {
  socket: net.Socket;
  /** 1 for the first connection, 2 after the first reconnect, … */
  index: number;
  commands: string[][];
}

type Script = (conn: FakeConn, args: string[]) => void;

/** Parses complete RESP commands from `buf`; returns them and the bytes used. */
function parseCommands(buf: Buffer): { commands: string[][]; used: number } {
  const commands: string[][] = [];
  let pos = 0;
  const line = (from: number): { n: number; next: number } | undefined => {
    const cr = buf.indexOf('\r\n', from);
    if (cr < 0) return undefined;
    return { n: Number(buf.toString('latin1', from + 1, cr)), next: cr + 2 };
  };
  outer: while (pos < buf.length) {
    if (buf[pos] !== 42) throw new Error(`fake server: not a command at ${JSON.stringify(buf.toString('latin1', pos, pos + 20))}`);
    const head = line(pos);
    if (!head) break;
    const args: string[] = [];
    let p = head.next;
    for (let i = 0; i < head.n; i++) {
      if (p >= buf.length) break outer;
      const len = line(p);
      if (!len || len.next + len.n + 2 > buf.length) break outer;
      args.push(buf.toString('latin1', len.next, len.next + len.n));
      p = len.next + len.n + 2;
    }
    commands.push(args);
    pos = p;
  }
  return { commands, used: pos };
}

class FakeServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  readonly conns: FakeConn[] = [];
  port = 0;

  constructor(script: Script) {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const conn: FakeConn = { socket, index: this.conns.length + 1, commands: [] };
      this.conns.push(conn);
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const { commands, used } = parseCommands(pending);
        pending = pending.subarray(used);
        for (const args of commands) {
          conn.commands.push(args);
          if (!socket.destroyed) script(conn, args);
        }
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Replies +OK to AUTH / CLIENT / SELECT and a small map to HELLO; true when `args` was a handshake command. */
function handshake(conn: FakeConn, args: string[]): boolean {
  const verb = args[0].toUpperCase();
  if (verb === 'HELLO') {
    conn.socket.write('%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n');
    return true;
  }
  if (verb === 'AUTH' || verb === 'CLIENT' || verb === 'SELECT') {
    conn.socket.write('+OK\r\n');
    return true;
  }
  return false;
}

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
const confirm = (kind: string, name: string, n: number, push = false): string => `${push ? '>' : '*'}3\r\n${bulk(kind)}${bulk(name)}:${n}\r\n`;
const message = (channel: string, payload: string, push = false): string => `${push ? '>' : '*'}3\r\n${bulk('message')}${bulk(channel)}${bulk(payload)}`;

// ---------------------------------------------------------------------------------------------------------------
// Bounded waits.

/** Generous for loopback; the describes run their tests concurrently, so a hang costs this once per file. */
/** Long enough for a loaded CI machine; a hang still fails the test instead of stalling it. */
const WAIT_MS = 20_000;

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Settles to {ok, value} or {ok: false, error}; a promise that never settles fails the test after WAIT_MS. */
async function settle<T>(promise: Promise<T>, what: string): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return within(
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    what,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Opening native connections to the fake server, and closing everything after each test.

/** What one test opened; closed by the test's own after hook (tests of a describe run concurrently). */
interface Scope {
  servers: FakeServer[];
  closers: Array<() => Promise<void>>;
}

function scope(t: TestContext): Scope {
  const s: Scope = { servers: [], closers: [] };
  t.after(async () => {
    for (const close of s.closers.splice(0)) await close().catch(() => undefined);
    for (const server of s.servers.splice(0)) await server.stop();
  });
  return s;
}

async function serve(s: Scope, script: Script): Promise<FakeServer> {
  const server = await new FakeServer(script).start();
  s.servers.push(server);
  return server;
}

function factory(server: FakeServer): ReturnType<typeof createConnectionFactory> {
  return createConnectionFactory({ kind: 'single', nodes: [{ host: '127.0.0.1', port: server.port }] }, 'native');
}

interface SubEvents {
  handlers: SubscriberHandlers;
  messages: string[];
  disconnects: string[];
  disconnected: Promise<string>;
  reconnected: Promise<void>;
  message: (text: string) => Promise<void>;
}

function subEvents(): SubEvents {
  const messages: string[] = [];
  const disconnects: string[] = [];
  const down = deferred<string>();
  const up = deferred();
  const waits: Array<{ text: string; resolve: () => void }> = [];
  return {
    messages,
    disconnects,
    disconnected: down.promise,
    reconnected: up.promise,
    message: (text) => {
      if (messages.includes(text)) return Promise.resolve();
      const d = deferred();
      waits.push({ text, resolve: d.resolve });
      return d.promise;
    },
    handlers: {
      onMessage(buf, start, end) {
        const text = buf.toString('latin1', start, end);
        messages.push(text);
        for (const w of waits) if (w.text === text) w.resolve();
      },
      onDisconnect(cause) {
        disconnects.push(cause);
        down.resolve(cause);
      },
      onReconnect() {
        up.resolve();
      },
    },
  };
}

async function openSub(s: Scope, server: FakeServer, ev: SubEvents, resp3 = false): Promise<SubscribeConnection> {
  const sub = await factory(server).openSubscriber({ sharded: false, clientName: 'pb-sub-1', connectTimeoutMs: 2000, resp3 }, ev.handlers);
  s.closers.push(() => sub.close());
  return sub;
}

interface PubEvents {
  events: ConnectionEvents;
  disconnects: string[];
  disconnected: Promise<string>;
  reconnected: Promise<void>;
}

function pubEvents(): PubEvents {
  const disconnects: string[] = [];
  const down = deferred<string>();
  const up = deferred();
  return {
    disconnects,
    disconnected: down.promise,
    reconnected: up.promise,
    events: {
      onDisconnect(cause) {
        disconnects.push(cause);
        down.resolve(cause);
      },
      onReconnect: () => up.resolve(),
    },
  };
}

function pubOptions(over: Partial<PublisherOptions> = {}): PublisherOptions {
  return {
    sharded: false,
    clientName: 'pb-pub-1',
    connectTimeoutMs: 2000,
    mode: 'auto',
    maxInFlight: 8,
    channels: [Buffer.from('ch')],
    payloadTemplate: Buffer.alloc(16, '.'),
    ...over,
  };
}

async function openPub(s: Scope, server: FakeServer, ev: PubEvents, over: Partial<PublisherOptions> = {}): Promise<PublishConnection> {
  const pub = await factory(server).openPublisher(pubOptions(over), ev.events);
  s.closers.push(() => pub.close());
  return pub;
}

/** Replies of one publisher: token → reply (and lastError when -1). */
function collectReplies(pub: PublishConnection): { replies: Map<number, { reply: number; error: string }>; all: (n: number) => Promise<void> } {
  const replies = new Map<number, { reply: number; error: string }>();
  let want = Infinity;
  let done = deferred();
  pub.onReply = (token, reply) => {
    assert.ok(!replies.has(token), `token ${token} got a second reply`);
    replies.set(token, { reply, error: reply < 0 ? pub.lastError : '' });
    if (replies.size >= want) done.resolve();
  };
  return {
    replies,
    all: (n) => {
      want = n;
      done = deferred();
      if (replies.size >= n) done.resolve();
      return done.promise;
    },
  };
}

function publish(pub: PublishConnection, tokens: number[], text = 'payload'): void {
  for (const token of tokens) {
    assert.ok(pub.hasRoom(), 'room for the message');
    const buf = pub.add(0, token);
    buf.write(text.padEnd(16, '.').slice(0, 16), pub.payloadOffset, 'latin1');
  }
  pub.send();
}

// ---------------------------------------------------------------------------------------------------------------

// Every test has its own server and connections, so all run concurrently: a hang costs WAIT_MS once, not per test.
describe('native data path against a misbehaving fake server', { concurrency: true }, () => {
  describe('native connections, handshake answered with garbage: a TargetError, no hang', { concurrency: true }, () => {
    const cases: Array<[string, string]> = [
      ['an unknown type byte', '?garbage\r\n'],
      ['an HTTP response', 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'],
      ['a bulk not ended by CRLF', '$2\r\nOKXX'],
      ['a non-digit length', '*two\r\n'],
      ['excessive nesting', '*1\r\n'.repeat(200)],
      ['+OK then garbage in the same write', '+OK\r\n\x00\x01\x02'],
    ];
    for (const [what, bytes] of cases) {
      test(`subscriber: ${what}`, async (t) => {
        const s = scope(t);
        const server = await serve(s, (conn) => conn.socket.write(bytes));
        const ev = subEvents();
        const r = await settle(factory(server).openSubscriber({ sharded: false, clientName: 'pb-sub-1', connectTimeoutMs: 2000 }, ev.handlers), 'openSubscriber settling');
        if (r.ok) s.closers.push(() => r.value.close());
        // '+OK then garbage': the handshake is done at +OK; the garbage then drops the established connection.
        if (what.startsWith('+OK')) {
          if (!r.ok) {
            assert.ok(r.error instanceof TargetError, `rejected with ${String(r.error)}`);
            assert.match((r.error as Error).message, /does not speak the Redis protocol|protocol error/i);
          } else {
            assert.match(await within(ev.disconnected, 'onDisconnect'), /protocol error/);
          }
          return;
        }
        assert.equal(r.ok, false, 'openSubscriber must reject');
        const error = (r as { error: unknown }).error;
        assert.ok(error instanceof TargetError, `rejected with ${String(error)}, want a TargetError`);
        assert.match(error.message, /^Cannot connect to redis:\/\/127\.0\.0\.1:\d+: the server at that address does not speak the Redis protocol/);
        assert.deepStrictEqual(ev.disconnects, []);
      });

      test(`publisher: ${what}`, async (t) => {
        const s = scope(t);
        const server = await serve(s, (conn) => conn.socket.write(bytes));
        const ev = pubEvents();
        const r = await settle(factory(server).openPublisher(pubOptions(), ev.events), 'openPublisher settling');
        if (r.ok) s.closers.push(() => r.value.close());
        if (what.startsWith('+OK')) {
          if (!r.ok) assert.ok(r.error instanceof TargetError, `rejected with ${String(r.error)}`);
          else assert.match(await within(ev.disconnected, 'onDisconnect'), /protocol error/);
          return;
        }
        assert.equal(r.ok, false, 'openPublisher must reject');
        const error = (r as { error: unknown }).error;
        assert.ok(error instanceof TargetError, `rejected with ${String(error)}, want a TargetError`);
        assert.match(error.message, /does not speak the Redis protocol/);
      });
    }

    test('RESP3: HELLO answered with a truncated map then garbage', async (t) => {
      const s = scope(t);
      const server = await serve(s, (conn) => conn.socket.write('%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n~\r\n'));
      const ev = subEvents();
      const r = await settle(factory(server).openSubscriber({ sharded: false, clientName: 'pb-sub-1', connectTimeoutMs: 2000, resp3: true }, ev.handlers), 'openSubscriber settling');
      if (r.ok) s.closers.push(() => r.value.close());
      assert.equal(r.ok, false);
      assert.ok((r as { error: unknown }).error instanceof TargetError);
    });

    test('a server that never answers the handshake: a TargetError at the connect timeout', async (t) => {
      const s = scope(t);
      const server = await serve(s, () => undefined);
      const ev = subEvents();
      const r = await settle(factory(server).openSubscriber({ sharded: false, clientName: 'pb-sub-1', connectTimeoutMs: 300 }, ev.handlers), 'openSubscriber settling');
      if (r.ok) s.closers.push(() => r.value.close());
      assert.equal(r.ok, false);
      const error = (r as { error: unknown }).error;
      assert.ok(error instanceof TargetError);
      assert.match(error.message, /no answer within 300 ms/);
    });
  });

  describe('native subscriber, garbage after the handshake: a disconnect naming the cause', { concurrency: true }, () => {
    /** A server that behaves on every connection but the first, where `misbehave` runs after SUBSCRIBE is confirmed. */
    function misbehavingOnce(misbehave: (conn: FakeConn) => void, resp3 = false): Script {
      return (conn, args) => {
        if (handshake(conn, args)) return;
        if (args[0] === 'SUBSCRIBE') {
          for (const ch of args.slice(1)) conn.socket.write(confirm('subscribe', ch, 1, resp3));
          if (conn.index === 1) misbehave(conn);
          else conn.socket.write(message(args[1], `after-reconnect-${conn.index}`, resp3));
        }
      };
    }

    const cases: Array<[string, (conn: FakeConn) => void, RegExp]> = [
      ['an unknown type byte', (c) => c.socket.write('?what\r\n'), /protocol error: unexpected type byte "\?"/],
      ['a message whose payload is not ended by CRLF', (c) => c.socket.write(`${message('news', 'good')}*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$3\r\nbadXY`), /protocol error: bulk string not ended by CRLF/],
      ['a non-digit length', (c) => c.socket.write('*3\r\n$7\r\nmessage\r\n$x\r\n'), /protocol error: bad integer/],
      ['excessive nesting', (c) => c.socket.write('*1\r\n'.repeat(500)), /protocol error: nesting too deep/],
      ['a CR without LF', (c) => c.socket.write('+OK\rX\r\n'), /protocol error: CR without LF/],
      [
        'garbage split over two writes (found in the pending bytes)',
        (c) => {
          c.socket.write(`${message('news', 'good')}*3\r\n$7\r\nmessage\r\n$4\r\nne`);
          setTimeout(() => c.socket.destroyed || c.socket.write('ws\r\n$3\r\nbad\n\n'), 20);
        },
        /protocol error: bulk string not ended by CRLF/,
      ],
    ];
    for (const [what, misbehave, cause] of cases) {
      test(what, async (t) => {
        const s = scope(t);
        const server = await serve(s, misbehavingOnce(misbehave));
        const ev = subEvents();
        const sub = await openSub(s, server, ev);
        await within(sub.subscribe(['news']), 'subscribe');
        assert.match(await within(ev.disconnected, 'onDisconnect'), cause);
        assert.equal(ev.disconnects.length, 1, 'one disconnect per outage');
        // The reader starts afresh on the new connection: resubscribed, and the next delivery is whole.
        await within(ev.reconnected, 'onReconnect');
        await within(ev.message('after-reconnect-2'), 'a delivery after the reconnect');
        assert.deepStrictEqual(server.conns[1].commands.slice(-1), [['SUBSCRIBE', 'news']]);
        assert.ok(!ev.messages.some((m) => m.startsWith('bad')), `no garbage delivered: ${JSON.stringify(ev.messages)}`);
      });
    }

    test('RESP3: a push with an unknown type inside', async (t) => {
      const s = scope(t);
      const server = await serve(s, misbehavingOnce((c) => c.socket.write('>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n^3\r\n'), true));
      const ev = subEvents();
      const sub = await openSub(s, server, ev, true);
      await within(sub.subscribe(['news']), 'subscribe');
      assert.match(await within(ev.disconnected, 'onDisconnect'), /protocol error: unexpected type byte "\^"/);
      await within(ev.reconnected, 'onReconnect');
      await within(ev.message('after-reconnect-2'), 'a delivery after the reconnect');
    });

    test('garbage while SUBSCRIBE waits for its confirmation: subscribe() rejects, onDisconnect names the cause', async (t) => {
      const s = scope(t);
      const server = await serve(s, (conn, args) => {
        if (handshake(conn, args)) return;
        if (args[0] === 'SUBSCRIBE') conn.socket.write('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\r');
      });
      const ev = subEvents();
      const sub = await openSub(s, server, ev);
      const r = await settle(sub.subscribe(['news']), 'subscribe settling');
      assert.equal(r.ok, false, 'subscribe() must reject');
      assert.ok((r as { error: unknown }).error instanceof TargetError);
      assert.match(((r as { error: unknown }).error as Error).message, /SUBSCRIBE was not confirmed by 127\.0\.0\.1:\d+: connection lost: protocol error/);
      assert.match(await within(ev.disconnected, 'onDisconnect'), /protocol error/);
    });
  });

  describe('native subscriber, SUBSCRIBE answered with an unexpected type (issue 9: a disconnect naming it, never a hang)', { concurrency: true }, () => {
    const cases: Array<[string, string]> = [
      ['an integer', ':1\r\n'],
      ['+OK', '+OK\r\n'],
      ['a bulk string', '$9\r\nsubscribe\r\n'],
      ['a null', '$-1\r\n'],
      ['an array of integers', '*2\r\n:1\r\n:1\r\n'],
    ];
    for (const [what, reply] of cases) {
      test(what, async (t) => {
        const s = scope(t);
        const server = await serve(s, (conn, args) => {
          if (handshake(conn, args)) return;
          if (args[0] === 'SUBSCRIBE') conn.socket.write(reply);
        });
        const ev = subEvents();
        const sub = await openSub(s, server, ev);
        const r = await settle(sub.subscribe(['news']), 'subscribe() settling (a server answering SUBSCRIBE with an unexpected type must not leave it pending)');
        assert.equal(r.ok, false, 'subscribe() must reject');
        assert.match(await within(ev.disconnected, 'onDisconnect'), /unexpected|protocol/i);
      });
    }
  });

  describe('native publisher, garbage after the handshake: a disconnect naming the cause', { concurrency: true }, () => {
    /** Replies :n to the first `good` PUBLISHes on connection 1, then sends `garbage`; behaves on later connections. */
    function script(good: number, garbage: string): Script {
      let n = 0;
      return (conn, args) => {
        if (handshake(conn, args)) return;
        if (args[0] !== 'PUBLISH') return;
        if (conn.index > 1) {
          conn.socket.write(':7\r\n');
          return;
        }
        n++;
        if (n <= good) conn.socket.write(`:${n}\r\n`);
        else if (n === good + 1) conn.socket.write(garbage);
      };
    }

    const cases: Array<[string, string, RegExp]> = [
      ['an unknown type byte', '?\r\n', /protocol error: unexpected type byte/],
      ['a non-digit integer', ':1x\r\n', /protocol error: bad integer/],
      ['excessive nesting', '*1\r\n'.repeat(300), /protocol error: nesting too deep/],
      ['an HTTP response', 'HTTP/1.1 200 OK\r\n', /protocol error: unexpected type byte "H"/],
    ];
    for (const [what, garbage, cause] of cases) {
      test(what, async (t) => {
        const s = scope(t);
        const server = await serve(s, script(2, garbage));
        const ev = pubEvents();
        const pub = await openPub(s, server, ev);
        const { replies, all } = collectReplies(pub);
        publish(pub, [10, 11, 12, 13, 14]);
        await within(all(5), 'a reply (or failure) for every token');
        assert.deepStrictEqual([replies.get(10)?.reply, replies.get(11)?.reply], [1, 2]);
        for (const token of [12, 13, 14]) {
          assert.equal(replies.get(token)?.reply, -1, `token ${token} failed`);
          assert.match(replies.get(token)?.error ?? '', /^connection lost: protocol error/);
        }
        assert.match(await within(ev.disconnected, 'onDisconnect'), cause);
        assert.equal(ev.disconnects.length, 1);
        // Back on a fresh connection, the reader starts afresh.
        await within(ev.reconnected, 'onReconnect');
        publish(pub, [20]);
        await within(all(6), 'the reply after the reconnect');
        assert.equal(replies.get(20)?.reply, 7);
      });
    }

    test("multi: garbage in place of a QUEUED: the batch fails, onDisconnect names the cause", async (t) => {
      const s = scope(t);
      const server = await serve(s, (conn, args) => {
        if (handshake(conn, args)) return;
        if (args[0] === 'MULTI') conn.socket.write('+OK\r\n');
        else if (args[0] === 'PUBLISH') {
          const nth = conn.commands.filter((c) => c[0] === 'PUBLISH').length;
          conn.socket.write(nth === 2 ? '&&&\r\n' : '+QUEUED\r\n');
        } else if (args[0] === 'EXEC') conn.socket.write('*3\r\n:1\r\n:1\r\n:1\r\n');
      });
      const ev = pubEvents();
      const pub = await openPub(s, server, ev, { mode: 'multi' });
      const { replies, all } = collectReplies(pub);
      publish(pub, [1, 2, 3]);
      await within(all(3), 'a failure for every token');
      for (const token of [1, 2, 3]) {
        assert.equal(replies.get(token)?.reply, -1);
        assert.match(replies.get(token)?.error ?? '', /connection lost: protocol error/);
      }
      assert.match(await within(ev.disconnected, 'onDisconnect'), /protocol error: unexpected type byte "&"/);
    });
  });

  describe('native publisher, PUBLISH answered with an unexpected type', { concurrency: true }, () => {
    const cases: Array<[string, string]> = [
      ['a bulk string', '$5\r\nhello\r\n'],
      ['+OK', '+OK\r\n'],
      ['an array', '*1\r\n:1\r\n'],
      ['a RESP3 null', '_\r\n'],
    ];
    for (const [what, reply] of cases) {
      test(`${what}: that publish fails with the reply named; the others are unaffected`, async (t) => {
        const s = scope(t);
        const server = await serve(s, (conn, args) => {
          if (handshake(conn, args)) return;
          if (args[0] === 'PUBLISH') conn.socket.write(args[2].startsWith('odd') ? reply : ':1\r\n');
        });
        const ev = pubEvents();
        const pub = await openPub(s, server, ev);
        const { replies, all } = collectReplies(pub);
        publish(pub, [1], 'fine');
        await within(all(1), 'the first reply');
        publish(pub, [2], 'odd');
        await within(all(2), 'the second reply');
        assert.equal(replies.get(1)?.reply, 1);
        assert.equal(replies.get(2)?.reply, -1);
        assert.match(replies.get(2)?.error ?? '', /unexpected|protocol/i);
      });

      test(`${what}: the connection is closed with the cause named (issue 9)`, async (t) => {
        const s = scope(t);
        const server = await serve(s, (conn, args) => {
          if (handshake(conn, args)) return;
          if (args[0] === 'PUBLISH') conn.socket.write(conn.index === 1 ? reply : ':1\r\n');
        });
        const ev = pubEvents();
        const pub = await openPub(s, server, ev);
        const { all } = collectReplies(pub);
        publish(pub, [1]);
        await within(all(1), 'the reply');
        assert.match(await within(ev.disconnected, 'onDisconnect (a reply of an unexpected type closes the connection)'), /unexpected|protocol/i);
      });
    }
  });
});
