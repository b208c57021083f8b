/**
 * Channel naming templates: `ChannelSpec.naming` → the list of channel names.
 *
 * Placeholders: `{i}` is the channel index; `{mod:a|b|c}` is the (i mod 3)-th word. `{{` and `}}` stand for literal
 * braces, so Redis Cluster hash tags can be written (`"room.{{{i}}}"` gives `room.{0}`, `room.{1}`, …).
 */
import type { ChannelSpec } from '../core/scenario.js';

/** One piece of a parsed template. */
type Part = { kind: 'text'; text: string } | { kind: 'index' } | { kind: 'mod'; words: string[] };

/** A parsed template, or the reason it cannot be parsed. */
export type ParsedNaming = { ok: true; parts: Part[] } | { ok: false; message: string };

/** Parses a naming template once, so expanding many names stays cheap. */
export function parseNaming(naming: string): ParsedNaming {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < naming.length) {
    const ch = naming[i];
    if ((ch === '{' || ch === '}') && naming[i + 1] === ch) {
      text += ch;
      i += 2;
      continue;
    }
    if (ch === '}') return { ok: false, message: `unmatched '}' at position ${i}` };
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    const close = naming.indexOf('}', i);
    if (close < 0) return { ok: false, message: `unclosed '{' at position ${i}` };
    const body = naming.slice(i + 1, close);
    if (text) parts.push({ kind: 'text', text });
    text = '';
    if (body === 'i') {
      parts.push({ kind: 'index' });
    } else if (body.startsWith('mod:')) {
      const words = body.slice(4).split('|');
      if (words.some((w) => w.length === 0)) {
        return { ok: false, message: `empty word in {${body}}` };
      }
      parts.push({ kind: 'mod', words });
    } else {
      return { ok: false, message: `unknown placeholder {${body}}` };
    }
    i = close + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return { ok: true, parts };
}

/** Expands parsed parts for channel index `i`. */
function expandParts(parts: Part[], i: number): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') out += part.text;
    else if (part.kind === 'index') out += String(i);
    else out += part.words[i % part.words.length];
  }
  return out;
}

/** Name of channel `i` under `naming`; throws on an invalid template (validation reports those first). */
export function expandChannelName(naming: string, i: number): string {
  const parsed = parseNaming(naming);
  if (!parsed.ok) throw new Error(`invalid channel naming template: ${parsed.message}`);
  return expandParts(parsed.parts, i);
}

/** All channel names of a channel spec, index = channel index. */
export function channelNames(spec: Pick<ChannelSpec, 'count' | 'naming'>): string[] {
  const parsed = parseNaming(spec.naming);
  if (!parsed.ok) throw new Error(`invalid channel naming template: ${parsed.message}`);
  const names = new Array<string>(spec.count);
  for (let i = 0; i < spec.count; i++) names[i] = expandParts(parsed.parts, i);
  return names;
}
