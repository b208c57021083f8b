/**
 * The capacity model's outputs: the prediction table (terminal and capacity.txt), the fitted costs, and the same as
 * HTML sections of capacity.html; the "predicted" cell beside a measured knee.
 */
import type { CapacityPrediction, CostModel, KneePrediction } from '../core/capacity-model.js';
import { coefficientRows } from '../metrics/capacity-model.js';
import { NONE, formatRate } from './format.js';
import { html, type Html } from './html/escape.js';
import { metaTable, table, textCell } from './html/page.js';
import { plainText, renderTable } from './table.js';

/** "12.3k/s ± 1.1k/s" (the 95% interval's half width; its bounds are asymmetric only where clipped at 0). */
export function formatPredictedRate(p: Pick<KneePrediction, 'rate' | 'low' | 'high'>): string {
  if (p.rate === null) return NONE;
  if (p.low === null || p.high === null) return `${formatRate(p.rate)} (no error bar)`;
  return `${formatRate(p.rate)} ± ${formatRate((p.high - p.low) / 2)}`;
}

/** Signed relative error of the predicted rate against the measured knee: "+12%". */
export function formatError(predicted: number | null, measured: number | null): string {
  if (predicted === null || measured === null || measured === 0) return NONE;
  const e = (predicted - measured) / measured;
  return `${e >= 0 ? '+' : ''}${(e * 100).toFixed(0)}%`;
}

const TERM_WORDS: Record<string, string> = {
  idle: 'idle (µs/s)', publish: 'per publish (µs)', delivery: 'per delivery (µs)', byte: 'per output byte (ns)', patternCheck: 'per pattern check (ns)',
};
/** ns for the tiny terms, so they read as numbers. */
const SCALE: Record<string, number> = { idle: 1, publish: 1, delivery: 1, byte: 1000, patternCheck: 1000 };

const num = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

/** The coefficient rows: term, value, ± standard error, or how it was left out. */
function costRows(model: CostModel): string[][] {
  return coefficientRows(model).map((r) => {
    const k = SCALE[r.term];
    const value = r.fitted ? num(r.value * k) : model.folded.includes(r.term) ? 'in the others' : '0 (not in the data)';
    return [TERM_WORDS[r.term], value, r.se === null ? '' : `± ${num(r.se * k)}`];
  });
}

/** One line describing the fit: points, R², residual. */
export function fitLine(model: CostModel): string {
  const r2 = model.r2 === null ? '' : `, R² ${model.r2.toFixed(3)}`;
  const sd = model.relativeResidualSd === null ? ', no degrees of freedom left (no error bars)' : `, points scatter ±${(model.relativeResidualSd * 100).toFixed(1)}% about it`;
  const trip = model.roundTrip ? ` Awaited PUBLISH round trip beyond the server's CPU: ${num(model.roundTrip.us)} ± ${num(model.roundTrip.seUs)} µs (${model.roundTrip.points} points).` : '';
  return `Fitted from ${model.fittedFrom} (${model.points.length} points, publish mode ${model.publishModes.join(', ')}${r2}${sd}; worst point off by ${(model.maxRelativeResidual * 100).toFixed(0)}%).${trip}`;
}

function shapeLine(p: CapacityPrediction): string {
  const s = p.shape;
  return `${s.name}: ${s.publishers} publishers (${s.publishMode}), ${s.subscribers} subscribers, ${s.channels} channels, ${s.messageBytes} B messages, `
    + `${s.patterns} patterns → ${num(s.deliveriesPerPublish)} deliveries and ${num(s.outputBytesPerPublish)} output bytes per publish`;
}

/** "server CPU", or "round trips (server CPU: 12k/s)" when awaited publishers stop first. */
export function limitWords(k: KneePrediction): string {
  if (k.limit === 'round-trip') return `await round trips (server CPU: ${formatRate(k.serverCpuRate ?? null)})`;
  return k.limit === 'server-cpu' ? 'server CPU' : NONE;
}

/** The prediction as plain text (terminal, capacity.txt). */
export function formatPrediction(p: CapacityPrediction): string {
  const rows = [['where', 'predicted saturation', 'set by', 'CPU per message', 'budget', 'note']];
  for (const k of p.predictions) {
    rows.push([k.label, formatPredictedRate(k), limitWords(k), k.rate === null && k.costPerMessageUs === 0 ? NONE : `${num(k.costPerMessageUs)} µs`, `${(k.budgetUsPerS / 1e6).toFixed(2)} core`, plainText(k.note ?? '')]);
  }
  return [
    `Capacity model: ${plainText(shapeLine(p))}`,
    renderTable(rows, ['left', 'right', 'left', 'right', 'right', 'left']),
    `  Budget: 1e6 µs/s per core less ${(p.headroom * 100).toFixed(0)}% headroom; ± is the 95% interval from the fit.`,
    '',
    'Server cost per unit',
    renderTable(costRows(p.model), ['left', 'right', 'left']),
    `  ${plainText(fitLine(p.model))}`,
    ...p.notes.map((n) => `  note: ${plainText(n)}`),
  ].join('\n');
}

/** capacity.html: the prediction, the costs and the data they came from. */
export function predictionHtml(p: CapacityPrediction): Html {
  return html`<h2>Predicted capacity</h2>
${metaTable([['shape', shapeLine(p)], ['budget', `1e6 µs/s per core less ${(p.headroom * 100).toFixed(0)}% headroom`], ['fit', fitLine(p.model)]])}
${table([textCell('where'), 'predicted saturation', textCell('set by'), 'CPU per message (µs)', 'budget (µs/s)', textCell('note')],
    p.predictions.map((k) => [textCell(k.label), formatPredictedRate(k), textCell(limitWords(k)), num(k.costPerMessageUs), num(k.budgetUsPerS), textCell(k.note ?? '')]))}
<h3>Server cost per unit</h3>
${table([textCell('term'), 'value', textCell('± standard error')], costRows(p.model).map((r) => [textCell(r[0]), r[1], textCell(r[2])]))}
${p.notes.length > 0 ? html`<ul>${p.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
<h3>Data</h3>
${table([textCell('source'), textCell('mode'), 'CPU (µs/s)', 'publishes/s', 'deliveries/s', 'output bytes/s', 'pattern checks/s'],
    p.model.points.map((x) => [textCell(x.source), textCell(x.publishMode), num(x.cpuUsPerS), num(x.publishesPerS), num(x.deliveriesPerS), num(x.outputBytesPerS), num(x.patternChecksPerS)]))}`;
}
