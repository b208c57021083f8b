/**
 * Load profiles as users write them: `--stages 30s:1000,30s:5000,ramp:1m:5000-10000` or a scenario's `stages:` field
 * (that string, a list of such strings, or the `{durationMs, fromRate, toRate}` objects a resolved scenario in
 * result.json carries). The maths of following a profile lives in src/load/profile.ts.
 */
import { UsageError, type Problem } from '../core/errors.js';
import { stagesDurationMs, type RateStage } from '../core/scenario.js';
import { isPlainRecord, own } from './checks.js';
import { keysOf, STAGE_OBJECT } from './fields.js';
import { LIMITS } from './defaults.js';
import { anyCase, checkDurationMs, DECIMAL_PATTERN, describeType, DURATION_TEXT_PATTERN, formatDurationMs, quote } from './duration.js';

/** Most stages in one profile: far more than any real plan, few enough that a runaway list is caught. */
export const MAX_STAGES = 1000;
/** Shortest profile accepted: the same floor as a scenario's `duration`. */
export const MIN_STAGES_MS = 100;

const STEP_RE = /^([^:]+):([^:]+)$/;
const RAMP_RE = /^ramp:([^:]+):([^:-]+)-([^:-]+)$/i;
const RATE_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*$/;
const STAGE_KEYS = keysOf(STAGE_OBJECT);

/**
 * A whole profile string (`30s:1000,ramp:1m:1000-5000`) as JSON-Schema pattern text, for the scenario schema. It
 * follows the regexes above (and `checkDurationMs`): a stage that matches may still be refused for its values
 * (a zero length, a rate over the limit), which a pattern cannot say.
 */
export const PROFILE_PATTERN = ((): string => {
  const rate = `\\s*${DECIMAL_PATTERN}\\s*`;
  const stage = `\\s*(?:${anyCase('ramp')}:${DURATION_TEXT_PATTERN}:${rate}-${rate}|${DURATION_TEXT_PATTERN}:${rate})\\s*`;
  return `^${stage}(?:,${stage})*$`;
})();

/** What every stage problem suggests. */
export const STAGES_HINT =
  'steps "30s:1000,1m:5000" (duration:rate) and ramps "ramp:30s:0-10000" (ramp:duration:from-to), rates in msgs/s over all publishers';

/** Checked stages, or the problems that stop them (each naming `field[i]`, i counting stages from 0). */
export interface CheckedStages {
  stages?: RateStage[];
  problems: Problem[];
}

/**
 * Checks a load profile: a string of comma-separated steps `DURATION:RATE` and ramps `ramp:DURATION:FROM-TO`, or a
 * list whose items are such strings (joined, in order) or `{durationMs, fromRate, toRate}` objects. Never throws.
 */
export function checkStages(value: unknown, field: string): CheckedStages {
  const problems: Problem[] = [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!items || items.length === 0) {
    const got = Array.isArray(value) ? 'an empty list' : describeType(value);
    return { problems: [{ field, message: `expected a load profile, got ${got}`, hint: STAGES_HINT }] };
  }
  // Strings are split at commas first, so problems count stages, not list items.
  const flat = items.flatMap((item: unknown) => (typeof item === 'string' ? item.split(',') : [item]));
  if (flat.length > MAX_STAGES) {
    return { problems: [{ field, message: `${flat.length} stages is more than the limit of ${MAX_STAGES}`, hint: 'use ramps instead of many small steps' }] };
  }
  const stages: RateStage[] = [];
  flat.forEach((item: unknown, i) => {
    const stage = typeof item === 'string' ? parseStage(item.trim(), `${field}[${i}]`, problems) : checkObject(item, `${field}[${i}]`, problems);
    if (stage) stages.push(stage);
  });
  if (problems.length > 0) return { problems };
  if (stages.every((s) => s.fromRate === 0 && s.toRate === 0)) {
    problems.push({ field, message: 'every stage has rate 0: nothing would be published', hint: STAGES_HINT });
  }
  const totalMs = stagesDurationMs(stages);
  if (totalMs > LIMITS.durationMs) problems.push({ field, message: 'the stages last longer than one week in all', hint: 'use shorter stages' });
  if (totalMs < MIN_STAGES_MS) {
    problems.push({ field, message: `the stages last ${totalMs} ms in all: the measure phase needs at least ${MIN_STAGES_MS} ms`, hint: 'use longer stages' });
  }
  return problems.length > 0 ? { problems } : { stages, problems };
}

