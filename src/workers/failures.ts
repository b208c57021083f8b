/**
 * How a worker's own failures reach the coordinator: the fatal message (with the exit code the CLI will use) and
 * subscribe refusals named by command and channel.
 */
import type { WorkerMessage } from '../core/messages.js';
import { WORKER_PROTOCOL_VERSION as V } from '../core/messages.js';
import { BenchError, ExitCode, TargetError } from '../core/errors.js';

/**
 * The fatal message for an error that ended this worker: a BenchError keeps its own exit code (a refused connection
 * or subscription is a TargetError, 3); anything else is a bug in the harness (1) and carries its stack.
 */
export function fatalOf(workerId: number, err: unknown): WorkerMessage {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof BenchError) return { type: 'fatal', v: V, workerId, exitCode: err.exitCode, message };
  return { type: 'fatal', v: V, workerId, exitCode: ExitCode.internal, message, ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) };
}

/**
 * Awaits a subscribe call; a refusal (ACL, wrong node) becomes a TargetError naming the command and the channels or
 * patterns it asked for, so the user sees which subscription the server refused.
 */
export async function refusalNamed(command: string, names: string[], sent: Promise<number>): Promise<number> {
  try {
    return await sent;
  } catch (err) {
    const what = names.length === 1 ? `'${names[0]}'` : `'${names[0]}' and ${names.length - 1} more`;
    const why = err instanceof Error ? err.message : String(err);
    // A cluster node run as one server refuses channels of other slots (preflight refuses that case; a node can
    // still become a cluster member between the check and the subscribe).
    const hint = /CROSSSLOT|MOVED|ASK /.test(why) ? '. Hint: the target is a Redis Cluster node: add --cluster' : '';
    throw new TargetError(`${command} ${what} was refused: ${why}${hint}`);
  }
}
