/**
 * What every publisher that routes messages over per-node connections shares (cluster slots, client-sharded
 * servers): add() goes to the node chosen for the channel, and send() writes once to each node that got messages.
 * Allocation-free on the per-message path (a Set of a few connections, reused).
 */
import type { PublishConnection } from './types.js';

/** The per-node sends of one routed publisher. */
export class RoutedSends {
  /** Where the payload of the message last added starts (copied to the routed publisher's `payloadOffset`). */
  payloadOffset = 0;
  /** Connections that got messages since the last send. */
  private readonly touched = new Set<PublishConnection>();

  /** Starts a message to `channel` on `pub`, the node connection its channel is routed to. */
  add(pub: PublishConnection, channel: number, token: number): Buffer {
    const buf = pub.add(channel, token);
    this.payloadOffset = pub.payloadOffset;
    this.touched.add(pub);
    return buf;
  }

  /** Sends on every connection that got messages since the last send. */
  send(): void {
    for (const pub of this.touched) pub.send();
    this.touched.clear();
  }

  /** Forgets a connection that is being retired (its queued messages fail with it). */
  forget(pub: PublishConnection): void {
    this.touched.delete(pub);
  }

  /** True when every node connection has room for one more message (a message may go to any of them). */
  static hasRoom(pubs: Iterable<PublishConnection | undefined>): boolean {
    for (const pub of pubs) if (pub && !pub.hasRoom()) return false;
    return true;
  }
}
