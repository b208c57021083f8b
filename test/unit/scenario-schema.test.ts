/**
 * The JSON Schema of scenario files (src/scenarios/schema.ts) against the validator it is generated beside: both
 * read fields.ts, and these tests check that they agree — on every built-in, on known-good and known-bad files, on
 * the keys of every section — and that the shipped schema/scenario.schema.json is the current text. Ajv (a dev
 * dependency only) plays the editor.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { UsageError, type Problem } from '../../src/core/errors.js';
import { BUILTINS } from '../../src/scenarios/builtins/index.js';
import { loadScenarioInput } from '../../src/scenarios/load.js';
import { SCHEMA_DRAFT, SCHEMA_FILE, scenarioSchema, scenarioSchemaText, type JsonSchema } from '../../src/scenarios/schema.js';
import { checkStages } from '../../src/scenarios/stages.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import { captureIo } from '../helpers/cli-io.js';

/** The folder holding package.json, whether the test runs from test/, dist/test/ or a private build folder. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'src'))) {
    const up = path.dirname(dir);
    assert.notEqual(up, dir, 'no repository root above the test');
    dir = up;
  }
  return dir;
}

const schema = scenarioSchema();
// strict: an unknown keyword or a type mistake in the generated schema fails here rather than in an editor;
// enumDescriptions is the editors' extension keyword, declared as an annotation; strictRequired would refuse the
// `not: {required: [warmup]}` that keeps a duration and its ms alias apart.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
ajv.addKeyword('enumDescriptions');
const schemaAccepts = ajv.compile(schema);

function validatorProblems(input: unknown): Problem[] {
  try {
    resolveScenario(input, 'test.json');
    return [];
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${String(err)}`);
    return err.problems;
  }
}

function schemaErrors(input: unknown): string {
  return schemaAccepts(input) ? '' : ajv.errorsText(schemaAccepts.errors);
}

describe('scenario JSON Schema', () => {
  test('is draft-07, valid against its meta-schema, and closed at the top', () => {
    assert.equal(schema.$schema, SCHEMA_DRAFT);
    assert.ok(ajv.validateSchema(schema), ajv.errorsText(ajv.errors));
    assert.equal(schema.additionalProperties, false);
  });

  test(`${SCHEMA_FILE} is the generated text (regenerate: npm run schema)`, () => {
    const shipped = readFileSync(path.join(repoRoot(), SCHEMA_FILE), 'utf8');
    assert.ok(shipped === scenarioSchemaText(), `${SCHEMA_FILE} is stale: run \`npm run schema\` and commit it`);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.some((f) => SCHEMA_FILE.startsWith(f)), 'package.json files ships the schema');
  });

  test('`scenarios --schema` prints it as JSON', async () => {
    const c = captureIo();
    assert.equal(await main(['scenarios', '--schema'], c.io), 0);
    assert.deepEqual(JSON.parse(c.stdout()), schema);
    assert.equal(c.stderr(), '');
  });

  for (const b of BUILTINS) {
    test(`built-in ${b.name} validates against the schema, as JSON and as YAML with a $schema key`, async () => {
      const plain = JSON.parse(JSON.stringify(b.input)) as Record<string, unknown>;
      assert.equal(schemaErrors(plain), '');
      const dir = mkdtempSync(path.join(tmpdir(), 'pubsub-bench-schema-'));
      try {
        const ref = `./node_modules/pubsub-bench/${SCHEMA_FILE}`;
        const json = path.join(dir, `${b.name}.json`);
        writeFileSync(json, JSON.stringify({ $schema: ref, ...plain }, null, 2));
        const yaml = path.join(dir, `${b.name}.yaml`);
        writeFileSync(yaml, `# yaml-language-server: $schema=${ref}\n${stringify({ $schema: ref, ...plain })}`);
        for (const file of [json, yaml]) {
          const { input, source } = await loadScenarioInput(file);
          assert.equal(schemaErrors(input), '', file);
          const s = resolveScenario(input, source);
          assert.deepEqual(s, resolveScenario(structuredClone(b.input), `built-in ${b.name}`), 'the $schema key changes nothing');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('known-good files pass both', () => {
    const good: unknown[] = [
      {},
      { $schema: 'https://example.test/scenario.schema.json', name: 'a.b_c-1', client: 'ioredis' },
      { warmupMs: 0, durationMs: 100, drainTimeoutMs: 600_000, seed: 0xffffffff },
      { warmup: '500ms', duration: '1.5M', drainTimeout: 250, publishers: { rate: 'max', mode: 'multi', batch: 10 } },
      { stages: '30s:1000, ramp:1m:1000-5000,10S:0' },
      { stages: ['30s:1000', { durationMs: 500, fromRate: 0, toRate: 10 }] },
      { thresholds: 'e2e.p99 < 5ms' },
      { thresholds: ['e2e.p99 < 5ms', 'lost == 0'] },
      { channels: { count: 4, naming: 'room.{i}', sharded: true }, subscribers: [{ count: 2, channelsEach: 3 }, { count: 0 }] },
      { subscribers: [{ patterns: ['user.*', 'order.*'], channelsEach: 0 }], publishers: { count: 0 } },
    ];
    for (const input of good) {
      assert.deepEqual(validatorProblems(input), [], JSON.stringify(input));
      assert.equal(schemaErrors(input), '', JSON.stringify(input));
    }
  });

  test('known-bad files fail both', () => {
    const bad: Array<[unknown, string]> = [
      [[], '(scenario)'],
      [{ publisher: { count: 1 } }, 'publisher'],
      [{ channels: { cuont: 3 } }, 'channels.cuont'],
      [{ subscribers: [{ pattern: ['x'] }] }, 'subscribers[0].pattern'],
      [{ $schema: 5 }, '$schema'],
      [{ name: 'has space' }, 'name'],
      [{ client: 'redis' }, 'client'],
      [{ channels: { count: 0 } }, 'channels.count'],
      [{ channels: { sharded: 'yes' } }, 'channels.sharded'],
      [{ publishers: { count: '5' } }, 'publishers.count'],
      [{ publishers: { rate: 0 } }, 'publishers.rate'],
      [{ publishers: { rate: 'maxx' } }, 'publishers.rate'],
      [{ publishers: { messageBytes: 31 } }, 'publishers.messageBytes'],
      [{ publishers: { mode: 'pipe' } }, 'publishers.mode'],
      [{ publishers: { batch: 2.5 } }, 'publishers.batch'],
      [{ publishers: { channelsEach: 'some' } }, 'publishers.channelsEach'],
      [{ subscribers: { count: 1 } }, 'subscribers'],
      [{ subscribers: [{ count: -1 }] }, 'subscribers[0].count'],
      [{ subscribers: [{ patterns: ['a*', 'a*'] }] }, 'subscribers[0].patterns[1]'],
      [{ warmup: 'soon' }, 'warmup'],
      [{ duration: '10 days' }, 'duration'],
      [{ durationMs: '10s' }, 'durationMs'],
      [{ warmup: '1s', warmupMs: 1000 }, 'warmup'],
      [{ seed: -1 }, 'seed'],
      [{ stages: '30s:1000,' }, 'stages[1]'],
      [{ stages: 'ramp:30s:5' }, 'stages[0]'],
      [{ stages: [] }, 'stages'],
      [{ stages: [{ durationMs: 1000, fromRate: 1 }] }, 'stages[0].toRate'],
      [{ stages: [{ durationMs: 1000, fromRate: 1, toRate: 1, extra: 1 }] }, 'stages[0].extra'],
      [{ thresholds: [5] }, 'thresholds[0]'],
    ];
    for (const [input, field] of bad) {
      const problems = validatorProblems(input);
      assert.ok(problems.some((p) => p.field === field), `validator: no problem for ${field} in ${JSON.stringify(input)}: ${JSON.stringify(problems)}`);
      assert.notEqual(schemaErrors(input), '', `schema accepts ${JSON.stringify(input)}`);
    }
  });

  test('the validator and the schema accept the same keys in every section', () => {
    const props = (s: unknown): JsonSchema => (s as { properties: JsonSchema }).properties;
    const top = props(schema);
    const stagesList = (top.stages as { anyOf: Array<{ items?: { anyOf: unknown[] } }> }).anyOf[1].items!.anyOf[1];
    const sections: Array<{ keys: string[]; wrap: (o: Record<string, unknown>) => unknown; field: string }> = [
      { keys: Object.keys(top), wrap: (o) => o, field: '' },
      { keys: Object.keys(props(top.channels)), wrap: (o) => ({ channels: o }), field: 'channels.' },
      { keys: Object.keys(props(top.publishers)), wrap: (o) => ({ publishers: o }), field: 'publishers.' },
      { keys: Object.keys(props((top.subscribers as { items: unknown }).items)), wrap: (o) => ({ subscribers: [o] }), field: 'subscribers[0].' },
      { keys: Object.keys(props(stagesList)), wrap: (o) => ({ stages: [o] }), field: 'stages[0].' },
    ];
    for (const { keys, wrap, field } of sections) {
      // Every key the schema lists is known to the validator (whatever it thinks of the value)…
      for (const key of keys) {
        const unknown = validatorProblems(wrap({ [key]: null })).filter((p) => p.field === `${field}${key}` && p.message === 'unknown key');
        assert.deepEqual(unknown, [], `the validator does not know ${field}${key}`);
      }
      // …and a key it does not list is unknown to both, the validator naming exactly the schema's keys.
      const stranger = validatorProblems(wrap({ zzqqxx: 1 })).find((p) => p.field === `${field}zzqqxx`);
      assert.equal(stranger?.message, 'unknown key', `${field}zzqqxx`);
      const listed = /(?:allowed keys here|a stage object has):? (.*)$/.exec(stranger?.hint ?? '')?.[1]?.split(', ');
      assert.deepEqual(listed, keys, `the validator's keys in ${field || 'the top level'}`);
      assert.notEqual(schemaErrors(wrap({ zzqqxx: 1 })), '');
    }
  });

  test('load-profile strings: the schema pattern and the stage parser agree on the form', () => {
    const profile = new RegExp((schema.definitions as Record<string, { pattern: string }>).profileText.pattern);
    const texts = ['30s:1000', ' 30s : 1000 ', 'ramp:1m:0-5000', 'RAMP: 2m :10 - 20', '1.5m:.5,500:1', '100ms:1,2h:3,ramp:1sec:1-2',
      '', '30s', '30s:', ':1000', '30s:1k', 'ramp:30s:5', 'ramp:30s:1-2-3', '30x:5', 'ramp30s:1-2', '30s:1000,,10s:5', '30s:1000,'];
    for (const text of texts) {
      assert.equal(profile.test(text), checkStages(text, 'stages').stages !== undefined, JSON.stringify(text));
    }
  });
});
