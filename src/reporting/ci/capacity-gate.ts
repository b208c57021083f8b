/**
 * The CI outputs of a capacity search: JUnit XML (one testcase per sweep value, plus one when a step's worker failed)
 * and the GitHub step summary. They render verdicts the CLI has already judged (cli/commands/capacity-gates.ts), so a
 * search reads the same in the CI's test view, its job page and its log.
 */
import type { CapacityLimit } from '../../core/index.js';
import { formatRate } from '../format.js';
import { renderJunitSuites, type JunitCase, type JunitSuite } from './junit.js';
import { markdownText } from './step-summary.js';

/** The judged result of one search (one sweep value). */
export interface CapacityVerdict {
  /** The sweep value (`subscribers=100`), or the scenario's name without a sweep. */
  label: string;
  /** The capacity found (the knee, msgs/s); null when no rate held the SLO. */
  kneeRate: number | null;
  /** What ended the search. */
  limitedBy: CapacityLimit;
  /** `--min-capacity` (msgs/s), when given. */
  floorRate?: number;
  /** Why the search fails the gate (below the floor, or no rate held); undefined when it passes. */
  failure?: string;
  /** Failures of workers in any of its steps (each exits 1). */
  workerErrors: string[];
  /** The search's own conclusion, as capacity.txt prints it. */
  conclusion: string;
}

/** "capacity ≥ 5k/s" with a floor, else "capacity": the testcase name, stable from one CI run to the next. */
function caseName(v: CapacityVerdict): string {
  return `[${v.label}] ${v.floorRate === undefined ? 'capacity' : `capacity ≥ ${formatRate(v.floorRate)}`}`;
}

/** What a search found, in one line: "capacity 8k/s (limited by target)". */
export function describeCapacity(v: CapacityVerdict): string {
  return v.kneeRate === null ? 'no rate held the SLO' : `capacity ${formatRate(v.kneeRate)} (limited by ${v.limitedBy})`;
}

/** One testsuite per search: its capacity testcase (skipped when interrupted) and a failing one for worker errors. */
export function renderCapacityJunit(verdicts: readonly CapacityVerdict[], slo: readonly string[]): string {
  const suites = verdicts.map((v): JunitSuite => {
    const name = caseName(v);
    const cases: JunitCase[] = [
      v.limitedBy === 'interrupted' ? { name, skipped: `the search was interrupted; so far ${describeCapacity(v)}` }
        : v.failure !== undefined ? { name, failure: `${name} failed: ${v.failure}`, out: v.conclusion }
          : { name, out: `${describeCapacity(v)}. ${v.conclusion}` },
    ];
    if (v.workerErrors.length > 0) {
      cases.push({ name: `[${v.label}] workers`, failure: `a worker failed in a step: ${v.workerErrors.join('\n')}` });
    }
    return { name: `capacity [${v.label}]`, kind: 'capacity', cases, out: `SLO of every step: ${slo.join(', ')}` };
  });
  return renderJunitSuites(suites);
}

/** The Markdown for `$GITHUB_STEP_SUMMARY`: a verdict heading and one table row per search. */
export function renderCapacitySummary(verdicts: readonly CapacityVerdict[], slo: readonly string[]): string {
  const failed = verdicts.filter((v) => v.failure !== undefined || v.workerErrors.length > 0).length;
  const interrupted = verdicts.some((v) => v.limitedBy === 'interrupted');
  const heading = failed > 0 ? `❌ ${failed} of ${verdicts.length} searches failed` : interrupted ? '⚠️ interrupted' : '✅ passed';
  const floor = verdicts.find((v) => v.floorRate !== undefined)?.floorRate;
  const cell = (text: string): string => markdownText(text);
  const rows = verdicts.map((v) => {
    const ok = v.failure === undefined && v.workerErrors.length === 0;
    const mark = v.limitedBy === 'interrupted' ? '⚠️' : ok ? '✅' : '❌';
    const why = [v.failure, ...v.workerErrors].filter((x): x is string => x !== undefined).join('; ') || v.conclusion;
    return `| ${mark} | ${cell(v.label)} | ${formatRate(v.kneeRate)} | ${v.limitedBy} | ${cell(why)} |`;
  });
  return [
    `## pubsub-bench capacity — ${heading}`,
    '',
    `SLO of every step: ${cell(slo.join(', '))}${floor === undefined ? '' : `; floor ${formatRate(floor)} (--min-capacity)`}`,
    '',
    '| | search | capacity | limited by | verdict |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
