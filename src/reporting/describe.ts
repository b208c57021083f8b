/**
 * One-line descriptions of a run's target, scenario and outcome, shared by the terminal, comparison and HTML outputs.
 */
import type { ClientKind, RunResult, Scenario, TargetDescription } from '../core/index.js';
import { describeBaselineCheck, formatOutcomeLine } from './ci/values.js';
import { formatCompact, formatRate } from './format.js';
import type { RespVersion } from '../core/scenario.js';

/** "redis://127.0.0.1:6379 (single, local, Redis 7.0.15)". URLs are already redacted in result.json. */
export function describeTarget(target: TargetDescription, redisVersion?: string | null): string {
  const urls = target.urls.length > 3 ? `${target.urls.slice(0, 3).join(', ')} +${target.urls.length - 3} more` : target.urls.join(', ');
  const tags: string[] = [target.kind];
  if (target.local) tags.push('local');
  if (target.tls) tags.push(target.tlsInsecure ? 'TLS, NOT VERIFIED' : 'TLS');
  const version = target.redisVersion ?? redisVersion;
  if (version) tags.push(`Redis ${version}`);
  return `${urls} (${tags.join(', ')})`;
}

/** Total subscriber connections over every group. */
export function subscriberCount(scenario: Scenario): number {
  return scenario.subscribers.reduce((sum, g) => sum + g.count, 0);
}

/** "await", "pipeline ×100", "multi ×100" (MULTI … EXEC batches), "auto ≤1000 in flight". */
export function describePublishMode(scenario: Scenario): string {
  const p = scenario.publishers;
  if (p.mode === 'pipeline') return `pipeline ×${p.batch}`;
  if (p.mode === 'multi') return `multi ×${p.batch}`;
  if (p.mode === 'auto') return `auto ≤${p.maxInFlight} in flight`;
  return 'await';
}

/**
 * The data-plane client that ran: 'native' or 'ioredis'. A result.json written before the scenario had a `client`
 * field ran on ioredis, the only data path there was then, so a missing value reads as 'ioredis'.
 */
export function clientOf(scenario: Scenario): ClientKind {
  return (scenario as Partial<Scenario>).client ?? 'ioredis';
}

/**
 * "native client, RESP2" / "ioredis client, RESP3": the data path and the protocol it spoke. `resp` is the result's
 * record of it; without one (results older than `--resp`) only a scenario asking for RESP3 names a protocol.
 */
export function describeClient(scenario: Scenario, resp: RespVersion | undefined = scenario.resp): string {
  return resp ? `${clientOf(scenario)} client, RESP${resp}` : `${clientOf(scenario)} client`;
}

/** The workload shapes of a scenario that differ from the default, as words ("channel skew zipf:1", …). */
export function describeShapes(scenario: Scenario): string[] {
  return [
    ...(scenario.channelSkew ? [`channel skew ${scenario.channelSkew}`] : []),
    ...(scenario.subscriberSkew ? [`subscriber skew ${scenario.subscriberSkew}`] : []),
    ...(scenario.backgroundPatterns ? [`${formatCompact(scenario.backgroundPatterns)} background patterns`] : []),
  ];
}

/**
 * The key numbers of a scenario in one line: fleet shape, message size, rate, publish mode, workload shapes, client
 * and (given the result's `resp`, or for a RESP3 scenario) the protocol.
 */
export function describeScenario(scenario: Scenario, resp?: RespVersion): string {
  const p = scenario.publishers;
  const patterns = scenario.subscribers.flatMap((g) => g.patterns);
  const parts = [
    `${p.count} pub → ${subscriberCount(scenario)} sub`,
    `${formatCompact(scenario.channels.count)} ch${scenario.channels.sharded ? ' (sharded)' : ''}`,
    ...(patterns.length > 0 ? [`${patterns.length} pattern${patterns.length === 1 ? '' : 's'}`] : []),
    `${p.messageBytes} B`,
    p.rate === 'max' ? 'rate max' : `rate ${formatRate(p.rate)}`,
    describePublishMode(scenario),
    ...describeShapes(scenario),
    // Native and ioredis runs of one scenario differ only here: compare and matrix tables must tell them apart.
    describeClient(scenario, resp ?? scenario.resp),
    ...(scenario.transport === 'streams' ? [`streams (MAXLEN ~${formatCompact(scenario.streamMaxLen ?? 0)})`] : []),
  ];
  return `${scenario.name}: ${parts.join(' · ')}`;
}

/** Overall outcome of a run, most serious first. */
export type VerdictKind = 'interrupted' | 'errors' | 'no-data' | 'thresholds-failed' | 'regression' | 'partial' | 'harness-bottleneck' | 'loss' | 'violations' | 'ok';

/** A verdict with a headline and the reasons behind it. */
export interface Verdict {
  kind: VerdictKind;
  /** Short headline ("OK", "Messages lost", …). */
  title: string;
  /** Plain-words reasons, one per line. */
  details: string[];
}

/**
 * Why a run measured nothing, or null when it measured something: no publishers, no subscribers, every publish
 * failed, nothing sent in the measure phase, or no subscription receiving what was published. Such a run has no
 * loss, no violations and no latency to judge, so without this it would read as "OK" (exit 0): it is "NO DATA"
 * (exit 5) instead. Derived from the summary alone, so older result.json files are judged alike.
 */
