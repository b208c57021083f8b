/**
 * The connection factory against a real TLS redis-server that requires client certificates (mutual TLS),
 * with certificates made by the launcher, on both data paths (native RESP sockets and ioredis): what works, and
 * how each TLS failure is explained.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetError } from '../../src/core/errors.js';
import type { TargetSpec } from '../../src/core/target.js';
import { createCa, issueCert } from '../../src/targets/certs.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import type { ClientKind } from '../../src/core/scenario.js';
import { CLIENTS, OpenConnections, Recorder, publishAll, publisherOptions, startServer, uniqueName, waitFor } from '../helpers/redis.js';

let server: LocalTargetDetails;
const opts = { sharded: false, clientName: 'pb-tls', connectTimeoutMs: 3000 };

before(async () => {
  server = await startServer({ kind: 'tls' });
});

const connections = new OpenConnections();
afterEach(() => connections.closeAll());

after(async () => {
  await server?.stop();
});

/** Opens a publisher with `spec` over `client` and returns the TargetError it fails with. */
async function failureOf(spec: TargetSpec, client: ClientKind): Promise<TargetError> {
  try {
    const pub = await connections.track(createConnectionFactory(spec, client)).openPublisher(publisherOptions(opts.clientName, ['tls'], 8, 'await'), new Recorder());
    await pub.close();
  } catch (err) {
    assert.ok(err instanceof TargetError, `expected a TargetError, got ${String(err)}`);
    return err;
  }
  assert.fail('the connection should have failed');
}

for (const client of CLIENTS) {
  describe(`TLS server with mutual TLS, ${client} client`, { timeout: 30_000 }, () => {
    test(`${client}: mutual TLS round trip`, async () => {
      const factory = connections.track(createConnectionFactory(server.spec, client));
      const rec = new Recorder();
      const sub = await factory.openSubscriber(opts, rec);
      const channel = uniqueName('tls');
      const pub = await factory.openPublisher(publisherOptions(opts.clientName, [channel], 6, 'await'), new Recorder());
      await sub.subscribe([channel]);
      assert.deepEqual(await publishAll(pub, [{ channel: 0, payload: Buffer.from('secure') }]), [1]);
      await waitFor(() => rec.deliveries.length === 1, 'the delivery over TLS');
      assert.deepEqual(rec.deliveries, [{ channel, payload: 'secure' }]);
      const control = await factory.openControl(3000);
      assert.equal((await control.info()).mode, 'standalone');
      await Promise.all([sub.close(), pub.close(), control.close()]);
    });

    test(`${client}: a CA that did not sign the server certificate → "unknown CA", naming the CA file`, async () => {
      const other = createCa(server.dir, `unrelated-${client}`);
      const err = await failureOf({ ...server.spec, tls: { ...server.spec.tls, caFile: other.certFile } }, client);
      assert.match(err.message, /unknown CA/);
      assert.ok(err.message.includes(other.certFile), err.message);
      assert.match(err.message, /--tls-ca/);
    });

    test(`${client}: no client certificate → "requires a client certificate"`, async () => {
      const err = await failureOf({ ...server.spec, tls: { caFile: server.spec.tls?.caFile } }, client);
      assert.match(err.message, /requires a client certificate/);
      assert.match(err.message, /--tls-cert and --tls-key/);
    });

    test(`${client}: a client certificate from another CA → the server does not trust it`, async () => {
      const other = createCa(server.dir, `rogue-${client}`);
      const rogue = issueCert(server.dir, other, `rogue-client-${client}`, 'client');
      const err = await failureOf({ ...server.spec, tls: { caFile: server.spec.tls?.caFile, certFile: rogue.certFile, keyFile: rogue.keyFile } }, client);
      assert.match(err.message, /does not trust the client certificate/);
      assert.ok(err.message.includes(rogue.certFile), err.message);
    });

    test(`${client}: a server name the certificate does not list → "name mismatch"`, async () => {
      const err = await failureOf({ ...server.spec, tls: { ...server.spec.tls, servername: 'db.example.com' } }, client);
      assert.match(err.message, /name mismatch/);
      assert.match(err.message, /--tls-servername/);
    });

    test(`${client}: plain redis:// against the TLS port is explained, within the timeout`, async () => {
      const started = Date.now();
      const err = await failureOf({ kind: 'single', nodes: server.spec.nodes }, client);
      assert.match(err.message, /rediss:\/\//);
      assert.ok(Date.now() - started < opts.connectTimeoutMs + 500);
    });
  });
}
