/**
 * The connection factory against a real TLS redis-server that requires client certificates (mutual TLS),
 * with certificates made by the launcher: what works, and how each TLS failure is explained.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetError } from '../../src/core/errors.js';
import type { TargetSpec } from '../../src/core/target.js';
import { createCa, issueCert } from '../../src/targets/certs.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { OpenConnections, Recorder, startServer, uniqueName, waitFor } from '../helpers/redis.js';

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

/** Opens a publisher with `spec` and returns the TargetError it fails with. */
async function failureOf(spec: TargetSpec): Promise<TargetError> {
  try {
    const pub = await connections.track(createConnectionFactory(spec)).openPublisher({ ...opts, autoPipelining: false }, new Recorder());
    await pub.close();
  } catch (err) {
    assert.ok(err instanceof TargetError, `expected a TargetError, got ${String(err)}`);
    return err;
  }
  assert.fail('the connection should have failed');
}

describe('TLS server with mutual TLS', { timeout: 30_000 }, () => {
  test('mutual TLS round trip', async () => {
    const factory = connections.track(createConnectionFactory(server.spec));
    const rec = new Recorder();
    const sub = await factory.openSubscriber(opts, rec);
    const pub = await factory.openPublisher({ ...opts, autoPipelining: false }, new Recorder());
    const channel = uniqueName('tls');
    await sub.subscribe([channel]);
    assert.equal(await pub.publish(Buffer.from(channel), Buffer.from('secure')), 1);
    await waitFor(() => rec.deliveries.length === 1, 'the delivery over TLS');
    assert.deepEqual(rec.deliveries, [{ channel, payload: 'secure' }]);
    const control = await factory.openControl(3000);
    assert.equal((await control.info()).mode, 'standalone');
    await Promise.all([sub.close(), pub.close(), control.close()]);
  });

  test('a CA that did not sign the server certificate → "unknown CA", naming the CA file', async () => {
    const other = createCa(server.dir, 'unrelated');
    const err = await failureOf({ ...server.spec, tls: { ...server.spec.tls, caFile: other.certFile } });
    assert.match(err.message, /unknown CA/);
    assert.ok(err.message.includes(other.certFile), err.message);
    assert.match(err.message, /--tls-ca/);
  });

  test('no client certificate → "requires a client certificate"', async () => {
    const err = await failureOf({ ...server.spec, tls: { caFile: server.spec.tls?.caFile } });
    assert.match(err.message, /requires a client certificate/);
    assert.match(err.message, /--tls-cert and --tls-key/);
  });

  test('a client certificate from another CA → the server does not trust it', async () => {
    const other = createCa(server.dir, 'rogue');
    const rogue = issueCert(server.dir, other, 'rogue-client', 'client');
    const err = await failureOf({ ...server.spec, tls: { caFile: server.spec.tls?.caFile, certFile: rogue.certFile, keyFile: rogue.keyFile } });
    assert.match(err.message, /does not trust the client certificate/);
    assert.ok(err.message.includes(rogue.certFile), err.message);
  });

  test('a server name the certificate does not list → "name mismatch"', async () => {
    const err = await failureOf({ ...server.spec, tls: { ...server.spec.tls, servername: 'db.example.com' } });
    assert.match(err.message, /name mismatch/);
    assert.match(err.message, /--tls-servername/);
  });

  test('plain redis:// against the TLS port is explained, within the timeout', async () => {
    const started = Date.now();
    const err = await failureOf({ kind: 'single', nodes: server.spec.nodes });
    assert.match(err.message, /rediss:\/\//);
    assert.ok(Date.now() - started < opts.connectTimeoutMs + 500);
  });
});
