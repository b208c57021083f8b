/** What every connection of one factory shares, built once per factory. */
import type { TargetSpec } from '../core/target.js';
import type { NodeContext } from './node-connection.js';
import { tlsConnectOptions } from './tls-options.js';
import type { ConnectionEvents } from './types.js';

/** The shared context of every connection to `spec` (TLS files read once, here: a missing file fails now). */
export function nodeContext(spec: TargetSpec): NodeContext {
  return spec.tls ? { spec, tls: tlsConnectOptions(spec.tls) } : { spec };
}

/** For short-lived helper connections (control, slot-map reads), which fail loudly instead of reconnecting. */
export const quietEvents: ConnectionEvents = { onDisconnect: () => undefined, onReconnect: () => undefined };
