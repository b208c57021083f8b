/**
 * Permissions before measuring: may each fleet's user run what the plan needs on its channels and patterns? A user
 * that may not publish would otherwise run to the end, fail every publish and blame Redis' replies; one that may not
 * subscribe would fail with a NOPERM and no rule to add. A refusal fails the run (exit 3) naming the fleet, the user,
 * the command, the channel or pattern and the ACL rule to add — never a password.
 */
import { TargetError } from '../core/errors.js';
import type { Scenario } from '../core/scenario.js';
import type { TargetSpec } from '../core/target.js';
import { checkCommands } from '../targets/acl.js';
import type { ControlConnection } from '../targets/types.js';
import { aclUserOf, fleetSpec } from '../targets/url.js';
import type { FleetPlan } from './plan.js';
import { STREAM_KEY_PREFIX, streamKey } from '../targets/stream-keys.js';

/** Most channels (or patterns) checked per command; beyond it an even sample, first and last included. */
export const MAX_CHECKED_NAMES = 10_000;

/** One command a fleet needs, on a list of channels or patterns (or on nothing: `names` empty). */
interface Need {
  role: 'publisher' | 'subscriber';
  /** The command as the ACL names it (`PUBLISH`, `CLIENT SETNAME`). */
  command: string;
  what: 'channel' | 'pattern' | 'key' | 'none';
  names: string[];
  /** The command as sent for one name. */
  args(name: string): string[];
  /** The run goes on without it (CLIENT SETNAME only helps CLIENT LIST). */
  optional?: boolean;
}

/** The commands each fleet of the plan sends (CLIENT SETNAME included, as optional); `runTag` names the streams. */
export function permissionNeeds(plan: FleetPlan, scenario: Scenario, runTag = 0): Need[] {
  const sharded = scenario.channels.sharded;
  const published = new Set<number>();
  const subscribed = new Set<number>();
  const patterns = new Set<string>();
  let publishers = 0;
  let subscribers = 0;
  for (const w of plan.perWorker) {
    for (const p of w.publishers) {
      publishers++;
      for (const c of p.channels) published.add(c);
    }
    for (const s of w.subscribers) {
      subscribers++;
      for (const c of s.channels) subscribed.add(c);
      for (const p of s.patterns) patterns.add(p);
    }
  }
  const names = (set: Set<number>): string[] => [...set].sort((a, b) => a - b).map((i) => plan.channelNames[i]);
  if (scenario.transport === 'streams') return streamNeeds(publishers, subscribers, (set) => names(set).map((c) => streamKey(runTag, c)), published, subscribed, scenario);
  const needs: Need[] = [];
  if (publishers > 0) {
    const verb = sharded ? 'SPUBLISH' : 'PUBLISH';
    needs.push({ role: 'publisher', command: verb, what: 'channel', names: names(published), args: (n) => [verb, n, ''] });
    if (scenario.publishers.mode === 'multi') {
      for (const verb of ['MULTI', 'EXEC']) needs.push({ role: 'publisher', command: verb, what: 'none', names: [], args: () => [verb] });
    }
    needs.push(setName('publisher'));
  }
  if (subscribers > 0) {
    const verb = sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE';
    if (subscribed.size > 0) needs.push({ role: 'subscriber', command: verb, what: 'channel', names: names(subscribed), args: (n) => [verb, n] });
    if (patterns.size > 0) needs.push({ role: 'subscriber', command: 'PSUBSCRIBE', what: 'pattern', names: [...patterns], args: (n) => ['PSUBSCRIBE', n] });
    needs.push(setName('subscriber'));
  }
  return needs;
}

/** Transport 'streams': XADD for publishers; XGROUP CREATE, XREADGROUP and XACK for subscribers, on the run's keys. */
function streamNeeds(
  publishers: number, subscribers: number, keys: (set: Set<number>) => string[], published: Set<number>, subscribed: Set<number>, scenario: Scenario,
): Need[] {
  const needs: Need[] = [];
  const key = (role: Need['role'], command: string, list: string[], args: (k: string) => string[]): void => {
    needs.push({ role, command, what: 'key', names: list, args });
  };
  if (publishers > 0) {
    key('publisher', 'XADD', keys(published), (k) => ['XADD', k, 'MAXLEN', '~', '1', '*', 'm', '']);
    if (scenario.publishers.mode === 'multi') {
      for (const verb of ['MULTI', 'EXEC']) needs.push({ role: 'publisher', command: verb, what: 'none', names: [], args: () => [verb] });
    }
    needs.push(setName('publisher'));
  }
  if (subscribers > 0) {
    const read = keys(subscribed);
    key('subscriber', 'XGROUP CREATE', read, (k) => ['XGROUP', 'CREATE', k, 'pb-sub-0', '$', 'MKSTREAM']);
    key('subscriber', 'XREADGROUP', read, (k) => ['XREADGROUP', 'GROUP', 'pb-sub-0', 'c', 'STREAMS', k, '>']);
    key('subscriber', 'XACK', read, (k) => ['XACK', k, 'pb-sub-0', '0-1']);
    needs.push(setName('subscriber'));
  }
  return needs;
}

function setName(role: Need['role']): Need {
  return { role, command: 'CLIENT SETNAME', what: 'none', names: [], args: () => ['CLIENT', 'SETNAME', `pb-${role === 'publisher' ? 'pub' : 'sub'}-0`], optional: true };
}

