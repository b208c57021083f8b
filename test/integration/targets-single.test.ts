/**
 * The connection factory against one real redis-server (with a password, so authentication is exercised), on
 * both data paths (native RESP sockets and ioredis): deliveries as exact bytes, patterns by index, pipelines'
 * replies, auto mode, control counts, connect failures and reconnects.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetError } from '../../src/core/errors.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { freePort } from '../../src/targets/ports.js';
import { NO_PATTERN, type ConnectionFactory } from '../../src/targets/types.js';
import {
  CLIENTS,
  OpenConnections,
  Recorder,
  fixed,
  publishAll,
  publishAllDetailed,
  publishOne,
  publisherOptions,
  redisCli,
  startServer,
  uniqueName,
  waitFor,
} from '../helpers/redis.js';

const password = 'pw-Secret-42';
let server: LocalTargetDetails;
const opts = (name: string) => ({ sharded: false, clientName: name, connectTimeoutMs: 2000 });

before(async () => {
  server = await startServer({ kind: 'single', requirePassword: password });
});

const connections = new OpenConnections();
afterEach(() => connections.closeAll());

after(async () => {
  await server?.stop();
});

for (const client of CLIENTS) {
  describe(`single server, ${client} client`, { timeout: 30_000 }, () => {
    let factory: ConnectionFactory;
    before(() => {
      factory = connections.track(createConnectionFactory(server.spec, client));
    });

    test(`${client}: publish → subscribe round trip delivers the exact bytes as Buffers`, async () => {
      const rec = new Recorder();
      const sub = await factory.openSubscriber(opts('pb-sub-rt'), rec);
      const channel = uniqueName('rt');
      // Bytes that are not valid UTF-8 survive only if nothing decodes them on the way.
      const payload = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
      const pub = await factory.openPublisher(publisherOptions('pb-pub-rt', [channel], payload.length, 'await'), new Recorder());
      assert.equal(await sub.subscribe([channel, `${channel}.other`]), 2);
      assert.deepEqual(await publishAll(pub, [{ channel: 0, payload }]), [1]);
      await waitFor(() => rec.payloads.length === 1, 'the delivery');
      assert.deepEqual(rec.payloads[0], payload);
      assert.equal(rec.deliveries[0].channel, channel);
      assert.deepEqual(rec.patternIndexes, [NO_PATTERN]);
      assert.deepEqual(rec.channelsWereBuffers, [true]);
      await Promise.all([sub.close(), pub.close()]);
    });

    test(`${client}: pattern subscriptions deliver with their index as subscribed; pipelines write every reply`, async () => {
      const base = uniqueName('pat');
      const rec = new Recorder([`${base}.*`, `${base}.b*`]);
      const sub = await factory.openSubscriber(opts('pb-sub-pat'), rec);
      assert.equal(await sub.psubscribe([`${base}.*`]), 1);
      assert.equal(await sub.psubscribe([`${base}.b*`]), 1);
      const pub = await factory.openPublisher(publisherOptions('pb-pub-pat', [`${base}.a`, `${base}.b`, `other.${base}`], 2, 'pipeline'), new Recorder());
      const replies = await publishAll(pub, [0, 1, 2].map((i) => ({ channel: i, payload: Buffer.from(`m${i}`) })));
      // `${base}.b` matches both patterns: one delivery (and one receiver counted) per matching pattern.
      assert.deepEqual(replies, [1, 2, 0]);
      await waitFor(() => rec.deliveries.length === 3, 'three pattern deliveries');
      assert.deepEqual(rec.deliveries[0], { pattern: `${base}.*`, channel: `${base}.a`, payload: 'm0' });
      const forB = rec.deliveries.slice(1).sort((x, y) => String(x.pattern).localeCompare(String(y.pattern)));
      assert.deepEqual(forB, [
        { pattern: `${base}.*`, channel: `${base}.b`, payload: 'm1' },
        { pattern: `${base}.b*`, channel: `${base}.b`, payload: 'm1' },
      ]);
      assert.deepEqual([...rec.patternIndexes].sort(), [0, 0, 1]);
      await Promise.all([sub.close(), pub.close()]);
    });

    test(`${client}: auto-mode publisher and the control connection (INFO, NUMSUB, NUMPAT, CLIENT SETNAME)`, async () => {
      const sub = await factory.openSubscriber(opts('pb-sub-ctl'), new Recorder());
      const channel = uniqueName('ctl');
      await sub.subscribe([channel]);
      await sub.psubscribe([`${channel}.*`]);
      const pub = await factory.openPublisher(publisherOptions('pb-pub-auto', [channel], 1, 'auto', { maxInFlight: 64 }), new Recorder());
      // Auto mode: one send() per message, many in flight at once.
      const sent = await publishAll(pub, Array.from({ length: 50 }, () => ({ channel: 0, payload: Buffer.from('x') })), { batch: 1 });
      assert.deepEqual(sent, sent.map(() => 1));
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

    test(`${client}: a wrong password is a TargetError naming the target, without the password`, async () => {
      const bad = connections.track(createConnectionFactory({ ...server.spec, password: 'not-the-pw-Secret' }, client));
      const wrongPassword = (err: unknown): boolean => {
        assert.ok(err instanceof TargetError);
        assert.match(err.message, new RegExp(`redis://127\\.0\\.0\\.1:${server.nodes[0].port}`));
        assert.match(err.message, /wrong user name or password/);
        assert.ok(!err.message.includes('not-the-pw-Secret') && !err.message.includes(password), err.message);
        return true;
      };
      await assert.rejects(bad.openPublisher(publisherOptions('pb-pub-bad', ['x'], 8), new Recorder()), wrongPassword);
      await assert.rejects(bad.openSubscriber(opts('pb-sub-bad'), new Recorder()), wrongPassword);
      const none = connections.track(createConnectionFactory({ ...server.spec, password: undefined }, client));
      await assert.rejects(none.openControl(2000), /requires a password/);
    });

    test(`${client}: --cluster against a server without cluster support says so`, async () => {
      const asCluster = connections.track(createConnectionFactory({ ...server.spec, kind: 'cluster' }, client));
      await assert.rejects(asCluster.openControl(2000), (err: unknown) => err instanceof TargetError && /not a cluster node.*drop --cluster/.test(err.message));
    });

    test(`${client}: an unreachable port is a TargetError within the connect timeout`, async () => {
      const port = await freePort();
      const started = Date.now();
      const unreachable = connections.track(createConnectionFactory({ kind: 'single', nodes: [{ host: '127.0.0.1', port }] }, client));
      await assert.rejects(
        unreachable.openSubscriber({ ...opts('pb-sub-none'), connectTimeoutMs: 1500 }, new Recorder()),
        (err: unknown) => err instanceof TargetError && err.message.includes(`127.0.0.1:${port}`) && /refused/.test(err.message),
      );
      assert.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms`);
    });

    test(`${client}: CLIENT KILL TYPE pubsub: onDisconnect, then onReconnect once resubscribed, and deliveries resume`, async () => {
      const channel = uniqueName('kill');
      const base = uniqueName('killpat');
      const rec = new Recorder([`${base}.*`]);
      const sub = await factory.openSubscriber(opts('pb-sub-kill'), rec);
      const pubEvents = new Recorder();
      const pub = await factory.openPublisher(publisherOptions('pb-pub-kill', [channel, `${base}.x`], 5, 'await'), pubEvents);
      await sub.subscribe([channel]);
      await sub.psubscribe([`${base}.*`]);
      await redisCli(server, server.nodes[0].port, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
      await waitFor(() => rec.events.includes('reconnect'), 'the subscriber to reconnect');
      assert.deepEqual(rec.events, ['disconnect: the server closed the connection', 'reconnect']);
      // onReconnect came after the resubscription, so a publish right now reaches both subscriptions.
      assert.equal(await publishOne(pub, 0, Buffer.from('after')), 1);
      assert.equal(await publishOne(pub, 1, Buffer.from('apatt')), 1);
      await waitFor(() => rec.deliveries.length === 2, 'deliveries after the reconnect');
      assert.deepEqual(rec.deliveries, [
        { channel, payload: 'after' },
        { channel: `${base}.x`, payload: 'apatt', pattern: `${base}.*` },
      ]);
      assert.deepEqual(pubEvents.events, [], 'the publisher was not affected');
      await Promise.all([sub.close(), pub.close()]);
    });

    test(`${client}: a killed publisher: publishes while down fail (-1), the drop and the recovery are reported`, async () => {
      const events = new Recorder();
      const channel = uniqueName('drop');
      let during: Promise<{ replies: number[]; errors: string[] }> | undefined;
      const pub = await factory.openPublisher(publisherOptions('pb-pub-drop', [channel], 1, 'await'), {
        onDisconnect: (cause) => {
          events.onDisconnect(cause);
          // While it is down, a publish fails at once instead of queueing until the reconnect.
          during = publishAllDetailed(pub, [{ channel: 0, payload: Buffer.from('x') }]);
        },
        onReconnect: () => events.onReconnect(),
      });
      await redisCli(server, server.nodes[0].port, 'CLIENT', 'KILL', 'SKIPME', 'no', 'TYPE', 'normal');
      await waitFor(() => events.events.includes('reconnect'), 'the publisher to reconnect');
      assert.deepEqual(events.events, ['disconnect: the server closed the connection', 'reconnect']);
      assert.ok(during, 'onDisconnect was called');
      const failed = await during;
      assert.deepEqual(failed.replies, [-1]);
      assert.notEqual(failed.errors[0], '', 'the failure says why');
      assert.equal(await publishOne(pub, 0, Buffer.from('y')), 0);
      await pub.close();
    });
  });
}
