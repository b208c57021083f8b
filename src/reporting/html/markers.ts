/**
 * Event markers for the time charts: connection outages as red bands and chaos events as labelled lines, on the
 * timeline's axis (seconds since the schedule start), so a latency spike can be read against what caused it.
 */
import type { RunResult } from '../../core/index.js';
import type { VlSpec } from './charts.js';
import type { ChartTimeline } from './timeline.js';

/** Most outage bands drawn: nearby outages are merged until at most this many remain (one per ~2 px at full width). */
export const MAX_OUTAGE_BANDS = 500;

/** A time span, seconds since the schedule start. */
export interface Span {
  fromS: number;
  toS: number;
}

/** A chaos event on the time axis. */
export interface ChaosMark {
  tS: number;
  label: string;
}

/** The markers of one report. */
export interface TimeMarkers {
  outages: Span[];
  chaos: ChaosMark[];
}

/**
 * Seconds since the schedule start of an epoch-µs time, or null when result.json has no schedule (older results):
 * then outages cannot be placed on the time axis.
 */
export function scheduleSeconds(result: RunResult, epochUs: number): number | null {
  return result.schedule ? (epochUs - result.schedule.startUs) / 1e6 : null;
}

/**
 * Outage spans clipped to the timeline, overlapping or nearby ones merged: thousands of flapping reconnects become a
 * few bands, and a 100-ms outage in a two-hour run still gets a visible width.
 */
export function outageSpans(result: RunResult, range: Span): Span[] {
  const minGapS = (range.toS - range.fromS) / MAX_OUTAGE_BANDS;
  const spans: Span[] = [];
  for (const o of result.outages ?? []) {
    const fromS = scheduleSeconds(result, o.atUs);
    if (fromS === null) continue;
    // A connection that never came back stays down to the end of the chart.
    const toS = o.durationMs === null ? range.toS : fromS + o.durationMs / 1000;
    const from = Math.max(fromS, range.fromS);
    const to = Math.min(Math.max(toS, fromS + minGapS), range.toS);
    if (to > from) spans.push({ fromS: from, toS: to });
  }
  spans.sort((a, b) => a.fromS - b.fromS);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.fromS <= last.toS + minGapS) last.toS = Math.max(last.toS, s.toS);
    else merged.push({ ...s });
  }
  return merged;
}

/** The markers for a report's time charts (both lists empty when the run had no outages and no chaos). */
export function timeMarkers(result: RunResult, tl: ChartTimeline): TimeMarkers {
  if (tl.phases.length === 0) return { outages: [], chaos: [] };
  const range = { fromS: tl.phases[0].fromS, toS: tl.phases[tl.phases.length - 1].toS };
  const chaos = (result.chaos ?? []).flatMap((c) => (c.firedAtMs === null ? [] : [{
    tS: c.firedAtMs / 1000, label: `${c.spec}${c.failed ? ' (failed)' : ''}`,
  }]));
  return { outages: outageSpans(result, range), chaos };
}

/** Vega-Lite layers of the markers (none when there are none). */
export function markerLayers(m: TimeMarkers): VlSpec[] {
  const layers: VlSpec[] = [];
  if (m.outages.length > 0) {
    layers.push({
      data: { values: m.outages },
      mark: { type: 'rect', color: '#d62728', opacity: 0.18, clip: true },
      encoding: { x: { field: 'fromS', type: 'quantitative' }, x2: { field: 'toS' } },
    });
  }
  if (m.chaos.length > 0) {
    layers.push(
      {
        data: { values: m.chaos },
        mark: { type: 'rule', color: '#9467bd', strokeWidth: 2, clip: true },
        encoding: { x: { field: 'tS', type: 'quantitative' } },
      },
      // Labels of neighbouring events alternate between two lines so that close events do not overwrite each other.
      ...[0, 1].flatMap((row) => {
        const values = m.chaos.filter((_, i) => i % 2 === row);
        return values.length === 0 ? [] : [{
          data: { values },
          mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, dy: -2 - 12 * row, fontSize: 10, color: '#6a3d9a' },
          encoding: { x: { field: 'tS', type: 'quantitative' }, y: { value: 'height' }, text: { field: 'label' } },
        }];
      }),
    );
  }
  return layers;
}

/** A caption sentence explaining the markers, or '' when there are none. */
export function markerCaption(m: TimeMarkers): string {
  const parts = [
    ...(m.outages.length > 0 ? ['red bands: connection outages'] : []),
    ...(m.chaos.length > 0 ? ['purple lines: chaos events'] : []),
  ];
  return parts.length > 0 ? ` Marked: ${parts.join('; ')}.` : '';
}
