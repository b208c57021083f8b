/**
 * `--prometheus-port`: the intervals of a running series as Prometheus metrics on GET /metrics. prom-client writes
 * the exposition format (escaping, HELP/TYPE lines, content type): a well-kept library beats a hand-written copy.
 *
 * Every metric has the labels run_id, scenario and variant. Gauges hold the last completed interval; counters add
 * every interval up. When a new run of the series starts, the previous run's gauges are removed (a finished run has
 * no current rate) and its counters stay, so a matrix can still be compared by its totals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { UsageError } from '../../core/errors.js';
import type { LiveInterval, LiveSink } from '../../core/live.js';

const LABELS = ['run_id', 'scenario', 'variant'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

/** Metric name prefix. */
export const METRIC_PREFIX = 'pubsub_bench_';

/** Holds the metrics of the runs it was given, in its own registry (never prom-client's global one). */
export class PrometheusSink implements LiveSink {
  readonly registry = new Registry();
  private readonly gauges: Record<string, Gauge<(typeof LABELS)[number]>> = {};
  private readonly counters: Record<string, Counter<(typeof LABELS)[number]>> = {};
  private current: Labels | null = null;

  constructor() {
    const gauge = (name: string, help: string) => (this.gauges[name] = new Gauge({ name: METRIC_PREFIX + name, help, labelNames: LABELS, registers: [this.registry] }));
    const counter = (name: string, help: string) => (this.counters[name] = new Counter({ name: METRIC_PREFIX + name, help, labelNames: LABELS, registers: [this.registry] }));
    gauge('publish_rate', 'Messages published per second in the last completed interval');
    gauge('delivery_rate', 'Deliveries received per second in the last completed interval');
    gauge('target_rate', 'Offered open-loop rate (msgs/s) in the last interval; absent at --rate max');
    gauge('e2e_latency_p50_seconds', 'End-to-end latency p50 (from intended send time) of the last interval');
    gauge('e2e_latency_p99_seconds', 'End-to-end latency p99 (from intended send time) of the last interval');
    gauge('e2e_latency_max_seconds', 'End-to-end latency max of the last interval');
    gauge('event_loop_utilization', 'Highest event-loop utilisation of any worker thread in the last interval (0..1)');
    gauge('event_loop_delay_p99_seconds', 'Worst event-loop delay p99 of any worker thread in the last interval');
    gauge('lost_messages', 'Measured deliveries expected but not (yet) received so far; a gauge: late deliveries lower it');
    gauge('measuring', '1 while the last interval was in the measure phase, 0 in warmup and drain');
    gauge('interval_seq', 'Number of the last completed interval of the run (0 is the first)');
    counter('published_messages_total', 'Messages published (all phases)');
    counter('received_messages_total', 'Deliveries received (all phases, duplicates included)');
    counter('measured_published_messages_total', 'Messages published in the measure phase');
    counter('measured_expected_deliveries_total', 'Deliveries the plan expects for the measured messages');
    counter('measured_delivered_messages_total', 'Unique deliveries of measured messages');
    counter('publish_errors_total', 'Publish commands that failed');
    counter('disconnects_total', 'Connection losses seen');
    counter('reconnects_total', 'Reconnects seen');
    counter('duplicates_total', 'Duplicate deliveries');
    counter('gap_messages_total', 'Messages skipped by sequence gaps');
  }

  interval(i: LiveInterval): void {
    const labels: Labels = { run_id: i.runId, scenario: i.scenario, variant: i.variant };
    if (this.current && this.current.run_id !== labels.run_id) for (const g of Object.values(this.gauges)) g.remove(this.current);
    this.current = labels;
    const set = (name: string, v: number | null): void => {
      if (v === null) this.gauges[name].remove(labels);
      else this.gauges[name].set(labels, v);
    };
    const us = (v: number | null): number | null => (v === null ? null : v / 1e6);
    set('publish_rate', i.publishedPerS);
    set('delivery_rate', i.receivedPerS);
    set('target_rate', i.targetPerS);
    set('e2e_latency_p50_seconds', us(i.e2eP50Us));
    set('e2e_latency_p99_seconds', us(i.e2eP99Us));
    set('e2e_latency_max_seconds', us(i.e2eMaxUs));
    set('event_loop_utilization', i.maxEventLoopUtilization);
    set('event_loop_delay_p99_seconds', us(i.maxEventLoopDelayP99Us));
    set('lost_messages', i.totals.lostMeasured);
    set('measuring', i.phase === 'measure' ? 1 : 0);
    set('interval_seq', i.seq);
    const c = i.counts;
    const add = (name: string, n: number): void => this.counters[name].inc(labels, n);
    add('published_messages_total', c.published);
    add('received_messages_total', c.received);
    add('measured_published_messages_total', c.publishedMeasured);
    add('measured_expected_deliveries_total', c.expectedMeasured);
    add('measured_delivered_messages_total', c.deliveredMeasured);
    add('publish_errors_total', c.publishErrors);
    add('disconnects_total', c.disconnects);
    add('reconnects_total', c.reconnects);
    add('duplicates_total', i.duplicates);
    add('gap_messages_total', i.gapMessages);
  }

  /** The exposition text, as GET /metrics serves it. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** A started /metrics server. */
export interface PrometheusServer {
  sink: PrometheusSink;
  /** http://host:port/metrics, with the port really bound (0 picks a free one). */
  url: string;
  /** Stops listening and drops open connections (a scraper's keep-alive must not keep the command alive). */
  close(): Promise<void>;
}

/**
 * Serves a new sink's metrics on host:port. A port that cannot be bound is a UsageError naming --prometheus-port
 * (exit 2, before anything is measured).
 */
export async function startPrometheusServer(host: string, port: number): Promise<PrometheusServer> {
  const sink = new PrometheusSink();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      sink.metrics().then(
        (text) => res.writeHead(200, { 'content-type': sink.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('pubsub-bench serves its live metrics on /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'needs more privileges (a port below 1024?)' : `cannot be bound (${err.code ?? err.message})`;
      reject(new UsageError([{ field: '--prometheus-port', message: `port ${port} on ${host} ${why}`, hint: 'pick a free port, e.g. --prometheus-port 9464, or 0 for any free one (its URL is printed)' }], 'Cannot serve live metrics'));
    });
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    sink,
    url: `http://${shown}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
