/**
 * How the streams transport names what it creates on the server, shared by the workers (XADD, XREADGROUP) and the
 * coordinator (groups check, memory, clean-up): one stream per channel, named with the run tag so two runs (or a run
 * and an application) never share a stream, and a consumer group per subscriber.
 */

/** Every key of the streams transport starts with this (an ACL key rule `~pb-stream:*` covers them all). */
export const STREAM_KEY_PREFIX = 'pb-stream:';

/** The part of the key before the channel name: `pb-stream:<run tag, 8 hex digits>:`. */
export function streamKeyPrefix(runTag: number): string {
  return `${STREAM_KEY_PREFIX}${(runTag >>> 0).toString(16).padStart(8, '0')}:`;
}

/** The stream of channel `channel` in the run tagged `runTag`. */
export function streamKey(runTag: number, channel: string): string {
  return streamKeyPrefix(runTag) + channel;
}

/** The consumer group of subscriber `subscriberId`: its own, so every subscriber gets every entry (fan-out). */
export function streamGroup(subscriberId: number): string {
  return `pb-sub-${subscriberId}`;
}

/** The one consumer in each group (a group has one reader: the subscriber that owns it). */
export const STREAM_CONSUMER = 'c';

/** What the stream connections need to know (in ConnectionOptions): absent for pub/sub. */
export interface StreamOptions {
  /** `streamKeyPrefix(runTag)`: the stream of a channel is this + the channel name. */
  keyPrefix: string;
  /** XADD MAXLEN ~ cap. */
  maxLen: number;
  /** Subscribers: the consumer group they read with (`streamGroup(id)`). */
  group: string;
}
