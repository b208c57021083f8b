/**
 * Error replies counted by their text: the first few distinct texts with their counts, every later one under one
 * "other texts" entry. Only failures reach it, so a Map here costs the per-message path nothing.
 */
import type { ErrorTextCount } from '../core/messages.js';

/** Distinct texts kept per worker and per run. */
export const MAX_ERROR_TEXTS = 10;
/** The entry counting the texts past the first MAX_ERROR_TEXTS. */
export const OTHER_ERROR_TEXTS = '(other error texts)';
/** Longest text kept (characters): a reply that echoes a large argument stays readable. */
const MAX_TEXT_CHARS = 200;

/**
 * One text per kind of failure: MOVED and ASK replies name a slot and a node, which would make every redirection a
 * text of its own.
 */
export function errorTextKey(text: string): string {
  const t = text.trim();
  if (t === '') return 'unknown error (no text)';
  if (/^MOVED \d+ /.test(t)) return 'MOVED (the slot moved to another node)';
  if (/^ASK \d+ /.test(t)) return 'ASK (the slot is being migrated)';
  return t.length > MAX_TEXT_CHARS ? `${t.slice(0, MAX_TEXT_CHARS - 1)}…` : t;
}

/** Counts error texts (first MAX_ERROR_TEXTS distinct ones). */
export class ErrorTextTally {
  private counts = new Map<string, number>();

  /** Counts `n` failures with this text. */
  add(text: string, n = 1): void {
    const key = errorTextKey(text);
    const had = this.counts.get(key);
    if (had !== undefined) this.counts.set(key, had + n);
    else if (key === OTHER_ERROR_TEXTS || this.counts.size >= MAX_ERROR_TEXTS) this.counts.set(OTHER_ERROR_TEXTS, (this.counts.get(OTHER_ERROR_TEXTS) ?? 0) + n);
    else this.counts.set(key, n);
  }

  /** Adds counts another tally listed. */
  addAll(list: readonly ErrorTextCount[] | undefined): void {
    for (const e of list ?? []) this.add(e.text, e.count);
  }

  /** The texts, most frequent first ("other texts" last); undefined when nothing was counted. */
  list(): ErrorTextCount[] | undefined {
    if (this.counts.size === 0) return undefined;
    const out = [...this.counts].map(([text, count]) => ({ text, count }));
    return out.sort((a, b) => (a.text === OTHER_ERROR_TEXTS ? 1 : b.text === OTHER_ERROR_TEXTS ? -1 : b.count - a.count));
  }

  /** The texts counted since the last take, then starts over (a snapshot interval's share). */
  take(): ErrorTextCount[] | undefined {
    const out = this.list();
    if (out) this.counts = new Map();
    return out;
  }
}

/**
 * An outage cause with the latest reason its recovery failed: `server closed the connection; could not recover:
 * NOPERM …`. Only the latest reason is kept, so a connection that keeps failing does not grow its cause.
 */
export function withRecoveryError(cause: string, error: string): string {
  const marker = '; could not recover: ';
  const at = cause.indexOf(marker);
  return `${at >= 0 ? cause.slice(0, at) : cause}${marker}${errorTextKey(error)}`;
}

/** Error texts in one line for warnings: `978 × NOPERM this user has no permissions …; 3 × connection lost: …`. */
export function describeErrorTexts(list: readonly ErrorTextCount[] | undefined, max = 3): string {
  if (!list || list.length === 0) return '';
  const shown = list.slice(0, max).map((e) => `${e.count} × ${e.text}`);
  return list.length > max ? `${shown.join('; ')}; and ${list.length - max} more texts` : shown.join('; ');
}
