/**
 * `--chaos` specs: faults injected at set times of the measure phase.
 *
 *   kill-subscribers@20s   CLIENT KILL every subscriber connection of the harness
 *   pause@30s:2s           CLIENT PAUSE every node for 2 s
 *   restart@40s            stop the local redis-server by pid and start it again on the same port (local target only)
 *
 * Times count from the start of the measure phase. Several specs may be given (repeat the flag or separate with
 * commas); every problem is reported at once.
 */
import { UsageError, type Problem } from '../core/errors.js';
import type { ChaosEvent, ChaosKind } from '../core/reliability.js';
import { checkDurationMs, formatDurationMs, quote } from './duration.js';

/** Kinds and whether they take a duration. */
const KINDS: Record<ChaosKind, { duration: boolean }> = {
  'kill-subscribers': { duration: false },
  pause: { duration: true },
  restart: { duration: false },
};
/** More faults than this in one run is a typo or a different tool's job. */
const MAX_EVENTS = 20;
/** Longest CLIENT PAUSE accepted: a longer one looks like a dead server to every client. */
const MAX_PAUSE_MS = 60_000;
const EXAMPLE = 'e.g. --chaos kill-subscribers@20s, --chaos pause@30s:2s or --chaos restart@40s';

/** What the checks need to know about the run. */
export interface ChaosContext {
  /** Measure phase length: an event must fall inside it. */
  durationMs?: number;
  /** False when the target is not a server the harness started (restart needs one). */
  localTarget?: boolean;
}

/** Parses one spec, pushing problems instead of throwing. */
function parseOne(spec: string, field: string, ctx: ChaosContext, problems: Problem[]): ChaosEvent | undefined {
  const m = /^([a-z-]+)@([^:]+)(?::(.+))?$/i.exec(spec);
  if (!m) {
    problems.push({ field, message: `${quote(spec)} is not KIND@TIME[:DURATION]`, hint: EXAMPLE });
    return undefined;
  }
  const kind = m[1].toLowerCase() as ChaosKind;
  if (!Object.hasOwn(KINDS, kind)) {
    problems.push({ field, message: `unknown fault ${quote(m[1])} in ${quote(spec)}`, hint: `use one of ${Object.keys(KINDS).join(', ')}` });
    return undefined;
  }
  const before = problems.length;
  const at = checkDurationMs(m[2], field);
  if (typeof at !== 'number') problems.push({ ...at, message: `time of ${quote(spec)}: ${at.message}` });
  else if (ctx.durationMs !== undefined && at >= ctx.durationMs) {
    problems.push({
      field, message: `${quote(spec)} comes at ${formatDurationMs(at)}, after the ${formatDurationMs(ctx.durationMs)} measure phase has ended`,
      hint: 'times count from the start of the measure phase: choose an earlier time or a longer --duration',
    });
  }
  let durationMs: number | undefined;
  if (KINDS[kind].duration) {
    const d = m[3] === undefined ? undefined : checkDurationMs(m[3], field);
    if (d === undefined) problems.push({ field, message: `${quote(spec)} needs a duration`, hint: `e.g. ${kind}@30s:2s` });
    else if (typeof d !== 'number') problems.push({ ...d, message: `duration of ${quote(spec)}: ${d.message}` });
    else if (d < 1 || d > MAX_PAUSE_MS) problems.push({ field, message: `pause of ${formatDurationMs(d)} in ${quote(spec)} is out of range`, hint: 'pause between 1ms and 60s, e.g. pause@30s:2s' });
    else durationMs = d;
  } else if (m[3] !== undefined) {
    problems.push({ field, message: `${kind} takes no duration (${quote(spec)})`, hint: `e.g. ${kind}@20s` });
  }
  if (kind === 'restart' && ctx.localTarget === false) {
    problems.push({ field, message: 'restart needs a server the harness started itself', hint: 'drop --target to run against a throwaway local redis-server, or use kill-subscribers / pause' });
  }
  if (problems.length > before || typeof at !== 'number') return undefined;
  return { kind, atMs: at, ...(durationMs !== undefined ? { durationMs } : {}), spec };
}

/**
 * Parses `--chaos` values (a string, a list of strings, comma-separated lists) into events sorted by time.
 * Throws one UsageError naming `field` with every problem; undefined or an empty list gives no events.
 */
export function parseChaos(specs: unknown, field: string, ctx: ChaosContext = {}): ChaosEvent[] {
  if (specs === undefined) return [];
  const list = Array.isArray(specs) ? specs : [specs];
  const problems: Problem[] = [];
  const events: ChaosEvent[] = [];
  const items: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') {
      problems.push({ field, message: `expected text such as kill-subscribers@20s, got ${typeof item}`, hint: EXAMPLE });
      continue;
    }
    items.push(...item.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  }
  if (items.length > MAX_EVENTS) {
    problems.push({ field, message: `${items.length} faults given; at most ${MAX_EVENTS} per run`, hint: 'split them over several runs' });
  } else {
    for (const spec of items) {
      const event = parseOne(spec, field, ctx, problems);
      if (event) events.push(event);
    }
  }
  if (problems.length > 0) throw new UsageError(problems, `Invalid ${field}`);
  return events.sort((a, b) => a.atMs - b.atMs);
}
