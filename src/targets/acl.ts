/**
 * May a user run these commands? Asked before the run starts, in one of two ways:
 *  - `ACL DRYRUN user command args…` on the control connection (Redis 7+, when the control user may run it): nothing
 *    is sent as the user, and the server names the command or channel it refuses;
 *  - otherwise a probe: a connection that logs in as the user (so a wrong password fails here too) queues every
 *    command inside MULTI and then DISCARDs. Redis checks the ACL when a command is queued, so a refusal comes back
 *    as NOPERM while nothing is ever published or subscribed.
 */
import type { TargetSpec } from '../core/target.js';
import { nodeContext } from './context.js';
import { encodeCommand } from './resp/encode.js';
import { RespError, type RespValue } from './resp/reader.js';
import { RespSocket, type RespSocketOwner } from './resp/socket.js';
import type { ControlConnection } from './types.js';

/** What the server said of each command: null = allowed, else its refusal in its own words. */
export interface AclVerdicts {
  /** How it was asked. */
  how: 'ACL DRYRUN' | 'probe';
  /** One per command, in order. */
  refusals: Array<string | null>;
}

/**
 * Asks whether the user `spec` logs in as may run each of `commands` (written as sent, e.g.
 * `['PUBLISH', 'orders', 'x']`): with ACL DRYRUN on `control` where it can, else with a probe connection to the first
 * node of `spec`. Rejects with the connect error (a TargetError) when the probe cannot log in.
 */
export async function checkCommands(
  control: ControlConnection, spec: TargetSpec, user: string, commands: string[][], connectTimeoutMs: number,
): Promise<AclVerdicts> {
  if (commands.length === 0) return { how: 'ACL DRYRUN', refusals: [] };
  const dry = await control.aclDryRun(user, commands);
  if (dry !== null) return { how: 'ACL DRYRUN', refusals: dry };
  return { how: 'probe', refusals: await probeCommands(spec, commands, connectTimeoutMs) };
}

/** Queues `commands` in MULTI as the user of `spec`, then DISCARD: the replies say which ones the ACL refuses. */
export async function probeCommands(spec: TargetSpec, commands: string[][], connectTimeoutMs: number): Promise<Array<string | null>> {
  const probe = new Probe();
  const socket = new RespSocket(nodeContext(spec), spec.nodes[0], { clientName: 'pb-acl-probe', connectTimeoutMs }, probe);
  await socket.open();
  try {
    // MULTI first, on its own: were it refused, the commands after it would run for real. A user who may not run
    // MULTI cannot be probed: nothing is known then (the run's own error counts will tell).
    const multi = probe.expect(1, connectTimeoutMs);
    socket.write(encodeCommand(['MULTI']));
    const [opened] = await multi;
    if (opened instanceof RespError) return commands.map(() => null);
    const all = [...commands, ['DISCARD']];
    const replies = probe.expect(all.length, connectTimeoutMs);
    socket.write(Buffer.concat(all.map((c) => encodeCommand(c))));
    const got = await replies;
    // +QUEUED for an allowed command, an error for a refused one. An error that is not about permissions (a command
    // an old server does not know, one not allowed inside MULTI) proves nothing: taken as allowed.
    return got.slice(0, commands.length).map((r) => (r instanceof RespError && /^NOPERM/.test(r.message) ? r.message : null));
  } finally {
    await socket.close();
  }
}

/** Collects the replies of one pipelined batch, in order. */
class Probe implements RespSocketOwner {
  private replies: RespValue[] = [];
  private want = 0;
  private done: ((r: RespValue[]) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;

  expect(n: number, timeoutMs: number): Promise<RespValue[]> {
    this.want = n;
    this.replies = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the permission probe got no answer within ${timeoutMs} ms`)), timeoutMs);
      this.done = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.failed = (e) => {
        clearTimeout(timer);
        reject(e);
      };
    });
  }

  private push(v: RespValue): void {
    this.replies.push(v);
    if (this.replies.length === this.want) this.done?.(this.replies);
  }

  onDelivery(): void {}
  onInteger(n: number): void {
    this.push(n);
  }
  onSimple(buf: Buffer, start: number, end: number): void {
    this.push(buf.toString('utf8', start, end));
  }
  onValue(value: RespValue, push: boolean): void {
    if (!push) this.push(value);
  }
  onDown(cause: string): void {
    this.failed?.(new Error(`the permission probe lost its connection: ${cause}`));
  }
  onUp(): void {}
}