export function noDataReason(result: RunResult): string | null {
  const s = result.summary;
  const publishers = result.scenario.publishers.count;
  const subscribers = subscriberCount(result.scenario);
  if (publishers === 0 && subscribers === 0) return 'the fleet has no publishers and no subscribers (--publishers 0, --subscribers 0): nothing was published or expected';
  if (publishers === 0) return 'the fleet has no publishers (--publishers 0): nothing was published';
  if (s.published === 0 && s.publishErrors > 0) {
    const first = s.publishErrorTexts?.[0];
    return `every publish failed: ${s.publishErrors} measured publish command(s) returned an error and none succeeded` +
      (first ? ` (most often: ${first.text})` : '');
  }
  if (subscribers === 0) return 'the fleet has no subscribers (--subscribers 0): no delivery was expected';
  if (s.published === 0) {
    const unsent = s.unsent ?? 0;
    return unsent > 0
      ? `nothing was published during the measure phase: ${unsent} scheduled message(s) were never sent (a message too large to send in time, or publishers stalled)`
      : 'nothing was published during the measure phase (the rate and duration called for no message, or publishers never sent)';
  }
  if (s.expectedDeliveries === 0) {
    return `${s.published} message(s) were published but no subscription receives them: no delivery was expected (check --channels-per-subscriber and --patterns)`;
  }
  return null;
}

/**
 * Judges a run: a run that measured nothing is never OK (see noDataReason; its title names the reason); a failed
 * threshold or a baseline regression is what CI gates on; loss and ordering violations are always bad news; a
 * harness bottleneck or an interruption means the numbers do not describe Redis; a crashed worker (result.errors)
 * means part of the fleet's data is missing. The kind is the most serious finding; `details` lists
 * every one except the errors themselves, which outputs show on their own lines (in red).
 */
export function judge(result: RunResult): Verdict {
  const s = result.summary;
  const details: string[] = [];
  if (result.interrupted) details.push(`The run was interrupted after ${Math.round(result.measureMs / 1000)} s of measuring.`);
  const missing = result.missingSegments ?? [];
  if (missing.length > 0) {
    details.push(`Partial: segment${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${result.segments?.[0]?.count ?? '?'} missing (merged with --allow-partial); loss and rates cover the segments present only.`);
  }
  if (result.health.harnessBottleneck) {
    details.push('The harness itself, not Redis, limited this run: ' + (result.health.reasons.join('; ') || 'see harness health') + '.');
  }
  const failedThresholds = result.thresholds?.outcomes.filter((o) => !o.passed) ?? [];
  details.push(...failedThresholds.map((o) => `Threshold ${formatOutcomeLine(o)}.`));
  if (result.thresholds?.aborted) details.push(`The run was stopped early by a failing threshold at ${Math.round(result.thresholds.aborted.atMs / 1000)} s.`);
  const regressions = result.baseline?.checks.filter((c) => c.verdict === 'regression') ?? [];
  details.push(...regressions.map((c) => `Regression against the baseline: ${c.metric} ${describeBaselineCheck(c)}.`));
  if (s.lost > 0) details.push(`${s.lost} of ${s.expectedDeliveries} expected deliveries were lost.`);
  const violations = s.duplicates + s.reordered + s.gaps;
  if (violations > 0) details.push(`Ordering violations: ${s.duplicates} duplicates, ${s.reordered} reordered, ${s.gaps} gaps.`);
  if (s.malformed > 0) details.push(`${s.malformed} malformed deliveries (not an envelope of this run).`);
  if (s.publishErrors > 0) details.push(`${s.publishErrors} publish commands failed.`);
  const noData = noDataReason(result);
  let kind: VerdictKind = 'ok';
  if (result.interrupted) kind = 'interrupted';
  else if ((result.errors?.length ?? 0) > 0) kind = 'errors';
  else if (noData !== null) kind = 'no-data';
  else if (result.thresholds && !result.thresholds.passed) kind = 'thresholds-failed';
  else if (result.baseline?.regressed) kind = 'regression';
  // Ahead of loss: a partial merge counts the missing segments' deliveries as lost, so loss says little there.
  else if (missing.length > 0) kind = 'partial';
  else if (result.health.harnessBottleneck) kind = 'harness-bottleneck';
  else if (s.lost > 0) kind = 'loss';
  else if (violations + s.malformed + s.publishErrors > 0) kind = 'violations';
  const titles: Record<VerdictKind, string> = {
    ok: result.thresholds ? `OK: every expected message delivered, in order; all ${result.thresholds.outcomes.length} thresholds held`
      : 'OK: every expected message delivered, in order',
    'no-data': `NO DATA: ${noData}`,
    'thresholds-failed': 'Thresholds failed',
    regression: 'Regression against the baseline',
    partial: 'PARTIAL: segments of this run are missing, the numbers cover only part of the fleet',
    loss: 'Messages lost',
    violations: 'Ordering or delivery violations',
    'harness-bottleneck': 'Harness bottleneck: these numbers describe the load generator, not Redis',
    interrupted: 'Interrupted: partial results',
    errors: 'Harness errors: part of the fleet failed, results are partial',
  };
  return { kind, title: titles[kind], details };
}
