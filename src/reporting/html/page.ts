/**
 * Building blocks shared by the run report and the comparison report: the page shell, figures and tables.
 */
import type { VlSpec } from './charts.js';
import { REPORT_CSS } from './style.js';
import { Html, html, jsonForScript, trusted } from './escape.js';
import { renderSvg } from './svg.js';

/**
 * The page shell. The Content-Security-Policy forbids every fetch and every script: the report is one file that
 * must open offline, and a hostile string that slipped past escaping still could not run or phone home.
 */
export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="pubsub-bench">
<title>${title}</title>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.value;
}

/**
 * A chart as inline SVG plus its Vega-Lite spec as inert JSON (`<script type="application/json">` never runs;
 * jsonForScript keeps `</script>` in data from closing it), so the exact chart can be reopened in the Vega editor.
 */
export async function figure(name: string, spec: VlSpec, caption?: string): Promise<Html> {
  const svg = await renderSvg(spec);
  return html`<figure class="chart" data-chart="${name}">${trusted(svg)}${caption ? html`<figcaption>${caption}</figcaption>` : ''}
<script type="application/json" class="vl-spec" data-chart="${name}">${trusted(jsonForScript(spec))}</script></figure>
`;
}

/** A table cell: text (escaped), markup, or text with a class (`bad`, `text`). */
export type Cell = string | number | Html | { text: string | number; cls: string };

/** A table with a header row. */
export function table(head: Cell[], rows: Cell[][], cls = ''): Html {
  const cell = (c: Cell, tag: 'td' | 'th') => {
    if (typeof c === 'object' && !(c instanceof Html)) return html`<${trusted(tag)} class="${c.cls}">${c.text}</${trusted(tag)}>`;
    return html`<${trusted(tag)}>${c}</${trusted(tag)}>`;
  };
  return html`<table class="${cls}"><thead><tr>${head.map((h) => cell(h, 'th'))}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c) => cell(c, 'td'))}</tr>\n`)}</tbody></table>`;
}

/** A key/value table (metadata). */
export function metaTable(rows: Array<[string, Cell]>): Html {
  return html`<table class="meta"><tbody>${rows.map(([k, v]) => html`<tr><td>${k}</td><td>${typeof v === 'object' && !(v instanceof Html) ? v.text : v}</td></tr>\n`)}</tbody></table>`;
}

/** A headline figure. */
export function card(label: string, value: string, note = '', bad = false): Html {
  return html`<div class="card${bad ? ' bad' : ''}"><div class="label">${label}</div><div class="value">${value}</div>${note ? html`<div class="note">${note}</div>` : ''}</div>`;
}

/** A left-aligned (text) cell, for header and body cells of text columns. */
export function textCell(text: string | number): Cell {
  return { text, cls: 'text' };
}

/** Marks a numeric cell red when it is non-zero. */
export function badIfPositive(n: number, text: string): Cell {
  return n > 0 ? { text, cls: 'bad' } : text;
}
