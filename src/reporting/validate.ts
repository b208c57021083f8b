/**
 * The shape check of a result.json read back (read-input.ts): the schema version and enough of the shape that the
 * renderers cannot crash on a wrong or corrupt file, said in terms a user can act on.
 */
import { RESULT_SCHEMA_VERSION, type Problem } from '../core/index.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields that must be numbers in `summary` (the result.json contract of issue 2 and what the reports show). */
const SUMMARY_NUMBERS = [
  'published', 'expectedDeliveries', 'delivered', 'lost', 'duplicates', 'reordered', 'gaps', 'gapMessages',
  'malformed', 'publishErrors', 'lateSends', 'disconnects', 'reconnects', 'publishRate', 'deliveryRate',
] as const;
const LATENCY_NUMBERS = ['p50', 'p90', 'p99', 'p999', 'max', 'mean', 'count'] as const;
const LATENCIES = ['endToEnd', 'endToEndUncorrected', 'publish'] as const;
const TIMELINE_NUMBERS = ['fromMs', 'toMs', 'publishedPerS', 'receivedPerS'] as const;

/** Every shape problem of a parsed result (empty when it is usable). `where` prefixes each field name. */
export function checkRunResult(data: unknown, where: string): Problem[] {
  const problems: Problem[] = [];
  const need = (field: string, message: string) => problems.push({ field: `${where}: ${field}`, message });
  if (!isObject(data)) {
    need('(top level)', 'is not a JSON object');
    return problems;
  }
  if (data.schemaVersion !== RESULT_SCHEMA_VERSION) {
    const newer = typeof data.schemaVersion === 'number' && data.schemaVersion > RESULT_SCHEMA_VERSION;
    problems.push({
      field: `${where}: schemaVersion`,
      message: `is ${JSON.stringify(data.schemaVersion)}, this pubsub-bench reads version ${RESULT_SCHEMA_VERSION}`,
      hint: newer ? 'it was written by a newer pubsub-bench; upgrade to read it' : 'pass a result.json written by pubsub-bench run',
    });
    return problems;
  }
  for (const key of ['runId', 'startedAt'] as const) if (typeof data[key] !== 'string') need(key, 'must be a string');
  for (const key of ['durationMs', 'measureMs'] as const) if (typeof data[key] !== 'number') need(key, 'must be a number');
  for (const key of ['versions', 'target', 'scenario', 'plan', 'ordering', 'health', 'histograms'] as const) {
    if (!isObject(data[key])) need(key, 'must be an object');
  }
  if (isObject(data.scenario) && typeof data.scenario.name !== 'string') need('scenario.name', 'must be a string');
  if (isObject(data.target) && !Array.isArray(data.target.urls)) need('target.urls', 'must be an array');
  if (isObject(data.histograms)) {
    for (const key of LATENCIES) if (typeof data.histograms[key] !== 'string') need(`histograms.${key}`, 'must be a string');
  }
  const summary = data.summary;
  if (!isObject(summary)) need('summary', 'must be an object');
  else {
    for (const key of SUMMARY_NUMBERS) if (typeof summary[key] !== 'number') need(`summary.${key}`, 'must be a number');
    const lat = summary.latencyUs;
    if (!isObject(lat)) need('summary.latencyUs', 'must be an object');
    else {
      for (const name of LATENCIES) {
        const l = lat[name];
        if (!isObject(l)) need(`summary.latencyUs.${name}`, 'must be an object');
        else for (const key of LATENCY_NUMBERS) {
          if (typeof l[key] !== 'number') need(`summary.latencyUs.${name}.${key}`, 'must be a number');
        }
      }
    }
  }
  if (!Array.isArray(data.timeline)) need('timeline', 'must be an array');
  else {
    const bad = data.timeline.findIndex((t) => !isObject(t) || TIMELINE_NUMBERS.some((k) => typeof t[k] !== 'number')
      || typeof t.e2eHistogram !== 'string');
    if (bad >= 0) need(`timeline[${bad}]`, `must hold numbers ${TIMELINE_NUMBERS.join(', ')} and an e2eHistogram string`);
  }
  for (const key of ['workers', 'warnings'] as const) if (!Array.isArray(data[key])) need(key, 'must be an array');
  return problems;
}
