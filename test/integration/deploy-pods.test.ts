/**
 * The pods of deploy/k8s played on this machine, no cluster: each segment pod's container is run as a process with
 * the arguments and environment the kubelet would give it (its `$(VAR)`s expanded from the ConfigMaps, the Secret,
 * the completion index and the CPU limit), then the merge Job's container likewise. Only what a cluster decides is
 * replaced: the target (a local redis-server with a password), the mounted folders (temporary ones) and the
 * scenario's size (a small one in the scenario's place). So the manifests are checked against the real CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import type { RunResult } from '../../src/core/result.js';
import { SEGMENT_ENV } from '../../src/core/segment.js';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import {
  K8S_DIR, ROOT, containerOf, find, generatedConfigMaps, readManifest, resolveArg, type Container, type K8sObject,
} from '../helpers/deploy.js';
import { startServer } from '../helpers/redis.js';

const PASSWORD = 'pods-Secret-7';
const N = 3;
let server: LocalTargetDetails;
let work: string;

before(async () => {
  server = await startServer({ kind: 'single', requirePassword: PASSWORD });
  work = mkdtempSync(join(tmpdir(), 'pb-pods-'));
});
after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The ConfigMaps as kustomize generates them, with the cluster's choices made here. */
function configMaps(runId: string): K8sObject[] {
  const maps = generatedConfigMaps(YAML.parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as K8sObject, K8S_DIR);
  const run = find(maps, 'ConfigMap', 'pubsub-bench-run').data as Record<string, string>;
  const node = server.spec.nodes[0];
  Object.assign(run, { [SEGMENT_ENV.count]: String(N), [SEGMENT_ENV.runId]: runId, PUBSUB_BENCH_TARGET: `redis://${node.host}:${node.port}` });
  return maps;
}

/** The name the Job controller gives the pod of completion index `index` (`<job>-<index>-<random>`). */
const podName = (index: number) => `pubsub-bench-segments-${index}-x${index}k9z`;

/** The environment the kubelet gives `c` in the pod of completion index `index`. */
function podEnv(c: Container, maps: K8sObject[], index: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (from?.configMapKeyRef) env[e.name] = resolveArg(`$(${e.name})`, c, maps);
    else if (from?.secretKeyRef) env[e.name] = PASSWORD;
    else if (from?.fieldRef?.fieldPath.includes('job-completion-index')) env[e.name] = String(index);
    else if (from?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName(index);
    else if (from?.resourceFieldRef?.resource === 'limits.cpu') env[e.name] = '1'; // this machine has 2 cores for 3 pods
    else assert.fail(`no stand-in for env ${e.name}`);
  }
  return env;
}

/** The container's args as the kubelet expands them from its `env`, with its mount paths moved to `mounts`' folders. */
function podArgs(c: Container, env: Record<string, string>, mounts: Record<string, string>): string[] {
  return (c.args ?? []).map((a) => {
    const arg = a.replace(/\$\((\w+)\)/g, (whole, name: string) => env[name] ?? whole);
    const mount = Object.keys(mounts).find((m) => arg === m || arg.startsWith(`${m}/`));
    return mount ? mounts[mount] + arg.slice(mount.length) : arg;
  });
}

interface Ran { code: number; stdout: string; stderr: string }

function cli(args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((done) => {
    // Only what a container has: no inherited segment variables or passwords from this process.
    const base = { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1' };
    execFile(process.execPath, [join(ROOT, 'bin', 'pubsub-bench.js'), ...args], { env: { ...base, ...env }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

test('three segment pods and the merge pod, run as the manifests say, merge into one exact result', { timeout: 240_000 }, async (t) => {
  // The ConfigMap's volume: the shape of deploy/k8s/scenario.yaml, small enough for this machine.
  const scenarioDir = join(work, 'etc');
  mkdirSync(scenarioDir);
  writeFileSync(join(scenarioDir, 'scenario.yaml'), YAML.stringify({
    name: 'k8s-pods', channels: { count: 12, naming: 'pods.room.{i}' },
    publishers: { count: 6, rate: 1200, messageBytes: 128, mode: 'pipeline', batch: 10 },
    subscribers: [{ count: 12, channelsEach: 2 }],
    warmup: '500ms', duration: '2s', drainTimeout: '3s',
  }));
  const runId = `pods-${process.pid}`;
  const maps = configMaps(runId);
  const segment = containerOf(find(readManifest('segments-job.yaml'), 'Job'));
  const merger = containerOf(find(readManifest('merge-job.yaml'), 'Job'));
  const reports = join(work, 'reports');

  // Started together, like the Job's pods and the merge Job: the merge waits for the results.
  const mergeEnv = podEnv(merger, maps, 0);
  const merging = cli(podArgs(merger, mergeEnv, { '/reports': reports, '/tmp': work }), mergeEnv);
  const pods = await Promise.all(Array.from({ length: N }, (_, i) => {
    const env = podEnv(segment, maps, i);
    return cli(podArgs(segment, env, { '/etc/pubsub-bench': scenarioDir, '/out': join(work, `out-${i}`), '/tmp': work }), env);
  }));
  pods.forEach((p, i) => assert.equal(p.code, 0, `segment pod ${i} exit ${p.code}\n${p.stderr.slice(-3000)}`));
  for (const p of pods) assert.ok(!p.stdout.includes(PASSWORD) && !p.stderr.includes(PASSWORD), 'the password never shows');
  const merged = await merging;
  assert.equal(merged.code, 0, `merge pod exit ${merged.code}\n${merged.stderr.slice(-3000)}`);

  const resultFile = join(reports, runId, 'result.json');
  assert.ok(existsSync(resultFile), `the merge wrote ${resultFile}`);
  assert.ok(existsSync(join(reports, runId, 'report.html')));
  const r = JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult;
  assert.deepEqual(r.segments?.map((s) => s.index).sort(), [0, 1, 2]);
  assert.deepEqual(r.segments?.map((s) => s.host).sort(), [0, 1, 2].map(podName), 'segments named by their pods (POD_NAME)');
  assert.ok(r.segments?.every((s) => s.runId === runId));
  assert.equal(r.summary.delivered + r.summary.lost, r.summary.expectedDeliveries);
  assert.equal(r.summary.lost, 0);
  assert.ok(r.summary.delivered > 0);
  assert.ok(!readFileSync(resultFile, 'utf8').includes(PASSWORD), 'no password in the merged result');
  const s = r.summary;
  t.diagnostic(`merged ${N} segments: published ${s.published}, expected ${s.expectedDeliveries}, delivered ${s.delivered}, lost ${s.lost}, e2e p99 ${s.latencyUs.endToEnd.p99} µs`);
});
