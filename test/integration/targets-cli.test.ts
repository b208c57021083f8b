/**
 * `pubsub-bench target up|down` through its command functions: the servers outlive the process that started
 * them, the printed flags reach them, and `down` stops them by pid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describeUp, targetDown, type TargetState } from '../../src/cli/commands/target.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import { isAlive } from '../../src/targets/process.js';
import { parseTargetSpec } from '../../src/targets/url.js';
import { Recorder, publishAll, publisherOptions } from '../helpers/redis.js';

const execFileAsync = promisify(execFile);
const targetModule = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/commands/target.js')).href;

/** Reads the value after `flag` in a printed flag list. */
function flagValue(flags: string[], flag: string): string | undefined {
  const i = flags.indexOf(flag);
  return i >= 0 ? flags[i + 1] : undefined;
}

test('target up in a child process leaves a TLS server running that the printed flags reach; target down stops it', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-target-cli-'));
  const stateFile = path.join(dir, 'targets.json');
  let state: TargetState | undefined;
  try {
    // A separate process starts the server and exits: the server must survive it.
    const script = `const { targetUp } = await import(${JSON.stringify(targetModule)}); await targetUp({ kind: 'tls', state: ${JSON.stringify(stateFile)} });`;
    await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as TargetState;
    assert.equal(state.targets.length, 1);
    const [entry] = state.targets;
    assert.ok(entry.nodes.every((n) => isAlive(n.pid)), 'the server outlived the command');
    assert.match(describeUp(entry, stateFile), /pubsub-bench run --target rediss:\/\/127\.0\.0\.1:\d+ --tls-ca /);

    const flags = entry.runFlags;
    const spec = parseTargetSpec({
      targets: [flagValue(flags, '--target') as string],
      tlsCa: flagValue(flags, '--tls-ca'),
      tlsCert: flagValue(flags, '--tls-cert'),
      tlsKey: flagValue(flags, '--tls-key'),
    });
    const pub = await createConnectionFactory(spec).openPublisher(publisherOptions('pb-cli', ['cli'], 1, 'await'), new Recorder());
    try {
      assert.deepEqual(await publishAll(pub, [{ channel: 0, payload: Buffer.from('x') }]), [0]);
    } finally {
      await pub.close();
    }

    const stopped = await targetDown(stateFile);
    assert.equal(stopped.length, 1);
    assert.ok(entry.nodes.every((n) => !isAlive(n.pid)), 'target down stopped every server');
    assert.ok(!fs.existsSync(stateFile) && !fs.existsSync(entry.dir), 'state file and server folder removed');
    assert.deepEqual(await targetDown(stateFile), [], 'a second down finds nothing to do');
  } finally {
    if (fs.existsSync(stateFile)) await targetDown(stateFile);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
