/**
 * The native data path (src/targets/resp/) against real redis-servers, beyond what the target tests share with
 * ioredis: mode 'multi' (replies from EXEC's array; a transaction with a command refused at queue time fails every
 * message of it), RESP3 (HELLO 3), 1 MiB payloads byte-exact, SELECT of the spec's database, and a subscriber
 * whose server is restarted (reconnect, resubscribe). Where ioredis offers the same feature (multi, SELECT,
 * restart) it runs too, so both paths are held to the same behaviour.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetError } from '../../src/core/errors.js';
import type { ClientKind, PublishMode } from '../../src/core/scenario.js';
import type { TargetSpec } from '../../src/core/target.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { restartLocalNode } from '../../src/targets/local-restart.js';
import { NO_PATTERN, type ConnectionFactory, type ConnectionOptions, type PublishConnection } from '../../src/targets/types.js';
import {
  CLIENTS,
  OpenConnections,
  Recorder,
  fixed,
  publishAll,
  publishAllDetailed,
  publisherOptions,
  redisCli,
  startServer,
  uniqueName,
  waitFor,
} from '../helpers/redis.js';

const PASSWORD = 'pb-Native-Secret-9';
const LIMITED_PASSWORD = 'pb-Limited-Secret-3';
let server: LocalTargetDetails;

before(async () => {
  server = await startServer({
    kind: 'single',
    requirePassword: PASSWORD,
    // May publish only to channels named allowed*: PUBLISH to any other is refused with NOPERM.
    aclUsers: [{ name: 'limited', password: LIMITED_PASSWORD, rules: '~* resetchannels &allowed* +@all' }],
  });
});

const connections = new OpenConnections();
afterEach(() => connections.closeAll());

after(async () => {
  await server?.stop();
});

const subOpts = (name: string, extra: Partial<ConnectionOptions> = {}): ConnectionOptions => ({ sharded: false, clientName: name, connectTimeoutMs: 3000, ...extra });
const factoryFor = (spec: TargetSpec, client: ClientKind = 'native'): ConnectionFactory => connections.track(createConnectionFactory(spec, client));
const limitedSpec = (): TargetSpec => ({ ...server.spec, username: 'limited', password: LIMITED_PASSWORD });

/** Calls of `command` so far, from INFO commandstats (0 when never called). */
async function commandCalls(command: string): Promise<number> {
  const stats = await redisCli(server, server.nodes[0].port, 'INFO', 'commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats);
  return match ? Number(match[1]) : 0;
}

/** The CLIENT LIST line of the connection named `name`. */
async function clientLine(name: string): Promise<string> {
  const list = await redisCli(server, server.nodes[0].port, 'CLIENT', 'LIST');
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  assert.ok(line, `no connection named ${name} in CLIENT LIST:\n${list}`);
  return line;
}

/** Deterministic bytes (xorshift) covering every byte value, CR and LF included. */
function noise(length: number, seed: number): Buffer {
  const buf = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/**
 * Publishes `total` messages through a window of `window` tokens, like a worker: add while a token is free and
 * hasRoom(), send() after every `batch` added (and at the end of each pass), refill as replies free tokens.
 * Resolves with every reply by message number; rejects after `timeoutMs` (a stall is a failure, never a hang).
 */
function stream(
  pub: PublishConnection,
  o: { total: number; window: number; batch: number; channelOf(k: number): number; payloadOf(k: number): Buffer; timeoutMs?: number },
): Promise<number[]> {
  const replies = new Array<number>(o.total).fill(Number.NaN);
  const free = Array.from({ length: o.window }, (_, i) => o.window - 1 - i);
  const messageOf = new Int32Array(o.window).fill(-1);
  let next = 0;
  let answered = 0;
  let queued = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stalled: ${answered}/${o.total} replies after ${o.timeoutMs ?? 10_000} ms, ${next} added, ${free.length} tokens free, hasRoom ${pub.hasRoom()}`)),
      o.timeoutMs ?? 10_000,
    );
    const pump = (): void => {
      queued = false;
      let inBatch = 0;
      while (next < o.total && free.length > 0 && pub.hasRoom()) {
        const token = free.pop() as number;
        messageOf[token] = next;
        const buf = pub.add(o.channelOf(next), token);
        o.payloadOf(next).copy(buf, pub.payloadOffset);
        next++;
        if (++inBatch === o.batch) {
          pub.send();
          inBatch = 0;
        }
      }
      if (inBatch > 0) pub.send();
    };
    pub.onReply = (token, reply) => {
      const k = messageOf[token];
      if (k < 0 || !Number.isNaN(replies[k])) {
        clearTimeout(timer);
        reject(new Error(`reply for token ${token} that has no message in flight`));
        return;
      }
      replies[k] = reply;
      messageOf[token] = -1;
      free.push(token);
      if (++answered === o.total) {
        clearTimeout(timer);
        resolve(replies);
      } else if (!queued) {
        queued = true;
        setImmediate(pump);
      }
    };
    pump();
  });
}

for (const client of CLIENTS) {
  describe(`mode 'multi', ${client} client`, { timeout: 30_000 }, () => {
    test(`${client}: every send() is one MULTI … EXEC; the replies come from EXEC's array, per message`, async () => {
      const factory = factoryFor(server.spec, client);
      const base = uniqueName('multi');
      const channels = [`${base}.two`, `${base}.one`, `${base}.none`];
      const recs = [new Recorder(), new Recorder()];
      const subs = await Promise.all(recs.map((rec, i) => factory.openSubscriber(subOpts(`pb-msub-${i}`), rec)));
      await subs[0].subscribe([channels[0], channels[1]]);
      await subs[1].subscribe([channels[0]]);
      const pub = await factory.openPublisher(publisherOptions('pb-mpub', channels, 8, 'multi'), new Recorder());
      const [multiBefore, execBefore] = [await commandCalls('multi'), await commandCalls('exec')];
      const items = [0, 1, 2, 0, 1, 2].map((channel, k) => ({ channel, payload: fixed(`x${k}`, 8) }));
      const { replies, errors } = await publishAllDetailed(pub, items, { batch: 3 });
      assert.deepEqual(errors, items.map(() => ''));
      assert.deepEqual(replies, [2, 1, 0, 2, 1, 0]);
      assert.equal((await commandCalls('multi')) - multiBefore, 2, 'one MULTI per send()');
      assert.equal((await commandCalls('exec')) - execBefore, 2, 'one EXEC per send()');
      await waitFor(() => recs[0].deliveries.length === 4 && recs[1].deliveries.length === 2, 'the deliveries of both transactions');
      assert.deepEqual(recs[0].deliveries.map((d) => d.payload), ['x0', 'x1', 'x3', 'x4'].map((p) => fixed(p, 8).toString()));
      assert.deepEqual(recs[1].deliveries.map((d) => d.payload), ['x0', 'x3'].map((p) => fixed(p, 8).toString()));
      await Promise.all([...subs.map((s) => s.close()), pub.close()]);
    });

    test(`${client}: a command refused at queue time (NOPERM) fails every message of its transaction, and only those`, async () => {
      const channels = [`allowed.${uniqueName('acl')}`, `denied.${uniqueName('acl')}`];
      const rec = new Recorder();
      const sub = await factoryFor(server.spec, client).openSubscriber(subOpts('pb-aclsub'), rec);
      await sub.subscribe([channels[0], channels[1]]);
      const limited = factoryFor(limitedSpec(), client);
      const pub = await limited.openPublisher(publisherOptions('pb-aclpub', channels, 8, 'multi'), new Recorder());
      const refused = await publishAllDetailed(pub, [0, 1, 0].map((channel, k) => ({ channel, payload: fixed(`bad${k}`, 8) })));
      assert.deepEqual(refused.replies, [-1, -1, -1], 'the whole transaction was discarded');
      for (const error of refused.errors) assert.match(error, /NOPERM|EXECABORT/);
      if (client === 'native') assert.match(refused.errors[0], /^NOPERM/, 'the native path names the command that was refused');
      assert.ok(!refused.errors.join(' ').includes(LIMITED_PASSWORD));
      // The connection is still good: the next transaction goes through.
      const accepted = await publishAll(pub, [0, 0, 0].map((channel, k) => ({ channel, payload: fixed(`ok${k}`, 8) })));
      assert.deepEqual(accepted, [1, 1, 1]);
      await waitFor(() => rec.deliveries.length === 3, 'the deliveries of the accepted transaction');
      // Nothing of the discarded transaction arrived (it would have come first).
      assert.deepEqual(rec.deliveries.map((d) => d.payload), ['ok0', 'ok1', 'ok2'].map((p) => fixed(p, 8).toString()));
      // Pipelined (no transaction), only the refused command fails.
      const piped = await factoryFor(limitedSpec(), client).openPublisher(publisherOptions('pb-aclpipe', channels, 8, 'pipeline'), new Recorder());
      const mixed = await publishAllDetailed(piped, [0, 1, 0].map((channel, k) => ({ channel, payload: fixed(`p${k}`, 8) })));
      assert.deepEqual(mixed.replies, [1, -1, 1]);
      assert.match(mixed.errors[1], /NOPERM/);
      await Promise.all([sub.close(), pub.close(), piped.close()]);
    });
  });

  describe(`long streams through a small window, ${client} client`, { timeout: 60_000 }, () => {
    const modes: Array<{ mode: PublishMode; batch: number }> = [
      { mode: 'await', batch: 1 },
      { mode: 'pipeline', batch: 4 },
      { mode: 'multi', batch: 3 },
      { mode: 'auto', batch: 1 },
    ];
    for (const { mode, batch } of modes) {
      test(`${client}: mode '${mode}': 3000 messages through 8 in flight (the native ring wraps many times): every reply, every delivery in order`, async () => {
        const factory = factoryFor(server.spec, client);
        const base = uniqueName(`stream-${mode}`);
        const channels = [`${base}.a`, `${base}.b`, `${base}.c`];
        const rec = new Recorder();
        const sub = await factory.openSubscriber(subOpts('pb-streamsub'), rec);
        await sub.subscribe(channels.slice(0, 2));
        const window = 8;
        const pub = await factory.openPublisher(publisherOptions('pb-streampub', channels, 100, mode, { maxInFlight: window }), new Recorder());
        const total = 3000;
        const payloadOf = (k: number): Buffer => fixed(`m${k}`, 100);
        const replies = await stream(pub, { total, window: mode === 'await' ? 1 : window, batch, channelOf: (k) => k % 3, payloadOf });
        assert.deepEqual(replies, replies.map((_, k) => (k % 3 === 2 ? 0 : 1)));
        const expected = Array.from({ length: total }, (_, k) => k).filter((k) => k % 3 !== 2);
        await waitFor(() => rec.deliveries.length === expected.length, `${expected.length} deliveries`, 10_000);
        assert.deepEqual(
          rec.deliveries.map((d) => `${d.channel} ${d.payload}`),
          expected.map((k) => `${channels[k % 3]} ${payloadOf(k).toString()}`),
        );
        await Promise.all([sub.close(), pub.close()]);
      });
    }
    test(`${client}: mode 'multi': messages added over several turns before one send() are all answered (the native ring wraps meanwhile)`, async () => {
      const factory = factoryFor(server.spec, client);
      const channel = uniqueName('turns');
      const rec = new Recorder();
      const sub = await factory.openSubscriber(subOpts('pb-turnsub'), rec);
      await sub.subscribe([channel]);
      const window = 8;
      const pub = await factory.openPublisher(publisherOptions('pb-turnpub', [channel], 100, 'multi', { maxInFlight: window }), new Recorder());
      const free = Array.from({ length: window }, (_, i) => i);
      const messageOf = new Int32Array(window).fill(-1);
      const replies: number[] = [];
      pub.onReply = (token, reply) => {
        replies[messageOf[token]] = reply;
        free.push(token);
      };
      let added = 0;
      let sent = 0;
      const add = (): void => {
        const token = free.shift() as number;
        messageOf[token] = added;
        fixed(`n${added}`, 100).copy(pub.add(0, token), pub.payloadOffset);
        added++;
      };
      const answered = (): number => replies.filter((r) => r !== undefined).length;
      // Each round: one message per turn until the window is nearly full, send(), one more added and kept
      // for the next round's transaction. The kept message holds the ring's tail, so a later round wraps it
      // while its transaction is open and partly written.
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 2 * window && free.length > 0 && pub.hasRoom(); i++) {
          if (free.length === 1) {
            pub.send();
            sent = added;
          }
          add();
          await new Promise((r) => setTimeout(r, 2));
        }
        await waitFor(() => answered() >= sent, `round ${round}: replies for the ${sent} messages sent (got ${answered()})`, 3000);
      }
      pub.send();
      await waitFor(() => answered() === added, `replies for all ${added} messages (got ${answered()})`, 3000);
      assert.deepEqual(replies, replies.map(() => 1));
      await waitFor(() => rec.deliveries.length === added, 'every delivery');
      assert.deepEqual(rec.payloads.map((p) => p.toString()), Array.from({ length: added }, (_, k) => fixed(`n${k}`, 100).toString()));
      await Promise.all([sub.close(), pub.close()]);
    });
  });

  describe(`SELECT of the spec's database, ${client} client`, { timeout: 30_000 }, () => {
    test(`${client}: publisher and subscriber select db 3; pub/sub still crosses databases`, async () => {
      const factory = factoryFor({ ...server.spec, db: 3 }, client);
      const channel = uniqueName('db');
      const rec = new Recorder();
      const sub = await factory.openSubscriber(subOpts('pb-dbsub'), rec);
      await sub.subscribe([channel]);
      const pub = await factory.openPublisher(publisherOptions('pb-dbpub', [channel], 4, 'await'), new Recorder());
      assert.match(await clientLine('pb-dbpub'), / db=3 /);
      assert.match(await clientLine('pb-dbsub'), / db=3 /);
      // A subscriber on db 0 hears it too: pub/sub channels are not per database.
      const rec0 = new Recorder();
      const sub0 = await factoryFor(server.spec, client).openSubscriber(subOpts('pb-db0sub'), rec0);
      await sub0.subscribe([channel]);
      assert.match(await clientLine('pb-db0sub'), / db=0 /);
      assert.deepEqual(await publishAll(pub, [{ channel: 0, payload: Buffer.from('dbdb') }]), [2]);
      await waitFor(() => rec.deliveries.length === 1 && rec0.deliveries.length === 1, 'both deliveries');
      await Promise.all([sub.close(), sub0.close(), pub.close()]);
    });

    test(`${client}: a database the server does not have is a TargetError, without the password`, async () => {
      const factory = factoryFor({ ...server.spec, db: 99 }, client);
      await assert.rejects(factory.openPublisher(publisherOptions('pb-dbbad', ['x'], 4, 'await'), new Recorder()), (err: unknown) => {
        assert.ok(err instanceof TargetError, `expected a TargetError, got ${String(err)}`);
        assert.match(err.message, /DB index is out of range/);
        assert.ok(!err.message.includes(PASSWORD), err.message);
        return true;
      });
    });
  });
}

