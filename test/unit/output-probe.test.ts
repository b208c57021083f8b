/**
 * The output preflight (reporting/output-probe.ts) on a real file system: folders made by a bounded walk, a file
 * where a folder should be, /proc (where Node's recursive mkdir spins forever), probes that leave nothing behind,
 * and a probe that never answers (a FIFO without a reader) cut off by the time bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDir, OutputPathError, probeFile, probeFolder, probeOutputs, probeRunOutputs } from '../../src/reporting/output-probe.js';

/** A scratch folder for one test, removed afterwards. */
async function inScratch(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-probe-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ensureDir makes every missing folder of a deep path, and again is a no-op', { timeout: 5000 }, () => inScratch(async (dir) => {
  const deep = path.join(dir, 'a', 'b', 'c', 'd');
  await ensureDir(deep);
  assert.ok(existsSync(deep));
  await ensureDir(deep);
  await ensureDir(`${deep}/`);
}));

test('a file where a folder should be is named, whichever ancestor it is', { timeout: 5000 }, () => inScratch(async (dir) => {
  writeFileSync(path.join(dir, 'README.md'), 'not a folder\n');
  const err = await ensureDir(path.join(dir, 'README.md', 'sub', 'deeper')).catch((e: unknown) => e);
  assert.ok(err instanceof OutputPathError, String(err));
  assert.equal(err.path, path.join(dir, 'README.md'));
  assert.match(err.message, /README\.md is a file, not a folder/);
  const [problem] = await probeOutputs([{ path: path.join(dir, 'README.md', 'sub'), kind: 'folder', flag: '--out' }]);
  assert.equal(problem.field, '--out');
  assert.match(problem.message, /README\.md\/sub": .*README\.md is a file, not a folder/);
  assert.match(problem.hint ?? '', /--out reports/);
}));

test('/proc refuses new folders: a problem within a second, not a spinning mkdir', { timeout: 5000 }, async () => {
  assert.ok(existsSync('/proc/self'), 'this test needs Linux /proc');
  const started = Date.now();
  const problems = await probeRunOutputs({ outDir: '/proc/nope', junitPath: '/proc/nope/j.xml' });
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  assert.deepEqual(problems.map((p) => p.field), ['--out', '--junit']);
  assert.match(problems[0].message, /^"\/proc\/nope" cannot be created as a folder \(ENOENT/);
  assert.match(problems[1].message, /^"\/proc\/nope\/j\.xml": \/proc\/nope cannot be created as a folder/);
});

test('probes write for real and leave nothing behind; an existing file keeps its content', { timeout: 5000 }, () => inScratch(async (dir) => {
  await probeFolder(path.join(dir, 'out'));
  assert.deepEqual(readdirSync(path.join(dir, 'out')), [], 'the probe file is removed');
  await probeFile(path.join(dir, 'ci', 'junit.xml'));
  assert.ok(existsSync(path.join(dir, 'ci')), 'the missing folder of a file is created');
  assert.deepEqual(readdirSync(path.join(dir, 'ci')), [], 'a new file probed is removed again');
  const summary = path.join(dir, 'summary.md');
  writeFileSync(summary, '## earlier step\n');
  await probeFile(summary);
  assert.equal(readFileSync(summary, 'utf8'), '## earlier step\n', 'a step summary is appended to, never truncated');
  mkdirSync(path.join(dir, 'a-folder'));
  const [problem] = await probeOutputs([{ path: path.join(dir, 'a-folder'), kind: 'file', flag: '--junit' }]);
  assert.match(problem.message, /a-folder" is a folder, not a file/);
  assert.match(problem.hint ?? '', /give --junit a file/);
  assert.deepEqual(await probeRunOutputs({ outDir: path.join(dir, 'out'), junitPath: path.join(dir, 'ci', 'junit.xml'), stepSummary: summary }), []);
}));

test('a probe that never answers is cut off by the time bound and named', { timeout: 5000 }, () => inScratch(async (dir) => {
  // Opening a FIFO for writing blocks until a reader comes: the stand-in for a stalled network file system.
  const fifo = path.join(dir, 'summary.fifo');
  execFileSync('mkfifo', [fifo]);
  const started = Date.now();
  const problems = await probeOutputs([
    { path: fifo, kind: 'file', flag: '$GITHUB_STEP_SUMMARY' },
    { path: path.join(dir, 'out'), kind: 'folder', flag: '--out' },
  ], 300);
  try {
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0].field, '$GITHUB_STEP_SUMMARY');
    assert.match(problems[0].message, /no answer within 0\.3 s/);
  } finally {
    // A reader releases the blocked open, so nothing of the probe outlives the test.
    closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
  }
}));
