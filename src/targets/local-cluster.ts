/** Joining local nodes into a Redis Cluster with `redis-cli --cluster create` and waiting until it is usable. */
import { execFile } from 'node:child_process';
import { TargetError } from '../core/errors.js';
import { parseInfo } from './control.js';
import type { LocalNode } from './local-node.js';
import { pollUntil, rawCommand, type RawEndpoint, type RawTls } from './raw.js';

/** How the launcher reaches the nodes (TLS files, password). */
export interface ClusterAccess {
  tls?: RawTls;
  password?: string;
}

function endpoint(port: number, access: ClusterAccess): RawEndpoint {
  return { host: '127.0.0.1', port, tls: access.tls, password: access.password };
}

/** Runs redis-cli with a hard timeout; rejects with its output on failure (password never in argv). */
function runCli(cli: string, args: string[], password: string | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // REDISCLI_AUTH keeps the password out of the process list.
    const env = password === undefined ? process.env : { ...process.env, REDISCLI_AUTH: password };
    execFile(cli, args, { timeout: timeoutMs, env, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stdout}\n${stderr}`.trim() || err.message));
      else resolve(stdout);
    });
  });
}

/**
 * Creates the cluster (`replicas` replicas per master), waits until every node reports cluster_state:ok and
 * knows every other node, and fills in each node's role.
 */
export async function createCluster(
  cli: string,
  nodes: LocalNode[],
  replicas: number,
  access: ClusterAccess,
  timeoutMs: number,
): Promise<void> {
  const tlsArgs = access.tls
    ? ['--tls', '--cacert', access.tls.caFile, '--cert', access.tls.certFile, '--key', access.tls.keyFile]
    : [];
  const args = [
    ...tlsArgs,
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ];
  try {
    await runCli(cli, args, access.password, timeoutMs);
  } catch (err) {
    throw new TargetError(`redis-cli --cluster create failed:\n${(err as Error).message}`);
  }
  const ready = await pollUntil(async () => {
    for (const node of nodes) {
      const info = parseInfo(await rawCommand(endpoint(node.port, access), ['CLUSTER', 'INFO'], 1000));
      if (info.get('cluster_state') !== 'ok') return false;
      if (Number(info.get('cluster_known_nodes')) !== nodes.length) return false;
    }
    return true;
  }, timeoutMs, 100);
  if (!ready.ok) {
    throw new TargetError(
      `The local cluster did not reach cluster_state:ok on every node within ${timeoutMs} ms` +
        (ready.lastError ? ` (last error: ${ready.lastError})` : ''),
    );
  }
  await assignRoles(nodes, replicas, access, timeoutMs);
}

/**
 * Reads CLUSTER NODES until it shows the expected number of masters (replication is set up after the slots,
 * so replicas first appear as empty masters), then waits until every replica's link to its master is up.
 */
async function assignRoles(nodes: LocalNode[], replicas: number, access: ClusterAccess, timeoutMs: number): Promise<void> {
  const byPort = new Map(nodes.map((n) => [n.port, n]));
  const masters = nodes.length / (1 + replicas);
  const done = await pollUntil(async () => {
    const text = await rawCommand(endpoint(nodes[0].port, access), ['CLUSTER', 'NODES'], 1000);
    let seen = 0;
    let seenMasters = 0;
    for (const line of text.split('\n')) {
      const [, address, flags] = line.split(' ');
      if (!address || !flags) continue;
      const port = Number(address.slice(address.lastIndexOf(':') + 1, address.indexOf('@')));
      const node = byPort.get(port);
      if (!node) continue;
      node.role = flags.includes('master') ? 'master' : 'replica';
      seen++;
      if (node.role === 'master') seenMasters++;
    }
    if (seen !== nodes.length || seenMasters !== masters) return false;
    for (const node of nodes) {
      if (node.role !== 'replica') continue;
      const info = parseInfo(await rawCommand(endpoint(node.port, access), ['INFO', 'replication'], 1000));
      if (info.get('master_link_status') !== 'up') return false;
    }
    return true;
  }, timeoutMs, 100);
  if (!done.ok) {
    throw new TargetError(
      `The local cluster did not show ${masters} masters with linked replicas within ${timeoutMs} ms` +
        (done.lastError ? ` (last error: ${done.lastError})` : ''),
    );
  }
}
