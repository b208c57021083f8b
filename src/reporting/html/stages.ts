/** The report's "Latency per stage" section, for runs with a load profile. */
import type { RunResult } from '../../core/index.js';
import { NONE, formatCount, formatLatencyUs, formatRate } from '../format.js';
import { describeStage, stageFigures } from '../stages.js';
import { html, type Html } from './escape.js';
import { table, textCell as t } from './page.js';

/** One row per stage the run reached: offered and achieved rates, e2e latency from the merged interval histograms. */
export function stagesSection(result: RunResult): Html {
  const figures = stageFigures(result);
  if (figures.length === 0) return html``;
  const rows = figures.map((f) => {
    const e2e = f.e2e;
    const shortfall = f.targetPerS !== null && f.publishedPerS !== null && f.publishedPerS < f.targetPerS * 0.95;
    return [
      f.number,
      t(`${describeStage(f.stage)}${f.partial ? ' (cut short)' : ''}`),
      t(`${f.fromS.toFixed(1)}–${f.toS.toFixed(1)} s`),
      formatRate(f.targetPerS),
      shortfall ? { text: formatRate(f.publishedPerS), cls: 'bad' } : formatRate(f.publishedPerS),
      formatRate(f.receivedPerS),
      formatLatencyUs(e2e?.p50), formatLatencyUs(e2e?.p99), formatLatencyUs(e2e?.max),
      e2e ? formatCount(e2e.count) : NONE,
    ];
  });
  return html`<h2>Latency per stage</h2>
<p class="sub">The load profile, stage by stage (marked on the time charts). Rates come from the timeline intervals within
each stage (one straddling a boundary is left out: use an --interval that divides the warmup and the stages). Latency
adds the end-to-end (corrected) histograms of the intervals whose midpoint lies in the stage and computes percentiles once.</p>
${table(['stage', t('profile'), t('time'), 'target', 'published', 'delivered', 'e2e p50', 'e2e p99', 'e2e max', 'samples'], rows)}`;
}
