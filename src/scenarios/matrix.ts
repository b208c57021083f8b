/**
 * Matrix runs: `--matrix publish-mode=await,pipeline --matrix batch=10,100` expands into every combination of the
 * axes, each one a set of scenario flags. Variants that resolve to the same scenario (a batch size under 'await',
 * where it has no effect) are run once. `--matrix client=native,ioredis` compares the two data-plane clients.
 */
import { UsageError, type Problem } from '../core/errors.js';
import type { PublishMode, Scenario } from '../core/scenario.js';
import type { ScenarioFlags } from './overrides.js';

/** Matrix keys (flag names without dashes) and the scenario flag each one sets. */
export const MATRIX_KEYS: Record<string, keyof ScenarioFlags> = {
  'publish-mode': 'publishMode',
  batch: 'batch',
  'max-in-flight': 'maxInFlight',
  'message-size': 'messageSize',
  rate: 'rate',
  publishers: 'publishers',
  subscribers: 'subscribers',
  channels: 'channels',
  'channels-per-subscriber': 'channelsPerSubscriber',
  client: 'client',
  'slow-subscribers': 'slowSubscribers',
  'pubsub-buffer-limit': 'pubsubBufferLimit',
  transport: 'transport',
  'stream-maxlen': 'streamMaxlen',
  'subscriber-churn': 'subscriberChurn',
  patterns: 'patterns',
  sharded: 'sharded',
  'channel-skew': 'channelSkew',
  'subscriber-skew': 'subscriberSkew',
  'background-patterns': 'backgroundPatterns',
  resp: 'resp',
};

/** One axis: a flag and the values it takes in turn. */
export interface MatrixAxis {
  key: string;
  values: string[];
}

/** Most variants one matrix may expand to (each is a full run). */
export const MAX_VARIANTS = 64;

/** Parses `key=v1,v2` specs; every problem at once, naming `field`. */
export function parseMatrix(specs: string[], field = '--matrix'): MatrixAxis[] {
  const problems: Problem[] = [];
  const axes: MatrixAxis[] = [];
  for (const spec of specs) {
    const m = /^([a-z-]+)=(.+)$/.exec(spec.trim());
    if (!m) {
      problems.push({ field, message: `cannot read ${JSON.stringify(spec)}`, hint: 'write KEY=V1,V2,…, e.g. --matrix publish-mode=await,pipeline' });
      continue;
    }
    const [, key, list] = m;
    if (!(key in MATRIX_KEYS)) {
      problems.push({ field, message: `unknown key ${JSON.stringify(key)}`, hint: `one of: ${Object.keys(MATRIX_KEYS).join(', ')}` });
      continue;
    }
    if (axes.some((a) => a.key === key)) {
      problems.push({ field, message: `${key} is given twice`, hint: `list every value once: --matrix ${key}=a,b,c` });
      continue;
    }
    const values = list.split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) problems.push({ field, message: `${key} has no values`, hint: `e.g. --matrix ${key}=a,b` });
    else axes.push({ key, values: [...new Set(values)] });
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  if (count > MAX_VARIANTS) {
    problems.push({ field, message: `${count} combinations, at most ${MAX_VARIANTS}`, hint: 'drop values or axes; every combination is a full run' });
  }
  if (problems.length > 0) throw new UsageError(problems, 'Invalid matrix');
  return axes;
}

/** One combination: the flags it sets and its label (`publish-mode=pipeline batch=100`). */
export interface MatrixVariant {
  flags: Partial<Record<keyof ScenarioFlags, string>>;
  label: string;
}

/** Every combination of the axes, first axis slowest. */
export function expandMatrix(axes: MatrixAxis[]): MatrixVariant[] {
  let out: Array<Array<[string, string]>> = [[]];
  for (const axis of axes) out = out.flatMap((combo) => axis.values.map((v) => [...combo, [axis.key, v] as [string, string]]));
  return out.map((combo) => ({
    flags: Object.fromEntries(combo.map(([k, v]) => [MATRIX_KEYS[k], v])) as MatrixVariant['flags'],
    label: combo.map(([k, v]) => `${k}=${v}`).join(' '),
  }));
}

/** True when the publish mode sends in batches of `batch` ('pipeline', and 'multi' whose batches are transactions). */
export function usesBatch(mode: PublishMode): boolean {
  return mode === 'pipeline' || mode === 'multi';
}

/**
 * A key identifying what a scenario really runs: publish settings the mode ignores (batch under 'await') are left
 * out, so variants that differ only there count as one.
 */
export function effectiveKey(s: Scenario): string {
  const p = s.publishers;
  const publishers = { ...p, batch: usesBatch(p.mode) ? p.batch : 0, maxInFlight: p.mode === 'auto' ? p.maxInFlight : 0 };
  return JSON.stringify({ ...s, name: '', description: '', publishers });
}

/** The label of a variant with the axes that had no effect on it left out (`batch` for an 'await' run). */
export function effectiveLabel(variant: MatrixVariant, s: Scenario): string {
  return variant.label
    .split(' ')
    .filter((part) => {
      const key = part.slice(0, part.indexOf('='));
      if (key === 'batch') return usesBatch(s.publishers.mode);
      if (key === 'max-in-flight') return s.publishers.mode === 'auto';
      return true;
    })
    .join(' ');
}
