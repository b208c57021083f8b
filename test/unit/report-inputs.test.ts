/**
 * What `report` and `compare` accept besides a result.json: the run folder the summary prints, and a capacity
 * search's capacity.json (or its folder), rebuilt as the capacity report; and writes after a run that fail without
 * losing it (result.json saved to the temp folder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CapacityReport, RunResult } from '../../src/core/index.js';
import { RESULT_SCHEMA_VERSION } from '../../src/core/index.js';
import { writeCapacityOutputs, writeRunOutputs } from '../../src/reporting/write.js';
import { captureIo } from '../helpers/cli-io.js';
import { fixturePath } from '../helpers/fixtures.js';

/** Two run folders as `run` leaves them (result.json inside), in a scratch folder removed afterwards. */
async function withRunFolders(fn: (root: string, a: string, b: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'pb-inputs-'));
  try {
    const [a, b] = ['2026-01-01T00-00-00-000Z-await', '2026-01-01T00-01-00-000Z-pipeline'].map((n) => path.join(root, n));
    for (const [dir, fixture] of [[a, 'await.json'], [b, 'pipeline.json']]) {
      mkdirSync(dir);
      copyFileSync(fixturePath(fixture), path.join(dir, 'result.json'));
    }
    await fn(root, a, b);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A capacity.json as `capacity` writes it: one search, two steps. */
function capacityReport(): CapacityReport {
  const scenario = (JSON.parse(readFileSync(fixturePath('await.json'), 'utf8')) as RunResult).scenario;
  const step = (index: number, offeredRate: number, held: boolean) => ({
    index, phase: 'up' as const, offeredRate, achievedRate: offeredRate, deliveryRate: offeredRate * 4, e2eP50Us: 200, e2eP99Us: held ? 900 : 25_000,
    held, harnessBottleneck: false, reasons: held ? [] : ['e2e.p99 < 10ms: measured 25 ms'], outcomes: [],
  });
  return {
    schemaVersion: RESULT_SCHEMA_VERSION, startedAt: '2026-01-01T00:00:00.000Z', slo: ['e2e.p99 < 10ms'],
    settings: { startRate: 1000, maxRate: 100_000, resolution: 0.05, minAchievedShare: 0.95, stepDurationMs: 10_000, stepWarmupMs: 3000 },
    target: null,
    rows: [{ label: 'fan-in', scenario, result: { kneeRate: 1000, failedRate: 2000, limitedBy: 'target', conclusion: 'Redis held 1k/s.', steps: [step(0, 1000, true), step(1, 2000, false)] } }],
  };
}

test('report <run folder> rebuilds report.html like report <folder>/result.json', { timeout: 20_000 }, () => withRunFolders(async (_root, a) => {
  const cap = captureIo();
  assert.equal(await main(['report', a], cap.io), 0, cap.stderr());
  assert.equal(cap.stdout(), `wrote ${path.join(a, 'report.html')}\n`);
  assert.match(readFileSync(path.join(a, 'report.html'), 'utf8'), /<html/);
}));

test('compare <folder A> <folder B> reads the result.json in each, labelled by what differs in their scenarios', { timeout: 20_000 }, () => withRunFolders(async (root, a, b) => {
  const cap = captureIo();
  const out = path.join(root, 'cmp.html');
  assert.equal(await main(['compare', a, b, '--out', out], cap.io), 0, cap.stderr());
  assert.match(cap.stdout(), /publish-mode=pipeline/);
  assert.doesNotMatch(cap.stdout(), /2026-01-01T00-01-00-000Z-pipeline/, 'not the 30-character run id');
  assert.ok(existsSync(out));
}));

test('a folder without a result names the run folders in it; a capacity.json is not one run', { timeout: 20_000 }, () => withRunFolders(async (root, a) => {
  const cap = captureIo();
  assert.equal(await main(['report', root], cap.io), 2);
  assert.match(cap.stderr(), /is a folder without result\.json or capacity\.json/);
  assert.match(cap.stderr(), new RegExp(`hint: pass one of the run folders in it, e\\.g\\. ${a}`));
  writeFileSync(path.join(root, 'capacity.json'), JSON.stringify(capacityReport()));
  const cmp = captureIo();
  assert.equal(await main(['compare', path.join(root, 'capacity.json'), a, '--out', path.join(root, 'c.html')], cmp.io), 2);
  assert.match(cmp.stderr(), /is a capacity search \(capacity\.json\), not one run/);
  assert.doesNotMatch(cmp.stderr(), /must be a string/, 'no list of schema errors');
}));

test('report capacity.json (or its folder) rebuilds capacity.html and capacity.txt', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-capacity-'));
  try {
    writeFileSync(path.join(dir, 'capacity.json'), JSON.stringify(capacityReport()));
    const cap = captureIo();
    assert.equal(await main(['report', path.join(dir, 'capacity.json')], cap.io), 0, cap.stderr());
    assert.equal(cap.stdout(), `wrote ${path.join(dir, 'capacity.txt')}\nwrote ${path.join(dir, 'capacity.html')}\n`);
    assert.match(readFileSync(path.join(dir, 'capacity.txt'), 'utf8'), /fan-in\s+1k\/s\s+2k\/s/);
    assert.match(readFileSync(path.join(dir, 'capacity.html'), 'utf8'), /Capacity search/);
    const other = captureIo();
    assert.equal(await main(['report', dir, '--out', path.join(dir, 'again.html')], other.io), 0, other.stderr());
    assert.ok(existsSync(path.join(dir, 'again.html')) && existsSync(path.join(dir, 'again.txt')));
    const broken = captureIo();
    writeFileSync(path.join(dir, 'capacity.json'), JSON.stringify({ ...capacityReport(), settings: {} }));
    assert.equal(await main(['report', dir], broken.io), 2);
    assert.match(broken.stderr(), /Not a pubsub-bench capacity\.json:\n.*settings\.startRate: must be a number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run folder that cannot be written keeps the run: result.json goes to the temp folder, named by run id', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-lost-'));
  const result = JSON.parse(readFileSync(fixturePath('await.json'), 'utf8')) as RunResult;
  const fallback = path.join(tmpdir(), `pubsub-bench-${result.runId.replace(/[^A-Za-z0-9._-]+/g, '_')}-result.json`);
  try {
    writeFileSync(path.join(dir, 'file'), '');
    const out = await writeRunOutputs(result, path.join(dir, 'file', result.runId));
    assert.equal(out.resultPath, fallback);
    assert.deepEqual(out.files, []);
    assert.deepEqual(out.failures.map((f) => f.what), ['run folder', 'result.json']);
    assert.equal(out.failures[1].savedTo, fallback);
    assert.deepEqual(JSON.parse(readFileSync(fallback, 'utf8')), result);
    const capacity = await writeCapacityOutputs(capacityReport(), path.join(dir, 'file'));
    assert.deepEqual(capacity.failures.map((f) => f.what), ['capacity.json', 'capacity.txt', 'capacity.html']);
    assert.ok(capacity.failures[0].savedTo && existsSync(capacity.failures[0].savedTo));
    rmSync(capacity.failures[0].savedTo, { force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(fallback, { force: true });
  }
});
