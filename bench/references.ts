/**
 * Plain-socket references: what one Node.js event loop does with bare `node:net` sockets and the least RESP work
 * possible, on the same server in the same run. They are the floor the harness is compared with (issue 9 aims).
 *   A. one socket publishing pre-encoded PUBLISH frames, at most N in flight (counts the `:n` replies);
 *   B. A plus one subscriber socket on the same loop, parsing `*3 $7 message …` pushes and counting them;
 *   C. one publisher at a fixed rate with a send timestamp in the payload, and many subscriber sockets: receive − send.
 * A sanity failure (an error reply, a message lost) throws; timings are only reported.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const nowUs = (): number => (performance.timeOrigin + performance.now()) * 1000;

/** A RESP array of bulk strings. */
function command(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Polls `cond` every few ms; false when `timeoutMs` passed first. */
async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** Counts integer replies across reads; any other reply (an error) is a sanity failure. */
class ReplyCounter {
  count = 0;
  private lineStart = true;
  feed(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.lineStart && buf[pos] !== 0x3a) throw new Error(`plain publisher: unexpected reply ${JSON.stringify(buf.toString('latin1', pos, pos + 60))}`);
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) {
        this.lineStart = false;
        return;
      }
      this.count++;
      this.lineStart = true;
      pos = nl + 1;
    }
  }
}

/** Where the last complete push put its parts: whether it is a `message`, and its last bulk string (the payload). */
interface Push {
  isMessage: boolean;
  start: number;
  end: number;
}

function digits(buf: Buffer, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + buf[i] - 48;
  return v;
}

/** Reads one push (`*N` of bulk strings and integers) at `pos`; its end, or -1 when the read holds only part of it. */
function nextPush(buf: Buffer, pos: number, out: Push): number {
  if (buf[pos] !== 0x2a) throw new Error(`plain subscriber: unexpected ${JSON.stringify(buf.toString('latin1', pos, pos + 60))}`);
  let nl = buf.indexOf(0x0a, pos);
  if (nl < 0) return -1;
  const n = digits(buf, pos + 1, nl - 1);
  let p = nl + 1;
  out.isMessage = false;
  for (let i = 0; i < n; i++) {
    if (p >= buf.length) return -1;
    nl = buf.indexOf(0x0a, p);
    if (nl < 0) return -1;
    if (buf[p] === 0x3a) {
      p = nl + 1;
      continue;
    }
    const start = nl + 1;
    const end = start + digits(buf, p + 1, nl - 1);
    if (end + 2 > buf.length) return -1;
    if (i === 0) out.isMessage = end - start === 7 && buf[start] === 0x6d; // "message"
    out.start = start;
    out.end = end;
    p = end + 2;
  }
  return p;
}

