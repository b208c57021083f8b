/**
 * The terminal lines of a merged run (`pubsub-bench merge`): one row per segment, what a merge Job's log shows when
 * nobody opens the report. No lines for a one-machine run.
 */
import type { RunResult } from '../core/index.js';
import { formatCount, formatLatencyUs } from './format.js';
import { heading, plainText, renderTable, type Styler } from './table.js';

/** Per segment: host, published, delivered, lost of its messages, e2e p50/p99, clock offset ± uncertainty, health. */
export function segmentLines(result: RunResult, st: Styler): string[] {
  const segments = result.segments ?? [];
  if (segments.length === 0) return [];
  const rows = segments.map((s) => {
    const x = s.totals;
    const sign = s.clockOffsetUs < 0 ? '−' : '+';
    return [
      String(s.index), plainText(s.host), formatCount(x.published), formatCount(x.delivered),
      x.lostOfItsMessages > 0 ? st.red(formatCount(x.lostOfItsMessages)) : '0',
      formatLatencyUs(x.e2eP50Us), formatLatencyUs(x.e2eP99Us),
      `${sign}${formatLatencyUs(Math.abs(s.clockOffsetUs))} ± ${formatLatencyUs(s.clockUncertaintyUs)}`,
      x.harnessBottleneck ? st.red('BOTTLENECK') : x.interrupted ? st.yellow('interrupted') : 'ok',
    ];
  });
  const missing = (result.missingSegments ?? []).map((i) => st.red(`  segment ${i}: MISSING (merged with --allow-partial)`));
  return ['', heading(`Segments (${segments[0].count})`, st),
    renderTable([['#', 'host', 'published', 'delivered', 'lost (its msgs)', 'e2e p50', 'e2e p99', 'clock offset', 'harness'], ...rows],
      ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left']), ...missing];
}
