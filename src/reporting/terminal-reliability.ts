/**
 * Terminal summary lines for what went wrong around the run: harness errors, chaos events and the per-shard split.
 * Each returns no lines when result.json lacks the (optional) field.
 */
import type { ChaosReport, RunResult } from '../core/index.js';
import { NONE, formatCount, formatDurationMs, formatLatencyUs, formatPercent } from './format.js';
import { heading, plainText, renderTable, type Styler } from './table.js';

/** Harness errors (a crashed worker), one red '!' line each, shown right under the verdict. */
export function errorLines(result: RunResult, st: Styler): string[] {
  return (result.errors ?? []).map((e) => st.red(st.bold(`  ! ${plainText(e)}`)));
}

/** One line of a chaos event: when, what happened, what it cost, how long recovery took. */
function chaosLine(c: ChaosReport): string {
  const at = c.firedAtMs === null ? 'not run' : `at ${(c.firedAtMs / 1000).toFixed(1)} s`;
  if (c.failed || c.firedAtMs === null) return `  ${plainText(c.spec)} ${at}: FAILED — ${plainText(c.outcome)}`;
  const reconnect = c.recoveryMs !== null ? `, reconnected in ${formatDurationMs(c.recoveryMs)}` : c.outages > 0 ? ', never reconnected' : '';
  const back = c.latencyRecoveryMs === null ? 'never back' : `back in ${formatDurationMs(c.latencyRecoveryMs)}`;
  return `  ${plainText(c.spec)} ${at}: ${plainText(c.outcome)}; ${formatCount(c.outages)} outage(s), ${formatCount(c.missedMessages)} missed`
    + `${c.publishErrors > 0 ? `, ${formatCount(c.publishErrors)} publish errors` : ''}${reconnect}; `
    + `e2e p99 ${formatLatencyUs(c.e2eP99BeforeUs)} → ${formatLatencyUs(c.e2eP99PeakUs)}, ${back}`;
}

/** One line per `--chaos` event, red when it failed or cost messages. */
export function chaosLines(result: RunResult, st: Styler): string[] {
  const events = result.chaos ?? [];
  if (events.length === 0) return [];
  return ['', heading('Chaos', st), ...events.map((c) => {
    const line = chaosLine(c);
    return c.failed || c.firedAtMs === null || c.missedMessages > 0 ? st.red(line) : line;
  })];
}

/** The per-shard table (cluster targets): channels, subscriptions and counts per master. */
export function shardLines(result: RunResult, st: Styler): string[] {
  const shards = result.shards ?? [];
  if (shards.length === 0) return [];
  const rows = shards.map((s) => {
    const lost = Math.max(0, s.expected - s.delivered);
    return [
      plainText(s.master), formatCount(s.channels), formatCount(s.subscriptions), formatCount(s.published), formatCount(s.expected),
      formatCount(s.delivered), lost > 0 ? st.red(`${formatCount(lost)} (${formatPercent(lost, s.expected)})`) : s.expected > 0 ? '0' : NONE,
    ];
  });
  return ['', heading('Per shard', st), renderTable([['master', 'channels', 'subscriptions', 'published', 'expected', 'delivered', 'lost'], ...rows])];
}
