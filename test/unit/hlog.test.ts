import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HistogramLogReader } from 'hdr-histogram-js';
import { UsageError, type RunResult } from '../../src/core/index.js';
import { buildHgrm, buildHlog, decodeHistogram } from '../../src/reporting/hdr.js';
import { readRunResult, writeRunOutputs } from '../../src/reporting/write.js';
import { fixturePath } from '../helpers/fixtures.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;

test('the .hlog reads back with HistogramLogReader: one histogram per recorded interval, equal counts', { timeout: 10_000 }, () => {
  const r = load('await.json');
  const log = buildHlog(r);
  assert.match(log, /^#\[Histogram log format version 1\.3\]\n/);
  assert.match(log, /\n#\[StartTime: \d+\.\d{3} \(seconds since epoch\), /);
  assert.match(log, /\n"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n/);
  const recorded = r.timeline.filter((t) => t.e2eHistogram !== '');
  assert.ok(recorded.length > 0 && recorded.length < r.timeline.length, 'fixture has empty and recorded intervals');
  const reader = new HistogramLogReader(log, 64);
  const baseMs = Date.parse(r.startedAt);
  const firstFromMs = r.timeline[0].fromMs;
  for (const entry of recorded) {
    const h = reader.nextIntervalHistogram();
    assert.ok(h, `interval ${entry.fromMs} present`);
    assert.equal(h.totalCount, decodeHistogram(entry.e2eHistogram)?.totalCount);
    assert.equal(h.startTimeStampMsec, baseMs + entry.fromMs - firstFromMs);
    assert.equal(h.endTimeStampMsec - h.startTimeStampMsec, entry.toMs - entry.fromMs);
  }
  assert.equal(reader.nextIntervalHistogram(), null, 'no extra intervals');
  // Interval_Max is in ms (values are µs).
  const firstLine = log.split('\n').find((l) => /^\s*\d/.test(l)) ?? '';
  assert.equal(Number(firstLine.split(',')[2]), Number((recorded[0].e2eMaxUs! / 1000).toFixed(3)));
});

test('.hgrm is the HdrHistogram percentile distribution in ms, ending with mean/max/count', { timeout: 10_000 }, () => {
  const r = load('await.json');
  const text = buildHgrm(r.histograms.endToEnd);
  const e2e = r.summary.latencyUs.endToEnd;
  assert.match(text, /^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)\n\n/);
  assert.match(text, new RegExp(`Total count\\s+=\\s+${e2e.count}\\]`));
  const rows = text.split('\n').filter((l) => /^\s+\d/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
  const median = rows.find((row) => row[1] >= 0.5);
  assert.ok(median);
  assert.ok(Math.abs(median[0] * 1000 - e2e.p50) <= e2e.p50 * 0.002, `${median[0]} ms ~ ${e2e.p50} µs`);
  assert.equal(buildHgrm(''), '       Value     Percentile TotalCount 1/(1-Percentile)\n\n');
});

test('writeRunOutputs writes result.json first and the exports; readRunResult reads it back', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-write-'));
  try {
    const r = load('trouble.json');
    const runDir = path.join(dir, 'nested', 'run-1');
    const out = await writeRunOutputs(r, runDir);
    assert.equal(out.resultPath, path.join(runDir, 'result.json'));
    assert.equal(out.files[0], out.resultPath);
    for (const name of ['report.html', 'e2e.hlog', 'e2e.hgrm', 'e2e-uncorrected.hgrm', 'publish.hgrm']) {
      assert.ok(out.files.includes(path.join(runDir, name)), name);
    }
    assert.deepEqual(await readRunResult(out.resultPath), r);
    assert.equal(readFileSync(out.resultPath, 'utf8'), JSON.stringify(r, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readRunResult rejects missing, corrupt, foreign-version and wrong-shape files with UsageError (exit 2)', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-read-'));
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const rejects = async (p: string, pattern: RegExp) => {
    await assert.rejects(readRunResult(p), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, pattern);
      return true;
    });
  };
  try {
    await rejects(path.join(dir, 'absent.json'), /file not found/);
    await rejects(file('cut.json', '{"schemaVersion": 1, "summ'), /is not valid JSON/);
    await rejects(file('v9.json', '{"schemaVersion": 9}'), /schemaVersion: is 9.*\n.*newer pubsub-bench/);
    const broken = load('await.json') as unknown as Record<string, any>;
    delete broken.summary.lost;
    broken.summary.latencyUs.publish.p99 = 'fast';
    broken.timeline = 'none';
    const err = await readRunResult(file('shape.json', JSON.stringify(broken))).catch((e: unknown) => e);
    assert.ok(err instanceof UsageError);
    // Every problem at once.
    assert.deepEqual(err.problems.map((p) => p.field.split(': ')[1]),
      ['summary.lost', 'summary.latencyUs.publish.p99', 'timeline']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
