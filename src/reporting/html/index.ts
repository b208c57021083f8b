/** HTML reports: the run report and the comparison report. */
export { renderReport } from './report.js';
export { renderCompareReport } from './compare.js';
export { escapeHtml, jsonForScript } from './escape.js';
export { MAX_TIMELINE_POINTS, chartTimeline } from './timeline.js';
