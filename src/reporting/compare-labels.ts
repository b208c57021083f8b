/**
 * Default names of compared runs: what a reader tells them apart by — the scenario name, or the matrix keys whose
 * values differ (`publish-mode=pipeline batch=100`) — rather than 30-character run ids.
 */
import type { RunResult, Scenario } from '../core/index.js';
import { clientOf, subscriberCount } from './describe.js';
import { usesBatch } from '../scenarios/matrix.js';
import { respOf } from '../core/scenario.js';

/** The `--matrix` keys as read back from a scenario; undefined when the key has no effect on it (batch under await). */
const KEY_VALUES: ReadonlyArray<[key: string, read: (s: Scenario) => string | number | undefined]> = [
  ['publish-mode', (s) => s.publishers.mode],
  ['batch', (s) => (usesBatch(s.publishers.mode) ? s.publishers.batch : undefined)],
  ['max-in-flight', (s) => (s.publishers.mode === 'auto' ? s.publishers.maxInFlight : undefined)],
  ['message-size', (s) => s.publishers.messageBytes],
  ['rate', (s) => s.publishers.rate],
  ['publishers', (s) => s.publishers.count],
  ['subscribers', (s) => subscriberCount(s)],
  ['channels', (s) => s.channels.count],
  ['channels-per-subscriber', (s) => String(s.subscribers[0]?.channelsEach ?? '')],
  ['client', (s) => clientOf(s)],
  ['patterns', (s) => (s.subscribers[0]?.patterns.length ? s.subscribers[0].patterns.join('|') : 'none')],
  ['sharded', (s) => String(s.channels.sharded)],
  ['channel-skew', (s) => s.channelSkew ?? 'uniform'],
  ['subscriber-skew', (s) => s.subscriberSkew ?? 'uniform'],
  ['background-patterns', (s) => s.backgroundPatterns ?? 0],
  ['resp', (s) => respOf(s)],
];

/** `key=value` of every matrix key whose value is not the same in all the scenarios, one string per scenario. */
export function differingKeys(scenarios: readonly Scenario[]): string[] {
  const varying = KEY_VALUES.filter(([, read]) => new Set(scenarios.map((s) => String(read(s)))).size > 1);
  return scenarios.map((s) => varying.flatMap(([key, read]) => {
    const v = read(s);
    return v === undefined ? [] : [`${key}=${v}`];
  }).join(' '));
}

/**
 * One label per run: the scenario name when the names tell the runs apart, the differing matrix keys when they do
 * not (a matrix runs one scenario in variants), both when only both do. Runs that still share a label (repeats)
 * keep it here — `uniqueLabels` numbers them for display, and the shared label is what groups repeats.
 */
export function deriveLabels(results: readonly RunResult[]): string[] {
  const names = results.map((r) => r.scenario.name);
  if (new Set(names).size === 1) return differingKeys(results.map((r) => r.scenario)).map((k, i) => k || names[i]);
  // Several names: a name alone when it is one scenario; else the keys that differ among the runs of that name.
  return results.map((_, i) => {
    const same = results.flatMap((r, j) => (names[j] === names[i] ? [j] : []));
    const keys = differingKeys(same.map((j) => results[j].scenario))[same.indexOf(i)];
    return keys === '' ? names[i] : `${names[i]} ${keys}`;
  });
}
