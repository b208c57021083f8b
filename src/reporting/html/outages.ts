/**
 * The report's "Connection outages" section: every connection loss with its cause, time on the timeline's axis,
 * duration and cost, capped so a flapping subscriber cannot blow the report up.
 */
import type { OutageEvent, RunResult } from '../../core/index.js';
import { formatCount } from '../format.js';
import { html, type Html } from './escape.js';
import { scheduleSeconds } from './markers.js';
import { table, textCell as t, type Cell } from './page.js';

/** Outage rows shown; the rest are counted (a flapping subscriber can disconnect thousands of times). */
export const MAX_OUTAGE_ROWS = 50;

/** When an outage began: seconds since the schedule start, or the wall-clock time for results without a schedule. */
function atCell(result: RunResult, o: OutageEvent): Cell {
  const s = scheduleSeconds(result, o.atUs);
  return s === null ? t(new Date(o.atUs / 1000).toISOString()) : { text: `${s.toFixed(2)} s`, cls: 'nowrap' };
}

/** Connection outages: who, why, when, for how long, and what it cost; nothing when there were none. */
export function outagesSection(result: RunResult): Html {
  const outages = result.outages ?? [];
  if (outages.length === 0) return html``;
  const shown = outages.slice(0, MAX_OUTAGE_ROWS);
  const lost = outages.reduce((sum, o) => sum + o.lostMessages, 0);
  const hidden = outages.slice(shown.length);
  const hiddenLost = hidden.reduce((sum, o) => sum + o.lostMessages, 0);
  return html`<h2>Connection outages</h2>
<p>${formatCount(outages.length)} connection loss(es), ${formatCount(lost)} message(s) missed while down.${
    result.schedule ? ' Times are seconds since the schedule start, as on the time charts.' : ''}</p>
${table(['role', 'id', t('cause'), result.schedule ? 'at' : t('at'), 'down for', 'messages missed'], shown.map((o) => [
    t(o.role), o.id, t(o.cause), atCell(result, o),
    o.durationMs === null ? { text: 'never recovered', cls: 'bad' } : { text: `${formatCount(o.durationMs)} ms`, cls: 'nowrap' },
    o.lostMessages > 0 ? { text: formatCount(o.lostMessages), cls: 'bad' } : '0',
  ]))}
${hidden.length > 0 ? html`<p class="sub" data-more="outages">… and ${formatCount(hidden.length)} more (${formatCount(hiddenLost)} message(s) missed), listed in result.json.</p>` : ''}`;
}
