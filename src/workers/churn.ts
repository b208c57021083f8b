/**
 * Subscription churn (`--subscriber-churn DURATION[:reconnect]`): every DURATION each subscriber of this worker
 * unsubscribes and subscribes again on its connection, or (reconnect) closes it and opens a new one. Events start in
 * the measure phase, staggered over the fleet by subscriber id so the server sees a steady trickle rather than bursts,
 * and stop when publishing stops. The window bookkeeping is the sink's (src/metrics/windows.ts); this file only makes
 * the events happen and tells the sink when a window closed.
 */
import type { SubscriberAssignment } from '../core/messages.js';
import type { SubscriberChurnSpec } from '../core/scenario.js';
import { nowUs } from '../core/clock.js';
import type { SubscribeConnection } from '../targets/types.js';
import type { SubscriberSink } from './subscriber.js';
import type { WorkerContext } from './context.js';

/** Wait before trying an event again that could not happen yet (streams not settled, connection down), ms. */
const RETRY_MS = 50;

/** One subscriber as the churn driver sees it. */
export interface ChurnMember {
  assignment: SubscriberAssignment;
  sink: SubscriberSink;
  /** The current connection (replaced on every reconnect). */
  conn: SubscribeConnection;
  /** Opens a new connection with the member's handlers (reconnect mode). */
  reopen(): Promise<SubscribeConnection>;
  /** Told after each completed event (test hooks that act inside a window). */
  onWindowOpened?(): void;
}

/** Runs the churn events of one worker's subscribers. */
export class ChurnDriver {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly spec: SubscriberChurnSpec,
    private readonly members: ChurnMember[],
    private readonly subscriberCount: number,
  ) {}

  /** Arms every member's first event: subscriber j at measure start + every × (j + 1) / S. */
  start(): void {
    const everyUs = this.spec.everyMs * 1000;
    for (const m of this.members) {
      const offsetUs = (everyUs * (m.assignment.subscriberId + 1)) / Math.max(1, this.subscriberCount);
      this.at(m, this.ctx.window.measureStartUs + offsetUs);
    }
  }

  /** No new events; resolves once the events in progress have finished (their connections are whole again). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private at(m: ChurnMember, atUs: number): void {
    if (this.stopped || atUs >= this.ctx.window.measureEndUs) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const run = this.event(m, atUs).finally(() => this.running.delete(run));
      this.running.add(run);
    }, Math.max(0, (atUs - nowUs()) / 1000));
    this.timers.add(t);
  }

  /** One event of member `m`, then the next one armed. */
  private async event(m: ChurnMember, dueUs: number): Promise<void> {
    if (this.stopped || this.ctx.stopPublishing) return;
    // Held while a stream's last message is from the warmup, so the numbers it skips are all measured or none.
    if (!m.sink.windows?.settled()) {
      this.at(m, nowUs() + RETRY_MS * 1000);
      return;
    }
    const names = m.assignment.channels.map((i) => this.ctx.task.channelNames[i]);
    const patterns = m.assignment.patterns;
    try {
      if (this.spec.reconnect) {
        await m.conn.close();
        m.sink.windows.close();
        m.conn = await m.reopen();
      } else {
        // The worker checked at connect time that the data path can (else :reconnect is needed).
        if (names.length > 0) await m.conn.unsubscribe!(names);
        if (patterns.length > 0) await m.conn.punsubscribe!(patterns);
        m.sink.windows.close();
      }
      await this.resubscribe(m, names, patterns);
      this.ctx.counters.churnEvents++;
      m.onWindowOpened?.();
    } catch {
      // The connection dropped meanwhile: its own recovery resubscribes what it still holds; put back what this
      // event had taken away, then carry on with the schedule.
      await this.resubscribeUntilDone(m, names, patterns);
    }
    this.at(m, dueUs + this.spec.everyMs * 1000);
  }

  private async resubscribe(m: ChurnMember, names: string[], patterns: string[]): Promise<void> {
    if (names.length > 0) await m.conn.subscribe(names);
    if (patterns.length > 0) await m.conn.psubscribe(patterns);
  }

  private async resubscribeUntilDone(m: ChurnMember, names: string[], patterns: string[]): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.spec.reconnect) {
          await m.conn.close().catch(() => undefined);
          m.conn = await m.reopen();
        }
        await this.resubscribe(m, names, patterns);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}