/** A subscriber socket's stream of pushes, frames split across reads at any byte. */
function onPushes(sock: net.Socket, fail: (err: Error) => void, handle: (buf: Buffer, push: Push) => void): void {
  let rest: Buffer | null = null;
  const push: Push = { isMessage: false, start: 0, end: 0 };
  sock.on('data', (chunk: Buffer) => {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = null;
    let pos = 0;
    try {
      while (pos < buf.length) {
        const end = nextPush(buf, pos, push);
        if (end < 0) break;
        handle(buf, push);
        pos = end;
      }
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (pos < buf.length) rest = buf.subarray(pos);
  });
}

/** A publisher keeping at most `maxInFlight` pre-encoded PUBLISH frames outstanding, written `perWrite` at a time. */
async function startPublisher(port: number, channel: string, messageBytes: number, maxInFlight: number, fail: (err: Error) => void) {
  const perWrite = Math.min(256, maxInFlight);
  const chunk = Buffer.concat(new Array<Buffer>(perWrite).fill(command('PUBLISH', channel, Buffer.alloc(messageBytes, 0x78))));
  const sock = await connect(port);
  const replies = new ReplyCounter();
  const state = { sent: 0, replies, publishing: true, sock };
  const fill = (): void => {
    while (state.publishing && state.sent - replies.count + perWrite <= maxInFlight) {
      sock.write(chunk);
      state.sent += perWrite;
    }
  };
  sock.on('error', fail);
  sock.on('data', (buf: Buffer) => {
    try {
      replies.feed(buf);
    } catch (err) {
      fail(err as Error);
      return;
    }
    fill();
  });
  fill();
  return state;
}

/** Runs `body` with a `fail` that makes the whole reference reject (errors inside socket callbacks included). */
async function guarded<T>(body: (fail: (err: Error) => void) => Promise<T>): Promise<T> {
  let reject!: (err: Error) => void;
  const failed = new Promise<never>((_, r) => (reject = r));
  failed.catch(() => undefined);
  return Promise.race([body((err) => reject(err)), failed]);
}

/** Rate of `count()` over `measureMs`, after `warmupMs`. */
async function rateOver(count: () => number, warmupMs: number, measureMs: number): Promise<number> {
  await sleep(warmupMs);
  const c0 = count();
  const t0 = performance.now();
  await sleep(measureMs);
  return ((count() - c0) * 1000) / (performance.now() - t0);
}

export interface PublishOptions {
  channel: string;
  messageBytes: number;
  maxInFlight: number;
  warmupMs: number;
  measureMs: number;
}

/** Reference A: one plain socket publishing, no subscribers. Returns PUBLISH replies per second. */
export function plainPublish(port: number, o: PublishOptions): Promise<number> {
  return guarded(async (fail) => {
    const pub = await startPublisher(port, o.channel, o.messageBytes, o.maxInFlight, fail);
    const perS = await rateOver(() => pub.replies.count, o.warmupMs, o.measureMs);
    pub.publishing = false;
    await until(() => pub.replies.count === pub.sent, 10_000);
    pub.sock.destroy();
    return perS;
  });
}

/** Reference B: a plain publisher and a plain subscriber on this one event loop. Throws when a message is lost. */
export function plainPubSub(port: number, o: PublishOptions): Promise<{ deliveredPerS: number }> {
  return guarded(async (fail) => {
    const sub = await connect(port);
    sub.on('error', fail);
    let received = 0;
    let confirmed = false;
    onPushes(sub, fail, (_buf, push) => (push.isMessage ? received++ : (confirmed = true)));
    sub.write(command('SUBSCRIBE', o.channel));
    if (!(await until(() => confirmed, 5000))) throw new Error('plain subscriber: SUBSCRIBE not confirmed in 5 s');
    const pub = await startPublisher(port, o.channel, o.messageBytes, o.maxInFlight, fail);
    const deliveredPerS = await rateOver(() => received, o.warmupMs, o.measureMs);
    pub.publishing = false;
    await until(() => pub.replies.count === pub.sent && received >= pub.sent, 10_000);
    pub.sock.destroy();
    sub.destroy();
    if (received !== pub.sent) throw new Error(`reference B lost messages: ${pub.sent} published, ${received} received`);
    return { deliveredPerS };
  });
}

/**
 * Opens `count` plain subscriber sockets on `channel` (`parallel` connecting at a time) and resolves once every
 * SUBSCRIBE is confirmed. `onMessage` gets each message's payload.
 */
export async function plainSubscribers(
  port: number, count: number, channel: string, fail: (err: Error) => void,
  onMessage: (buf: Buffer, start: number, end: number) => void, parallel = 256,
): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  let confirmed = 0;
  const subscribe = command('SUBSCRIBE', channel);
  for (let i = 0; i < count; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, () => connect(port)));
    for (const s of batch) {
      s.on('error', fail);
      onPushes(s, fail, (buf, push) => (push.isMessage ? onMessage(buf, push.start, push.end) : confirmed++));
      s.write(subscribe);
      socks.push(s);
    }
  }
  if (!(await until(() => confirmed === count, 60_000))) throw new Error(`plain subscribers: ${confirmed} of ${count} SUBSCRIBEs confirmed in 60 s`);
  return socks;
}

export interface LatencyOptions {
  channel: string;
  subscribers: number;
  /** Messages per second. */
  rate: number;
  messageBytes: number;
  warmupMs: number;
  measureMs: number;
}

/**
 * Reference C: on this one event loop, a plain publisher sending `rate` msgs/s, each carrying its send time (epoch µs,
 * performance.timeOrigin + performance.now()), to `subscribers` plain sockets; percentiles of receive − send.
 */
export function plainFanoutLatency(port: number, o: LatencyOptions): Promise<{ p50Us: number; p99Us: number; samples: number }> {
  return guarded(async (fail) => {
    const total = Math.round(((o.warmupMs + o.measureMs) * o.rate) / 1000);
    const latencies = new Float64Array(total * o.subscribers);
    let samples = 0;
    let received = 0;
    const socks = await plainSubscribers(port, o.subscribers, o.channel, fail, (buf, start) => {
      received++;
      if (buf[start + 8] === 1) latencies[samples++] = nowUs() - buf.readDoubleLE(start);
    });
    const pub = await connect(port);
    pub.on('error', fail);
    pub.on('data', () => undefined); // the `:n` replies
    const warmupCount = Math.round((o.warmupMs * o.rate) / 1000);
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / o.rate - performance.now();
      if (wait > 0) await sleep(wait);
      const payload = Buffer.alloc(o.messageBytes, 0x78);
      payload[8] = i >= warmupCount ? 1 : 0;
      payload.writeDoubleLE(nowUs(), 0);
      pub.write(command('PUBLISH', o.channel, payload));
    }
    const expected = total * o.subscribers;
    await until(() => received >= expected, 10_000);
    pub.destroy();
    for (const s of socks) s.destroy();
    if (received !== expected) throw new Error(`reference C lost messages: ${expected} expected, ${received} received`);
    const sorted = latencies.subarray(0, samples).sort();
    const at = (q: number): number => sorted[Math.min(samples - 1, Math.floor(q * samples))];
    return { p50Us: at(0.5), p99Us: at(0.99), samples };
  });
}
