/**
 * JUnit XML for CI systems: one testcase per threshold and one per baseline check, so a failed gate shows up in the
 * CI's test view with the measured value as its message. Every text goes through `xmlEscape`.
 */
import type { BaselineComparison, ThresholdOutcome } from '../../core/index.js';
import { describeBaselineCheck, describeMeasured, formatMetricValue } from './values.js';

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
interface Case {
  name: string;
  failure?: string;
  skipped?: string;
  out?: string;
}

function suite(name: string, cases: Case[], out?: string): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases.map((c) => {
    const inner = [
      c.failure !== undefined ? `      <failure message="${xmlEscape(c.failure)}" type="${name}">${xmlEscape(c.failure)}</failure>` : '',
      c.skipped !== undefined ? `      <skipped message="${xmlEscape(c.skipped)}"/>` : '',
      c.out !== undefined ? `      <system-out>${xmlEscape(c.out)}</system-out>` : '',
    ].filter((s) => s !== '');
    const open = `    <testcase classname="pubsub-bench.${name}" name="${xmlEscape(c.name)}"`;
    return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
  });
  const head = `  <testsuite name="${name}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`;
  const tail = out !== undefined ? [`    <system-out>${xmlEscape(out)}</system-out>`] : [];
  return [head, ...body, ...tail, '  </testsuite>'].join('\n');
}

/** Renders the JUnit XML document for threshold outcomes and, when given, a baseline comparison. */
export function renderJunit(outcomes: readonly ThresholdOutcome[], baseline?: BaselineComparison): string {
  const suites: Array<{ name: string; cases: Case[]; out?: string }> = [];
  suites.push({
    name: 'thresholds',
    cases: outcomes.map((o) => {
      const text = `${describeMeasured(o)}; limit ${formatMetricValue(o.limit, o.unit)}`;
      return o.passed ? { name: o.expression, out: text } : { name: o.expression, failure: `${o.expression} failed: ${text}` };
    }),
  });
  if (baseline) {
    suites.push({
      name: 'baseline',
      // Said once for the suite: how many runs were compared, and what weakens the comparison.
      out: [`${baseline.currentRuns} current vs ${baseline.baselineRuns} baseline run(s)`, ...baseline.warnings].join('\n'),
      cases: baseline.checks.map((c) => {
        const name = `${c.metric} vs baseline`;
        const text = `${describeBaselineCheck(c)}. ${c.note}`;
        if (c.verdict === 'skipped') return { name, skipped: c.note };
        return c.passed ? { name, out: text } : { name, failure: text };
      }),
    });
  }
  const all = suites.flatMap((s) => s.cases);
  const failures = all.filter((c) => c.failure !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pubsub-bench" tests="${all.length}" failures="${failures}" errors="0">`,
    ...suites.map((s) => suite(s.name, s.cases, s.out)),
    '</testsuites>',
    '',
  ].join('\n');
}
