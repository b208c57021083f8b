/**
 * The connection factory against one real redis-server (with a password, so authentication is exercised):
 * deliveries as Buffers, patterns, pipelines, control counts, connect failures and reconnects.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetError } from '../../src/core/errors.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { freePort } from '../../src/targets/ports.js';
import type { ConnectionFactory } from '../../src/targets/types.js';
import { OpenConnections, Recorder, redisCli, startServer, uniqueName, waitFor } from '../helpers/redis.js';

const password = 'pw-Secret-42';
let server: LocalTargetDetails;
let factory: ConnectionFactory;
const opts = (name: string) => ({ sharded: false, clientName: name, connectTimeoutMs: 2000 });
const pubOpts = (name: string) => ({ ...opts(name), autoPipelining: false });

before(async () => {
  server = await startServer({ kind: 'single', requirePassword: password });
  factory = connections.track(createConnectionFactory(server.spec));
});

const connections = new OpenConnections();
afterEach(() => connections.closeAll());

after(async () => {
  await server?.stop();
});

describe('single server', { timeout: 30_000 }, () => {
  test('publish → subscribe round trip delivers the exact bytes as Buffers', async () => {
    const rec = new Recorder();
    const raw: Buffer[] = [];
    const sub = await factory.openSubscriber(opts('pb-sub-rt'), {
      onDisconnect: (c) => rec.onDisconnect(c),
      onReconnect: () => rec.onReconnect(),
      onPatternMessage: (p, c, m) => rec.onPatternMessage(p, c, m),
      onMessage: (channel, payload) => {
        rec.onMessage(channel, payload);
        raw.push(Buffer.from(payload));
      },
    });
    const pub = await factory.openPublisher(pubOpts('pb-pub-rt'), new Recorder());
    const channel = uniqueName('rt');
    assert.equal(await sub.subscribe([channel, `${channel}.other`]), 2);
    // Bytes that are not valid UTF-8 survive only if nothing decodes them on the way.
    const payload = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
    assert.equal(await pub.publish(Buffer.from(channel), payload), 1);
    await waitFor(() => raw.length === 1, 'the delivery');
    assert.deepEqual(raw[0], payload);
    assert.equal(rec.deliveries[0].channel, channel);
    assert.deepEqual(rec.channelsWereBuffers, [true]);
    await Promise.all([sub.close(), pub.close()]);
  });

  test('pattern subscriptions deliver with the pattern as subscribed; pipelines write every reply', async () => {
    const rec = new Recorder();
    const sub = await factory.openSubscriber(opts('pb-sub-pat'), rec);
    const pub = await factory.openPublisher(pubOpts('pb-pub-pat'), new Recorder());
    const base = uniqueName('pat');
    assert.equal(await sub.psubscribe([`${base}.*`]), 1);
    const channels = [`${base}.a`, `${base}.b`, `other.${base}`].map((c) => Buffer.from(c));
    const payloads = channels.map((_, i) => Buffer.from(`m${i}`));
    const replies = new Float64Array(3);
    assert.equal(await pub.publishBatch(channels, payloads, 3, replies), 0);
    assert.deepEqual([...replies], [1, 1, 0]);
    await waitFor(() => rec.deliveries.length === 2, 'two pattern deliveries');
    assert.deepEqual(rec.deliveries, [
      { pattern: `${base}.*`, channel: `${base}.a`, payload: 'm0' },
      { pattern: `${base}.*`, channel: `${base}.b`, payload: 'm1' },
    ]);
    await Promise.all([sub.close(), pub.close()]);
  });

  test('auto-pipelining publisher and the control connection (INFO, NUMSUB, NUMPAT, CLIENT SETNAME)', async () => {
    const sub = await factory.openSubscriber(opts('pb-sub-ctl'), new Recorder());
    const channel = uniqueName('ctl');
    await sub.subscribe([channel]);
    await sub.psubscribe([`${channel}.*`]);
    const pub = await factory.openPublisher({ ...pubOpts('pb-pub-auto'), autoPipelining: true }, new Recorder());
    const sent = await Promise.all(Array.from({ length: 50 }, () => pub.publish(Buffer.from(channel), Buffer.from('x'))));
    assert.deepEqual(new Set(sent), new Set([1]));
    const control = await factory.openControl(2000);
    const info = await control.info();
    assert.match(info.redisVersion, /^\d+\.\d+\.\d+$/);
    assert.equal(info.mode, 'standalone');
    assert.deepEqual(info.masters, [`127.0.0.1:${server.nodes[0].port}`]);
    assert.deepEqual(await control.numsub([channel, `${channel}.none`], false), [1, 0]);
    assert.equal(await control.numpat(), 1);
    const clients = await redisCli(server, server.nodes[0].port, 'CLIENT', 'LIST');
    assert.match(clients, /name=pb-sub-ctl /);
    assert.match(clients, /name=pb-pub-auto /);
    await Promise.all([sub.close(), pub.close(), control.close()]);
  });

  test('a wrong password is a TargetError naming the target, without the password', async () => {
    const bad = connections.track(createConnectionFactory({ ...server.spec, password: 'not-the-pw-Secret' }));
    await assert.rejects(bad.openPublisher(pubOpts('pb-pub-bad'), new Recorder()), (err: unknown) => {
      assert.ok(err instanceof TargetError);
      assert.match(err.message, new RegExp(`redis://127\\.0\\.0\\.1:${server.nodes[0].port}`));
      assert.match(err.message, /wrong user name or password/);
      assert.ok(!err.message.includes('not-the-pw-Secret') && !err.message.includes(password), err.message);
      return true;
    });
    const none = connections.track(createConnectionFactory({ ...server.spec, password: undefined }));
    await assert.rejects(none.openControl(2000), /requires a password/);
  });

  test('--cluster against a server without cluster support says so', async () => {
    const asCluster = connections.track(createConnectionFactory({ ...server.spec, kind: 'cluster' }));
    await assert.rejects(asCluster.openControl(2000), (err: unknown) => err instanceof TargetError && /not a cluster node.*drop --cluster/.test(err.message));
  });

  test('an unreachable port is a TargetError within the connect timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    const unreachable = connections.track(createConnectionFactory({ kind: 'single', nodes: [{ host: '127.0.0.1', port }] }));
    await assert.rejects(
      unreachable.openSubscriber({ ...opts('pb-sub-none'), connectTimeoutMs: 1500 }, new Recorder()),
      (err: unknown) => err instanceof TargetError && err.message.includes(`127.0.0.1:${port}`) && /refused/.test(err.message),
    );
    assert.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms`);
  });

  test('CLIENT KILL TYPE pubsub: onDisconnect, then onReconnect once resubscribed, and deliveries resume', async () => {
    const rec = new Recorder();
    const sub = await factory.openSubscriber(opts('pb-sub-kill'), rec);
    const pubEvents = new Recorder();
    const pub = await factory.openPublisher(pubOpts('pb-pub-kill'), pubEvents);
    const channel = uniqueName('kill');
    const base = uniqueName('killpat');
    await sub.subscribe([channel]);
    await sub.psubscribe([`${base}.*`]);
    await redisCli(server, server.nodes[0].port, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor(() => rec.events.includes('reconnect'), 'the subscriber to reconnect');
    assert.deepEqual(rec.events, ['disconnect: the server closed the connection', 'reconnect']);
    // onReconnect came after the resubscription, so a publish right now reaches both subscriptions.
    assert.equal(await pub.publish(Buffer.from(channel), Buffer.from('after')), 1);
    assert.equal(await pub.publish(Buffer.from(`${base}.x`), Buffer.from('after-pattern')), 1);
    await waitFor(() => rec.deliveries.length === 2, 'deliveries after the reconnect');
    assert.deepEqual(pubEvents.events, [], 'the publisher was not affected');
    await Promise.all([sub.close(), pub.close()]);
  });

  test('a killed publisher: commands in flight reject, the drop and the recovery are reported', async () => {
    const events = new Recorder();
    const channel = Buffer.from(uniqueName('drop'));
    let during: Promise<string> | undefined;
    const pub = await factory.openPublisher(pubOpts('pb-pub-drop'), {
      onDisconnect: (cause) => {
        events.onDisconnect(cause);
        // While it is down, a publish fails at once instead of queueing until the reconnect.
        during = pub.publish(channel, Buffer.from('x')).then(
          () => 'resolved',
          () => 'rejected',
        );
      },
      onReconnect: () => events.onReconnect(),
    });
    await redisCli(server, server.nodes[0].port, 'CLIENT', 'KILL', 'SKIPME', 'no', 'TYPE', 'normal');
    await waitFor(() => events.events.includes('reconnect'), 'the publisher to reconnect');
    assert.deepEqual(events.events, ['disconnect: the server closed the connection', 'reconnect']);
    assert.equal(await during, 'rejected');
    assert.equal(await pub.publish(channel, Buffer.from('y')), 0);
    await pub.close();
  });
});
