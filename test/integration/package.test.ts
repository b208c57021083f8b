/**
 * The npm package as a user gets it: `npm pack` the built tree, install the tarball into an empty project, check
 * what it ships, and run the installed `pubsub-bench run` against a redis-server started here. The container
 * image's runtime stage is replayed from the same tarball: the Dockerfile's own install command (no Docker here).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalTargetDetails } from '../../src/targets/local.js';
import { parseDockerfile } from '../helpers/deploy.js';
import { startServer } from '../helpers/redis.js';

/** The package folder: this file is compiled to <root>/<outDir>/test/integration/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Installing from the npm cache takes seconds; a cold cache on a slow CI runner far longer. */
const INSTALL_TIMEOUT_MS = 240_000;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; never throws on a non-zero exit (the caller shows the output). */
function run(file: string, args: string[], opts: { cwd: string; timeoutMs: number; env?: Record<string, string> }): Promise<Ran> {
  return new Promise((done) => {
    execFile(file, args, { cwd: opts.cwd, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', ...opts.env } }, (err: ExecFileException | null, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: `${String(stderr)}${err && err.killed ? `\n(killed after ${opts.timeoutMs} ms)` : ''}` });
    });
  });
}

function shown(r: Ran): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

let work: string;
let server: LocalTargetDetails | undefined;
let files: string[] = [];
let tarball = '';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pb-pack-'));
  // The tests run from the built tree; `prepare` would rebuild (and first delete) it under them, so pack without
  // scripts and require that the build is there.
  assert.ok(existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')), `no build in ${ROOT}/dist: run \`npm run build\` first`);
  const npm = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, timeoutMs: 120_000 });
  assert.equal(npm.code, 0, `npm pack failed:\n${shown(npm)}`);
  const packed = JSON.parse(npm.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed[0].files.map((f) => f.path);
  tarball = join(work, packed[0].filename);
  server = await startServer({ kind: 'single' });
});

after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball ships the CLI, docs, compose file, LICENSE and CHANGELOG — no tests, benchmarks or source maps', () => {
  for (const f of ['bin/pubsub-bench.js', 'dist/src/cli/main.js', 'dist/src/workers/worker.js', 'LICENSE', 'CHANGELOG.md', 'README.md', 'docker-compose.cluster.yml', 'docs/architecture.md', 'docs/result-schema.md', 'docs/scale-out.md', 'package.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.deepEqual(files.filter((f) => /^dist\/(test|bench)\//.test(f)), [], 'no compiled tests or benchmarks');
  // The maps point at src/*.ts, which is not shipped: they would only send debuggers to missing files.
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps');
  assert.deepEqual(files.filter((f) => /^(src|test|bench)\//.test(f)), [], 'no TypeScript sources');
});

test('the installed tarball runs against a local redis-server: exit 0 and a result.json', { timeout: INSTALL_TIMEOUT_MS + 120_000 }, async () => {
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-test', version: '1.0.0', private: true }));
  const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeoutMs: INSTALL_TIMEOUT_MS });
  assert.equal(install.code, 0, `npm install of the tarball failed:\n${shown(install)}`);

  const bin = join(project, 'node_modules', '.bin', 'pubsub-bench');
  assert.ok(existsSync(bin), `${bin} was installed`);
  const version = await run(bin, ['--version'], { cwd: project, timeoutMs: 30_000 });
  assert.equal(version.code, 0, shown(version));

  const node = server!.spec.nodes[0];
  const out = join(work, 'out');
  const bench = await run(bin, ['run', '--duration', '1s', '--warmup', '300ms', '--out', out, '--target', `redis://${node.host}:${node.port}`], { cwd: project, timeoutMs: 120_000 });
  assert.equal(bench.code, 0, `the installed pubsub-bench run failed:\n${shown(bench)}`);
  // Real folders only: the run history adds index.html/json and a `latest` symlink to the same run.
  const runs = readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(out, d.name, 'result.json'))).map((d) => d.name);
  assert.equal(runs.length, 1, `one run folder with a result.json in ${out}: ${readdirSync(out).join(', ')}`);
});

test('the Dockerfile replayed: the build stage packs, the runtime stage installs production dependencies only, the CLI answers', { timeout: INSTALL_TIMEOUT_MS + 120_000 }, async () => {
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages[stages.length - 1];

  // Build stage: its packing RUN after `npm run build` (the tests run from that build already; rebuilding would
  // delete dist under them), with its folder /pkg moved to a scratch one that does not exist yet, as in the image.
  const packRun = stages[0].instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).find((r) => r.includes('npm pack'));
  assert.ok(packRun, 'the build stage has an `npm pack` RUN');
  const steps = packRun.split('&&').map((c) => c.trim());
  assert.ok(steps[0] === 'npm run build', `it builds first: ${packRun}`);
  const pkgDir = join(work, 'image-pkg');
  const script = steps.slice(1).map((c) => c.replace(/(^|\s)\/pkg(?=\/|\s|$)/g, `$1${pkgDir}`)).join(' && ');
  const packed = await run('sh', ['-c', script], { cwd: ROOT, timeoutMs: 120_000 });
  assert.equal(packed.code, 0, `${script}\n${shown(packed)}`);
  // COPY --from=build /pkg/<file> …: the file the runtime stage takes must be what the build stage left.
  const copy = runtime.instructions.find((i) => i.keyword === 'COPY' && i.args.startsWith('--from='))?.args.split(/\s+/)[1] ?? '';
  const imageTarball = copy.replace(/^\/pkg(?=\/)/, pkgDir);
  assert.ok(existsSync(imageTarball), `the build stage left ${copy} for the runtime stage`);

  // Runtime stage: its ENV, and its install command up to the first `&&` (the rest removes the tarball and the cache).
  const env = Object.fromEntries(runtime.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => i.args.split(/\s+/)).map((kv) => kv.split('=') as [string, string]));
  const install = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.split('&&')[0].trim()).find((c) => c.startsWith('npm install'));
  assert.ok(install, 'the runtime stage has an `npm install` RUN');
  const words = install.split(/\s+/);
  assert.equal(words.filter((w) => w.endsWith('.tgz')).length, 1, `one tarball in: ${install}`);
  // The image installs into /usr/local (the global prefix of the node images); here into a scratch prefix.
  const prefix = join(work, 'image-prefix');
  const args = [...words.slice(1).map((w) => (w.endsWith('.tgz') ? imageTarball : w)), '--prefix', prefix, '--prefer-offline'];
  const installed = await run('npm', args, { cwd: work, timeoutMs: INSTALL_TIMEOUT_MS, env });
  assert.equal(installed.code, 0, `npm ${args.join(' ')} failed:\n${shown(installed)}`);

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const deps = join(prefix, 'lib', 'node_modules', 'pubsub-bench', 'node_modules');
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(deps, dep, 'package.json')), `dependency ${dep} is installed`);
  for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(join(deps, dev)), `dev dependency ${dev} is not in the image`);

  // ENTRYPOINT ["pubsub-bench"] finds the CLI on PATH, in the prefix's bin folder.
  const bin = join(prefix, 'bin', 'pubsub-bench');
  const version = await run(bin, ['--version'], { cwd: work, timeoutMs: 30_000, env });
  assert.equal(version.code, 0, shown(version));
  assert.equal(version.stdout.trim(), pkg.version);
  const help = await run(bin, ['--help'], { cwd: work, timeoutMs: 30_000, env }); // the image's CMD
  assert.equal(help.code, 0, shown(help));
  assert.match(help.stdout, /pubsub-bench run/);
});
