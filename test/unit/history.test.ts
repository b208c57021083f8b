/**
 * Run history of an --out folder: index.json built from the run folders (and rebuilt when stale), index.html,
 * the latest pointer, and --keep pruning that never touches anything but pubsub-bench run folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunResult } from '../../src/core/index.js';
import { buildIndex, pruneRuns, readIndex, updateRunHistory, type HistoryIndex } from '../../src/reporting/history/index.js';
import { fixturePath } from '../helpers/fixtures.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;

/** A temp --out folder with three runs (oldest first: await, pipeline, trouble) and things that are not runs. */
function outFolder(): { dir: string; folders: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-history-'));
  const folders = (['await.json', 'pipeline.json', 'trouble.json'] as const).map((name, i) => {
    const result = { ...load(name), startedAt: `2026-02-0${i + 1}T10:00:00.000Z`, runId: `run-${i + 1}` };
    const folder = `2026-02-0${i + 1}-run-${i + 1}`;
    mkdirSync(path.join(dir, folder));
    writeFileSync(path.join(dir, folder, 'result.json'), JSON.stringify(result));
    return folder;
  });
  // Not runs: another tool's result.json, a folder without one, a broken one, a plain file.
  mkdirSync(path.join(dir, 'other-tool'));
  writeFileSync(path.join(dir, 'other-tool', 'result.json'), JSON.stringify({ runId: 'x', startedAt: '2020-01-01T00:00:00Z' }));
  mkdirSync(path.join(dir, 'notes'));
  writeFileSync(path.join(dir, 'notes', 'readme.txt'), 'keep me');
  mkdirSync(path.join(dir, 'broken'));
  writeFileSync(path.join(dir, 'broken', 'result.json'), '{ not json');
  writeFileSync(path.join(dir, 'compare.html'), '<p>mine</p>');
  return { dir, folders };
}

test('index.json lists every run folder newest first, with its figures and link, and nothing else', async () => {
  const { dir, folders } = outFolder();
  try {
    const index = await buildIndex(dir);
    assert.deepEqual(index.runs.map((r) => r.folder), [...folders].reverse());
    const trouble = index.runs[0];
    const src = load('trouble.json');
    assert.equal(trouble.runId, 'run-3');
    assert.equal(trouble.scenario, src.scenario.name);
    assert.ok(trouble.description.startsWith(`${src.scenario.name}: `), trouble.description);
    assert.equal(trouble.verdict, 'interrupted');
    assert.equal(trouble.lost, src.summary.lost);
    assert.equal(trouble.lostRatio, src.summary.lost / src.summary.expectedDeliveries);
    assert.equal(trouble.e2eP99Us, src.summary.latencyUs.endToEnd.p99);
    assert.equal(trouble.report, `${folders[2]}/report.html`);
    assert.equal(index.runs[2].verdict, 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('updateRunHistory writes index.json, index.html and the latest pointer', async () => {
  const { dir, folders } = outFolder();
  try {
    const { warnings } = await updateRunHistory(dir);
    assert.deepEqual(warnings, []);
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as HistoryIndex;
    assert.equal(index.runs.length, 3);
    const page = readFileSync(path.join(dir, 'index.html'), 'utf8');
    for (const chart of ['history-e2e-p99', 'history-delivery-rate', 'history-loss']) assert.ok(page.includes(`data-chart="${chart}"`), chart);
    for (const f of folders) assert.ok(page.includes(`href="${f}/report.html"`), f);
    assert.ok(page.indexOf(folders[2]) < page.lastIndexOf(folders[0]), 'newest row first');
    assert.ok(!page.includes('<script>alert'), 'a hostile scenario name is escaped');
    assert.equal(readFileSync(path.join(dir, 'latest.txt'), 'utf8'), `${folders[2]}\n`);
    if (process.platform !== 'win32') {
      assert.ok(lstatSync(path.join(dir, 'latest')).isSymbolicLink());
      assert.equal(readlinkSync(path.join(dir, 'latest')), folders[2]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale index (a folder deleted by hand, a broken index.json) is rebuilt from the folders', async () => {
  const { dir, folders } = outFolder();
  try {
    await updateRunHistory(dir);
    rmSync(path.join(dir, folders[2]), { recursive: true });
    await updateRunHistory(dir);
    assert.deepEqual((await readIndex(dir))?.runs.map((r) => r.folder), [folders[1], folders[0]]);
    assert.equal(readFileSync(path.join(dir, 'latest.txt'), 'utf8'), `${folders[1]}\n`);
    writeFileSync(path.join(dir, 'index.json'), '{ half written');
    await updateRunHistory(dir);
    assert.equal((await readIndex(dir))?.runs.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('index entries of folders still there are reused, not re-read', async () => {
  const { dir } = outFolder();
  try {
    await updateRunHistory(dir);
    const index = (await readIndex(dir))!;
    index.runs[1].scenario = 'from-the-index';
    writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
    assert.equal((await buildIndex(dir)).runs[1].scenario, 'from-the-index');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--keep deletes only the oldest pubsub-bench run folders, never anything else', async () => {
  const { dir, folders } = outFolder();
  try {
    const { pruned, warnings } = await updateRunHistory(dir, { keep: 1 });
    assert.deepEqual(warnings, []);
    assert.deepEqual(pruned.sort(), [folders[0], folders[1]].sort());
    assert.ok(existsSync(path.join(dir, folders[2], 'result.json')));
    for (const kept of ['other-tool/result.json', 'notes/readme.txt', 'broken/result.json', 'compare.html']) assert.ok(existsSync(path.join(dir, kept)), kept);
    assert.deepEqual((await readIndex(dir))?.runs.map((r) => r.folder), [folders[2]]);
    assert.deepEqual(await pruneRuns(dir, 5), [], 'fewer runs than keep: nothing deleted');
    await assert.rejects(pruneRuns(dir, 0), RangeError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a history that cannot be written is a warning, never an error', async () => {
  const missing = path.join(tmpdir(), `pb-history-missing-${process.pid}`, 'nested');
  const outcome = await updateRunHistory(missing, { keep: 2 });
  assert.equal(outcome.pruned.length, 0);
  assert.equal(outcome.warnings.length, 2);
  assert.match(outcome.warnings[1], /could not update the run history/);
});