/** At most `max` names, evenly spread, the first and the last always among them. */
export function sampleNames(names: string[], max = MAX_CHECKED_NAMES): string[] {
  if (names.length <= max) return names;
  return Array.from({ length: max }, (_, i) => names[Math.round((i * (names.length - 1)) / (max - 1))]);
}

/**
 * Checks every fleet's permissions (ACL DRYRUN, else a probe as the fleet's user). Throws a TargetError listing each
 * refused command; resolves to notes for what the run can do without (CLIENT SETNAME).
 */
export async function checkPermissions(
  control: ControlConnection, spec: TargetSpec, plan: FleetPlan, scenario: Scenario, redisVersion: string, connectTimeoutMs: number, runTag = 0,
): Promise<string[]> {
  const needs = permissionNeeds(plan, scenario, runTag);
  const problems: string[] = [];
  const notes: string[] = [];
  const probedAs: string[] = [];
  for (const role of ['publisher', 'subscriber'] as const) {
    const mine = needs.filter((n) => n.role === role);
    if (mine.length === 0) continue;
    const fleet = fleetSpec(spec, role);
    const user = aclUserOf(fleet);
    const asked = mine.map((n) => (n.what === 'none' ? [''] : sampleNames(n.names)));
    const commands = mine.flatMap((n, i) => asked[i].map((name) => n.args(name)));
    const before = problems.length;
    const verdicts = await checkCommands(control, fleet, user, commands, connectTimeoutMs).catch((err: unknown) => {
      throw new TargetError(`Checking the ${role}s' permissions (user '${user}') failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    let at = 0;
    mine.forEach((need, i) => {
      const refusals = verdicts.refusals.slice(at, at + asked[i].length);
      at += asked[i].length;
      const refused = asked[i].filter((_, k) => refusals[k] !== null);
      if (refused.length === 0) return;
      const reason = refusals.find((r) => r !== null) as string;
      if (need.optional) {
        notes.push(`The ${role}s' user '${user}' may not run ${need.command} (${reason}): CLIENT LIST and the telemetry cannot tell their connections apart. Add it with: ACL SETUSER ${user} +client|setname`);
        return;
      }
      problems.push(describeRefusal(role, user, need, refused, asked[i].length, reason, redisVersion));
    });
    if (problems.length > before && verdicts.how === 'probe' && !probedAs.includes(user)) probedAs.push(user);
  }
  if (probedAs.length > 0) {
    problems.push(`  (checked by queueing each command in MULTI as ${probedAs.map((u) => `'${u}'`).join(' and ')} and discarding it: nothing was published or subscribed)`);
  }
  if (problems.length > 0) {
    throw new TargetError(`The target's ACL refuses commands this run needs; nothing was measured:\n${problems.join('\n')}`);
  }
  return notes;
}

/** One refused command as a problem line with the rule that would allow it. */
export function describeRefusal(
  role: Need['role'], user: string, need: Need, refused: string[], checked: number, reason: string, redisVersion: string,
): string {
  const on = need.what === 'none' ? '' : ` on ${need.what} '${refused[0]}'${refused.length > 1 ? ` and ${refused.length - 1} more of the ${checked} checked` : ''}`;
  const line = `  - ${role}s (user '${user}'): ${need.command}${on} is refused: ${reason.replace(/^NOPERM\s*/, '')}`;
  return `${line}\n      hint: ${ruleHint(user, need, refused, reason, redisVersion)}`;
}

/** The ACL SETUSER rule that allows what was refused, from the server's words (a command or a channel). */
export function ruleHint(user: string, need: Need, refused: string[], reason: string, redisVersion: string): string {
  const command = /run the '([^']+)' command/i.exec(reason)?.[1];
  const commandRule = `+${(command ?? need.command.replace(' ', '|')).toLowerCase()}`;
  if (command !== undefined || need.what === 'none') return `allow the command: ACL SETUSER ${user} ${commandRule}`;
  if (need.what === 'key') return `allow the run's streams: ACL SETUSER ${user} ~${STREAM_KEY_PREFIX}*, and the command if it is refused too: ${commandRule}`;
  // Patterns are matched literally against a user's & rules (Redis 7): the pattern itself must be listed.
  const rules = need.what === 'pattern' ? refused.slice(0, 5).map((p) => `&${p}`) : [`&${channelGlob(need.names)}`];
  const redis7 = Number(redisVersion.split('.')[0]) >= 7;
  const why = redis7
    ? " (Redis 7 gives a user no channels unless a & rule grants them: the default 'acl-pubsub-default resetchannels')"
    : '';
  const orCommand = /channel/i.test(reason) ? '' : `, and the command if it is refused too: ${commandRule}`;
  return `allow the ${need.what === 'pattern' ? 'patterns' : 'channels'}: ACL SETUSER ${user} ${rules.join(' ')}${orCommand}${why}`;
}

/**
 * A glob covering every name: their longest common prefix cut back to its last separator (`:` `.` `-` `_` `/`), then
 * `*` — `pubsub-bench:fan-out:0` → `pubsub-bench:fan-out:*`, so the rule also covers the channels of a larger run.
 */
export function channelGlob(names: string[]): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = Math.max(...[':', '.', '-', '_', '/'].map((sep) => prefix.lastIndexOf(sep)));
  if (cut >= 0) prefix = prefix.slice(0, cut + 1);
  else if (names.length === 1) return escapeGlob(names[0]);
  return `${escapeGlob(prefix)}*`;
}

function escapeGlob(text: string): string {
  return text.replace(/([*?[\]\\])/g, '\\$1');
}
