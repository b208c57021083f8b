/**
 * Entry point of a worker thread (a piscina task that lasts the whole run). It connects its share of the fleet,
 * reports 'ready', waits for the coordinator's 'start', runs the publishers, sends a snapshot every interval over
 * its MessagePort, and on 'finish' sends the last snapshot and closes everything.
 */
import type { MessagePort } from 'node:worker_threads';
import { setImmediate as setImmediateP } from 'node:timers/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { ControlMessage, OutageEvent, WorkerMessage, WorkerTask } from '../core/messages.js';
import { WORKER_PROTOCOL_VERSION as V } from '../core/messages.js';
import { nowUs, setClockShift } from '../core/clock.js';
import { createConnectionFactory } from '../targets/connection.js';
import { fleetSpec } from '../targets/url.js';
import { withRecoveryError } from '../metrics/error-texts.js';
import type { PublishConnection, SubscribeConnection } from '../targets/types.js';
import { encodeHistogram, initHistogramEngine } from '../metrics/histogram.js';
import { WorkerContext } from './context.js';
import { Publisher, payloadTemplate, windowOf } from './publisher.js';
import { SubscriberSink, unexpectedDeliveries } from './subscriber.js';
import { parseTestHooks } from '../core/test-hooks.js';
import { armCrash, dropHandlers } from './test-hooks.js';
import { ChurnDriver, type ChurnMember } from './churn.js';
import { UsageError } from '../core/errors.js';
import { fatalOf, refusalNamed } from './failures.js';
import { slowHandlers } from './slow.js';
import { streamGroup, streamKeyPrefix } from '../targets/stream-keys.js';

/** Connections opened at once while connecting the fleet. */
const CONNECT_CONCURRENCY = 32;

/** The piscina task payload. */
export interface WorkerInput {
  task: WorkerTask;
  port: MessagePort;
}