/** Like {@link checkStages}, but throws one UsageError (exit 2) listing every problem. */
export function parseStages(value: string | readonly string[], field: string): RateStage[] {
  const r = checkStages(value, field);
  if (!r.stages) throw new UsageError(r.problems, 'Invalid load profile');
  return r.stages;
}

/** The mean total rate of a profile (msgs/s): all the messages it calls for over its whole length. */
export function meanStagesRate(stages: readonly RateStage[]): number {
  const totalMs = stagesDurationMs(stages);
  const messages = stages.reduce((sum, s) => sum + ((s.fromRate + s.toRate) / 2) * (s.durationMs / 1000), 0);
  return totalMs > 0 ? messages / (totalMs / 1000) : 0;
}

/** Writes stages back in the form users type (`30s:1000,ramp:1m:1000-5000`), for help texts and reports. */
export function formatStages(stages: readonly RateStage[]): string {
  return stages
    .map((s) => (s.fromRate === s.toRate ? `${formatDurationMs(s.durationMs)}:${s.fromRate}` : `ramp:${formatDurationMs(s.durationMs)}:${s.fromRate}-${s.toRate}`))
    .join(',');
}

function parseStage(item: string, at: string, problems: Problem[]): RateStage | undefined {
  const ramp = RAMP_RE.exec(item);
  const step = ramp ? null : STEP_RE.exec(item);
  if (!ramp && !step) {
    problems.push({ field: at, message: `${quote(item)} is not a stage`, hint: STAGES_HINT });
    return undefined;
  }
  const durationText = (ramp ? ramp[1] : step![1]).trim();
  const rateTexts = ramp ? [ramp[2], ramp[3]] : [step![2]];
  const before = problems.length;
  const durationMs = checkStageDuration(checkDurationMs(durationText, at), at, problems);
  const rates = rateTexts.map((text) => {
    const rate = RATE_RE.test(text) ? Number(text) : NaN;
    if (Number.isNaN(rate)) problems.push({ field: at, message: `${quote(text.trim())} is not a rate`, hint: STAGES_HINT });
    else checkRate(rate, at, problems);
    return rate;
  });
  if (problems.length > before || durationMs === undefined) return undefined;
  return { durationMs, fromRate: rates[0], toRate: rates[rates.length - 1] };
}

/** A `{durationMs, fromRate, toRate}` object, as result.json writes a resolved profile. */
function checkObject(item: unknown, at: string, problems: Problem[]): RateStage | undefined {
  if (!isPlainRecord(item)) {
    problems.push({ field: at, message: `expected a stage, got ${describeType(item)}`, hint: `${STAGES_HINT}; or {"durationMs": 30000, "fromRate": 1000, "toRate": 1000}` });
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(item)) {
    if (!STAGE_KEYS.includes(key)) {
      problems.push({ field: `${at}.${key.length > 40 ? quote(key) : key}`, message: 'unknown key', hint: `a stage object has ${STAGE_KEYS.join(', ')}` });
    }
  }
  const raw = own(item, 'durationMs');
  const durationMs = typeof raw === 'number'
    ? checkStageDuration(checkDurationMs(raw, `${at}.durationMs`), `${at}.durationMs`, problems)
    : (problems.push({ field: `${at}.durationMs`, message: `expected a number of milliseconds, got ${describeType(raw)}`, hint: 'e.g. 30000' }), undefined);
  const [fromRate, toRate] = (['fromRate', 'toRate'] as const).map((key) => {
    const rate = own(item, key);
    if (typeof rate === 'number' && Number.isFinite(rate)) return checkRate(rate, `${at}.${key}`, problems);
    problems.push({ field: `${at}.${key}`, message: `expected a number of msgs/s, got ${describeType(rate)}`, hint: 'e.g. 1000' });
    return undefined;
  });
  if (problems.length > before || durationMs === undefined || fromRate === undefined || toRate === undefined) return undefined;
  return { durationMs, fromRate, toRate };
}

function checkStageDuration(ms: number | Problem, at: string, problems: Problem[]): number | undefined {
  if (typeof ms !== 'number') {
    problems.push({ ...ms, hint: STAGES_HINT });
    return undefined;
  }
  if (ms > 0) return ms;
  problems.push({ field: at, message: 'a stage must last longer than 0', hint: STAGES_HINT });
  return undefined;
}

function checkRate(rate: number, at: string, problems: Problem[]): number | undefined {
  const { min, max } = STAGE_OBJECT.fields.fromRate;
  if (rate >= min && rate <= max) return rate;
  problems.push({ field: at, message: `rate ${rate} is out of range: must be between ${min} and ${max} msgs/s`, hint: STAGES_HINT });
  return undefined;
}
