/**
 * JUnit XML for CI systems: one testcase per threshold and one per baseline check, so a failed gate shows up in the
 * CI's test view with the measured value as its message. Every text goes through `xmlEscape`.
 */
import type { BaselineComparison, NoiseReport, ThresholdOutcome } from '../../core/index.js';
import { describeBaselineCheck, describeMeasured, formatMetricValue } from './values.js';
import { noisePlainText } from '../noise-table.js';

/**
 * Escapes text for XML content and double-quoted attributes. Characters XML 1.0 cannot hold at all (most control
 * characters, lone surrogates) are replaced by U+FFFD: a CI parser rejects the whole file over one of them.
 */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** One testcase: passed, failed (with a message) or skipped; optional text for system-out. */
export interface JunitCase {
  name: string;
  failure?: string;
  skipped?: string;
  out?: string;
}

/** One testsuite; `kind` (thresholds, baseline, capacity) is the testcases' class, so a label never lands in a class name. */
export interface JunitSuite {
  name: string;
  kind: string;
  cases: JunitCase[];
  /** Said once for the suite (system-out). */
  out?: string;
}

function suite({ name, kind, cases, out }: JunitSuite): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases.map((c) => {
    const inner = [
      c.failure !== undefined ? `      <failure message="${xmlEscape(c.failure)}" type="${kind}">${xmlEscape(c.failure)}</failure>` : '',
      c.skipped !== undefined ? `      <skipped message="${xmlEscape(c.skipped)}"/>` : '',
      c.out !== undefined ? `      <system-out>${xmlEscape(c.out)}</system-out>` : '',
    ].filter((s) => s !== '');
    const open = `    <testcase classname="pubsub-bench.${kind}" name="${xmlEscape(c.name)}"`;
    return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
  });
  const head = `  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`;
  const tail = out !== undefined ? [`    <system-out>${xmlEscape(out)}</system-out>`] : [];
  return [head, ...body, ...tail, '  </testsuite>'].join('\n');
}

/** The gates of one run, or of one variant of a matrix (`label` names it). */
export interface JunitSection {
  label?: string;
  outcomes: readonly ThresholdOutcome[];
  baseline?: BaselineComparison;
  /** Why the run measured nothing (noDataReason), when it did: a failed testcase of its own, never a green suite. */
  noData?: string;
  /** The noise of a `--repeat` series: written to the thresholds suite's system-out. */
  noise?: NoiseReport;
}

/** Renders the JUnit XML document for threshold outcomes and, when given, a baseline comparison. */
export function renderJunit(outcomes: readonly ThresholdOutcome[], baseline?: BaselineComparison): string {
  return renderJunitSections([{ outcomes, baseline }]);
}

/**
 * Renders one document for several runs (the variants of a matrix): each section's suites carry its label, and so
 * does every testcase, so one testcase per variant and threshold shows up in the CI's test view.
 */
export function renderJunitSections(sections: readonly JunitSection[]): string {
  const suites: JunitSuite[] = [];
  for (const { label, outcomes, baseline, noData, noise } of sections) {
    const named = (name: string): string => (label ? `[${label}] ${name}` : name);
    const suiteName = (kind: string): string => (label ? `${kind} [${label}]` : kind);
    if (noData !== undefined) {
      suites.push({ name: suiteName('run'), kind: 'run', cases: [{ name: named('measured data'), failure: `NO DATA: ${noData}` }] });
    }
    suites.push({
      name: suiteName('thresholds'),
      kind: 'thresholds',
      ...(noise && noise.metrics.length > 0 ? { out: noisePlainText(noise) } : {}),
      cases: outcomes.map((o) => {
        const text = `${describeMeasured(o)}; limit ${formatMetricValue(o.limit, o.unit)}`;
        return o.passed ? { name: named(o.expression), out: text } : { name: named(o.expression), failure: `${named(o.expression)} failed: ${text}` };
      }),
    });
    if (baseline) {
      suites.push({
        name: suiteName('baseline'),
        kind: 'baseline',
        // Said once for the suite: how many runs were compared, and what weakens the comparison.
        out: [`${baseline.currentRuns} current vs ${baseline.baselineRuns} baseline run(s)`, ...baseline.warnings].join('\n'),
        cases: baseline.checks.map((c) => {
          const name = named(`${c.metric} vs baseline`);
          const text = `${describeBaselineCheck(c)}. ${c.note}`;
          if (c.verdict === 'skipped') return { name, skipped: c.note };
          return c.passed ? { name, out: text } : { name, failure: text };
        }),
      });
    }
  }
  return renderJunitSuites(suites);
}

/** Renders one document from ready suites: what every command's JUnit (runs, matrices, capacity searches) ends in. */
export function renderJunitSuites(suites: readonly JunitSuite[]): string {
  const all = suites.flatMap((s) => s.cases);
  const failures = all.filter((c) => c.failure !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pubsub-bench" tests="${all.length}" failures="${failures}" errors="0">`,
    ...suites.map(suite),
    '</testsuites>',
    '',
  ].join('\n');
}
