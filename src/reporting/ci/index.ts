/** CI outputs: JUnit XML, the GitHub step summary, and the shared formatting of threshold and baseline values. */
export { renderJunit, renderJunitSections, xmlEscape, type JunitSection } from './junit.js';
export { renderStepSummary, appendStepSummary, markdownText } from './step-summary.js';
export { formatMetricValue, formatOutcomeLine, describeMeasured, describeBaselineCheck, formatChange } from './values.js';
export { verdictLines } from './verdict-lines.js';