describe('RESP3 (HELLO 3) on the native path', { timeout: 30_000 }, () => {
  test('deliveries, pattern indexes, confirmations and publish replies over RESP3; HELLO 3 authenticates', async () => {
    const factory = factoryFor(server.spec);
    // Every channel is allowed.*: the publisher runs as the limited ACL user.
    const channel = `allowed.${uniqueName('r3')}`;
    const base = `allowed.${uniqueName('r3pat')}`;
    const rec = new Recorder([`${base}.*`, `${channel}*`]);
    const sub = await factory.openSubscriber(subOpts('pb-r3sub', { resp3: true }), rec);
    assert.equal(await sub.subscribe([channel, `${channel}.b`]), 2);
    assert.equal(await sub.psubscribe([`${base}.*`, `${channel}*`]), 2);
    // The publisher authenticates as a named ACL user inside HELLO 3 (HELLO 3 AUTH user pass SETNAME name).
    const channels = [`allowed.${uniqueName('r3')}`, channel, `${base}.x`, `${channel}.b`];
    const pub = await factoryFor(limitedSpec()).openPublisher(publisherOptions('pb-r3pub', channels, 6, 'pipeline', { resp3: true }), new Recorder());
    assert.match(await clientLine('pb-r3sub'), / resp=3( |$)/);
    assert.match(await clientLine('pb-r3pub'), / resp=3( |$)/);
    assert.match(await clientLine('pb-r3pub'), / user=limited( |$)/);
    const payload = Buffer.from([0x0d, 0x0a, 0x3e, 0x00, 0xff, 0x2a]); // CR LF '>' NUL 0xff '*': RESP-looking bytes
    const replies = await publishAll(pub, channels.map((_, channelIndex) => ({ channel: channelIndex, payload })));
    // channel: the subscription and the pattern `${channel}*`; `${base}.x`: one pattern; `${channel}.b`: channel + pattern.
    assert.deepEqual(replies, [0, 2, 1, 2]);
    await waitFor(() => rec.deliveries.length === 5, 'five RESP3 deliveries');
    assert.ok(rec.payloads.every((p) => p.equals(payload)), 'payloads byte-exact');
    const seen = rec.deliveries.map((d) => `${d.channel}|${d.pattern ?? '-'}`).sort();
    assert.deepEqual(seen, [
      `${base}.x|${base}.*`,
      `${channel}.b|${channel}*`,
      `${channel}.b|-`,
      `${channel}|${channel}*`,
      `${channel}|-`,
    ].sort());
    assert.deepEqual([...rec.patternIndexes].sort(), [NO_PATTERN, NO_PATTERN, 0, 1, 1].sort());
    const control = await factory.openControl(3000);
    assert.deepEqual(await control.numsub([channel, `${channel}.b`], false), [1, 1]);
    await Promise.all([sub.close(), pub.close(), control.close()]);
  });

  test('a wrong password in HELLO 3 is a TargetError without the password', async () => {
    const factory = factoryFor({ ...server.spec, password: 'pb-Wrong-Secret-1' });
    await assert.rejects(factory.openSubscriber(subOpts('pb-r3bad', { resp3: true }), new Recorder()), (err: unknown) => {
      assert.ok(err instanceof TargetError, `expected a TargetError, got ${String(err)}`);
      assert.match(err.message, /wrong user name or password/);
      assert.ok(!err.message.includes('pb-Wrong-Secret-1') && !err.message.includes(PASSWORD), err.message);
      return true;
    });
  });
});

