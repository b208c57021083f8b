/** The reports' stylesheet, inlined (the page loads nothing). Sized for a laptop screen, prints on A4. */
export const REPORT_CSS = `
:root { --ok: #1e7d32; --bad: #c62828; --warn: #b26a00; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1060px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 14px 0 4px; color: #333; }
.sub { color: var(--muted); margin: 0 0 12px; overflow-wrap: anywhere; }
.verdict { border-radius: 6px; padding: 10px 14px; margin: 12px 0; color: #fff; }
.verdict strong { font-size: 16px; }
.verdict ul { margin: 4px 0 0; padding-left: 20px; }
.verdict-ok { background: var(--ok); }
.verdict-errors, .verdict-no-data, .verdict-loss, .verdict-violations, .verdict-harness-bottleneck, .verdict-thresholds-failed, .verdict-regression { background: var(--bad); }
.verdict-interrupted, .verdict-partial { background: var(--warn); }
.verdict li.error, .warning.error { background: #fff; color: var(--bad); font-weight: 600; }
.verdict li.error { list-style: none; margin-left: -20px; padding: 1px 6px; border-radius: 3px; }
.warning.error { border-left-color: var(--bad); background: #ffebee; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(112px, 1fr)); gap: 8px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .note { color: var(--muted); font-size: 12px; }
.card.bad .value { color: var(--bad); }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
th { font-weight: 600; color: #444; background: #f4f4f4; }
td.bad, b.bad { color: var(--bad); font-weight: 600; }
td.nowrap { white-space: nowrap; }
td.better { color: var(--ok); font-weight: 600; }
.meta td { text-align: left; overflow-wrap: anywhere; }
.meta td:first-child { color: var(--muted); white-space: nowrap; }
figure { margin: 6px 0 12px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; }
.row { display: flex; flex-wrap: wrap; gap: 16px; }
.row > figure { flex: 1 1 440px; min-width: 0; }
.warning { border-left: 4px solid var(--warn); background: #fff8e1; padding: 6px 10px; margin: 6px 0; }
.bottleneck { border-left: 4px solid var(--bad); background: #ffebee; padding: 8px 12px; margin: 8px 0; }
.quiet { color: var(--muted); font-style: italic; }
pre { background: #f6f8fa; border: 1px solid #eee; padding: 8px; overflow: auto; max-height: 420px; font-size: 12px; }
details summary { cursor: pointer; color: #333; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
@media print { body { background: #fff; } main { max-width: none; } details { display: none; } }
`;
