/** `--quiet` on a real run: no progress lines, only the verdict lines on stdout. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { captureIo } from '../helpers/cli-io.js';
import { startServer } from '../helpers/redis.js';

let server: LocalTargetDetails;
let outDir: string;

before(async () => {
  server = await startServer({ kind: 'single' });
  outDir = mkdtempSync(join(tmpdir(), 'pb-quiet-'));
});

after(async () => {
  await server?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('run -q prints the verdict lines and nothing else; without it the progress and summary are there', async () => {
  const url = `redis://${server.spec.nodes[0].host}:${server.spec.nodes[0].port}`;
  const args = ['run', 'fan-in', '-t', url, '-d', '1s', '--warmup', '300ms', '-r', '2k', '-o', outDir];
  const quiet = captureIo();
  assert.equal(await main([...args, '-q'], quiet.io), 0, quiet.stderr());
  assert.equal(quiet.stderr(), '', 'no progress on stderr');
  const lines = quiet.stdout().trimEnd().split('\n');
  assert.match(lines[0], /^pubsub-bench: verdict: /);
  for (const l of lines) assert.match(l, /^pubsub-bench: /, 'only verdict lines');
  assert.match(quiet.stdout(), /report: .*report\.html/);

  const loud = captureIo();
  assert.equal(await main(args, loud.io), 0, loud.stderr());
  assert.notEqual(loud.stderr(), '', 'progress lines without --quiet');
  assert.ok(loud.stdout().split('\n').length > lines.length + 5, 'the full summary without --quiet');
});
