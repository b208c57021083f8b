/**
 * The sections of the run report, top to bottom. Every string from result.json is escaped by `html`.
 */
import type { ClientKind, LatencySummaryUs, RunResult } from '../../core/index.js';
import { clientOf, describeScenario, describeTarget, judge } from '../describe.js';
import {
  NONE, formatCount, formatDurationMs, formatLatencyUs, formatPercent, formatRate, formatShare,
} from '../format.js';
import {
  deliveredRateChart, healthCharts, latencyOverTimeChart, publishRateChart, spectrumChart, violationsChart,
} from './charts.js';
import { html, type Html } from './escape.js';
import { markerCaption, markerLayers, type TimeMarkers } from './markers.js';
import { memoryBlock } from './memory.js';
import { badIfPositive, card, figure, metaTable, table, textCell as t, type Cell } from './page.js';
import { spectrumPoints } from './spectrum.js';
import type { ChartTimeline } from './timeline.js';

/** The three latency histograms: label, summary key and histogram key are the same names in result.json. */
export const LATENCY_SERIES = [
  ['end-to-end (corrected)', 'endToEnd'],
  ['end-to-end (uncorrected)', 'endToEndUncorrected'],
  ['publish (reply)', 'publish'],
] as const;

/** Verdict banner: OK, loss, violations, harness bottleneck or interrupted, with the reasons; harness errors in red. */
export function verdictBanner(result: RunResult): Html {
  const v = judge(result);
  const errors = result.errors ?? [];
  return html`<div class="verdict verdict-${v.kind}" data-verdict="${v.kind}"><strong>${v.title}</strong>${
    v.details.length + errors.length > 0
      ? html`<ul>${errors.map((e) => html`<li class="error">! ${e}</li>`)}${v.details.map((d) => html`<li>${d}</li>`)}</ul>` : ''}</div>`;
}

/** Headline figures. */
export function headline(result: RunResult): Html {
  const s = result.summary;
  const e2e = s.latencyUs.endToEnd;
  const share = s.targetRate ? s.publishRate / s.targetRate : null;
  const violations = s.duplicates + s.reordered + s.gaps;
  return html`<div class="cards">
${card('published', formatRate(s.publishRate), s.targetRate === null ? 'target: max' : `target ${formatRate(s.targetRate)} · ${formatShare(share ?? 1)}`, share !== null && share < 0.95)}
${card('delivered', formatRate(s.deliveryRate), `${formatCount(s.delivered)} deliveries`)}
${card('lost', formatCount(s.lost), s.expectedDeliveries > 0 ? formatPercent(s.lost, s.expectedDeliveries) + ' of expected' : '', s.lost > 0)}
${card('ordering violations', formatCount(violations), `${s.duplicates} dup · ${s.reordered} reord · ${s.gaps} gaps`, violations > 0)}
${card('e2e p50', formatLatencyUs(e2e.count ? e2e.p50 : null), 'corrected')}
${card('e2e p99', formatLatencyUs(e2e.count ? e2e.p99 : null), 'corrected')}
${card('e2e p99.9', formatLatencyUs(e2e.count ? e2e.p999 : null), 'corrected')}
${card('e2e max', formatLatencyUs(e2e.count ? e2e.max : null), `${formatCount(e2e.count)} samples`)}
</div>`;
}

/** Latency table rows: one per histogram. */
export function latencyRow(label: string, l: LatencySummaryUs): Cell[] {
  if (l.count === 0) return [label, NONE, NONE, NONE, NONE, NONE, NONE, '0'];
  return [label, ...[l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map((v) => formatLatencyUs(v)), formatCount(l.count)];
}

/** Latency: spectrum, table, latency over time (with outage and chaos markers). */
export async function latencySection(result: RunResult, tl: ChartTimeline, markers: TimeMarkers): Promise<Html> {
  const points = LATENCY_SERIES.flatMap(([label, key]) => spectrumPoints(result.histograms[key], label));
  const series = LATENCY_SERIES.map(([label]) => label).filter((label) => points.some((p) => p.series === label));
  const lat = result.summary.latencyUs;
  return html`<h2>Latency</h2>
${points.length > 0
    ? await figure('spectrum', spectrumChart(points, series),
      'Percentile spectrum (HdrHistogram style): x is 1/(1−p) on a log axis, so the tail gets the room it deserves. '
      + 'Corrected latency counts from the intended send time (coordinated omission); uncorrected from the actual send.')
    : html`<p class="quiet">No latency was recorded.</p>`}
${table(['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'count'], LATENCY_SERIES.map(([label, key]) => latencyRow(label, lat[key])))}
<h3>End-to-end latency over time</h3>
${tl.points.some((p) => p.p50Ms !== null)
    ? await figure('latency-over-time', latencyOverTimeChart(tl, markerLayers(markers)),
      (tl.groupSize > 1 ? `Downsampled: each point is ${tl.groupSize} intervals; p50 is their median p50, p99 and max the worst interval's.` : '')
      + markerCaption(markers) || undefined)
    : html`<p class="quiet">No latency samples in the timeline.</p>`}`;
}

/** Throughput: target vs achieved publish rate, delivered rate (with outage and chaos markers). */
export async function throughputSection(tl: ChartTimeline, markers: TimeMarkers): Promise<Html> {
  const layers = markerLayers(markers);
  return html`<h2>Throughput</h2>