/** Runs one worker's share of the fleet. Resolves when the coordinator says finish (or on a fatal error). */
export default async function runWorker({ task, port }: WorkerInput): Promise<void> {
  await initHistogramEngine();
  const post = (msg: WorkerMessage): void => port.postMessage(msg);
  const ctx = new WorkerContext(task);
  const sinks: SubscriberSink[] = [];
  const subs: SubscribeConnection[] = [];
  const pubs: PublishConnection[] = [];
  const churning: ChurnMember[] = [];
  const churnSpec = task.scenario.subscriberChurn;
  let churn: ChurnDriver | null = null;
  const controls = controlQueue(port);
  // Test-only faults (src/core/test-hooks.ts): inert unless PUBSUB_BENCH_TEST_HOOKS arms them.
  const hooks = parseTestHooks(process.env);
  let crashTimer: NodeJS.Timeout | undefined;
  try {
    if (task.v !== V) throw new Error(`task of protocol version ${task.v}, this worker speaks ${V}`);
    // A segment reads the common (server) time base in every thread; see core/clock.ts.
    setClockShift(task.segment?.clockOffsetUs ?? 0, task.segment?.clockSkewUs ?? 0);
    const sharded = task.scenario.channels.sharded;
    // Each fleet logs in as its own user when it has one (--publisher-user, --subscriber-user).
    const factory = createConnectionFactory(fleetSpec(task.target, 'subscriber'), task.scenario.client);
    const pubFactory = task.target.publisherAuth || task.target.subscriberAuth
      ? createConnectionFactory(fleetSpec(task.target, 'publisher'), task.scenario.client)
      : factory;
    // Transport 'streams': the same connections, over XADD / XREADGROUP to this run's streams.
    const streams = task.scenario.transport === 'streams'
      ? { keyPrefix: streamKeyPrefix(task.runTag), maxLen: task.scenario.streamMaxLen ?? 0, group: '' }
      : undefined;
    const resp3 = task.scenario.resp === 3;
    let confirmed = 0;
    // Connect subscribers a few at a time: one by one is slow for big fleets, all at once floods the server.
    for (let from = 0; from < task.subscribers.length; from += CONNECT_CONCURRENCY) {
      const chunk = task.subscribers.slice(from, from + CONNECT_CONCURRENCY);
      const counts = await Promise.all(chunk.map(async (a) => {
        const sink = new SubscriberSink(ctx, a);
        sinks.push(sink);
        const opts = {
          sharded, clientName: `pb-sub-${a.subscriberId}`, connectTimeoutMs: task.connectTimeoutMs, resp3,
          ...(streams ? { streams: { ...streams, group: streamGroup(a.subscriberId) } } : {}),
        };
        const drop = dropHandlers(hooks, a.subscriberId, sink, churnSpec !== undefined);
        const handlers = a.slowUs ? slowHandlers(drop?.handlers ?? sink, a.slowUs) : (drop?.handlers ?? sink);
        const conn = await factory.openSubscriber(opts, handlers);
        subs.push(conn);
        if (churnSpec) {
          if (!churnSpec.reconnect && !conn.unsubscribe) {
            throw new UsageError([{ field: '--subscriber-churn', message: 'this target\'s data path cannot UNSUBSCRIBE and SUBSCRIBE again', hint: 'use --subscriber-churn DURATION:reconnect' }]);
          }
          churning.push({ assignment: a, sink, conn, reopen: () => factory.openSubscriber(opts, handlers), onWindowOpened: drop?.windowOpened });
        }
        let n = 0;
        const names = a.channels.map((i) => task.channelNames[i]);
        if (names.length > 0) n += await refusalNamed(streams ? 'XGROUP CREATE' : sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE', names, conn.subscribe(names));
        if (a.patterns.length > 0) n += await refusalNamed('PSUBSCRIBE', a.patterns, conn.psubscribe(a.patterns));
        return n;
      }));
      for (const n of counts) confirmed += n;
    }
    const background = task.backgroundPatterns ?? [];
    if (background.length > 0) {
      const conn = await factory.openSubscriber({ sharded: false, clientName: 'pb-bgpat', connectTimeoutMs: task.connectTimeoutMs, resp3 }, unexpectedDeliveries(ctx));
      subs.push(conn);
      confirmed += await refusalNamed('PSUBSCRIBE', background, conn.psubscribe(background));
    }
    const p = task.scenario.publishers;
    for (const a of task.publishers) {
      const opts = {
        sharded,
        clientName: `pb-pub-${a.publisherId}`,
        connectTimeoutMs: task.connectTimeoutMs,
        resp3,
        mode: p.mode,
        maxInFlight: windowOf(p),
        channels: ctx.channelBuffers,
        payloadTemplate: payloadTemplate(p.messageBytes, task.scenario.seed, a.publisherId),
        ...(streams ? { streams } : {}),
      };
      let outage: OutageEvent | null | undefined;
      pubs.push(await pubFactory.openPublisher(opts, {
        onDisconnect: (cause) => {
          if (outage !== undefined) return;
          ctx.counters.disconnects++;
          outage = ctx.outages.open('publisher', a.publisherId, cause);
        },
        onTopologyEvent: () => {
          ctx.counters.topologyEvents++;
        },
        onRecoveryError: (cause) => {
          if (outage) outage.cause = withRecoveryError(outage.cause, cause);
        },
        onReconnect: () => {
          if (outage === undefined) return;
          ctx.counters.reconnects++;
          ctx.outages.close(outage);
          outage = undefined;
        },
      }));
    }
    post({ type: 'ready', v: V, workerId: task.workerId, confirmedSubscriptions: confirmed });

    const start = await controls.next('start');
    if (start.type !== 'start') return;
    ctx.window = { startUs: start.startUs, measureStartUs: start.measureStartUs, measureEndUs: start.measureEndUs };
    crashTimer = armCrash(hooks, task.workerId);
    const reporter = new Reporter(ctx, sinks, post, task.intervalMs, start.startUs);
    if (churnSpec) {
      churn = new ChurnDriver(ctx, churnSpec, churning, task.scenario.subscribers.reduce((n, g) => n + g.count, 0));
      churn.start();
    }
    controls.onStopPublishing = () => (ctx.stopPublishing = true);
    controls.onInterval = (ms) => reporter.setInterval(ms);
    const publishing = Promise.all(task.publishers.map((a, i) => new Publisher(ctx, pubs[i], a).run())).then(() => {
      reporter.publishingDone = true;
      return reporter.snapshot(false);
    });
    await controls.next('finish');
    ctx.stopPublishing = true;
    await churn?.stop();
    await publishing;
    reporter.stop();
    await reporter.snapshot(true);
  } catch (err) {
    post(fatalOf(task.workerId, err));
  } finally {
    clearTimeout(crashTimer);
    await churn?.stop();
    // Under churn with reconnects a subscriber's connection is the one its churn member holds now.
    const open = new Set([...subs, ...churning.map((m) => m.conn)]);
    await Promise.allSettled([...[...open].map((s) => s.close()), ...pubs.map((p) => p.close())]);
    ctx.destroy();
    port.close();
  }
}

/** Sends snapshots on interval boundaries counted from the schedule start, so all workers' intervals line up. */
class Reporter {
  /**
   * Sampling period of the event-loop delay monitor (ms). Node records the whole time between two of its timer
   * ticks, period included, so this is subtracted: an idle thread would otherwise report the period as delay.
   * 2 ms gives ~500 samples a second, so an interval's p99 is not just its single worst moment (at 10 ms one GC
   * pause made the p99), for ~1.6% of a core (1 ms would cost 3.3%).
   */
  private static readonly DELAY_RESOLUTION_MS = 2;
  private seq = 0;
  private lastUs = nowUs();
  private timer: NodeJS.Timeout | undefined;
  private elu = performance.eventLoopUtilization();
  private readonly delay = monitorEventLoopDelay({ resolution: Reporter.DELAY_RESOLUTION_MS });
  publishingDone = false;
  /** The last snapshot's encode-and-post: the next one waits for it, so snapshots leave in order. */
  private posted: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: WorkerContext,
    private readonly sinks: SubscriberSink[],
    private readonly post: (m: WorkerMessage) => void,
    private intervalMs: number,
    private readonly originUs: number,
  ) {
    this.delay.enable();
    this.arm();
  }

  setInterval(ms: number): void {
    this.intervalMs = ms;
    clearTimeout(this.timer);
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.delay.disable();
  }

  private arm(): void {
    const intervalUs = this.intervalMs * 1000;
    const now = nowUs();
    const next = this.originUs + Math.ceil((now - this.originUs + 1) / intervalUs) * intervalUs;
    this.timer = setTimeout(() => {
      void this.snapshot(false);
      this.arm();
    }, Math.max(0, Math.ceil((next - now) / 1000)));
  }

  /**
   * Takes the data gathered since the last snapshot now, then encodes and sends it. Encoding three histograms
   * costs about a millisecond: one histogram per turn of the event loop keeps that stall out of the deliveries
   * waiting behind it. Snapshots leave in order; the promise settles once this one is posted.
   */
  snapshot(final: boolean): Promise<void> {
    for (const s of this.sinks) s.flushOrderingCounts();
    const taken = this.ctx.takeInterval();
    const toUs = nowUs();
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const health = {
      eventLoopUtilization: elu.utilization,
      eventLoopDelayP99Us: this.delayBeyondPeriodUs(this.delay.percentile(99)),
      eventLoopDelayMaxUs: this.delayBeyondPeriodUs(this.delay.max),
      // This isolate's own heap: each worker thread has one, and process.memoryUsage() would add the RSS read too.
      heapUsedBytes: getHeapStatistics().used_heap_size,
    };
    this.delay.reset();
    const fromUs = this.lastUs;
    this.lastUs = toUs;
    const seq = this.seq++;
    const perChannel = final ? { published: Array.from(this.ctx.publishedPerChannel), delivered: Array.from(this.ctx.deliveredPerChannel) } : undefined;
    const publishingDone = this.publishingDone;
    const encodeAndPost = async (): Promise<void> => {
      const endToEnd = encodeHistogram(taken.e2e);
      taken.e2e.destroy();
      await setImmediateP();
      const endToEndUncorrected = encodeHistogram(taken.e2eUncorrected);
      taken.e2eUncorrected.destroy();
      await setImmediateP();
      const publish = encodeHistogram(taken.publish);
      taken.publish.destroy();
      this.post({
        type: 'snapshot', v: V, workerId: this.ctx.task.workerId, seq, fromUs, toUs,
        counters: taken.counters,
        histograms: { endToEnd, endToEndUncorrected, publish },
        health,
        violations: taken.examples,
        ...(taken.publishErrorTexts ? { publishErrorTexts: taken.publishErrorTexts } : {}),
        outages: final ? this.ctx.outages.events : [],
        ...(perChannel ? { perChannel } : {}),
        publishingDone,
        final,
        ...(final && this.ctx.e2eSame && this.ctx.e2eCross ? { segment: {
          deliveredFromSegment: Array.from(this.ctx.deliveredFromSegment),
          same: encodeHistogram(this.ctx.e2eSame),
          cross: encodeHistogram(this.ctx.e2eCross),
          negativeLatencies: this.ctx.negativeLatencies,
        } } : {}),
      });
    };
    this.posted = this.posted.then(encodeAndPost);
    return this.posted;
  }

  /** A monitor reading (ns, sampling period included) as the delay beyond that period, µs (never negative). */
  private delayBeyondPeriodUs(ns: number): number {
    return Math.max(0, nsToUs(ns) - Reporter.DELAY_RESOLUTION_MS * 1000);
  }
}

