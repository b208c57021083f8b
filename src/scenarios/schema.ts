/**
 * The JSON Schema of scenario files, generated from the field table the validator reads (fields.ts) — never written
 * by hand. Draft-07: VS Code's JSON support and yaml-language-server (the YAML extension) both implement draft-07
 * fully, while yaml-language-server does not validate with 2019-09 / 2020-12 keywords yet; nothing here needs a newer
 * draft. The schema checks keys, types, words, ranges and forms; the validator still has the last word on rules
 * across fields (a subscriber's channelsEach ≤ channels.count, unique channel names, stages not with rate 'max').
 * `pubsub-bench scenarios --schema` prints it; schema/scenario.schema.json is the same text (a test keeps it so).
 */
import { DURATION_TEXT_PATTERN, DURATION_UNITS, formatDurationMs } from './duration.js';
import { SCENARIO, STAGE_OBJECT, type DurationField, type Field, type ObjectField } from './fields.js';
import { MAX_STAGES, PROFILE_PATTERN } from './stages.js';

/** A JSON Schema object (draft-07). */
export type JsonSchema = { [keyword: string]: unknown };

/** The draft this schema follows. */
export const SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** Where the package ships the schema, relative to its root. */
export const SCHEMA_FILE = 'schema/scenario.schema.json';

/** Long patterns, written once and referenced. */
const DEFINITIONS = {
  durationText: { type: 'string', pattern: `^${DURATION_TEXT_PATTERN}$` },
  profileText: { type: 'string', pattern: PROFILE_PATTERN },
};

const DURATION_FORMS = `A string such as '500ms', '10s', '1.5m', '2h' (units ${DURATION_UNITS.join(', ')}) or a number of milliseconds`;

/** The whole schema of a scenario file. */
export function scenarioSchema(): JsonSchema {
  return { $schema: SCHEMA_DRAFT, title: 'pubsub-bench scenario', ...fieldSchema(SCENARIO), definitions: DEFINITIONS };
}

/** The schema as `scenarios --schema` prints it and schema/scenario.schema.json holds it. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioSchema(), null, 2)}\n`;
}

/** One field of the table → its schema. */
export function fieldSchema(field: Field): JsonSchema {
  const about = annotations(field);
  switch (field.type) {
    case 'integer':
    case 'number': {
      const bound = field.type === 'number' && field.minExclusive ? { exclusiveMinimum: field.min } : { minimum: field.min };
      const numeric = { type: field.type, ...bound, maximum: field.max };
      return field.words ? { ...about, anyOf: [numeric, { type: 'string', enum: field.words }] } : { ...about, ...numeric };
    }
    case 'string':
      return { ...about, type: 'string', minLength: 1, maxLength: field.maxChars, ...(field.pattern ? { pattern: field.pattern } : {}) };
    case 'boolean':
      return { ...about, type: 'boolean' };
    case 'enum': {
      const words = Object.keys(field.values);
      const meanings = words.map((w) => `'${w}': ${field.values[w]}`).join('; ');
      // enumDescriptions: VS Code's and yaml-language-server's extension keyword, shown beside each completion.
      return { ...about, description: `${field.description} ${meanings}.`, type: 'string', enum: words, enumDescriptions: Object.values(field.values) };
    }
    case 'duration':
      return { ...about, description: `${field.description} ${DURATION_FORMS}; ${range(field)}.`, anyOf: [ref('durationText'), millis(field.minMs, field.maxMs)] };
    case 'millis':
      return { ...about, type: 'number', ...(field.minExclusive ? { exclusiveMinimum: field.minMs } : { minimum: field.minMs }), maximum: field.maxMs };
    case 'object':
      return objectSchema(field, about);
    case 'list':
      return { ...about, type: 'array', maxItems: field.maxItems, ...(field.unique ? { uniqueItems: true } : {}), items: fieldSchema(field.items) };
    case 'stages': {
      const item = { anyOf: [ref('profileText'), fieldSchema(STAGE_OBJECT)] };
      return { ...about, anyOf: [ref('profileText'), { type: 'array', minItems: 1, maxItems: MAX_STAGES, items: item }] };
    }
    case 'thresholds': {
      const expression = { type: 'string', minLength: 1, pattern: '\\S' };
      return { ...about, anyOf: [expression, { type: 'array', items: expression }] };
    }
  }
}

/** An object with exactly its keys; a duration key and its ms alias may not both be given. */
function objectSchema(field: ObjectField, about: JsonSchema): JsonSchema {
  const properties = Object.fromEntries(Object.entries(field.fields).map(([key, f]) => [key, fieldSchema(f)]));
  const pairs = Object.entries(field.fields).filter((e): e is [string, DurationField] => e[1].type === 'duration');
  const dependencies = Object.fromEntries(pairs.map(([key, f]) => [f.alias, { not: { required: [key] } }]));
  return {
    ...about,
    type: 'object',
    properties,
    additionalProperties: false,
    ...(field.required ? { required: field.required } : {}),
    ...(pairs.length > 0 ? { dependencies } : {}),
  };
}

function annotations(field: Field): JsonSchema {
  return {
    description: field.description,
    ...(field.default !== undefined ? { default: field.default } : {}),
    ...(field.examples ? { examples: field.examples } : {}),
  };
}

function ref(name: keyof typeof DEFINITIONS): JsonSchema {
  return { $ref: `#/definitions/${name}` };
}

function millis(minMs: number, maxMs: number): JsonSchema {
  return { type: 'number', minimum: minMs, maximum: maxMs };
}

function range(field: DurationField): string {
  return `from ${formatDurationMs(field.minMs)} to ${formatDurationMs(field.maxMs)}`;
}
