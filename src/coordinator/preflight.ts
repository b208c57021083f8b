/**
 * Checks on the target before the schedule starts: is it the kind of target the flags say, and are the planned
 * subscriptions really in place? (Permissions: preflight-acl.ts.)
 */
import { TargetError, UsageError } from '../core/errors.js';
import type { TargetSpec } from '../core/target.js';
import type { Scenario } from '../core/scenario.js';
import type { ControlConnection, TargetInfo } from '../targets/types.js';
import { hostPort } from '../targets/url.js';
import type { FleetPlan } from './plan.js';

/**
 * A Redis Cluster node given without --cluster is refused (exit 2) rather than run as one server: a publish reply
 * would count that node's subscribers only, NUMSUB would miss the other nodes, and sharded channels of other slots
 * fail with CROSSSLOT or MOVED. Adding --cluster costs nothing (the node serves as the seed).
 */
export function checkTargetKind(spec: TargetSpec, info: TargetInfo): void {
  if (info.mode !== 'cluster' || spec.kind === 'cluster') return;
  throw new UsageError([{
    field: '--cluster',
    message: `${hostPort(spec.nodes[0])} is a Redis Cluster node (cluster_enabled:1), but --cluster was not given`,
    hint: 'add --cluster: the node is then the seed and every master is found from it (run as one server, publish replies and NUMSUB would count one node, and --sharded would fail with CROSSSLOT)',
  }], 'The target is a cluster');
}

/**
 * `resp: 3` needs HELLO (Redis 6+). ioredis would fall back to RESP2 without a word, and the result would then name
 * a protocol that did not run: refused before measuring instead (exit 3).
 */
export function checkResp(scenario: Scenario, info: TargetInfo): void {
  const major = Number.parseInt(info.redisVersion, 10);
  if (scenario.resp === 3 && major < 6) {
    throw new TargetError(`--resp 3 needs HELLO (Redis 6 or later), and the target runs Redis ${info.redisVersion}. Hint: run with --resp 2`);
  }
}

/** Channels asked about per PUBSUB NUMSUB call. */
const NUMSUB_CHUNK = 1000;

/**
 * Compares the server's subscriber counts (PUBSUB NUMSUB / SHARDNUMSUB, NUMPAT) with the plan. Fewer than planned
 * means a subscription was not made: the run cannot count loss honestly, so it fails (exit 3). More than planned
 * means other clients listen too: the run goes on, and the returned notes say so.
 */
export async function checkSubscriptions(control: ControlConnection, plan: FleetPlan, sharded: boolean): Promise<string[]> {
  const notes: string[] = [];
  const missing: string[] = [];
  let foreign = 0;
  for (let from = 0; from < plan.channelNames.length; from += NUMSUB_CHUNK) {
    const names = plan.channelNames.slice(from, from + NUMSUB_CHUNK);
    const counts = await control.numsub(names, sharded);
    counts.forEach((n, i) => {
      const want = plan.expectedNumsub[from + i];
      if (n < want) missing.push(`${names[i]} has ${n} subscribers, the plan made ${want}`);
      else foreign += n - want;
    });
  }
  if (plan.expectedNumpat > 0 || !sharded) {
    const numpat = await control.numpat();
    if (numpat < plan.expectedNumpat) missing.push(`the server has ${numpat} pattern subscriptions, the plan made ${plan.expectedNumpat}`);
    else if (numpat > plan.expectedNumpat) notes.push(`${numpat - plan.expectedNumpat} pattern subscriptions on the server are not this run's.`);
  }
  if (foreign > 0) notes.push(`${foreign} subscriptions to this run's channels belong to other clients; they do not count as deliveries.`);
  if (missing.length > 0) {
    throw new TargetError(`Subscriptions were confirmed but the server does not show them all:\n  ${missing.slice(0, 5).join('\n  ')}`);
  }
  return notes;
}
