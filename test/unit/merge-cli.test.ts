/**
 * `pubsub-bench merge` on files and folders (no Redis): the merged result.json reads back like a one-machine result
 * plus `segments`, the report has the segment sections, a failing threshold exits 99 with JUnit, bad sets exit 2;
 * `report` and `compare` refuse an unmerged segment with a hint to merge first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode, UsageError, type RunResult } from '../../src/core/index.js';
import { runMerge } from '../../src/cli/commands/merge.js';
import { runReport } from '../../src/cli/commands/report.js';
import { runCompare } from '../../src/cli/commands/compare.js';
import { checkRunResult } from '../../src/reporting/validate.js';
import { buildSegments } from '../helpers/fixtures-segments.js';
import { captureIo } from '../helpers/cli-io.js';

let dir = '';
let segDirs: string[] = [];

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pb-merge-'));
  segDirs = buildSegments().map((r, i) => {
    const d = path.join(dir, 'segments', `seg-${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'result.json'), JSON.stringify(r));
    return d;
  });
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function usageError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.exitCode, ExitCode.usage);
    return err.message;
  }
  assert.fail('expected exit 2');
}

test('a folder of segment folders merges into result.json and report.html', async () => {
  const out = path.join(dir, 'merged');
  const c = captureIo();
  const code = await runMerge({ files: [path.join(dir, 'segments')], out }, c.io);
  assert.equal(code, ExitCode.ok, c.stderr());
  assert.match(c.stdout(), /Merged 3 segments into/);
  assert.match(c.stdout(), /── Segments \(3\) ─+\n.*#\s+host\s+published\s+delivered.*\n\s+0\s+pod-0\s+1,000\s+2,900\s+0 /);
  const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(checkRunResult(result, 'merged'), []);
  assert.equal(result.segment, undefined);
  assert.equal(result.segments?.length, 3);
  assert.equal(result.summary.delivered + result.summary.lost, result.summary.expectedDeliveries);
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /data-section="segments"/);
  assert.match(html, /class="delivery-matrix"/);
  assert.match(html, /<h3>Clocks<\/h3>/);
  assert.match(html, /pod-2/);
  // The merged result is a whole run: report rebuilds it.
  const files = await runReport({ result: out, out: path.join(dir, 'again.html'), hdr: false });
  assert.deepEqual(files, [path.join(dir, 'again.html')]);
});

test('a failing threshold exits 99 and writes JUnit naming it', async () => {
  const junit = path.join(dir, 'junit.xml');
  const c = captureIo();
  const code = await runMerge({ files: segDirs, out: path.join(dir, 'gated'), threshold: ['e2e.p50 < 10us', 'lost == 0'], junit }, c.io);
  assert.equal(code, ExitCode.thresholds);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /failures="1"/);
  assert.match(xml, /e2e\.p50 &lt; 10us/);
});

test('--baseline compares the merged run: latency ten times the baseline\'s is a regression (exit 98)', async () => {
  const out = path.join(dir, 'merged'); // written by the first test
  const base = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
  for (const k of ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const) base.summary.latencyUs.endToEnd[k] /= 10;
  const baseFile = path.join(dir, 'baseline.json');
  writeFileSync(baseFile, JSON.stringify(base));
  const c = captureIo();
  const code = await runMerge({ files: segDirs, out: path.join(dir, 'vs-baseline'), baseline: [baseFile] }, c.io);
  assert.equal(code, ExitCode.regression, c.stdout());
  const merged = JSON.parse(readFileSync(path.join(dir, 'vs-baseline', 'result.json'), 'utf8')) as RunResult;
  assert.equal(merged.baseline?.regressed, true);
  assert.ok(merged.baseline?.checks.some((x) => x.metric === 'e2e.p99' && x.verdict === 'regression'));
});

test('a missing segment is exit 2 naming it; --allow-partial writes a partial result', async () => {
  const msg = await usageError(runMerge({ files: [segDirs[0], segDirs[2]], out: path.join(dir, 'x') }, captureIo().io));
  assert.match(msg, /segment 1 of 3 \(run seg-run-1\) is missing/);
  const out = path.join(dir, 'partial');
  const c = captureIo();
  assert.equal(await runMerge({ files: [segDirs[0], segDirs[2]], out, allowPartial: true }, c.io), ExitCode.ok);
  const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(result.missingSegments, [1]);
  assert.match(c.stdout(), /PARTIAL/);
  assert.match(readFileSync(path.join(out, 'report.html'), 'utf8'), /MISSING: not merged/);
});

test('flags are checked: --from-redis needs --run-id, --run-id needs --from-redis, no input at all', async () => {
  assert.match(await usageError(runMerge({ fromRedis: 'redis://127.0.0.1:1' }, captureIo().io)), /--run-id: --from-redis needs the run id/);
  assert.match(await usageError(runMerge({ files: segDirs, runId: 'x' }, captureIo().io)), /--run-id: only applies with --from-redis/);
  assert.match(await usageError(runMerge({}, captureIo().io)), /FILES: no segment results given/);
  assert.match(await usageError(runMerge({ files: segDirs, threshold: ['e2e.p42 < 1ms'] }, captureIo().io)), /--threshold/);
});

test('report and compare refuse an unmerged segment with a hint to merge first', async () => {
  const seg = path.join(segDirs[1], 'result.json');
  const msg = await usageError(runReport({ result: seg, hdr: false }));
  assert.match(msg, /is segment 1\/3 of run "seg-run-1", not a whole run/);
  assert.match(msg, /pubsub-bench merge/);
  const cmp = await usageError(runCompare({ results: [path.join(segDirs[0], 'result.json'), seg], out: path.join(dir, 'c.html'), color: false }));
  assert.match(cmp, /segment 0\/3/);
  assert.match(cmp, /segment 1\/3/);
});
