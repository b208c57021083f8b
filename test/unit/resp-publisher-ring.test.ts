/**
 * NativePublisher's ring buffer (src/targets/resp/publisher.ts, issue 9), against a fake server on loopback that
 * parses the PUBLISH frames it receives and answers each with an integer — NOT Redis: it checks framing, not Redis
 * behaviour. With a small maxInFlight and many add/send rounds (seeded, so a failure reproduces), in 'auto',
 * 'pipeline', 'await' and 'multi' modes: every token gets exactly one reply, the reply is the one the server gave
 * to that token's frame, the payload bytes the server received are the bytes the test wrote at payloadOffset (also
 * after the ring wrapped around), and in 'multi' every send() is one MULTI … EXEC (one per hash slot when sharded).
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createConnectionFactory } from '../../src/targets/connection.js';
import { keySlot } from '../../src/targets/slot.js';
import type { PublishConnection, PublisherOptions } from '../../src/targets/types.js';
import type { PublishMode } from '../../src/core/scenario.js';
import { seededRandom } from '../helpers/histograms.js';

/** Whole numbers below n from the shared seeded generator: the same sequence everywhere for one seed. */
function prng(seed: number): (n: number) => number {
  const next = seededRandom(seed);
  return (n: number): number => Math.floor(next() * n);
}

// ---------------------------------------------------------------------------------------------------------------
// The fake server: a minimal command parser (arrays of bulk strings, byte-exact) and integer replies.

interface Received {
  verb: string;
  channel: Buffer;
  payload: Buffer;
}

/** Parses complete commands from buf[0, len); returns them and the bytes used. Throws on bytes that are not commands. */
function parseCommands(buf: Buffer): { commands: Buffer[][]; used: number } {
  const commands: Buffer[][] = [];
  let pos = 0;
  const intLine = (from: number, type: number): { n: number; next: number } | undefined => {
    if (from >= buf.length) return undefined;
    if (buf[from] !== type) throw new Error(`expected ${String.fromCharCode(type)} at ${JSON.stringify(buf.toString('latin1', from, from + 24))}`);
    const cr = buf.indexOf(13, from);
    if (cr < 0 || cr + 1 >= buf.length) return undefined;
    const text = buf.toString('latin1', from + 1, cr);
    if (!/^\d+$/.test(text) || buf[cr + 1] !== 10) throw new Error(`bad length line ${JSON.stringify(buf.toString('latin1', from, cr + 2))}`);
    return { n: Number(text), next: cr + 2 };
  };
  outer: while (pos < buf.length) {
    const head = intLine(pos, 42);
    if (!head) break;
    const args: Buffer[] = [];
    let p = head.next;
    for (let i = 0; i < head.n; i++) {
      const len = intLine(p, 36);
      if (!len || len.next + len.n + 2 > buf.length) break outer;
      if (buf[len.next + len.n] !== 13 || buf[len.next + len.n + 1] !== 10) throw new Error(`bulk not ended by CRLF at ${len.next + len.n}`);
      args.push(Buffer.from(buf.subarray(len.next, len.next + len.n)));
      p = len.next + len.n + 2;
    }
    commands.push(args);
    pos = p;
  }
  return { commands, used: pos };
}

interface ServerConn {
  received: Received[];
  /** multi: sizes of the transactions, in order. */
  transactions: number[];
  /** What the server could not parse (the client sent something that is not RESP commands). */
  errors: string[];
  /** Commands other than the handshake, PUBLISH / SPUBLISH, MULTI and EXEC. */
  unexpected: string[];
}

class FakeServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  readonly conns: ServerConn[] = [];
  port = 0;

  /** hold: replies (after the handshake) wait for release(): one unit per PUBLISH reply, or per MULTI … EXEC. */
  private readonly hold: boolean;
  private readonly units: string[] = [];
  private unit = '';

  /** Sends the next `n` held units (all when n is omitted); returns how many went. */
  release(n = Infinity): number {
    let sent = 0;
    let out = '';
    while (sent < n && this.units.length > 0) {
      out += this.units.shift();
      sent++;
    }
    if (out !== '') for (const s of this.sockets) s.write(out, 'latin1');
    return sent;
  }

  /** Units held and not released yet. */
  get held(): number {
    return this.units.length;
  }

  /**
   * @param pushEvery RESP3: send an unrelated push before every n-th reply (0: never).
   * @param hold keep replies until release() (the test decides when the publisher hears back).
   */
  constructor(pushEvery = 0, hold = false) {
    this.hold = hold;
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const conn: ServerConn = { received: [], transactions: [], errors: [], unexpected: [] };
      this.conns.push(conn);
      let pending: Buffer = Buffer.alloc(0);
      let inTx = -1; // -1: no transaction open; else the commands queued in it
      let replies = 0;
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let parsed: { commands: Buffer[][]; used: number };
        try {
          parsed = parseCommands(pending);
        } catch (err) {
          conn.errors.push((err as Error).message);
          socket.destroy();
          return;
        }
        pending = pending.subarray(parsed.used);
        let out = '';
        /** A reply to a data command: written now, or held as (part of) a unit. */
        const reply = (text: string, endsUnit: boolean): void => {
          if (pushEvery > 0 && ++replies % pushEvery === 0) text = `>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n${text}`;
          if (!this.hold) {
            out += text;
            return;
          }
          this.unit += text;
          if (endsUnit) {
            this.units.push(this.unit);
            this.unit = '';
          }
        };
        for (const args of parsed.commands) {
          const verb = args[0].toString('latin1').toUpperCase();
          if (verb === 'HELLO') out += '%1\r\n$5\r\nproto\r\n:3\r\n';
          else if (verb === 'CLIENT' || verb === 'AUTH' || verb === 'SELECT') out += '+OK\r\n';
          else if (verb === 'MULTI') {
            if (inTx >= 0) conn.errors.push('MULTI inside MULTI');
            inTx = 0;
            reply('+OK\r\n', false);
          } else if (verb === 'PUBLISH' || verb === 'SPUBLISH') {
            if (args.length !== 3) conn.errors.push(`${verb} with ${args.length - 1} arguments`);
            conn.received.push({ verb, channel: args[1], payload: args[2] });
            if (inTx >= 0) {
              inTx++;
              reply('+QUEUED\r\n', false);
            } else {
              reply(`:${conn.received.length}\r\n`, true);
            }
          } else if (verb === 'EXEC') {
            if (inTx < 0) {
              conn.errors.push('EXEC without MULTI');
              reply('-ERR EXEC without MULTI\r\n', true);
              continue;
            }
            conn.transactions.push(inTx);
            let text = `*${inTx}\r\n`;
            for (let i = conn.received.length - inTx; i < conn.received.length; i++) text += `:${i + 1}\r\n`;
            reply(text, true);
            inTx = -1;
          } else {
            conn.unexpected.push(args.map((a) => a.toString('latin1')).join(' '));
            out += '-ERR unknown command\r\n';
          }
        }
        if (out !== '') socket.write(out, 'latin1');
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

// ---------------------------------------------------------------------------------------------------------------
// The driver: adds messages with seeded contents and batch sizes, checks every reply.

interface RingCase {
  name: string;
  mode: PublishMode;
  maxInFlight: number;
  messageBytes: number;
  channels: string[];
  total: number;
  seed: number;
  sharded?: boolean;
  resp3?: boolean;
  /** Push frames from the server before every n-th reply (RESP3 only). */
  pushEvery?: number;
  /** The ring must have wrapped around at least once (payloadOffset went down while messages were in flight). */
  mustWrap?: boolean;
}

/** A bound on every wait (loopback answers in well under a millisecond): a hang fails instead of blocking the run. */
/** Long enough for a loaded CI machine; a hang still fails the test instead of stalling it. */
const WAIT_MS = 20_000;

interface Outcome {
  server: FakeServer;
  /** Per token: channel index and the payload written. */
  sent: Array<{ channel: number; payload: Buffer }>;
  /** Per token: the reply (and lastError when -1). */
  replies: Array<{ reply: number; error: string } | undefined>;
  /** Messages per non-empty send(), in order. */
  batches: number[][];
  wraps: number;
  problems: string[];
}

async function drive(t: TestContext, c: RingCase): Promise<Outcome> {
  const server = await new FakeServer(c.pushEvery ?? 0).start();
  const factory = createConnectionFactory({ kind: 'single', nodes: [{ host: '127.0.0.1', port: server.port }] }, 'native');
  const rand = prng(c.seed);
  const template = Buffer.alloc(c.messageBytes);
  for (let i = 0; i < template.length; i++) template[i] = 0x20 + (i % 90);
  const opts: PublisherOptions = {
    sharded: c.sharded ?? false,
    clientName: 'pb-pub-ring',
    connectTimeoutMs: 2000,
    mode: c.mode,
    maxInFlight: c.maxInFlight,
    channels: c.channels.map((ch) => Buffer.from(ch)),
    payloadTemplate: template,
    resp3: c.resp3,
  };
  const problems: string[] = [];
  const disconnects: string[] = [];
  const pub: PublishConnection = await factory.openPublisher(opts, {
    onDisconnect: (cause) => disconnects.push(cause),
    onReconnect: () => undefined,
  });
  t.after(async () => {
    await pub.close();
    await server.stop();
  });

  const sent: Outcome['sent'] = [];
  const replies: Outcome['replies'] = [];
  const batches: number[][] = [];
  let current: number[] = [];
  let replied = 0;
  let wraps = 0;
  let lastOffset = -1;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const inFlight = (): number => sent.length - replied;

  function addOne(): void {
    const token = sent.length;
    const channel = rand(c.channels.length);
    const buf = pub.add(channel, token);
    const off = pub.payloadOffset;
    if (off < 0 || off + c.messageBytes > buf.length) problems.push(`token ${token}: payloadOffset ${off} outside the buffer (${buf.length})`);
    else if (!buf.subarray(off, off + c.messageBytes).equals(template)) problems.push(`token ${token}: the template is not in place at payloadOffset`);
    if (off < lastOffset && inFlight() > 0) wraps++;
    lastOffset = off;
    // Seeded bytes over the whole payload (CR, LF and RESP look-alikes included by chance and on purpose).
    const payload = Buffer.alloc(c.messageBytes);
    for (let i = 0; i < payload.length; i++) payload[i] = rand(256);
    if (payload.length >= 6 && token % 5 === 0) payload.write('\r\n*3\r\n', 0, 'latin1');
    payload.copy(buf, off);
    sent.push({ channel, payload });
    current.push(token);
  }

  function send(): void {
    if (current.length === 0) return;
    batches.push(current);
    current = [];
    pub.send();
  }

  /** One round: a seeded batch size, as much as the ring takes. */
  function pump(): void {
    if (sent.length >= c.total) return;
    if (c.mode === 'pipeline' || c.mode === 'await') {
      if (inFlight() > 0) return; // one batch in flight
      const n = c.mode === 'await' ? 1 : 1 + rand(c.maxInFlight);
      for (let i = 0; i < n && sent.length < c.total; i++) {
        if (!pub.hasRoom()) {
          problems.push(`nothing in flight but no room (batch ${batches.length}, message ${i} of ${n})`);
          break;
        }
        addOne();
      }
      send();
      return;
    }
    // auto / multi: continuous, up to maxInFlight.
    const n = 1 + rand(c.maxInFlight);
    for (let i = 0; i < n && sent.length < c.total; i++) {
      if (!pub.hasRoom()) break;
      addOne();
    }
    if (inFlight() === 0 && !pub.hasRoom()) problems.push('nothing in flight but no room');
    send();
  }

  pub.onReply = (token, reply) => {
    if (!Number.isInteger(token) || token < 0 || token >= sent.length) {
      problems.push(`reply for unknown token ${token}`);
      return;
    }
    if (replies[token] !== undefined) problems.push(`token ${token} got a second reply (${reply})`);
    replies[token] = { reply, error: reply < 0 ? pub.lastError : '' };
    replied++;
    if (inFlight() > c.maxInFlight) problems.push(`${inFlight()} in flight, more than maxInFlight ${c.maxInFlight}`);
    if (replied >= c.total) done();
    else if (reply < 0 && problems.length < 50) problems.push(`token ${token} failed: ${pub.lastError}`);
    pump();
  };

  pump();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WAIT_MS)));
  const how = await Promise.race([finished.then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  if (how === 'timeout') {
    const conn = server.conns[0];
    problems.push(
      `hang: ${replied} of ${c.total} replies after ${WAIT_MS} ms (${sent.length} added, server received ${conn?.received.length ?? 0}, ` +
        `server errors ${JSON.stringify(conn?.errors ?? [])}, disconnects ${JSON.stringify(disconnects)})`,
    );
  }
  if (disconnects.length > 0) problems.push(`disconnected: ${disconnects.join('; ')}`);
  return { server, sent, replies, batches, wraps, problems };
}

/** The checks every mode shares. */
function checkOutcome(c: RingCase, o: Outcome): void {
  assert.deepStrictEqual(o.problems.slice(0, 10), [], 'driver problems');
  assert.equal(o.server.conns.length, 1, 'one connection');
  const conn = o.server.conns[0];
  assert.deepStrictEqual(conn.errors, [], 'the server parsed every frame');
  assert.deepStrictEqual(conn.unexpected, [], 'no other commands');
  assert.equal(o.sent.length, c.total);
  assert.equal(conn.received.length, c.total, 'the server received every message once');
  const verb = c.sharded ? 'SPUBLISH' : 'PUBLISH';
  const mismatches: string[] = [];
  for (let token = 0; token < c.total; token++) {
    const r = o.replies[token];
    if (r === undefined) {
      mismatches.push(`token ${token}: no reply`);
      continue;
    }
    // The server numbers the frames it receives 1, 2, …: the reply names which frame this token's reply answered.
    if (r.reply !== token + 1) mismatches.push(`token ${token}: reply ${r.reply}, want ${token + 1}${r.error ? ` (${r.error})` : ''}`);
    const got = conn.received[token];
    const want = o.sent[token];
    if (got.verb !== verb) mismatches.push(`frame ${token}: ${got.verb}`);
    if (!got.channel.equals(Buffer.from(c.channels[want.channel]))) mismatches.push(`frame ${token}: channel ${JSON.stringify(got.channel.toString('latin1'))}, want ${c.channels[want.channel]}`);
    if (!got.payload.equals(want.payload)) mismatches.push(`frame ${token}: payload differs (${got.payload.length} bytes received, ${want.payload.length} written)`);
    if (mismatches.length >= 10) break;
  }
  assert.deepStrictEqual(mismatches, []);
  if (c.mustWrap) assert.ok(o.wraps > 0, 'the ring wrapped around at least once');
}

/** multi: the transactions the server saw are the send() batches, split where the hash slot changes when sharded. */
function expectedTransactions(c: Pick<RingCase, 'sharded' | 'channels'>, o: Outcome): number[] {
  const sizes: number[] = [];
  for (const batch of o.batches) {
    let run = 0;
    let slot = -2;
    for (const token of batch) {
      const s = c.sharded ? keySlot(Buffer.from(c.channels[o.sent[token].channel])) : -1;
      if (run > 0 && s !== slot) {
        sizes.push(run);
        run = 0;
      }
      slot = s;
      run++;
    }
    if (run > 0) sizes.push(run);
  }
  return sizes;
}

// ---------------------------------------------------------------------------------------------------------------

const CHANNELS = ['a', 'news', 'a-much-longer-channel-name-for-a-longer-frame-prefix', 'ch:7'];
/** Different hash slots, and two channels sharing one ({x}). */
const SHARDED_CHANNELS = ['a', 'b', '{x}.1', '{x}.2', 'news'];

const CASES: RingCase[] = [
  { name: 'auto, maxInFlight 1', mode: 'auto', maxInFlight: 1, messageBytes: 24, channels: CHANNELS, total: 1500, seed: 1 },
  { name: 'auto, maxInFlight 3, 37-byte payloads', mode: 'auto', maxInFlight: 3, messageBytes: 37, channels: CHANNELS, total: 2500, seed: 2, mustWrap: true },
  { name: 'auto, maxInFlight 7, 1-byte payloads', mode: 'auto', maxInFlight: 7, messageBytes: 1, channels: CHANNELS, total: 2500, seed: 3, mustWrap: true },
  { name: 'auto, maxInFlight 5, 700-byte payloads', mode: 'auto', maxInFlight: 5, messageBytes: 700, channels: CHANNELS, total: 3000, seed: 4, mustWrap: true },
  { name: 'auto, maxInFlight 2, one channel', mode: 'auto', maxInFlight: 2, messageBytes: 64, channels: ['only'], total: 3000, seed: 5, mustWrap: true },
  { name: 'auto, maxInFlight 4, RESP3 with pushes between replies', mode: 'auto', maxInFlight: 4, messageBytes: 50, channels: CHANNELS, total: 3000, seed: 6, resp3: true, pushEvery: 3, mustWrap: true },
  { name: 'auto, maxInFlight 16, 64 KiB payloads', mode: 'auto', maxInFlight: 16, messageBytes: 64 * 1024, channels: CHANNELS, total: 300, seed: 7, mustWrap: true },
  { name: 'await (one in flight)', mode: 'await', maxInFlight: 1, messageBytes: 33, channels: CHANNELS, total: 1000, seed: 8 },
  { name: 'pipeline, maxInFlight 4', mode: 'pipeline', maxInFlight: 4, messageBytes: 40, channels: CHANNELS, total: 3000, seed: 9 },
  { name: 'pipeline, maxInFlight 16, 300-byte payloads', mode: 'pipeline', maxInFlight: 16, messageBytes: 300, channels: CHANNELS, total: 2500, seed: 10 },
  { name: 'pipeline, maxInFlight 1', mode: 'pipeline', maxInFlight: 1, messageBytes: 5, channels: CHANNELS, total: 1000, seed: 11 },
];

const MULTI_CASES: RingCase[] = [
  { name: 'multi, maxInFlight 3', mode: 'multi', maxInFlight: 3, messageBytes: 29, channels: CHANNELS, total: 3000, seed: 21, mustWrap: true },
  { name: 'multi, maxInFlight 8, 200-byte payloads', mode: 'multi', maxInFlight: 8, messageBytes: 200, channels: CHANNELS, total: 2500, seed: 22, mustWrap: true },
  { name: 'multi, maxInFlight 1', mode: 'multi', maxInFlight: 1, messageBytes: 10, channels: CHANNELS, total: 1000, seed: 23 },
  { name: 'multi, maxInFlight 5, RESP3 with pushes between replies', mode: 'multi', maxInFlight: 5, messageBytes: 50, channels: CHANNELS, total: 3000, seed: 24, resp3: true, pushEvery: 4, mustWrap: true },
  { name: 'multi, sharded: one transaction per hash slot, maxInFlight 4', mode: 'multi', maxInFlight: 4, messageBytes: 30, channels: SHARDED_CHANNELS, total: 3000, seed: 25, sharded: true },
  { name: 'multi, sharded: one transaction per hash slot, maxInFlight 9, equal-length channels', mode: 'multi', maxInFlight: 9, messageBytes: 17, channels: ['c1', 'c2', 'c3', 'c4'], total: 2500, seed: 26, sharded: true },
];

// ---------------------------------------------------------------------------------------------------------------
// Stepped runs: the server holds its replies and the test releases them, so several sends stay in flight while the
// ring fills, wraps and drains in a chosen (seeded or recorded) order.

interface Step {
  /** Channel indexes to add (as many as hasRoom() allows), then one send(). */
  chs: number[];
  /** Reply units (one PUBLISH reply, or one MULTI … EXEC) the server releases after that send. */
  answer: number;
}

type SteppedCase = Omit<RingCase, 'total' | 'seed'> & { steps: Step[] } | Omit<RingCase, 'total'> & { rounds: number };

/** Waits (polling the event loop) until `pred` holds; a bounded wait, so a hang fails with `what`. */
async function until(pred: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(`hang: ${what()}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function stepped(t: TestContext, c: SteppedCase): Promise<void> {
  const server = await new FakeServer(0, true).start();
  const factory = createConnectionFactory({ kind: 'single', nodes: [{ host: '127.0.0.1', port: server.port }] }, 'native');
  const rand = prng('seed' in c ? c.seed : 1);
  const template = Buffer.alloc(c.messageBytes, 0x2e);
  const disconnects: string[] = [];
  const pub = await factory.openPublisher(
    {
      sharded: c.sharded ?? false,
      clientName: 'pb-pub-ring',
      connectTimeoutMs: 2000,
      mode: c.mode,
      maxInFlight: c.maxInFlight,
      channels: c.channels.map((ch) => Buffer.from(ch)),
      payloadTemplate: template,
    },
    { onDisconnect: (cause) => disconnects.push(cause), onReconnect: () => undefined },
  );
  t.after(async () => {
    await pub.close();
    await server.stop();
  });
  const o: Outcome = { server, sent: [], replies: [], batches: [], wraps: 0, problems: [] };
  let replied = 0;
  let lastOffset = -1;
  pub.onReply = (token, reply) => {
    if (o.replies[token] !== undefined) o.problems.push(`token ${token} got a second reply`);
    o.replies[token] = { reply, error: reply < 0 ? pub.lastError : '' };
    replied++;
  };
  const conn = (): ServerConn => server.conns[0];
  /** Tokens covered by the first `units` reply units. */
  const tokensIn = (units: number): number => (c.mode === 'multi' ? conn().transactions.slice(0, units).reduce((a, n) => a + n, 0) : units);
  let released = 0;
  const state = (): string =>
    `${o.sent.length} added in ${o.batches.length} sends, server received ${conn().received.length} frames / ${conn().transactions.length} transactions, ` +
    `${replied} replies, server errors ${JSON.stringify(conn().errors)}, disconnects ${JSON.stringify(disconnects)}`;

  const steps: Step[] = 'steps' in c ? c.steps : [];
  const rounds = 'steps' in c ? c.steps.length : c.rounds;
  for (let round = 0; round < rounds; round++) {
    const chs = 'steps' in c ? steps[round].chs : Array.from({ length: 1 + rand(c.maxInFlight) }, () => rand(c.channels.length));
    const batch: number[] = [];
    for (const channel of chs) {
      if (!pub.hasRoom()) break;
      const token = o.sent.length;
      const buf = pub.add(channel, token);
      const off = pub.payloadOffset;
      if (off < lastOffset) o.wraps++;
      lastOffset = off;
      const payload = Buffer.alloc(c.messageBytes);
      for (let i = 0; i < payload.length; i++) payload[i] = (token * 31 + i * 7) & 0xff;
      payload.copy(buf, off);
      o.sent.push({ channel, payload });
      batch.push(token);
    }
    if (batch.length > 0) {
      o.batches.push(batch);
      pub.send();
    } else if (replied === o.sent.length) {
      o.problems.push(`round ${round}: nothing in flight but no room`);
    }
    const wantTx = c.mode === 'multi' ? expectedTransactions(c, o).length : 0;
    await until(
      () => conn().received.length === o.sent.length && conn().transactions.length === wantTx,
      () => `round ${round}: the server did not receive every frame sent (${state()})`,
    );
    const answer = 'steps' in c ? steps[round].answer : rand(server.held + 1);
    released += server.release(answer);
    const want = tokensIn(released);
    await until(() => replied >= want, () => `round ${round}: ${want} replies expected (${state()})`);
  }
  released += server.release();
  await until(() => replied === o.sent.length, () => `the last replies (${state()})`);
  if (disconnects.length > 0) o.problems.push(`disconnected: ${disconnects.join('; ')}`);
  const rc = { ...c, total: o.sent.length, seed: 0 } as RingCase;
  checkOutcome(rc, o);
  if (c.mode === 'multi') assert.deepStrictEqual(conn().transactions, expectedTransactions(rc, o), 'transactions as sent');
}

// Every test has its own server and publisher, so all run concurrently.
describe('NativePublisher ring (fake server on loopback)', { concurrency: true }, () => {
  describe('NativePublisher ring: every token one reply, byte-exact frames', { concurrency: true }, () => {
    for (const c of CASES) {
      test(c.name, async (t) => {
        const o = await drive(t, c);
        checkOutcome(c, o);
        if (c.mode === 'pipeline' || c.mode === 'await') assert.ok(o.batches.every((b) => b.length <= c.maxInFlight), 'batches within maxInFlight');
      });
    }

    test('sharded, not multi: SPUBLISH frames, one reply each', async (t) => {
      const c: RingCase = { name: 'sharded auto', mode: 'auto', maxInFlight: 3, messageBytes: 21, channels: SHARDED_CHANNELS, total: 2000, seed: 31, sharded: true, mustWrap: true };
      checkOutcome(c, await drive(t, c));
    });
  });

  describe('NativePublisher ring, mode multi: each send() is MULTI … EXEC', { concurrency: true }, () => {
    for (const c of MULTI_CASES) {
      test(c.name, async (t) => {
        const o = await drive(t, c);
        checkOutcome(c, o);
        assert.deepStrictEqual(o.server.conns[0].transactions, expectedTransactions(c, o), 'transactions as sent');
      });
    }
  });

  describe('NativePublisher ring, replies held back: several sends in flight', { concurrency: true }, () => {
    const stepCases: SteppedCase[] = [
      { name: 'auto, maxInFlight 3', mode: 'auto', maxInFlight: 3, messageBytes: 37, channels: CHANNELS, seed: 41, rounds: 250, mustWrap: true },
      { name: 'auto, maxInFlight 8, 500-byte payloads', mode: 'auto', maxInFlight: 8, messageBytes: 500, channels: CHANNELS, seed: 42, rounds: 300, mustWrap: true },
      { name: 'multi, maxInFlight 4', mode: 'multi', maxInFlight: 4, messageBytes: 23, channels: CHANNELS, seed: 43, rounds: 250, mustWrap: true },
      { name: 'multi, sharded, maxInFlight 3', mode: 'multi', maxInFlight: 3, messageBytes: 9, channels: ['{a}1', '{a}2', '{b}1'], sharded: true, seed: 44, rounds: 250, mustWrap: true },
      { name: 'multi, sharded, maxInFlight 5', mode: 'multi', maxInFlight: 5, messageBytes: 40, channels: SHARDED_CHANNELS, sharded: true, seed: 45, rounds: 250, mustWrap: true },
      {
        // A recorded sequence (ring 700 bytes, 70 per message): the last message of the 4th send changes hash slot, so
        // add() writes EXEC + MULTI + the message at 628..698 — all the room it reserved — and send()'s closing EXEC
        // (14 bytes) no longer fits before the ring's end: the server must still receive a whole EXEC.
        name: 'multi, sharded, recorded: the closing EXEC of a send at the end of the ring',
        mode: 'multi',
        maxInFlight: 4,
        messageBytes: 7,
        channels: ['{a}1', '{a}2', '{b}1'],
        sharded: true,
        steps: [
          { chs: [1, 1, 2, 1], answer: 2 },
          { chs: [2, 1, 2], answer: 1 },
          { chs: [0], answer: 3 },
          { chs: [2, 2, 0], answer: 2 },
        ],
      },
    ];
    for (const c of stepCases) test(c.name, (t) => stepped(t, c));
  });
});
