/**
 * docker-compose.cluster.yml cannot be started in CI (no Docker engine), so its structure is checked instead:
 * the services exist, ports agree between node commands, health checks and the cluster-create command, and
 * the TLS node reads exactly the files `pubsub-bench target certs` writes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { targetCerts } from '../../src/cli/commands/target.js';

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  network_mode?: string;
  ports?: unknown;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.cluster.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const nodeNames = Object.keys(services).filter((name) => /^redis-node-\d+$/.test(name));

/** The value after `flag` in an argument list. */
function arg(args: string[] | undefined, flag: string): string | undefined {
  const i = (args ?? []).indexOf(flag);
  return i >= 0 ? args?.[i + 1] : undefined;
}

const portOf = (name: string): number => Number(arg(services[name].command, '--port'));

describe('docker-compose.cluster.yml', () => {
  test('six cluster nodes, a one-shot creator, a certificate copier and a TLS node', () => {
    assert.deepEqual(nodeNames.sort(), ['redis-node-1', 'redis-node-2', 'redis-node-3', 'redis-node-4', 'redis-node-5', 'redis-node-6']);
    for (const name of ['redis-cluster-create', 'redis-tls-certs', 'redis-tls']) assert.ok(services[name], `service ${name}`);
    for (const [name, service] of Object.entries(services)) {
      assert.match(service.image ?? '', /^redis:\d+\.\d+\.\d+$/, `${name}: a pinned redis image (7.x or later)`);
      assert.ok(Number(/^redis:(\d+)/.exec(service.image ?? '')?.[1]) >= 7, `${name}: Redis 7+ for sharded pub/sub`);
    }
  });

  test('every node: cluster mode, its own port and config file, nothing persisted, host networking', () => {
    const ports = nodeNames.map(portOf);
    assert.equal(new Set(ports).size, 6, 'distinct client ports');
    const busPorts = ports.map((p) => p + 10000);
    assert.ok(busPorts.every((b) => b <= 65535 && !ports.includes(b)), 'bus ports (port + 10000) are valid and free of client ports');
    for (const name of nodeNames) {
      const service = services[name];
      const port = portOf(name);
      assert.equal(arg(service.command, '--cluster-enabled'), 'yes', name);
      assert.equal(arg(service.command, '--cluster-config-file'), `nodes-${port}.conf`, name);
      assert.equal(arg(service.command, '--save'), '', `${name}: no RDB`);
      assert.equal(arg(service.command, '--appendonly'), 'no', `${name}: no AOF`);
      // Cluster nodes announce their own address: behind a port mapping clients would be sent to container IPs.
      assert.equal(service.network_mode, 'host', name);
      assert.equal(service.ports, undefined, `${name}: no port mapping with host networking`);
      assert.deepEqual(service.healthcheck?.test, ['CMD', 'redis-cli', '-p', String(port), 'ping'], `${name}: health check pings its own port`);
    }
  });

  test('the create command names every node once, waits for their health, and its replica count fits', () => {
    const create = services['redis-cluster-create'];
    const command = create.command ?? [];
    assert.deepEqual(command.slice(0, 3), ['redis-cli', '--cluster', 'create']);
    const addresses = command.filter((a) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(a));
    assert.deepEqual(addresses, nodeNames.map((n) => `127.0.0.1:${portOf(n)}`));
    assert.ok(command.includes('--cluster-yes'), 'no interactive prompt');
    const replicas = Number(arg(command, '--cluster-replicas'));
    assert.equal(replicas, 1);
    assert.equal(nodeNames.length / (1 + replicas), 3, '3 masters');
    assert.equal(create.network_mode, 'host');
    assert.deepEqual(Object.keys(create.depends_on ?? {}).sort(), [...nodeNames].sort());
    for (const dep of Object.values(create.depends_on ?? {})) assert.equal(dep.condition, 'service_healthy');
  });

  test('the TLS node reads the files `target certs` writes, through the copier, on a port of its own', async () => {
    const tls = services['redis-tls'];
    const copier = services['redis-tls-certs'];
    assert.equal(arg(tls.command, '--port'), '0', 'the plain port is closed');
    const tlsPort = Number(arg(tls.command, '--tls-port'));
    assert.ok(tlsPort > 0 && !nodeNames.map(portOf).some((p) => p === tlsPort || p + 10000 === tlsPort), 'TLS port collides with no node');
    assert.equal(arg(tls.command, '--tls-auth-clients'), 'yes', 'mutual TLS');
    assert.deepEqual(tls.depends_on, { 'redis-tls-certs': { condition: 'service_completed_successfully' } });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-compose-'));
    try {
      const pki = await targetCerts(path.join(dir, 'certs'));
      const written = new Set([pki.caFile, pki.nodeCertFile, pki.nodeKeyFile].map((f) => path.basename(f)));
      const used = ['--tls-cert-file', '--tls-key-file', '--tls-ca-cert-file'].map((flag) => arg(tls.command, flag) as string);
      for (const file of used) {
        assert.ok(file.startsWith('/certs/'), `${file} is read from the certificate volume`);
        assert.ok(written.has(path.basename(file)), `${path.basename(file)} is a file \`target certs\` writes`);
      }
      // The copier copies exactly those files from the host folder the header comment tells users to fill.
      const script = copier.entrypoint?.join(' ') ?? '';
      for (const file of used) assert.ok(script.includes(`/certs-src/${path.basename(file)}`), `the copier copies ${path.basename(file)}`);
      assert.ok(script.includes('chmod 600 /certs/node.key'), 'the key stays private');
      const hostFolder = (copier.volumes ?? []).find((v) => v.endsWith(':/certs-src:ro'))?.split(':')[0];
      assert.equal(hostFolder, './.tmp/certs');
      assert.ok(fs.readFileSync(path.join(repoRoot, 'docker-compose.cluster.yml'), 'utf8').includes('target certs --out .tmp/certs'));
      const volume = (v: string[] | undefined) => v?.find((x) => x.split(':')[1] === '/certs')?.split(':')[0];
      assert.equal(volume(tls.volumes), 'tls-certs');
      assert.equal(volume(copier.volumes), 'tls-certs');
      assert.ok(compose.volumes && 'tls-certs' in compose.volumes, 'the shared volume is declared');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