<div class="row">${await figure('publish-rate', publishRateChart(tl, layers), `Target vs achieved publish rate.${markerCaption(markers)}`)}${
  await figure('delivered-rate', deliveredRateChart(tl, layers), 'Deliveries received (one per subscriber that gets the message).')}</div>`;
}

/** Counts only newer results hold (unsent messages, cluster topology events), as a line under the delivery table. */
function extraCounts(s: RunResult['summary']): Html {
  const parts = [
    s.unsent === undefined ? '' : html`<span data-count="unsent">unsent: <b class="${s.unsent > 0 ? 'bad' : ''}">${formatCount(s.unsent)}</b>
measured messages the schedule called for were never sent (the publishers were still behind when the measure phase ended)</span>`,
    s.topologyEvents === undefined ? '' : html`<span data-count="topology-events">cluster topology events: <b>${formatCount(s.topologyEvents)}</b>
(MOVED / ASK redirections and slot-map refreshes)</span>`,
    s.churn === undefined ? '' : html`<span data-count="churn">churn events: <b>${formatCount(s.churn.events)}</b> (${s.churn.reconnect ? 'reconnects' : 'UNSUBSCRIBE + SUBSCRIBE'});
${formatCount(s.churn.excludedDeliveries)} deliveries not expected (published while their subscriber was unsubscribed; the window rule: docs/churn.md)</span>`,
  ].filter((p) => p !== '');
  return parts.length === 0 ? html`` : html`<p class="sub">${parts.map((p, i) => html`${i > 0 ? ' · ' : ''}${p}`)}</p>`;
}

/** Delivery and ordering: counts, events over time, first examples. */
export async function deliverySection(result: RunResult, tl: ChartTimeline): Promise<Html> {
  const s = result.summary;
  const spec = violationsChart(tl);
  const examples = result.ordering.examples;
  const counts = table(['expected', 'delivered', 'lost', 'duplicates', 'reordered', 'gaps (msgs)', 'malformed', 'publish errors', 'late sends', 'disconnects', 'reconnects'], [[
    formatCount(s.expectedDeliveries), formatCount(s.delivered),
    badIfPositive(s.lost, `${formatCount(s.lost)} (${formatPercent(s.lost, s.expectedDeliveries)})`),
    badIfPositive(s.duplicates, formatCount(s.duplicates)), badIfPositive(s.reordered, formatCount(s.reordered)),
    badIfPositive(s.gaps, `${formatCount(s.gaps)} (${formatCount(s.gapMessages)})`), badIfPositive(s.malformed, formatCount(s.malformed)),
    badIfPositive(s.publishErrors, formatCount(s.publishErrors)), badIfPositive(s.lateSends, formatCount(s.lateSends)),
    badIfPositive(s.disconnects, formatCount(s.disconnects)), badIfPositive(s.reconnects, formatCount(s.reconnects)),
  ]]);
  const crossCheck = s.publishReplyReceivers === null ? 'not comparable for this target'
    : `${formatCount(s.publishReplyReceivers)} receivers counted by Redis in PUBLISH replies (plan expected ${formatCount(s.expectedDeliveries)})`;
  return html`<h2>Delivery and ordering</h2>
${counts}
<p class="sub">Cross-check: ${crossCheck}.</p>
${extraCounts(s)}
${s.publishErrorTexts && s.publishErrorTexts.length > 0 ? html`<h3>Failed publishes by reply</h3>${table(['count', t('error text')], s.publishErrorTexts.map((e) => [formatCount(e.count), t(e.text)]))}` : ''}
${spec ? await figure('violations', spec) : html`<p class="quiet">No losses, ordering violations, errors or late sends at any time.</p>`}
${examples.length > 0 ? html`<h3>First violations</h3>${table(
    ['kind', 'subscriber', 'channel', t('pattern'), 'publisher', 'expected seq', 'got seq', t('seen at')],
    examples.map((e) => [t(e.kind), e.subscriberId, e.channel, t(e.pattern ?? NONE), e.publisherId,
      e.expectedSeq, e.gotSeq, t(new Date(e.atUs / 1000).toISOString())]),
  )}` : ''}`;
}

/** Per-worker totals. */
export function workersSection(result: RunResult): Html {
  const rows = result.workers.map((w) => [
    w.workerId, w.publishers, w.subscribers, formatCount(w.counters.publishedMeasured), formatCount(w.counters.deliveredMeasured),
    badIfPositive(w.counters.publishErrors, formatCount(w.counters.publishErrors)), badIfPositive(w.counters.lateSends, formatCount(w.counters.lateSends)),
    badIfPositive(w.counters.duplicates + w.counters.reordered + w.counters.gaps, formatCount(w.counters.duplicates + w.counters.reordered + w.counters.gaps)),
    badIfPositive(w.counters.disconnects, formatCount(w.counters.disconnects)),
  ]);
  return html`<h2>Per worker thread</h2>
