/** CI outputs: JUnit XML, the GitHub step summary (of runs and capacity searches), and the shared formatting of threshold and baseline values. */
export { renderJunit, renderJunitSections, renderJunitSuites, xmlEscape, type JunitCase, type JunitSection, type JunitSuite } from './junit.js';
export { renderCapacityJunit, renderCapacitySummary, describeCapacity, type CapacityVerdict } from './capacity-gate.js';
export { renderStepSummary, appendStepSummary, markdownText } from './step-summary.js';
export { formatMetricValue, formatOutcomeLine, describeMeasured, describeBaselineCheck, formatChange } from './values.js';
export { verdictLines } from './verdict-lines.js';