describe('1 MiB payloads on the native path', { timeout: 30_000 }, () => {
  for (const resp3 of [false, true]) {
    test(`1 MiB messages, pipelined back to back, are delivered byte-exact to channel and pattern subscribers (RESP${resp3 ? 3 : 2})`, async () => {
      const factory = factoryFor(server.spec);
      const channel = uniqueName('big');
      const rec = new Recorder();
      const patRec = new Recorder([`${channel}*`]);
      const sub = await factory.openSubscriber(subOpts('pb-bigsub', { resp3 }), rec);
      const psub = await factory.openSubscriber(subOpts('pb-bigpsub', { resp3 }), patRec);
      await sub.subscribe([channel]);
      await psub.psubscribe([`${channel}*`]);
      const size = 1024 * 1024;
      const pub = await factory.openPublisher(publisherOptions('pb-bigpub', [channel], size, 'pipeline', { maxInFlight: 4, resp3 }), new Recorder());
      const payloads = [1, 2, 3].map((seed) => noise(size, seed));
      assert.deepEqual(await publishAll(pub, payloads.map((payload) => ({ channel: 0, payload })), { timeoutMs: 15_000 }), [2, 2, 2]);
      await waitFor(() => rec.payloads.length === 3 && patRec.payloads.length === 3, 'three 1 MiB deliveries on each subscriber', 15_000);
      for (const [i, payload] of payloads.entries()) {
        assert.ok(rec.payloads[i].equals(payload), `channel delivery ${i} is byte-exact (${rec.payloads[i].length} bytes)`);
        assert.ok(patRec.payloads[i].equals(payload), `pattern delivery ${i} is byte-exact (${patRec.payloads[i].length} bytes)`);
      }
      assert.deepEqual(rec.deliveries.map((d) => d.channel), [channel, channel, channel]);
      assert.deepEqual(patRec.deliveries.map((d) => d.pattern), [`${channel}*`, `${channel}*`, `${channel}*`]);
      // The same connection goes on with small frames after the big ones.
      const small = await factory.openPublisher(publisherOptions('pb-smallpub', [channel], 5, 'await', { resp3 }), new Recorder());
      assert.deepEqual(await publishAll(small, [{ channel: 0, payload: Buffer.from('after') }]), [2]);
      await waitFor(() => rec.deliveries.length === 4 && patRec.deliveries.length === 4, 'the small delivery after the big ones');
      assert.equal(rec.deliveries[3].payload, 'after');
      await Promise.all([sub.close(), psub.close(), pub.close(), small.close()]);
    });
  }
});

