/**
 * Validation of `transport` and `streamMaxLen` (see validate.ts for the whole scenario). Streams carry what PUBLISH
 * carries, but not everything around it: a pattern has no stream equivalent (a consumer group reads named keys),
 * sharded pub/sub is a pub/sub feature, and the stream connections are native ones, so those combinations are
 * problems rather than silently different runs.
 */
import type { ChannelSpec, ClientKind, SubscriberGroupSpec, TransportKind } from '../core/scenario.js';
import { Checker, own, type PlainRecord } from './checks.js';
import { DEFAULTS } from './defaults.js';
import { SCENARIO } from './fields.js';

const F = SCENARIO.fields;
const TRANSPORTS = Object.keys(F.transport.values) as TransportKind[];

/** What the transport adds to a resolved scenario: nothing for pub/sub (result.json stays as it was). */
export type CheckedTransport = { transport?: 'streams'; streamMaxLen?: number };

/** The parts of the scenario the transport depends on (undefined when they were invalid themselves). */
export interface TransportContext {
  client: ClientKind | undefined;
  channels: ChannelSpec | undefined;
  subscribers: SubscriberGroupSpec[] | undefined;
}

/** Reads `transport` and `streamMaxLen`; undefined (with problems) when they are invalid or do not fit the rest. */
export function checkTransport(c: Checker, top: PlainRecord, ctx: TransportContext): CheckedTransport | undefined {
  const raw = own(top, 'transport');
  const transport = raw === undefined ? DEFAULTS.transport : c.oneOf(raw, 'transport', TRANSPORTS, F.transport.hint);
  const rawMaxLen = own(top, 'streamMaxLen');
  const maxLen = rawMaxLen === undefined ? DEFAULTS.streamMaxLen : c.intField(rawMaxLen, 'streamMaxLen', F.streamMaxLen);
  if (transport === undefined || maxLen === undefined) return undefined;
  // A cap given for pub/sub has nothing to act on; kept out so the pub/sub variant of a matrix stays pub/sub.
  if (transport === 'pubsub') return {};
  const before = c.problems.length;
  ctx.subscribers?.forEach((g, i) => {
    if (g.count > 0 && g.patterns.length > 0) {
      c.add('transport', `streams cannot carry the pattern subscriptions of subscribers[${i}] (${g.patterns.slice(0, 3).join(', ')})`,
        "a consumer group reads named streams, there is no stream PSUBSCRIBE: drop the patterns (--patterns), or use --transport pubsub");
    }
  });
  if (ctx.channels?.sharded) c.add('transport', 'streams cannot be combined with sharded pub/sub', 'drop --sharded (channels.sharded), or use --transport pubsub');
  if (ctx.client === 'ioredis') c.add('transport', 'streams run on the native client only', "drop --client ioredis (client: 'native'), or use --transport pubsub");
  return c.problems.length > before ? undefined : { transport, streamMaxLen: maxLen };
}
