/**
 * Renders Vega-Lite specs to SVG at write time with vega's headless (node) API.
 *
 * Why SVG at write time instead of inlining vega + vega-lite + vega-embed into every report:
 * - size: the three minified libraries are ~830 KB before any data; a report with pre-rendered SVG is a few
 *   hundred KB, and a folder of runs stays small;
 * - robustness: the page carries no script at all, so it opens instantly, offline, in any browser (and in mail
 *   clients or CI artefact viewers that block scripts), and there is nothing to fail in the viewer's console;
 * - the cost: no hover tooltips or zoom. The tables next to the charts carry the exact figures, and each chart's
 *   Vega-Lite spec (with its data) is embedded as inert JSON so it can be opened in the Vega editor.
 * vega and vega-lite are loaded lazily, so commands that write no report do not pay for them.
 */
import type { VlSpec } from './charts.js';

type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');

let modules: Promise<[VegaModule, VegaLiteModule]> | null = null;

function loadVega(): Promise<[VegaModule, VegaLiteModule]> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  return modules;
}

/**
 * Renders one spec to an SVG element string fit for inlining in HTML5: namespace attributes removed (inline SVG
 * needs none, and the report then holds no URL at all), size kept as a viewBox so CSS can scale it.
 */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  // Compile warnings (e.g. a log scale meeting a zero) are not the user's business; errors still throw.
  const logger = { level: () => logger, error: (...args: readonly unknown[]) => { throw new Error(args.map(String).join(' ')); }, warn: () => logger, info: () => logger, debug: () => logger };
  const compiled = vegaLite.compile(spec as unknown as Parameters<VegaLiteModule['compile']>[0], { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/ xmlns(:xlink)?="[^"]*"/g, '')
      .replace(/^<svg /, '<svg role="img" ');
  } finally {
    view.finalize();
  }
}
