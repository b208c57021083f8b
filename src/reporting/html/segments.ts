/**
 * The sections of a merged run (`pubsub-bench merge`): one row per segment, who delivered to whom (publisher segment
 * × subscriber segment), and how well the segments' clocks agreed with the server's. Nothing for a one-machine run.
 */
import type { MergedSegment, RunResult } from '../../core/index.js';
import { CLOCK_UNCERTAINTY_SHARE, clockUncertaintyTooLarge, segmentClockSummary } from '../../metrics/segment-clock.js';
import { NONE, formatCount, formatLatencyUs, formatPercent } from '../format.js';
import { html, type Html } from './escape.js';
import { badIfPositive, table, textCell as t, type Cell } from './page.js';

/** Every section of a merged run, or nothing. */
export function segmentSections(result: RunResult): Html {
  const segments = result.segments ?? [];
  if (segments.length === 0) return html``;
  return html`${segmentTable(result, segments)}
${deliveryMatrix(segments)}
${clockSection(result, segments)}`;
}

function segmentTable(result: RunResult, segments: readonly MergedSegment[]): Html {
  const n = segments[0].count;
  const missing = result.missingSegments ?? [];
  const rows: Cell[][] = segments.map((s) => {
    const x = s.totals;
    return [
      String(s.index), t(s.host), formatCount(s.publisherIds.length), formatCount(s.subscriberIds.length), formatCount(x.published),
      formatCount(x.delivered), badIfPositive(x.lostOfItsMessages, x.lostOfItsMessages > 0 ? `${formatCount(x.lostOfItsMessages)} (${formatPercent(x.lostOfItsMessages, x.expectedDeliveries)})` : '0'),
      formatLatencyUs(x.e2eP50Us), formatLatencyUs(x.e2eP99Us),
      `${signedUs(s.clockOffsetUs)} ± ${formatLatencyUs(s.clockUncertaintyUs)}`,
      x.harnessBottleneck ? { text: `bottleneck: ${x.healthReasons.join('; ')}`, cls: 'bad text' } : t(x.interrupted ? 'ok (interrupted)' : 'ok'),
    ];
  });
  for (const i of missing) rows.push([String(i), { text: 'MISSING: not merged (--allow-partial)', cls: 'bad text' }, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE]);
  rows.sort((a, b) => Number(a[0]) - Number(b[0]));
  return html`<h2 data-section="segments">Segments</h2>
<p class="sub">This run was split into ${n} segments (run id ${result.runId}) and merged: counts and histograms added exactly,
percentiles computed once from the sums. <i>Lost</i> counts the expected deliveries of a segment's own messages that no
segment received; <i>delivered</i> is what its subscribers received from every segment.</p>
${table(['#', t('host'), 'publishers', 'subscribers', 'published', 'delivered', 'lost (of its messages)', 'e2e p50', 'e2e p99', 'clock offset', t('harness health')], rows, 'segments')}`;
}

/** Rows: the publisher's segment; columns: the receiving (subscriber) segment; cells: unique measured deliveries. */
function deliveryMatrix(segments: readonly MergedSegment[]): Html {
  const n = segments[0].count;
  const bySub = new Map(segments.map((s) => [s.index, s]));
  const rows: Cell[][] = [];
  for (let p = 0; p < n; p++) {
    const cells: Cell[] = [`publishers of ${p}`];
    let total = 0;
    for (let sub = 0; sub < n; sub++) {
      const v = bySub.get(sub)?.deliveredFromSegment[p];
      total += v ?? 0;
      cells.push(v === undefined ? NONE : formatCount(v));
    }
    cells.push(formatCount(total));
    rows.push(cells);
  }
  const head: Cell[] = ['', ...Array.from({ length: n }, (_, i) => `to ${i}`), 'total'];
  return html`<h3>Deliveries by segment</h3>
<p class="sub">Unique measured deliveries, by the segment of the publisher (rows) and of the subscriber that received
them (columns). A row short of the others, or an empty column, points at one segment's connections.</p>
${table(head, rows, 'delivery-matrix')}`;
}

function clockSection(result: RunResult, segments: readonly MergedSegment[]): Html {
  const c = segmentClockSummary(segments);
  const p50 = result.summary.latencyUs.endToEnd.p50;
  const tooLarge = clockUncertaintyTooLarge(c, p50);
  const gap = c.sameP50Us !== null && c.crossP50Us !== null ? c.crossP50Us - c.sameP50Us : null;
  return html`<h3>Clocks</h3>
<p class="sub">Each segment measured its offset to the server's clock (<code>TIME</code>, best of several round trips;
uncertainty = half the smallest round trip) and timed messages in server time. Deliveries from a publisher on the same
segment use one clock; across segments an offset error adds to the latency, so the two medians below differ by about
that error (plus any real difference in the paths).</p>
${tooLarge ? html`<p class="warning" data-clock-warning>Segment ${c.maxUncertaintySegment}'s offset is known only to
±${formatLatencyUs(c.maxUncertaintyUs)}, more than ${CLOCK_UNCERTAINTY_SHARE * 100}% of the e2e p50 (${formatLatencyUs(p50)}):
latencies across segments are uncertain by that much. Synchronise the hosts (NTP/PTP) or read the same-segment latency.</p>` : ''}
${table(['', 'deliveries', 'e2e p50'], [
    [t('same segment (one clock)'), formatCount(c.sameCount), formatLatencyUs(c.sameP50Us)],
    [t('across segments (two clocks)'), formatCount(c.crossCount), formatLatencyUs(c.crossP50Us)],
  ])}
<p class="sub" data-clock-gap>Cross − same p50: ${gap === null ? NONE : signedUs(gap)}. Negative latencies (counted as 0):
${formatCount(c.negativeLatencies)}.</p>
${table(['#', t('host'), 'offset', 'uncertainty', 'drift'], segments.map((s) => [
    String(s.index), t(s.host), signedUs(s.clockOffsetUs), `± ${formatLatencyUs(s.clockUncertaintyUs)}`,
    s.clockDriftUsPerS === null ? NONE : `${s.clockDriftUsPerS >= 0 ? '+' : ''}${s.clockDriftUsPerS.toFixed(1)} µs/s`,
  ]), 'clocks')}`;
}

/** A signed latency: `+1.2 ms`, `−340 µs`. */
function signedUs(us: number): string {
  return `${us < 0 ? '−' : '+'}${formatLatencyUs(Math.abs(us))}`;
}
