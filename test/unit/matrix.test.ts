import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors.js';
import { effectiveKey, effectiveLabel, expandMatrix, parseMatrix } from '../../src/scenarios/matrix.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

test('axes expand to every combination, first axis slowest', () => {
  const variants = expandMatrix(parseMatrix(['publish-mode=await,pipeline', 'batch=10,100']));
  assert.deepEqual(variants.map((v) => v.label), [
    'publish-mode=await batch=10', 'publish-mode=await batch=100', 'publish-mode=pipeline batch=10', 'publish-mode=pipeline batch=100',
  ]);
  assert.deepEqual(variants[3].flags, { publishMode: 'pipeline', batch: '100' });
});

test('variants that differ only in settings their mode ignores share one key and drop them from the label', () => {
  const make = (mode: string, batch: number) => resolveScenario({ publishers: { mode, batch } }, 't');
  assert.equal(effectiveKey(make('await', 10)), effectiveKey(make('await', 100)));
  assert.notEqual(effectiveKey(make('pipeline', 10)), effectiveKey(make('pipeline', 100)));
  const [v] = expandMatrix(parseMatrix(['publish-mode=await', 'batch=10']));
  assert.equal(effectiveLabel(v, make('await', 10)), 'publish-mode=await');
});

test('bad matrix specs are all reported with a hint', () => {
  assert.throws(() => parseMatrix(['nokey', 'colour=red', 'batch=', 'rate=1,2', 'rate=3']), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    const text = err.problems.map((p) => `${p.field} ${p.message} ${p.hint}`).join('\n');
    assert.match(text, /cannot read "nokey"/);
    assert.match(text, /unknown key "colour".*publish-mode/s);
    assert.match(text, /rate is given twice/);
    assert.equal(err.problems.length, 4);
    return true;
  });
  const many = Array.from({ length: 5 }, (_, i) => i).join(',');
  assert.throws(() => parseMatrix([`batch=${many}`, `rate=${many}`, `publishers=${many}`]), /at most 64/);
});

test("batch matters for 'multi' as for 'pipeline': different keys, kept in the label", () => {
  const make = (mode: string, batch: number) => resolveScenario({ publishers: { mode, batch } }, 't');
  assert.notEqual(effectiveKey(make('multi', 10)), effectiveKey(make('multi', 100)));
  assert.notEqual(effectiveKey(make('multi', 10)), effectiveKey(make('pipeline', 10)), 'multi is not a pipeline');
  const [v] = expandMatrix(parseMatrix(['publish-mode=multi', 'batch=10']));
  assert.equal(effectiveLabel(v, make('multi', 10)), 'publish-mode=multi batch=10');
});

test('client is a matrix key: native and ioredis are two variants of one scenario', () => {
  const variants = expandMatrix(parseMatrix(['client=native,ioredis']));
  assert.deepEqual(variants.map((v) => v.flags), [{ client: 'native' }, { client: 'ioredis' }]);
  assert.deepEqual(variants.map((v) => v.label), ['client=native', 'client=ioredis']);
  const native = resolveScenario({ client: 'native' }, 't');
  const ioredis = resolveScenario({ client: 'ioredis' }, 't');
  assert.notEqual(effectiveKey(native), effectiveKey(ioredis));
  assert.equal(effectiveLabel(variants[1], ioredis), 'client=ioredis');
});