${table(['worker', 'publishers', 'subscribers', 'published (measured)', 'delivered (measured)', 'publish errors', 'late sends', 'violations', 'disconnects'], rows)}`;
}

/** Harness health with the plain-words bottleneck warning. */
export async function healthSection(result: RunResult, tl: ChartTimeline): Promise<Html> {
  const h = result.health;
  const [elu, delay] = healthCharts(tl);
  const warning = h.harnessBottleneck
    ? html`<div class="bottleneck"><strong>The harness itself was the bottleneck.</strong> These numbers describe the load generator as much as Redis:
latency includes time the harness spent queueing, and the rate is what the harness managed, not what Redis can take.
Use more worker threads, fewer connections per thread, a lower rate, or a faster machine.<ul>${h.reasons.map((r) => html`<li>${r}</li>`)}</ul></div>`
    : h.reasons.length > 0
      ? html`<p>The harness was not the bottleneck, but note:</p><ul>${h.reasons.map((r) => html`<li>${r}</li>`)}</ul>`
      : html`<p>The harness kept up: it was not the bottleneck.</p>`;
  return html`<h2>Harness health</h2>
${warning}
${metaTable([
    ['busiest event loop', formatShare(h.maxEventLoopUtilization)],
    ['worst event-loop delay p99', formatLatencyUs(h.maxEventLoopDelayP99Us)],
    ['harness CPU', `${h.processCpuCores.toFixed(2)} cores`],
  ])}
<div class="row">${await figure('event-loop-utilisation', elu)}${await figure('event-loop-delay', delay)}</div>
${await memoryBlock(result, tl)}`;
}

/** Harness errors (in red, first) and warnings, if any. */
export function warningsSection(result: RunResult): Html {
  const errors = result.errors ?? [];
  if (result.warnings.length + errors.length === 0) return html``;
  return html`<h2>Warnings</h2>${errors.map((e) => html`<div class="warning error">! ${e}</div>`)}${
    result.warnings.map((w) => html`<div class="warning">${w}</div>`)}`;
}

/** What each data-plane client's numbers describe, so a reader knows whose overhead is in them. */
const CLIENT_MEANING: Record<ClientKind, string> = {
  native: "native — pubsub-bench's own RESP connections (the harness kept out of the numbers)",
  ioredis: 'ioredis — what a Node.js application using ioredis would see',
};

/** Run metadata and the full resolved scenario. */
export function metadataSection(result: RunResult): Html {
  const t = result.target;
  const v = result.versions as RunResult['versions'] & { gitCommit?: string };
  const plan = result.plan;
  return html`<h2>Run</h2>
${metaTable([
    ['target', describeTarget(t, v.redis)],
    ['TLS', t.tls ? (t.tlsInsecure ? 'yes — certificate NOT verified' : 'yes, verified') : 'no'],
    ['Redis', v.redis ?? t.redisVersion ?? 'unknown'],
    ['harness / Node', `pubsub-bench ${v.harness} / Node ${v.node}`],
    ['git commit', v.gitCommit ?? NONE],
    ['run id', result.runId],
    ['started', result.startedAt],
    ['measured', `${formatDurationMs(result.measureMs)}${result.interrupted ? ' (interrupted)' : ''} of ${formatDurationMs(result.scenario.durationMs)} planned; whole run ${formatDurationMs(result.durationMs)}`],
    ['plan', `${plan.workers} worker thread(s); publishers ${plan.publishersPerWorker.join(' / ')}; subscribers ${plan.subscribersPerWorker.join(' / ')}; ${formatCount(plan.subscriptions)} subscriptions`],
    ['scenario', describeScenario(result.scenario, result.resp)],
    ['client', CLIENT_MEANING[clientOf(result.scenario)]],
  ])}
<details><summary>Resolved scenario (JSON)</summary><pre>${JSON.stringify(result.scenario, null, 2)}</pre></details>`;
}
