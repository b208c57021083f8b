/**
 * `--pubsub-buffer-limit`: sets `client-output-buffer-limit pubsub …` on every node of the target for one run and
 * puts the old value back afterwards. The old value is read first (CONFIG GET); a node that refuses the read or the
 * write fails the run before anything is measured (a TargetError, exit 3), after restoring the nodes already changed.
 * Only the `pubsub` class is written, so the `normal` and `replica` classes are never touched.
 */
import type { OutputBufferLimit } from '../core/reliability.js';
import type { TargetSpec } from '../core/target.js';
import { TargetError } from '../core/errors.js';
import { connectNode, type NodeHandle } from './node-connection.js';
import { nodeContext, quietEvents } from './context.js';
import { parsePubsubLimit, splitHostPort } from './telemetry.js';

/** A limit in force on the target, and how to undo it. */
export interface AppliedPubsubLimit {
  /** What was done, in plain words (for the run's warnings). */
  readonly note: string;
  /**
   * Writes the old value back on every node (once; later calls return the first call's outcome). Resolves to the
   * problems met, empty when every node was restored; never rejects.
   */
  restore(): Promise<string[]>;
}

/** The value of `CONFIG SET client-output-buffer-limit` for the pubsub class. */
export function pubsubLimitText(l: OutputBufferLimit): string {
  return `pubsub ${l.hardBytes} ${l.softBytes} ${l.softSeconds}`;
}

/** Sets `limit` on each node of `nodes` (host:port). `local` only changes the wording of the note. */
export async function applyPubsubLimit(
  spec: TargetSpec, nodes: readonly string[], limit: OutputBufferLimit, connectTimeoutMs: number, local: boolean,
): Promise<AppliedPubsubLimit> {
  const ctx = nodeContext(spec);
  const changed: Array<{ node: string; handle: NodeHandle; old: OutputBufferLimit }> = [];
  const handles: NodeHandle[] = [];
  let restoring: Promise<string[]> | undefined;
  const restore = (): Promise<string[]> => (restoring ??= (async () => {
    const problems: string[] = [];
    for (const c of changed) {
      try {
        await c.handle.redis.call('CONFIG', 'SET', 'client-output-buffer-limit', pubsubLimitText(c.old));
      } catch (err) {
        problems.push(`could not restore client-output-buffer-limit '${pubsubLimitText(c.old)}' on ${c.node}: ${(err as Error).message}`);
      }
    }
    await Promise.all(handles.map((h) => h.close()));
    return problems;
  })());
  try {
    for (const node of nodes) {
      const handle = await connectNode(ctx, splitHostPort(node), { clientName: 'pb-config', connectTimeoutMs }, quietEvents);
      handles.push(handle);
      const old = parsePubsubLimit(await asked(handle, node, ['CONFIG', 'GET', 'client-output-buffer-limit']));
      if (!old) throw new TargetError(`CONFIG GET client-output-buffer-limit on ${node} has no pubsub class: cannot restore it afterwards, so it was not changed`);
      await asked(handle, node, ['CONFIG', 'SET', 'client-output-buffer-limit', pubsubLimitText(limit)]);
      changed.push({ node, handle, old });
    }
  } catch (err) {
    await restore();
    throw err;
  }
  const olds = [...new Set(changed.map((c) => `'${pubsubLimitText(c.old)}'`))].join(', ');
  const where = local ? 'the local redis-server' : `${nodes.length} target node(s)`;
  return { note: `client-output-buffer-limit set to '${pubsubLimitText(limit)}' on ${where} for this run (was ${olds}; restored afterwards).`, restore };
}

async function asked(handle: NodeHandle, node: string, args: string[]): Promise<unknown> {
  try {
    return await handle.redis.call(args[0], ...args.slice(1));
  } catch (err) {
    const hint = /NOPERM|unknown command|rename/i.test((err as Error).message) ? ' (the user may not run CONFIG: grant +config|get +config|set, or leave out --pubsub-buffer-limit)' : '';
    throw new TargetError(`${args.slice(0, 2).join(' ')} client-output-buffer-limit was refused by ${node}: ${(err as Error).message}${hint}`);
  }
}
