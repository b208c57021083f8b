/**
 * The faults `--chaos` injects, over connections of their own (opened before the measure phase so an event fires
 * on time): kill the harness's subscriber connections, CLIENT PAUSE every node, restart a local server.
 */
import type { TargetSpec } from '../core/target.js';
import { connectNode, type NodeHandle } from './node-connection.js';
import { nodeContext, quietEvents } from './context.js';
import { restartLocalNode } from './local-restart.js';
import type { LocalTargetDetails } from './local.js';
import { splitHostPort } from './telemetry.js';
import { redactSecrets } from './url.js';

/** The subscriber connections of the harness (see the worker's client names). */
const SUBSCRIBER_RE = /^id=(\d+) .* name=pb-sub-\S* /;

/** Fault injectors; each resolves to what it did in plain words, or rejects with why it could not. */
export interface ChaosActions {
  killSubscribers(): Promise<string>;
  pause(durationMs: number): Promise<string>;
  restart(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens one connection per node in `masters` (host:port). `local` is the server the harness started, if any
 * (restart needs it). Rejects when a node cannot be reached (the caller turns that into a warning).
 */
export async function openChaosActions(
  spec: TargetSpec, masters: string[], local: LocalTargetDetails | null, connectTimeoutMs: number,
): Promise<ChaosActions> {
  const ctx = nodeContext(spec);
  const settled = await Promise.allSettled(
    masters.map((m) => connectNode(ctx, splitHostPort(m), { clientName: 'pb-chaos', connectTimeoutMs }, quietEvents)),
  );
  const handles = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(handles.map((h) => h.close()));
    throw failed.reason;
  }
  const each = <T>(fn: (h: NodeHandle) => Promise<T>): Promise<T[]> => Promise.all(handles.map(fn));
  const actions: ChaosActions = {
    async killSubscribers() {
      const killed = await each(async (h) => {
        // Every type, not just 'pubsub': a streams subscriber is a normal client blocked in XREADGROUP.
        const list = String(await h.redis.call('CLIENT', 'LIST'));
        const ids = list.split('\n').flatMap((line) => SUBSCRIBER_RE.exec(line)?.[1] ?? []);
        // One by one: CLIENT KILL with several ID filters would AND them, matching nothing.
        const replies = await Promise.all(ids.map((id) => h.redis.call('CLIENT', 'KILL', 'ID', id).then(Number, () => 0)));
        return replies.reduce((a, b) => a + b, 0);
      });
      return `killed ${killed.reduce((a, b) => a + b, 0)} subscriber connection(s)`;
    },
    async pause(durationMs) {
      await each((h) => h.redis.call('CLIENT', 'PAUSE', String(durationMs), 'ALL'));
      return `paused all clients on ${handles.length} node(s) for ${durationMs} ms`;
    },
    async restart() {
      if (!local) throw new Error('restart needs a server the harness started itself');
      const access = {
        password: local.spec.password,
        tls: local.spec.tls?.caFile && local.spec.tls.certFile && local.spec.tls.keyFile
          ? { caFile: local.spec.tls.caFile, certFile: local.spec.tls.certFile, keyFile: local.spec.tls.keyFile }
          : undefined,
      };
      const done = [];
      for (const node of local.nodes) done.push(await restartLocalNode(node, access, local.pids));
      return done.map((d) => `restarted redis-server on port ${d.port} (pid ${d.oldPid} → ${d.newPid}), back after ${d.downMs} ms`).join('; ');
    },
    async close() {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
  // Whatever an action rejects with reaches reports: strip the password from it here, where the spec is known.
  const redacted = <A extends unknown[]>(fn: (...args: A) => Promise<string>) => async (...args: A): Promise<string> => {
    try {
      return await fn(...args);
    } catch (err) {
      throw new Error(redactSecrets(err instanceof Error ? err.message : String(err), spec));
    }
  };
  return {
    killSubscribers: redacted(actions.killSubscribers),
    pause: redacted(actions.pause),
    restart: redacted(actions.restart),
    close: actions.close,
  };
}
