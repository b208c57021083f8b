/**
 * The verdict of a run in plain lines for stderr: what a CI log shows when stdout carries only the JSON (`--json`).
 * Without them a failing job's log holds progress lines and nothing about why it failed or where the report is.
 */
import type { RunResult } from '../../core/index.js';
import { judge } from '../describe.js';
import { plainText } from '../table.js';
import { describeBaselineCheck, formatOutcomeLine } from './values.js';

/**
 * One line each, prefixed `pubsub-bench: `: the verdict, every failed threshold, every baseline regression, the
 * baseline's warnings (they weaken what the verdict says), then where the report and result.json were written.
 * `reportPath` is the run's report.html (null when the run wrote none).
 */
export function verdictLines(result: RunResult, reportPath: string | null): string[] {
  const v = judge(result);
  const lines = [`verdict: ${v.title}`];
  for (const o of result.thresholds?.outcomes ?? []) {
    if (!o.passed) lines.push(`threshold failed: ${formatOutcomeLine(o)}`);
  }
  for (const c of result.baseline?.checks ?? []) {
    if (c.verdict === 'regression') lines.push(`regression: ${c.metric} ${describeBaselineCheck(c)}`);
  }
  for (const w of result.baseline?.warnings ?? []) lines.push(`baseline warning: ${w}`);
  if (reportPath !== null) lines.push(`report: ${reportPath} (result.json beside it)`);
  return lines.map((l) => `pubsub-bench: ${plainText(l)}`);
}
