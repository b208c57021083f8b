/**
 * Local targets without Docker: redis-server processes on free loopback ports in a temp folder — one plain
 * server, one TLS server, or a cluster (optionally with TLS on the cluster bus). Used for the throwaway default
 * target of `run`, by `target up`, and by the tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, type Problem } from '../core/errors.js';
import type { TargetSpec } from '../core/target.js';
import { createTestPki, type TestPki } from './certs.js';
import { createCluster } from './local-cluster.js';
import type { LocalAclUser, LocalTlsConfig } from './local-config.js';
import { startNode, type LocalNode } from './local-node.js';
import { freeClusterPort, freePort } from './ports.js';
import { stopPids } from './process.js';
import { requireTool } from './tools.js';
import type { LocalTarget } from './types.js';

export type { LocalAclUser } from './local-config.js';
export type { LocalNode } from './local-node.js';

/** What to start. */
export interface LocalRedisOptions {
  kind: 'single' | 'tls' | 'cluster';
  /** Cluster masters (default 3; redis-cli needs at least 3). */
  shards?: number;
  /** Replicas per master (cluster only; default 0). */
  replicas?: number;
  /** Cluster with TLS for clients, the cluster bus and replication. */
  tlsCluster?: boolean;
  /** Folder for configs, logs and certificates; default: a new folder under os.tmpdir(), removed by stop(). */
  dir?: string;
  /** Password of the default user (requirepass; masterauth for replicas). */
  requirePassword?: string;
  /** Extra ACL users, each allowed everything unless `rules` says otherwise. */
  aclUsers?: LocalAclUser[];
  /** TLS client certificates: 'yes' = mutual TLS required (default), 'optional', 'no'. */
  tlsAuthClients?: 'yes' | 'optional' | 'no';
  /** Servers outlive this process (for `target up`); stop them later by pid. Default false. */
  detached?: boolean;
  /** Limit for each startup step (a node answering PING, the cluster becoming ok). Default 20 s. */
  startTimeoutMs?: number;
}

/** A started local target with the details `target up` prints and tests use. */
export interface LocalTargetDetails extends LocalTarget {
  /** Every server, in start order (roles filled in for clusters). */
  nodes: LocalNode[];
  /** The generated certificates (TLS kinds only). */
  pki?: TestPki;
  /** Whether stop() removes `dir` (true when the launcher created it). */
  ownsDir: boolean;
}

function validate(opts: LocalRedisOptions): { shards: number; replicas: number } {
  const shards = opts.shards ?? 3;
  const replicas = opts.replicas ?? 0;
  const problems: Problem[] = [];
  if (opts.kind === 'cluster') {
    if (!Number.isInteger(shards) || shards < 3 || shards > 32) {
      problems.push({ field: '--shards', message: `must be an integer from 3 to 32, got ${shards}`, hint: 'Redis Cluster needs at least 3 masters, e.g. --shards 3' });
    }
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 5) {
      problems.push({ field: '--replicas', message: `must be an integer from 0 to 5, got ${replicas}`, hint: 'replicas per master, e.g. --replicas 1' });
    }
  } else if (opts.shards !== undefined || opts.replicas !== undefined || opts.tlsCluster) {
    problems.push({ field: '--kind', message: '--shards, --replicas and --tls only apply to --kind cluster', hint: 'use --kind cluster, or drop those flags' });
  }
  if (problems.length > 0) throw new UsageError(problems, 'Invalid local target');
  return { shards, replicas };
}

/**
 * Starts the servers, waits until they are usable (PING; for clusters cluster_state:ok on every node) and
 * returns their spec and pids. Everything started is stopped again when a step fails.
 */
export async function startLocalRedis(opts: LocalRedisOptions): Promise<LocalTargetDetails> {
  const { shards, replicas } = validate(opts);
  const bin = requireTool('redis-server');
  const cli = opts.kind === 'cluster' ? requireTool('redis-cli') : undefined;
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pubsub-bench-'));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const timeoutMs = opts.startTimeoutMs ?? 20_000;
  const useTls = opts.kind === 'tls' || (opts.kind === 'cluster' && opts.tlsCluster === true);
  const detached = opts.detached ?? false;
  const nodes: LocalNode[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await stopPids(nodes.map((n) => n.pid));
      if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    const pki = useTls ? createTestPki(dir) : undefined;
    const tls: LocalTlsConfig | undefined = pki && {
      caFile: pki.caFile,
      certFile: pki.nodeCertFile,
      keyFile: pki.nodeKeyFile,
      authClients: opts.tlsAuthClients ?? 'yes',
      cluster: opts.kind === 'cluster',
    };
    const clientTls = pki && { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
    const count = opts.kind === 'cluster' ? shards * (1 + replicas) : 1;
    const started = await Promise.allSettled(
      Array.from({ length: count }, () =>
        startNode({
          bin,
          baseDir: dir,
          pickPort: opts.kind === 'cluster' ? freeClusterPort : freePort,
          config: { cluster: opts.kind === 'cluster', tls, requirePassword: opts.requirePassword, aclUsers: opts.aclUsers },
          clientTls,
          detached,
          timeoutMs,
        }).then((node) => {
          nodes.push(node);
          return node;
        }),
      ),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    nodes.sort((a, b) => a.port - b.port);
    if (cli) await createCluster(cli, nodes, replicas, { tls: clientTls, password: opts.requirePassword }, timeoutMs);
    const spec: TargetSpec = {
      kind: opts.kind === 'cluster' ? 'cluster' : 'single',
      // Masters first: they are the natural seeds, and a caller may use nodes[0] alone.
      nodes: [...nodes].sort((a, b) => rank(a) - rank(b)).map((n) => ({ host: '127.0.0.1', port: n.port })),
      ...(opts.requirePassword !== undefined ? { password: opts.requirePassword } : {}),
      ...(clientTls ? { tls: { caFile: clientTls.caFile, certFile: clientTls.certFile, keyFile: clientTls.keyFile } } : {}),
    };
    return { kind: opts.kind, spec, pids: nodes.map((n) => n.pid), dir, nodes, pki, ownsDir, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

function rank(node: LocalNode): number {
  return node.role === 'replica' ? 1 : 0;
}