/** Restart runs: native over RESP2 and RESP3, and ioredis. */
const restartRuns: Array<{ client: ClientKind; resp3: boolean }> = [
  { client: 'native', resp3: false },
  { client: 'native', resp3: true },
  { client: 'ioredis', resp3: false },
];

describe('a restarted server', { timeout: 90_000 }, () => {
  let restartable: LocalTargetDetails;
  before(async () => {
    restartable = await startServer({ kind: 'single', requirePassword: PASSWORD });
  });
  after(async () => {
    await restartable?.stop();
  });

  for (const { client, resp3 } of restartRuns) {
    const label = `${client}${resp3 ? ' RESP3' : ''}`;
    test(`${label}: subscriber and publisher report the outage, reconnect, resubscribe (channel and pattern), and deliveries resume`, async () => {
      const factory = factoryFor(restartable.spec, client);
      const channel = uniqueName('restart');
      const base = uniqueName('restartpat');
      const rec = new Recorder([`${base}.*`]);
      const sub = await factory.openSubscriber(subOpts('pb-rsub', { resp3 }), rec);
      await sub.subscribe([channel]);
      await sub.psubscribe([`${base}.*`]);
      const pubEvents = new Recorder();
      const pub = await factory.openPublisher(publisherOptions('pb-rpub', [channel, `${base}.x`], 6, 'await', { resp3 }), pubEvents);
      assert.deepEqual(await publishAll(pub, [{ channel: 0, payload: Buffer.from('before') }]), [1]);
      await waitFor(() => rec.deliveries.length === 1, 'the delivery before the restart');

      const outcome = await restartLocalNode(restartable.nodes[0], { password: PASSWORD }, restartable.pids);
      assert.notEqual(outcome.newPid, outcome.oldPid);
      await waitFor(() => rec.events.includes('reconnect') && pubEvents.events.includes('reconnect'), 'both connections to come back', 20_000);
      for (const [who, events] of [['subscriber', rec.events], ['publisher', pubEvents.events]] as const) {
        assert.equal(events.length, 2, `${who}: one outage, one recovery: ${JSON.stringify(events)}`);
        assert.match(events[0], /^disconnect: /, who);
        assert.equal(events[1], 'reconnect', who);
        assert.ok(!events[0].includes(PASSWORD), `${who}: ${events[0]}`);
      }
      // The new process knows nothing of the old subscriptions: these counts come from the resubscription.
      const numsub = await redisCli(restartable, restartable.nodes[0].port, 'PUBSUB', 'NUMSUB', channel);
      assert.equal(numsub.trim().split('\n')[1], '1');
      assert.equal((await redisCli(restartable, restartable.nodes[0].port, 'PUBSUB', 'NUMPAT')).trim(), '1');
      assert.deepEqual(await publishAll(pub, [{ channel: 0, payload: Buffer.from('after1') }, { channel: 1, payload: Buffer.from('after2') }]), [1, 1]);
      await waitFor(() => rec.deliveries.length === 3, 'the deliveries after the restart');
      assert.deepEqual(rec.deliveries, [
        { channel, payload: 'before' },
        { channel, payload: 'after1' },
        { channel: `${base}.x`, payload: 'after2', pattern: `${base}.*` },
      ]);
      await Promise.all([sub.close(), pub.close()]);
    });
  }
});