function nsToUs(ns: number): number {
  return Number.isFinite(ns) ? Math.round(ns / 1000) : 0;
}

/** Buffers control messages so the task can await a given one while others (interval, stop) act at once. */
function controlQueue(port: MessagePort) {
  const waiters = new Map<ControlMessage['type'], (m: ControlMessage) => void>();
  const seen = new Map<ControlMessage['type'], ControlMessage>();
  const q = {
    onStopPublishing: () => {},
    onInterval: (_ms: number) => {},
    next(type: ControlMessage['type']): Promise<ControlMessage> {
      const m = seen.get(type);
      if (m) return Promise.resolve(m);
      return new Promise((resolve) => waiters.set(type, resolve));
    },
  };
  port.on('message', (m: ControlMessage) => {
    if (m.type === 'stop-publishing') q.onStopPublishing();
    if (m.type === 'interval') q.onInterval(m.intervalMs);
    // A finish before start (the coordinator gave up) ends the wait for start too.
    const targets: ControlMessage['type'][] = m.type === 'finish' ? ['finish', 'start'] : [m.type];
    for (const t of targets) {
      const w = waiters.get(t);
      if (!seen.has(t)) seen.set(t, m);
      if (w) { waiters.delete(t); w(m); }
    }
  });
  return q;
}
