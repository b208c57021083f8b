/**
 * The harness's memory in the report's health section: one line of figures (peak, first minute, end) and a chart of
 * RSS and heap over time. Results written before memory was recorded get neither.
 */
import type { RunResult } from '../../core/index.js';
import { describeMemory, memoryFigures } from '../memory.js';
import { HALF_WIDTH, PALETTE, timeChart, type VlSpec } from './charts.js';
import { html, type Html } from './escape.js';
import { figure } from './page.js';
import type { ChartTimeline } from './timeline.js';

const SERIES = [['rssMb', 'process RSS'], ['heapMb', 'V8 heap (all threads)']] as const;

/** Process RSS and heap used over time, MB; null when no point has either. */
export function memoryChart(tl: ChartTimeline): VlSpec | null {
  const rows: VlSpec[] = [];
  for (const p of tl.points) {
    for (const [key, series] of SERIES) {
      const value = p[key];
      if (value !== null) rows.push({ tS: p.tS, series, value });
    }
  }
  if (rows.length === 0) return null;
  const present = SERIES.map(([, name]) => name).filter((name) => rows.some((r) => r.series === name));
  return timeChart(tl, rows, { width: HALF_WIDTH, yTitle: 'memory (MB)', series: present, colors: [PALETTE[0], PALETTE[2]] });
}

/** The memory line and chart for the health section (empty for results without memory figures). */
export async function memoryBlock(result: RunResult, tl: ChartTimeline): Promise<Html> {
  const m = memoryFigures(result.timeline);
  const spec = memoryChart(tl);
  if (m === null && spec === null) return html``;
  return html`${m ? html`<p class="sub" data-memory>Harness memory: ${describeMemory(m, result.measureMs)}.
RSS covers the whole process; the heap adds every worker thread's V8 heap and the main thread's.</p>` : ''}
${spec ? await figure('memory', spec, 'Highest process RSS and V8 heap used (all threads) per interval.') : ''}`;
}
