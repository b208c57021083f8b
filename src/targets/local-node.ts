/** Starting one local redis-server and waiting until it answers PING. */
import fs from 'node:fs';
import path from 'node:path';
import { TargetError } from '../core/errors.js';
import { renderConfig, type LocalNodeConfig } from './local-config.js';
import { isAlive, logTail, spawnServer, stopPids } from './process.js';
import { pollUntil, rawCommand, type RawTls } from './raw.js';

/** One running server. */
export interface LocalNode {
  port: number;
  pid: number;
  /** The node's own folder (config, log, nodes.conf). */
  dir: string;
  logFile: string;
  /** 'single' for a standalone server; set from CLUSTER NODES for cluster nodes. */
  role: 'single' | 'master' | 'replica';
}

/** What startNode needs besides the config. */
export interface StartNodeOptions {
  bin: string;
  /** Folder that gets one sub-folder per node. */
  baseDir: string;
  /** Picks a port (called again when the port turned out to be taken). */
  pickPort: () => Promise<number>;
  config: Omit<LocalNodeConfig, 'port' | 'dir'>;
  /** Certificate the launcher itself uses to PING a TLS node. */
  clientTls?: RawTls;
  detached: boolean;
  timeoutMs: number;
}

/** Port races (another process bound it after we probed) are retried with a fresh port this many times. */
const maxPortAttempts = 3;

/** The endpoint the launcher's raw client uses for this node. */
export function rawEndpointOf(port: number, opts: Pick<StartNodeOptions, 'clientTls' | 'config'>) {
  return { host: '127.0.0.1', port, tls: opts.clientTls, password: opts.config.requirePassword };
}

/**
 * Writes the node's config, starts redis-server and waits for PING. Rejects with a TargetError carrying the
 * tail of the server log when it exits or does not answer within the timeout (after stopping it).
 */
export async function startNode(opts: StartNodeOptions): Promise<LocalNode> {
  let lastProblem = '';
  for (let attempt = 0; attempt < maxPortAttempts; attempt++) {
    const port = await opts.pickPort();
    const dir = path.join(opts.baseDir, `node-${port}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const configFile = path.join(dir, 'redis.conf');
    const logFile = path.join(dir, 'redis.log');
    fs.writeFileSync(configFile, renderConfig({ ...opts.config, port, dir }), { mode: 0o600 });
    const child = spawnServer(opts.bin, { configFile, logFile, detached: opts.detached });
    const pid = child.pid as number;
    const endpoint = rawEndpointOf(port, opts);
    let exited = false;
    const ready = await pollUntil(async () => {
      if (!isAlive(pid)) {
        exited = true;
        return true;
      }
      return (await rawCommand(endpoint, ['PING'], 1000)) === 'PONG';
    }, opts.timeoutMs);
    if (ready.ok && !exited) return { port, pid, dir, logFile, role: 'single' };
    await stopPids([pid], 2000).catch(() => undefined);
    const tail = logTail(logFile);
    lastProblem = exited
      ? `redis-server on port ${port} exited during startup. Its log (${logFile}) ends with:\n${tail}`
      : `redis-server on port ${port} did not answer PING within ${opts.timeoutMs} ms` +
        `${ready.lastError ? ` (last error: ${ready.lastError})` : ''}. Its log (${logFile}) ends with:\n${tail}`;
    if (!/Address already in use/i.test(tail)) break;
  }
  throw new TargetError(`Could not start a local Redis server: ${lastProblem}`);
}
