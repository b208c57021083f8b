/**
 * Validation of the traffic-shape fields (issue 13: 1, 4, 5): `channelSkew`, `subscriberSkew`, `backgroundPatterns` and
 * `resp`. A resolved scenario carries each only when it differs from the default (uniform, uniform, 0, 2), so
 * scenarios and results written before these fields existed read the same.
 */
import { BACKGROUND_PATTERN_PREFIX, type ChannelSpec, type PublisherSpec, type RateStage, type Scenario, type SubscriberGroupSpec } from '../core/scenario.js';
import { formatSkew, parseSkew, type Skew } from '../load/skew.js';
import { channelNames } from './channels.js';
import { type Checker, own, type PlainRecord } from './checks.js';
import { SCENARIO } from './fields.js';

const F = SCENARIO.fields;

/** The sections the shape fields depend on (undefined when invalid: their own problems are already listed). */
export interface ShapeContext {
  channels: ChannelSpec | undefined;
  publishers: PublisherSpec | undefined;
  subscribers: SubscriberGroupSpec[] | undefined;
  stages: RateStage[] | null | undefined;
}

/** The shape fields of a resolved scenario (only those that differ from the default), or undefined when invalid. */
export type TrafficShapes = Pick<Scenario, 'channelSkew' | 'subscriberSkew' | 'backgroundPatterns' | 'resp'>;

/** Reads and checks the shape fields of the scenario `top`. */
export function checkTrafficShapes(c: Checker, top: PlainRecord, ctx: ShapeContext): TrafficShapes | undefined {
  let ok = true;
  const out: TrafficShapes = {};
  const channelSkew = readSkew(c, own(top, 'channelSkew'), 'channelSkew');
  if (channelSkew === undefined) ok = false;
  else if (channelSkew.kind === 'zipf') {
    out.channelSkew = formatSkew(channelSkew);
    if (!publishSkewHolds(c, ctx)) ok = false;
  }
  const subscriberSkew = readSkew(c, own(top, 'subscriberSkew'), 'subscriberSkew');
  if (subscriberSkew === undefined) ok = false;
  else if (subscriberSkew.kind === 'zipf') {
    out.subscriberSkew = formatSkew(subscriberSkew);
    if (!subscriberSkewApplies(c, ctx)) ok = false;
  }
  const rawPatterns = own(top, 'backgroundPatterns');
  const background = rawPatterns === undefined ? 0 : c.intField(rawPatterns, 'backgroundPatterns', F.backgroundPatterns);
  if (background === undefined || !backgroundPatternsFit(c, background, ctx.channels)) ok = false;
  else if (background > 0) out.backgroundPatterns = background;
  const rawResp = own(top, 'resp');
  const resp = rawResp === undefined ? 2 : c.intField(rawResp, 'resp', F.resp);
  if (resp === undefined) ok = false;
  else if (resp === 3) out.resp = 3;
  return ok ? out : undefined;
}

/**
 * Background patterns and RESP3 are Pub/Sub's: a stream has no PSUBSCRIBE, and the streams path reads RESP2
 * replies. Returns `traffic`, or undefined when it does not fit the transport (the problem is in `c`).
 */
export function fitTransport(c: Checker, traffic: TrafficShapes | undefined, transport: { transport?: string } | undefined): TrafficShapes | undefined {
  if (!traffic || transport?.transport !== 'streams') return traffic;
  const hint = 'use --transport pubsub, or leave it out';
  if (traffic.backgroundPatterns) c.add('backgroundPatterns', 'streams have no pattern subscriptions to load the server with', hint);
  if (traffic.resp === 3) c.add('resp', 'the streams transport speaks RESP2', hint);
  return traffic.backgroundPatterns || traffic.resp === 3 ? undefined : traffic;
}

function readSkew(c: Checker, value: unknown, field: string): Skew | undefined {
  if (value === undefined) return { kind: 'uniform' };
  const skew = parseSkew(value);
  if ('message' in skew) {
    c.add(field, skew.message, skew.hint);
    return undefined;
  }
  return skew;
}

/**
 * With k channels each, publishers carry unequal shares of the rate (plan-skew.ts) so the fleet's shares stay
 * exact: that needs a rate each publisher is given, so not 'max' (closed loop) and not a profile (equal shares of
 * one combined stream).
 */
function publishSkewHolds(c: Checker, { channels, publishers, stages }: ShapeContext): boolean {
  if (!channels || !publishers || publishers.channelsEach === 'all' || publishers.channelsEach >= channels.count) return true;
  const hint = "set publishers.channelsEach to 'all' (every publisher then follows the skew over every channel), or give a numeric --rate without stages";
  if (publishers.rate === 'max') {
    c.add('channelSkew', `with ${publishers.channelsEach} channels per publisher the skew needs a numeric rate: at 'max' each publisher's share would be whatever it achieves`, hint);
    return false;
  }
  if (stages) {
    c.add('channelSkew', `with ${publishers.channelsEach} channels per publisher the skew cannot follow a load profile (stages share one stream equally over the publishers)`, hint);
    return false;
  }
  return true;
}

function subscriberSkewApplies(c: Checker, { channels, subscribers }: ShapeContext): boolean {
  if (!channels || !subscribers) return true;
  const skewable = subscribers.some((g) => g.count > 0 && typeof g.channelsEach === 'number' && g.channelsEach > 0 && g.channelsEach < channels.count);
  if (skewable) return true;
  c.add('subscriberSkew', `no subscriber group has fewer channels each than the ${channels.count} channels, so every channel has the same subscribers and there is nothing to skew`,
    'give subscribers a number of channels each below channels.count, e.g. --channels-per-subscriber 2');
  return false;
}

function backgroundPatternsFit(c: Checker, count: number, channels: ChannelSpec | undefined): boolean {
  if (count === 0 || !channels) return true;
  if (channels.sharded) {
    c.add('backgroundPatterns', 'pattern subscriptions are not available with sharded pub/sub', 'Redis has no sharded PSUBSCRIBE (and SPUBLISH never checks patterns): set it to 0, or channels.sharded to false');
    return false;
  }
  const clash = channelNames(channels).find((name) => name.startsWith(BACKGROUND_PATTERN_PREFIX));
  if (clash !== undefined) {
    c.add('channels.naming', `channel ${JSON.stringify(clash)} would match the background patterns ${BACKGROUND_PATTERN_PREFIX}<i>:*`, `name channels without the prefix ${BACKGROUND_PATTERN_PREFIX}`);
    return false;
  }
  return true;
}
