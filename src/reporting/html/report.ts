/**
 * The run report: one self-contained HTML file built from result.json alone (charts pre-rendered to SVG, see svg.ts).
 */
import type { RunResult } from '../../core/index.js';
import { describeScenario } from '../describe.js';
import { html } from './escape.js';
import { page } from './page.js';
import {
  deliverySection, headline, healthSection, latencySection, metadataSection, throughputSection, verdictBanner,
  warningsSection, workersSection,
} from './sections.js';
import { baselineSection, thresholdsSection } from './gates.js';
import { channelsSection, shardsSection } from './breakdown.js';
import { chaosSection } from './chaos.js';
import { channelShapeSection } from './channel-shape.js';
import { timeMarkers } from './markers.js';
import { outagesSection } from './outages.js';
import { segmentSections } from './segments.js';
import { serverSection } from './server.js';
import { serverCostSection } from './server-cost.js';
import { streamsSection } from './streams.js';
import { stageSpans } from '../stages.js';
import { stagesSection } from './stages.js';
import { chartTimeline, MAX_TIMELINE_POINTS } from './timeline.js';

/**
 * Renders the report of one run. Async because vega renders SVG asynchronously; the result is the whole file.
 * Charts are rendered one after another: vega is single-threaded, so parallel renders would not finish sooner.
 */
export async function renderReport(result: RunResult): Promise<string> {
  const tl = chartTimeline(result.timeline, MAX_TIMELINE_POINTS, stageSpans(result));
  const markers = timeMarkers(result, tl);
  const body = html`<h1>pubsub-bench: ${result.scenario.name}</h1>
<p class="sub">${describeScenario(result.scenario, result.resp)} · ${result.startedAt}${result.scenario.description ? ` · ${result.scenario.description}` : ''}</p>
${verdictBanner(result)}
${headline(result)}
${thresholdsSection(result)}
${baselineSection(result)}
${warningsSection(result)}
${segmentSections(result)}
${await latencySection(result, tl, markers)}
${await serverSection(result, tl, markers)}
${await serverCostSection(result, tl, markers)}
${await streamsSection(result, tl, markers)}
${stagesSection(result)}
${await throughputSection(tl, markers)}
${await deliverySection(result, tl)}
${chaosSection(result)}
${outagesSection(result)}
${workersSection(result)}
${shardsSection(result)}
${channelsSection(result)}
${await channelShapeSection(result)}
${await healthSection(result, tl)}
${metadataSection(result)}
<footer>Built from result.json (schema ${result.schemaVersion}) by pubsub-bench ${result.versions.harness}. Rebuild with
<code>pubsub-bench report result.json</code>. Each chart's Vega-Lite spec is embedded next to it.</footer>`;
  return page(`pubsub-bench · ${result.scenario.name} · ${result.startedAt}`, body);
}
