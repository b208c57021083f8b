/**
 * Plain-text table layout for terminal outputs. Widths ignore ANSI colour codes, so coloured cells line up.
 */

/** Column alignment: text left, numbers right. */
export type Align = 'left' | 'right';

/** ANSI styles used by the terminal outputs (applied only when colour is on). */
export interface Styler {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const ANSI_PATTERN = /\x1b\[[0-9;]*m/g;

/** Returns a styler that wraps text in ANSI codes when `color` is true and leaves it untouched otherwise. */
export function makeStyler(color: boolean): Styler {
  const wrap = (code: number) => (s: string) => (color && s.length > 0 ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: wrap(1), dim: wrap(2), red: wrap(31), green: wrap(32), yellow: wrap(33) };
}

/**
 * Replaces control characters in text that came from users (scenario names, warnings) so a result file cannot
 * move the cursor or recolour the terminal.
 */
export function plainText(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, '?');
}

/** Visible width of a string: ANSI codes take no room. */
export function visibleWidth(s: string): number {
  return s.replace(ANSI_PATTERN, '').length;
}

function pad(s: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(s)));
  return align === 'right' ? fill + s : s + fill;
}

/**
 * Lays out rows as columns separated by two spaces, with an indent. `align[i]` applies to column i
 * (default: first column left, the others right). Trailing spaces are trimmed.
 */
export function renderTable(rows: string[][], align: Align[] = [], indent = '  '): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns; c++) widths.push(Math.max(0, ...rows.map((r) => visibleWidth(r[c] ?? ''))));
  return rows
    .map((row) => {
      const cells = row.map((cell, c) => pad(cell, widths[c], align[c] ?? (c === 0 ? 'left' : 'right')));
      return (indent + cells.join('  ')).replace(/\s+$/, '');
    })
    .join('\n');
}

/** A section heading line: "── Title ─────". */
export function heading(title: string, style: Styler, width = 72): string {
  const lead = `── ${title} `;
  return style.bold(lead + '─'.repeat(Math.max(3, width - lead.length)));
}
