/**
 * Restarting a server the harness started (chaos `restart`): stop it by pid, start the same binary with the same
 * config file on the same port, wait for PING. The node's `pid` is updated in place, so the target's stop() — which
 * reads the pids when it runs — stops the new process, and nothing outlives the run.
 */
import path from 'node:path';
import { TargetError } from '../core/errors.js';
import type { LocalNode } from './local-node.js';
import { isAlive, logTail, spawnServer, stopPids } from './process.js';
import { pollUntil, rawCommand, type RawTls } from './raw.js';
import { requireTool } from './tools.js';

/** How the launcher reaches the node to see that it is back. */
export interface RestartAccess {
  /** Client certificate files for a TLS node. */
  tls?: RawTls;
  /** Password of the default user (requirepass). */
  password?: string;
  /** Longest wait for the restarted node to answer PING (default 20 s). */
  timeoutMs?: number;
}

/** What a restart did. */
export interface RestartOutcome {
  port: number;
  oldPid: number;
  newPid: number;
  /** From the stop signal until the new process answered PING, ms. */
  downMs: number;
}

/** Stops `node` by pid and starts it again with its own config (its folder's redis.conf) on the same port. */
export async function restartLocalNode(node: LocalNode, access: RestartAccess = {}, pids?: number[]): Promise<RestartOutcome> {
  const bin = requireTool('redis-server');
  const oldPid = node.pid;
  const started = Date.now();
  await stopPids([oldPid]);
  const child = spawnServer(bin, { configFile: path.join(node.dir, 'redis.conf'), logFile: node.logFile, detached: false });
  const newPid = child.pid as number;
  node.pid = newPid;
  // The caller's pid list (LocalTarget.pids) follows too, for whoever reads it later.
  const listed = pids?.indexOf(oldPid) ?? -1;
  if (pids && listed >= 0) pids[listed] = newPid;
  const endpoint = { host: '127.0.0.1', port: node.port, tls: access.tls, password: access.password };
  const ready = await pollUntil(async () => {
    if (!isAlive(newPid)) throw new Error('it exited');
    return (await rawCommand(endpoint, ['PING'], 1000)) === 'PONG';
  }, access.timeoutMs ?? 20_000);
  if (!ready.ok) {
    throw new TargetError(
      `redis-server on port ${node.port} did not come back after the restart (${ready.lastError ?? 'no PONG'}). ` +
      `Its log (${node.logFile}) ends with:\n${logTail(node.logFile)}`,
    );
  }
  return { port: node.port, oldPid, newPid, downMs: Date.now() - started };
}
