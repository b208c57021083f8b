/**
 * The report's "Chaos" section: one row per `--chaos` event — what was done, when, the outages and loss it caused,
 * how long connections and latency took to recover, and e2e p99 before, at its peak and after.
 */
import type { ChaosReport, RunResult } from '../../core/index.js';
import { NONE, formatCount, formatDurationMs, formatLatencyUs } from '../format.js';
import { html, type Html } from './escape.js';
import { badIfPositive, table, textCell as t, type Cell } from './page.js';
import { median } from '../../metrics/stats.js';

/**
 * End-to-end p99 after an event: the median interval p99 from when latency recovered until the next event fired (or
 * the end of the measure phase), so the next fault's spike is not counted as this one's aftermath. Null when latency
 * never recovered or no measured interval is left.
 */
export function p99AfterUs(result: RunResult, event: ChaosReport): number | null {
  if (event.firedAtMs === null || event.latencyRecoveryMs === null) return null;
  const fromMs = event.firedAtMs + event.latencyRecoveryMs;
  const next = (result.chaos ?? []).map((c) => c.firedAtMs).filter((at): at is number => at !== null && at > event.firedAtMs!);
  const toMs = next.length > 0 ? Math.min(...next) : Infinity;
  return median(result.timeline.filter((e) => e.phase === 'measure' && e.e2eP99Us !== null && e.fromMs >= fromMs && e.toMs <= toMs)
    .map((e) => e.e2eP99Us!));
}

/** "850 ms", "never" (null with a fault that did cause outages) or "–". */
function recoveryCell(ms: number | null, happened: boolean): Cell {
  if (ms !== null) return { text: formatDurationMs(ms), cls: 'nowrap' };
  return happened ? { text: 'never', cls: 'bad' } : NONE;
}

/** Chaos events: what each one cost; nothing without `--chaos`. */
export function chaosSection(result: RunResult): Html {
  const events = result.chaos ?? [];
  if (events.length === 0) return html``;
  const rows = events.map((c) => [
    t(c.spec),
    c.failed ? { text: `failed: ${c.outcome}`, cls: 'text bad' } : t(c.outcome),
    c.firedAtMs === null ? { text: 'not run', cls: 'bad' } : { text: `${(c.firedAtMs / 1000).toFixed(2)} s`, cls: 'nowrap' },
    formatCount(c.outages), badIfPositive(c.missedMessages, formatCount(c.missedMessages)),
    badIfPositive(c.publishErrors, formatCount(c.publishErrors)),
    recoveryCell(c.recoveryMs, c.outages > 0),
    ...[c.e2eP99BeforeUs, c.e2eP99PeakUs, p99AfterUs(result, c)].map((us) => ({ text: formatLatencyUs(us), cls: 'nowrap' })),
    recoveryCell(c.latencyRecoveryMs, c.firedAtMs !== null && c.e2eP99PeakUs !== null),
  ]);
  return html`<h2>Chaos</h2>
<p class="sub">Faults injected with <code>--chaos</code> (marked on the time charts). Times are seconds since the schedule
start; recovery is from the event until the last affected connection was usable again, and until e2e p99 was back near
its level before.</p>
${table([t('event'), t('what happened'), 'at', 'outages', 'missed', 'publish errors', 'reconnected in',
    'p99 before', 'p99 peak', 'p99 after', 'p99 back in'], rows)}`;
}
