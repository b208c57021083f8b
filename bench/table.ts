/**
 * What the benchmark prints: each figure as soon as it is measured (one line), then at the end ONE table with the
 * native path, ioredis, the plain-socket references and redis-benchmark side by side, the ratios the aims of issue 9
 * name, and notes (verdicts, skipped parts). It reports; it never fails a run on a timing.
 */

/** The columns of the closing table. */
export type Column = 'native' | 'ioredis' | 'plain' | 'redisBenchmark';
const COLUMNS: Array<[Column, string]> = [
  ['native', 'native'],
  ['ioredis', 'ioredis'],
  ['plain', 'plain node:net'],
  ['redisBenchmark', 'redis-benchmark'],
];

interface Row {
  group: string;
  workload: string;
  cells: Partial<Record<Column, string>>;
}

/** A ratio an aim names: `value` null when one side was not measured. */
interface Ratio {
  name: string;
  value: number | null;
  /** How the value is printed (×, or a ratio of sizes). */
  text: string;
  aim: string;
  /** True / false when the aim can be judged from the value; null for a figure without an aim. */
  met: boolean | null;
}

const rows: Row[] = [];
const ratios: Ratio[] = [];
const notes: string[] = [];

/** Prints one measured figure now and files it in the closing table under (group, workload), column `column`. */
export function record(group: string, workload: string, column: Column, cell: string, detail = ''): void {
  let row = rows.find((r) => r.group === group && r.workload === workload);
  if (!row) {
    row = { group, workload, cells: {} };
    rows.push(row);
  }
  row.cells[column] = cell;
  const label = COLUMNS.find(([c]) => c === column)![1];
  console.log(`  ${`${workload} — ${label}`.padEnd(64)} ${cell}${detail ? `  (${detail})` : ''}`);
}

/** A plain-words note printed under the table (and now). */
export function note(text: string): void {
  notes.push(text);
  console.log(`  note: ${text}`);
}

/**
 * A ratio an aim names, e.g. native / redis-benchmark. `aim` is a predicate on the value with its words
 * (`['≥ 0.5', (r) => r >= 0.5]`), or null for a figure printed for context only.
 */
export function ratio(name: string, top: number | null | undefined, bottom: number | null | undefined, aim: [string, (r: number) => boolean] | null): void {
  const value = top != null && bottom != null && Number.isFinite(top) && Number.isFinite(bottom) && bottom > 0 ? top / bottom : null;
  ratios.push({ name, value, text: value === null ? 'not measured' : value.toFixed(2), aim: aim ? aim[0] : '', met: value === null || !aim ? null : aim[1](value) });
  console.log(`  ratio ${name}: ${value === null ? 'not measured' : value.toFixed(2)}${aim ? `  (aim ${aim[0]})` : ''}`);
}

/** A yes/no aim that is not a ratio (rate held, lost 0, …). */
export function check(name: string, text: string, aim: string, met: boolean | null): void {
  ratios.push({ name, value: null, text, aim, met });
  console.log(`  check ${name}: ${text}  (aim ${aim})`);
}

/** Prints the group heading of the live output. */
export function heading(title: string): void {
  console.log(`\n${title}`);
}

/** The closing table, the aims and the notes. */
export function printSummary(groupTitles: Record<string, string>): void {
  if (rows.length === 0 && ratios.length === 0 && notes.length === 0) return;
  const used = COLUMNS.filter(([c]) => rows.some((r) => r.cells[c] !== undefined));
  if (used.length === 0) used.push(COLUMNS[0]);
  const head = ['workload', ...used.map(([, label]) => label)];
  const body: string[][] = [];
  let lastGroup = '';
  for (const r of rows) {
    if (r.group !== lastGroup) {
      body.push([groupTitles[r.group] ?? r.group, ...used.map(() => '')]);
      lastGroup = r.group;
    }
    body.push([`  ${r.workload}`, ...used.map(([c]) => r.cells[c] ?? '–')]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ').trimEnd();
  console.log('\n═══ Results: one run, one machine, figures measured side by side ═══\n');
  console.log(line(head));
  console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
  for (const b of body) console.log(line(b));
  if (ratios.length > 0) {
    console.log('\nAims (issue 9)');
    const w = Math.max(...ratios.map((r) => r.name.length));
    for (const r of ratios) {
      const verdict = r.met === null ? '' : r.met ? ': met' : ': NOT met';
      const value = r.value === null ? r.text : r.text.padStart(6);
      console.log(`  ${r.name.padEnd(w)}  ${value}${r.aim ? `   (aim ${r.aim}${verdict})` : ''}`);
    }
  }
  if (notes.length > 0) {
    console.log('\nNotes');
    for (const n of notes) console.log(`  - ${n}`);
  }
}
