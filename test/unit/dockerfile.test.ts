/**
 * The Dockerfile as text (no Docker engine runs here): a build stage that packs the package and a slim Node 20
 * runtime stage that installs only the tarball's production dependencies and runs the CLI as a non-root user.
 * The runtime stage's install is replayed from a real `npm pack` in test/integration/package.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, containerOf, copiedFromContext, find, parseDockerfile, podSpecOf, readManifest } from '../helpers/deploy.js';

const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const build = stages[0];
const runtime = stages[stages.length - 1];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[]; engines: { node: string } };
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const runs = (stage: typeof build) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const last = (stage: typeof build, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).pop()?.args;

test('multi-stage on Node 20: a named build stage, and a slim runtime stage that copies only from it', () => {
  assert.ok(stages.length >= 2, `${stages.length} stages`);
  for (const s of stages) assert.match(s.base, /^node:20(\.|-|$)/, `${s.base} is a Node 20 image`);
  assert.match(runtime.base, /slim|alpine|distroless/, `the runtime base ${runtime.base} is a slim one`);
  assert.ok(build.name, 'the build stage is named');
  const fromBuild = runtime.instructions.filter((i) => i.keyword === 'COPY' && i.args.includes(`--from=${build.name}`));
  assert.equal(fromBuild.length, 1, 'the runtime stage copies the packed tarball from the build stage');
  assert.deepEqual(copiedFromContext(runtime), [], 'and nothing from the build context: no sources in the image');
});

test('the build stage installs from the lock file, builds and packs without lifecycle scripts', () => {
  const commands = runs(build).join(' && ');
  assert.match(commands, /\bnpm ci\b/, 'npm ci: the lock file, nothing newer');
  assert.match(commands, /npm run build/);
  assert.match(commands, /npm pack --ignore-scripts/, 'pack without `prepare` rebuilding (and deleting) dist under it');
});

test('the build stage copies everything npm pack ships and the compiler reads; .dockerignore keeps none of it out', () => {
  const copied = new Set(copiedFromContext(build));
  const needed = [
    'package.json', 'package-lock.json', 'tsconfig.json', 'src',
    ...pkg.files.filter((f) => !f.startsWith('dist/')),
  ];
  for (const f of needed) assert.ok(copied.has(f), `the build stage copies ${f}`);
  for (const f of copied) {
    assert.ok(existsSync(join(ROOT, f)), `${f} exists in the repository`);
    assert.ok(!ignored.includes(f), `.dockerignore does not exclude ${f}`);
  }
  for (const f of ['node_modules', 'dist', '.git', 'reports']) assert.ok(ignored.includes(f), `.dockerignore keeps ${f} out of the context`);
});

test('the runtime stage installs the tarball globally with production dependencies only', () => {
  const install = runs(runtime).find((r) => /\bnpm install\b/.test(r)) ?? '';
  assert.match(install, /--global\b/);
  assert.match(install, /--omit=dev\b/);
  assert.match(install, /\.tgz\b/, 'installs the packed tarball, not the registry\'s copy');
  assert.doesNotMatch(runs(runtime).join(' '), /\bnpm ci\b|npm run build|\btsc\b/, 'no build in the runtime stage');
  assert.match(last(runtime, 'ENV') ?? '', /NODE_ENV=production/);
});

test('it runs as a non-root numeric user, the same uid the Kubernetes pods ask for', () => {
  const user = last(runtime, 'USER') ?? '';
  const uid = /^(\d+)(?::\d+)?$/.exec(user);
  assert.ok(uid, `USER ${user} is numeric (runAsNonRoot can only verify a number)`);
  assert.notEqual(Number(uid[1]), 0, 'not root');
  for (const [file, kind] of [['segments-job.yaml', 'Job'], ['merge-job.yaml', 'Job']] as const) {
    const o = find(readManifest(file), kind);
    assert.equal((podSpecOf(o).securityContext as { runAsUser: number }).runAsUser, Number(uid[1]), `${file} runs as uid ${uid[1]}`);
    assert.equal(containerOf(o).command, undefined, `${file} keeps the ENTRYPOINT (args only)`);
  }
});

test('ENTRYPOINT is the CLI, in exec form, and the CLI is the package\'s bin', () => {
  const entrypoint = JSON.parse(last(runtime, 'ENTRYPOINT') ?? 'null') as string[];
  assert.deepEqual(entrypoint, ['pubsub-bench'], 'exec form: signals reach the CLI, which writes what it measured on SIGTERM');
  assert.ok(entrypoint[0] in pkg.bin, `${entrypoint[0]} is a bin of package.json`);
});
