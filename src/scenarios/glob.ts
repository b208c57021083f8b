/**
 * Glob matching with the exact semantics Redis uses for PSUBSCRIBE (util.c `stringmatchlen`), so the fleet plan
 * predicts which channels a pattern subscriber receives exactly as the server decides it.
 *
 * Rules (all on UTF-8 bytes, as Redis compares bytes, not characters):
 * - `*` matches any run of bytes, even none (`user.*` matches `user.`); but, as in Redis, no pattern matches the
 *   empty name (not even `*`).
 * - `?` matches exactly one byte.
 * - `[abc]` one of the listed bytes, `[^abc]` any other byte, `[a-z]` a range (reversed ranges `[z-a]` are swapped;
 *   bytes compare as signed C chars, so non-ASCII bytes sort below ASCII),
 *   `\x` inside a class is the literal `x`. A class left open at the end of the pattern ends there; `[]` matches nothing
 *   and `[^]` any byte (the `]` right after `[` closes the class).
 * - `\x` outside a class is the literal `x`; a lone trailing `\` is a literal backslash.
 * - Anything else matches itself.
 */

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const CARET = 0x5e; // ^
const DASH = 0x2d; // -
const BACKSLASH = 0x5c; // \

/** Redis gives up (no match) beyond this many nested `*` expansions, to survive abusive patterns; so do we. */
const MAX_NESTING = 1000;

/** True when `name` matches the Redis glob `pattern` (as PSUBSCRIBE would deliver a message on `name`). */
export function globMatch(pattern: string, name: string): boolean {
  const state = { giveUp: false };
  return matchFrom(Buffer.from(pattern, 'utf8'), 0, Buffer.from(name, 'utf8'), 0, state, 0);
}

/**
 * Matches pattern bytes p[pi..] against name bytes s[si..].
 * `state.giveUp` is set once a `*` has tried every suffix of the name without success: then an outer `*` trying a
 * shorter suffix cannot succeed either (the same argument Redis uses to stay linear on patterns like `*a*a*a*b`).
 */
function matchFrom(p: Buffer, pi: number, s: Buffer, si: number, state: { giveUp: boolean }, depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === STAR) {
      while (p[pi + 1] === STAR) pi++; // a run of stars is one star
      if (pi === p.length - 1) return true; // a trailing star takes the rest
      for (; si < s.length; si++) {
        if (matchFrom(p, pi + 1, s, si, state, depth + 1)) return true;
        if (state.giveUp) return false;
      }
      state.giveUp = true;
      return false;
    }
    if (c === QUESTION) {
      si++;
    } else if (c === OPEN) {
      const r = matchClass(p, pi + 1, s[si]);
      if (!r.matched) return false;
      pi = r.end;
      si++;
    } else {
      // `\x` means literal x, but a backslash that is the last pattern byte is itself a literal.
      if (c === BACKSLASH && pi + 1 < p.length) pi++;
      if (p[pi] !== s[si]) return false;
      si++;
    }
    pi++;
    if (si === s.length) {
      // The name is used up: only stars may remain in the pattern.
      while (p[pi] === STAR) pi++;
      break;
    }
  }
  return pi === p.length && si === s.length;
}

/**
 * Matches one byte against the class whose body starts at p[start] (just after `[`).
 * Returns whether it matched and the index of the class's last pattern byte (its `]`, or the end of the pattern).
 */
function matchClass(p: Buffer, start: number, byte: number): { matched: boolean; end: number } {
  let i = start;
  const negated = p[i] === CARET;
  if (negated) i++;
  let matched = false;
  for (;;) {
    if (i >= p.length) {
      // Unterminated class: it ends with the pattern.
      i = p.length - 1;
      break;
    }
    const c = p[i];
    if (c === BACKSLASH && i + 1 < p.length) {
      i++;
      if (p[i] === byte) matched = true;
    } else if (c === CLOSE) {
      break;
    } else if (p[i + 1] === DASH && i + 2 < p.length) {
      // A range; note Redis takes the byte after '-' as the upper bound even when it is ']' (so `[a-]` is a range).
      // Redis compares C `char`s, which are signed on the platforms it runs on: bytes ≥ 0x80 sort below ASCII.
      const a = signed(c);
      const b = signed(p[i + 2]);
      const x = signed(byte);
      if (x >= Math.min(a, b) && x <= Math.max(a, b)) matched = true;
      i += 2;
    } else if (c === byte) {
      matched = true;
    }
    i++;
  }
  return { matched: negated ? !matched : matched, end: i };
}

function signed(byte: number): number {
  return byte > 127 ? byte - 256 : byte;
}
