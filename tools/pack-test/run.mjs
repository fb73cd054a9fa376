#!/usr/bin/env node
// The install-from-tarballs test: do the @rnn/* packages work when installed on their own, the
// way a user installs them from the registry, with no workspace links and no hoisting?
//
//   node tools/pack-test/run.mjs [--keep] [--report FILE.json] [--no-native]
//
// 1. `npm pack` every package in packages/ and every example plugin in examples/plugins/, and
//    check what each tarball holds (dist with types, README, LICENSE; backend-native: the C++
//    sources and CMakeLists.txt, no build output).
// 2. In a blank project in a temp folder, `npm install` only @rnn/core, @rnn/backend-js and
//    @rnn/layers from their tarballs (zod comes from the npm cache: --prefer-offline), and train a
//    small LSTM there with a script that imports them by name.
// 3. Add @rnn/backend-native from its tarball, first with CMake hidden (the install must succeed
//    and the JS backend be used with one warning), then rebuilt for real: RNN_BACKEND unset must
//    pick native, RNN_BACKEND=js must pick js. Skipped, with a message, when OpenBLAS is absent.
// 4. Install the example plugins from their tarballs (a backend, a cell, a loss) plus vitest, and
//    exercise them: train with each, and run @rnn/core's conformance suite on the plugin backend.
//    (The native build of step 3 runs meanwhile; these use RNN_BACKEND=js, then run again on native.)
// 5. Run every ```ts block of the installed packages' READMEs in the project (through tsx).
// 6. Type-check a TypeScript consumer against the installed packages (types resolve to dist).
// 7. Install @rnn/cli from its tarball and run its README's forecasting example with `rnn`.
//
// Needs `npx nx run-many -t build` first (it packs the built dist/). Exit 0 when every check
// passes; the report (--report) lists each step with its time and result.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toolArgs } from '../lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = toolArgs('node tools/pack-test/run.mjs [--keep] [--report FILE.json] [--no-native]', {
  keep: { type: 'boolean', default: false },
  'no-native': { type: 'boolean', default: false },
  report: { type: 'string' },
});
const keep = args.keep;
const noNative = args['no-native'];
const reportPath = args.report ?? null;

const PACKAGES = ['core', 'backend-js', 'backend-native', 'layers', 'timeseries', 'cli'];
const PLUGINS = ['backend-tracing', 'cell-mgu', 'loss-logcosh'];
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'];

const report = { ok: false, seconds: 0, steps: [], native: { skipped: null }, tarballs: {}, results: {} };
const t0 = performance.now();

function log(msg) {
  console.log(`[pack-test ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
}

class CheckError extends Error {}
function check(cond, msg) {
  if (!cond) throw new CheckError(msg);
}

/** Run a command; resolves with its output, rejects (with the output) on a non-zero exit. */
function run(cmd, args, { cwd, env, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const res = { code, stdout, stderr };
      if (code !== 0 && !allowFail) {
        reject(new CheckError(`\`${cmd} ${args.join(' ')}\` (in ${cwd ?? process.cwd()}) exited ${code}\n${stdout}\n${stderr}`.trim()));
      } else resolve(res);
    });
  });
}

async function step(name, fn) {
  const s = performance.now();
  log(`${name} ...`);
  try {
    const result = await fn();
    const seconds = +((performance.now() - s) / 1000).toFixed(1);
    report.steps.push({ name, ok: true, seconds });
    log(`${name}: ok (${seconds}s)`);
    return result;
  } catch (err) {
    report.steps.push({ name, ok: false, seconds: +((performance.now() - s) / 1000).toFixed(1), error: String(err.message ?? err) });
    throw err;
  }
}

/** The last line of a script's stdout, parsed as JSON (the scripts below print one such line). */
function lastJson(stdout) {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new CheckError(`expected a JSON line from the script, found:\n${stdout}`);
  }
}

const tarballName = (name, version) => `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;

async function packOne(dir, dest) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  await run('npm', ['pack', '--pack-destination', dest, '--loglevel=warn'], { cwd: dir });
  const file = join(dest, tarballName(pkg.name, pkg.version));
  check(existsSync(file), `npm pack in ${dir} did not write ${file}`);
  const list = (await run('tar', ['-tzf', file])).stdout.split('\n').filter(Boolean);
  const packed = JSON.parse((await run('tar', ['-xzOf', file, 'package/package.json'])).stdout);
  return { name: pkg.name, version: pkg.version, file, list, packed };
}

function checkTarball({ name, list, packed }) {
  const has = (p) => list.includes(`package/${p}`);
  for (const p of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
    check(has(p), `${name}: the tarball lacks ${p}`);
  }
  const junk = list.filter((p) => /(^|\/)(node_modules|test|build|coverage|\.nx)\//.test(p) || /\.(node|o|a|tsbuildinfo|log)$/.test(p));
  check(junk.length === 0, `${name}: the tarball holds build or test files: ${junk.slice(0, 5).join(', ')}`);
  const exp = packed.exports?.['.'];
  check(exp && exp.types === './dist/index.d.ts' && exp.import === './dist/index.js', `${name}: exports["."] must give types and import from dist, found ${JSON.stringify(exp)}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(packed[field] ?? {})) {
      check(!/^(workspace:|file:|link:|\*$)/.test(range), `${name}: ${field}.${dep} is '${range}', which only works inside the monorepo`);
    }
  }
  if (name === '@rnn/core') check(has('dist/testing/index.js') && has('dist/testing/index.d.ts'), '@rnn/core: the tarball lacks dist/testing');
  if (name === '@rnn/backend-native') {
    for (const p of ['CMakeLists.txt', 'native/CMakeLists.txt', 'native/include/rnn_native.h', 'scripts/build-native.mjs']) {
      check(has(p), `@rnn/backend-native: the tarball lacks ${p} (prepack copies native/ in)`);
    }
    check(list.some((p) => p.startsWith('package/native/addon/')), '@rnn/backend-native: the tarball lacks native/addon/');
  }
}

/** Whether this machine can build the native addon: CMake, a C++ compiler and OpenBLAS. */
async function nativeToolchain() {
  const ok = async (cmd, args) => (await run(cmd, args, { allowFail: true }).catch(() => ({ code: 1 }))).code === 0;
  const missing = [];
  if (!(await ok('cmake', ['--version']))) missing.push('cmake');
  if (!(await ok('c++', ['--version'])) && !(await ok('g++', ['--version'])) && !(await ok('clang++', ['--version']))) missing.push('a C++ compiler');
  const blas =
    (await ok('pkg-config', ['--exists', 'openblas'])) ||
    (await run('sh', ['-c', 'ldconfig -p 2>/dev/null | grep -q libopenblas'], { allowFail: true }).catch(() => ({ code: 1 }))).code === 0 ||
    ['/usr/lib/x86_64-linux-gnu/libopenblas.so', '/usr/lib/aarch64-linux-gnu/libopenblas.so', '/usr/lib64/libopenblas.so', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib'].some(existsSync);
  if (!blas) missing.push('OpenBLAS (libopenblas-dev)');
  return missing;
}

// ---- the scripts the blank project runs (plain ESM, importing the packages by name) ----

const TRAIN_JS = `
import { getBackend, ready } from '@rnn/core';
import { Sequential, dense, lstm, sequential } from '@rnn/layers';
await ready();
const series = Array.from({ length: 200 }, (_, t) => Math.sin(t / 5));
const x = [], y = [];
for (let i = 0; i + 11 < series.length; i++) { x.push(series.slice(i, i + 10).map((v) => [v])); y.push([series[i + 10]]); }
const model = sequential([lstm({ units: 8 }), dense({ units: 1 })]);
model.compile({ optimizer: { type: 'adam', lr: 0.02 }, loss: 'mse' });
const h = await model.fit(x, y, { epochs: 15, batchSize: 32, seed: 1 });
await model.save('lstm.safetensors');
const again = await Sequential.load('lstm.safetensors');
const a = again.predict(x.slice(0, 4)).toArray(), b = model.predict(x.slice(0, 4)).toArray();
console.log(JSON.stringify({ backend: getBackend().name, first: h.epochs[0].loss, last: h.epochs.at(-1).loss, reloaded: JSON.stringify(a) === JSON.stringify(b) }));
`;

const WHICH_JS = `
import { getBackend, listBackends, ready } from '@rnn/core';
await ready();
const b = getBackend();
console.log(JSON.stringify({ backend: b.name, blas: b.info().blas ?? null, registered: listBackends().map((e) => e.name) }));
`;

const PLUGINS_JS = `
import { backendByName, getBackend, grad, ready, setBackend, tensor } from '@rnn/core';
import { dense, lstm, rnn, sequential } from '@rnn/layers';
import { TracingBackend } from 'rnn-backend-tracing';
import { MguCell } from 'rnn-cell-mgu';
import { logCosh } from 'rnn-loss-logcosh';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

await ready();
const out = { defaultBackend: getBackend().name };
const series = Array.from({ length: 160 }, (_, t) => Math.sin(t / 4) + 0.5 * Math.cos(t / 9));
const x = [], y = [];
for (let i = 0; i + 9 < series.length; i += 2) { x.push(series.slice(i, i + 8).map((v) => [v])); y.push([series[i + 8]]); }

// the custom loss: values and gradient against the closed form, then training with it
{
  const d = [-3, -0.5, 0, 0.25, 40];
  const p = tensor([d], undefined, { dtype: 'float64' });
  p.requiresGrad = true;
  const t = tensor([[0, 0, 0, 0, 0]], undefined, { dtype: 'float64' });
  const l = logCosh(p, t);
  const want = d.reduce((s, v) => s + Math.log(Math.cosh(v)), 0) / d.length;
  const [g] = grad(l, [p]);
  const gWant = d.map((v) => Math.tanh(v) / d.length);
  const gGot = Array.from(g.data());
  const m = sequential([lstm({ units: 8 }), dense({ units: 1 })]);
  m.compile({ optimizer: { type: 'adam', lr: 0.02 }, loss: logCosh });
  const h = await m.fit(x, y, { epochs: 12, batchSize: 16, seed: 2 });
  out.loss = { value: l.item(), want, gradErr: Math.max(...gGot.map((v, i) => Math.abs(v - gWant[i]))), first: h.epochs[0].loss, last: h.epochs.at(-1).loss };
}

// the custom cell through rnn(cell): stacked, trained, weights saved and restored
{
  const make = () => sequential([rnn(new MguCell(8), { name: 'mgu', numLayers: 2 }), dense({ units: 1 })]);
  const m = make();
  m.compile({ optimizer: { type: 'adam', lr: 0.02 }, loss: 'mse' });
  const h = await m.fit(x, y, { epochs: 12, batchSize: 16, seed: 3 });
  const path = join(tmpdir(), 'rnn-pack-test-mgu-' + process.pid + '.safetensors');
  await m.saveWeights(path);
  const m2 = make().build({ inputSize: 1, seed: 99 });
  await m2.loadWeights(path);
  const same = JSON.stringify(m.predict(x.slice(0, 3)).toArray()) === JSON.stringify(m2.predict(x.slice(0, 3)).toArray());
  out.cell = { names: m.params.names.filter((n) => n.startsWith('mgu.')), first: h.epochs[0].loss, last: h.epochs.at(-1).loss, reloaded: same };
}

// the third-party backend: registered on import, picked by name, trains through the layers
{
  setBackend('tracing');
  const m = sequential([lstm({ units: 8 }), dense({ units: 1 })]);
  m.compile({ optimizer: { type: 'adam', lr: 0.02 }, loss: 'mse' });
  const h = await m.fit(x.slice(0, 32), y.slice(0, 32), { epochs: 6, batchSize: 16, seed: 4 });
  const b = backendByName('tracing');
  out.backend = { picked: getBackend().name, isTracing: b instanceof TracingBackend, matmuls: b.calls.matmul ?? 0, tanh: b.calls['unary:tanh'] ?? 0, first: h.epochs[0].loss, last: h.epochs.at(-1).loss };
}
console.log(JSON.stringify(out));
`;

const CONFORMANCE_TEST = `
import { describeBackend } from '@rnn/core/testing';
import { JsBackend } from '@rnn/backend-js';
import { TracingBackend } from 'rnn-backend-tracing';

describeBackend('tracing', () => new TracingBackend(), { reference: () => new JsBackend() });
`;

const CONSUMER_TS = `
import { getBackend, ready, tensor, type Backend, type Tensor } from '@rnn/core';
import type { DescribeBackendOptions } from '@rnn/core/testing';
import { JsBackend } from '@rnn/backend-js';
import { NativeBackend } from '@rnn/backend-native';
import { dense, lstm, rnn, sequential, type History, type LossFn } from '@rnn/layers';
import { TracingBackend } from 'rnn-backend-tracing';
import { MguCell } from 'rnn-cell-mgu';
import { logCosh } from 'rnn-loss-logcosh';

const loss: LossFn = logCosh;
const reference: Backend = new TracingBackend(new JsBackend());
const options: DescribeBackendOptions = { reference: () => reference };
const native: typeof NativeBackend | null = null;

export async function train(x: number[][][], y: number[][]): Promise<History> {
  await ready();
  const t: Tensor = tensor([1, 2, 3]);
  const model = sequential([rnn(new MguCell(4)), lstm({ units: 4 }), dense({ units: 1 })]);
  model.compile({ optimizer: 'adam', loss });
  void [t.shape, getBackend().name, options, native];
  return model.fit(x, y, { epochs: 1 });
}
`;

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  },
  files: ['consumer.ts'],
};

async function main() {
  for (const p of PACKAGES) {
    check(
      existsSync(join(root, 'packages', p, 'dist', 'index.js')),
      `packages/${p}/dist is missing: run \`npx nx run-many -t build\` before the pack test`,
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'rnn-pack-test-'));
  report.tmp = tmp;
  const tarballs = join(tmp, 'tarballs');
  const app = join(tmp, 'app');
  mkdirSync(tarballs);
  mkdirSync(app);
  log(`working in ${tmp}`);
  try {
    // 1. pack
    const packed = await step('npm pack the packages and example plugins', async () => {
      const dirs = [...PACKAGES.map((p) => join(root, 'packages', p)), ...PLUGINS.map((p) => join(root, 'examples', 'plugins', p))];
      const all = await Promise.all(dirs.map((d) => packOne(d, tarballs)));
      const byName = Object.fromEntries(all.map((t) => [t.name, t]));
      for (const t of all.slice(0, PACKAGES.length)) checkTarball(t);
      for (const t of all) report.tarballs[t.name] = { file: t.file.slice(tmp.length + 1), entries: t.list.length };
      return byName;
    });
    const tgz = (name) => packed[name].file;

    // 2. a blank project with core, backend-js and layers only
    const appPkg = {
      name: 'rnn-pack-test-app',
      version: '1.0.0',
      private: true,
      type: 'module',
      // npm 11: install scripts need approval (advisory now, enforced later); file: tarballs are
      // identified by their spec, registry installs by name.
      allowScripts: { '@rnn/backend-native': true, [`file:${tgz('@rnn/backend-native')}`]: true },
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify(appPkg, null, 2));
    await step('npm install @rnn/core @rnn/backend-js @rnn/layers from the tarballs', async () => {
      await run('npm', ['install', ...NPM_FLAGS, tgz('@rnn/core'), tgz('@rnn/backend-js'), tgz('@rnn/layers')], { cwd: app });
      const scoped = readdirSync(join(app, 'node_modules', '@rnn')).sort();
      check(JSON.stringify(scoped) === JSON.stringify(['backend-js', 'core', 'layers']), `node_modules/@rnn holds [${scoped}], expected exactly backend-js, core, layers`);
      for (const name of ['@rnn/core', '@rnn/backend-js', '@rnn/layers']) {
        const installed = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));
        check(installed.description === packed[name].packed.description, `${name} in the app is not the one packed (a registry copy?)`);
      }
      check(existsSync(join(app, 'node_modules', 'zod', 'package.json')), 'zod (a dependency of @rnn/core) was not installed');
      const ls = await run('npm', ['ls', '--all', '--json'], { cwd: app, allowFail: true });
      const problems = JSON.parse(ls.stdout).problems ?? [];
      check(problems.length === 0, `npm ls reports: ${problems.join('; ')}`);
      // Node without the "source" condition must load dist/, never src/*.ts.
      const resolved = (await run('node', ['--input-type=module', '-e', "for (const s of ['@rnn/core', '@rnn/core/testing', '@rnn/layers', '@rnn/backend-js']) console.log(import.meta.resolve(s))"], { cwd: app })).stdout.trim().split('\n');
      check(resolved.every((u) => /\/dist\/.*index\.js$/.test(u)), `imports resolve to ${resolved.join(', ')}, expected dist/**/index.js`);
    });

    writeFileSync(join(app, 'train.mjs'), TRAIN_JS);
    writeFileSync(join(app, 'which-backend.mjs'), WHICH_JS);
    await step('train an LSTM in the blank project (js backend)', async () => {
      const r = lastJson((await run('node', ['train.mjs'], { cwd: app })).stdout);
      report.results.trainJs = r;
      check(r.backend === 'js', `expected the js backend, found ${r.backend}`);
      check(r.last < r.first * 0.2, `the loss did not fall enough: ${r.first} -> ${r.last}`);
      check(r.reloaded, 'the saved and reloaded model predicts differently');
    });

    // 3. the native backend, first without a toolchain
    const missing = noNative ? ['(--no-native)'] : await nativeToolchain();
    await step('npm install @rnn/backend-native with CMake hidden: installs, js is used, one warning', async () => {
      const fakeBin = join(tmp, 'no-cmake-bin');
      mkdirSync(fakeBin);
      writeFileSync(join(fakeBin, 'cmake'), '#!/bin/sh\necho "cmake: hidden by the pack test" >&2\nexit 127\n');
      chmodSync(join(fakeBin, 'cmake'), 0o755);
      await run('npm', ['install', ...NPM_FLAGS, tgz('@rnn/backend-native')], {
        cwd: app,
        env: { PATH: `${fakeBin}:${process.env.PATH}` },
      });
      const dir = join(app, 'node_modules', '@rnn', 'backend-native');
      check(!existsSync(join(dir, 'build', 'Release', 'rnn_native.node')), 'the addon exists although CMake was hidden');
      const r = await run('node', ['which-backend.mjs'], { cwd: app, env: { RNN_BACKEND: '' } });
      const out = lastJson(r.stdout);
      // One warning for the native backend, saying why and how to fix it. (The package also
      // registers 'cuda'; on a machine without a GPU that adds its own fallback warning.)
      const warnings = r.stderr.split('\n').filter((l) => /Warning: /.test(l));
      const nativeWarnings = warnings.filter((l) => /backend 'native'/.test(l));
      const others = warnings.filter((l) => !/backend '(native|cuda)'/.test(l));
      report.results.nativeMissing = { ...out, warnings };
      check(out.backend === 'js', `with no addon the js backend must be used, found ${out.backend}`);
      check(out.registered.includes('native'), '@rnn/backend-native did not register itself on ready()');
      check(nativeWarnings.length === 1 && /build|npm rebuild/.test(nativeWarnings[0]) && others.length === 0, `expected one warning naming the native backend and the fix, found:\n${r.stderr}`);
    });

    // 4. the plugins (each from its own tarball), vitest for the conformance suite, and the CLI
    await step('npm install the plugin tarballs (backend, cell, loss), vitest, @rnn/timeseries and @rnn/cli', async () => {
      const vitest = createRequire(join(root, 'package.json'))('vitest/package.json').version;
      const plugins = [tgz('rnn-backend-tracing'), tgz('rnn-cell-mgu'), tgz('rnn-loss-logcosh')];
      await run('npm', ['install', ...NPM_FLAGS, ...plugins, tgz('@rnn/timeseries'), tgz('@rnn/cli'), `vitest@${vitest}`], { cwd: app });
    });

    // The native build (tens of seconds of C++) runs while the JS-side checks below run with
    // RNN_BACKEND=js, which never loads the half-built addon. `npm rebuild` only runs the install
    // script; it does not change node_modules.
    let nativeBuild = Promise.resolve();
    if (missing.length) {
      report.native.skipped = `not built here: ${missing.join(', ')} missing`;
      console.warn(`[pack-test] SKIPPING the native build half: ${missing.join(', ')} not found on this machine (install cmake, g++ and libopenblas-dev to run it)`);
    } else {
      report.native.skipped = false;
      nativeBuild = step('npm rebuild @rnn/backend-native: builds the addon from the packaged C++ sources', async () => {
        await run('npm', ['rebuild', '@rnn/backend-native', '--loglevel=warn'], { cwd: app });
        const dir = join(app, 'node_modules', '@rnn', 'backend-native');
        const buildLog = join(dir, 'build', 'native-build.log');
        check(existsSync(join(dir, 'build', 'Release', 'rnn_native.node')), `the addon was not built; log:\n${existsSync(buildLog) ? readFileSync(buildLog, 'utf8').slice(-3000) : '(none)'}`);
        check(readFileSync(buildLog, 'utf8').includes(join(dir, 'native')), 'the addon was not built from the packaged native/ sources');
      });
      nativeBuild.catch(() => {}); // awaited below; this only keeps an early failure from being unhandled
    }
    const JS = { RNN_BACKEND: 'js' };
    const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx/esm')).href;
    const runReadme = async (name, env) => {
      const text = readFileSync(join(app, 'node_modules', name, 'README.md'), 'utf8');
      const blocks = [...text.matchAll(/```ts([^\n]*)\n([\s\S]*?)```/g)].filter((m) => !m[1].includes('no-run'));
      check(blocks.length > 0, `${name}'s README has no runnable \`\`\`ts example`);
      for (const [i, m] of blocks.entries()) {
        const file = `readme-${name.slice(5)}-${i}.mts`;
        writeFileSync(join(app, file), m[2]);
        const r = await run(process.execPath, ['--import', tsx, file], { cwd: app, env, allowFail: true });
        check(r.code === 0, `${name} README example ${i + 1} failed:\n${m[2]}\n--- output:\n${r.stdout}${r.stderr}`);
        (report.results.readmes ??= []).push(file);
      }
    };
    const checkPlugins = (r) => {
      check(Math.abs(r.loss.value - r.loss.want) < 1e-9, `logCosh value ${r.loss.value}, expected ${r.loss.want}`);
      check(r.loss.gradErr < 1e-9, `logCosh gradient differs from tanh(d)/n by ${r.loss.gradErr}`);
      check(r.loss.last < r.loss.first * 0.5, `training with logCosh did not reduce the loss: ${r.loss.first} -> ${r.loss.last}`);
      check(r.cell.names.includes('mgu.W_f_l0') && r.cell.names.includes('mgu.U_h_l1'), `MguCell parameters are named ${r.cell.names}`);
      check(r.cell.last < r.cell.first * 0.5 && r.cell.reloaded, `MguCell training or weight reload failed: ${JSON.stringify(r.cell)}`);
      check(r.backend.picked === 'tracing' && r.backend.isTracing && r.backend.matmuls > 0 && r.backend.tanh > 0, `the tracing backend was not used: ${JSON.stringify(r.backend)}`);
      check(r.backend.last < r.backend.first, `training on the tracing backend did not reduce the loss: ${JSON.stringify(r.backend)}`);
    };

    writeFileSync(join(app, 'plugins.mjs'), PLUGINS_JS);
    await step('exercise the plugins on js: custom loss, custom cell, third-party backend', async () => {
      const r = lastJson((await run('node', ['plugins.mjs'], { cwd: app, env: JS })).stdout);
      report.results.plugins = r;
      checkPlugins(r);
    });
    await step("@rnn/core/testing's conformance suite on the plugin backend (vitest in the app)", async () => {
      writeFileSync(join(app, 'tracing.conformance.test.mjs'), CONFORMANCE_TEST);
      const out = join(app, 'vitest-report.json');
      const r = await run(join(app, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=json', `--outputFile=${out}`], { cwd: app, env: JS, allowFail: true });
      check(existsSync(out), `vitest wrote no report:\n${r.stdout}\n${r.stderr}`);
      const v = JSON.parse(readFileSync(out, 'utf8'));
      report.results.conformance = { passed: v.numPassedTests, failed: v.numFailedTests, total: v.numTotalTests };
      const failed = v.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${a.fullName}: ${a.failureMessages[0]?.split('\n')[0]}`));
      check(r.code === 0 && v.numFailedTests === 0 && v.numPassedTests > 100, `conformance: ${v.numPassedTests} passed, ${v.numFailedTests} failed\n${failed.slice(0, 10).join('\n')}`);
    });

    // 5. the READMEs' examples, run against the installed packages (backend-native's after its build)
    await step("run the ```ts examples of @rnn/core, @rnn/backend-js, @rnn/layers and @rnn/timeseries' READMEs", async () => {
      for (const name of ['@rnn/core', '@rnn/backend-js', '@rnn/layers', '@rnn/timeseries']) await runReadme(name, JS);
    });

    // 6. a TypeScript consumer
    await step('type-check a TypeScript consumer (types come from dist/*.d.ts)', async () => {
      writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
      const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
      const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: app, allowFail: true });
      check(r.code === 0, `tsc found errors in a consumer of the installed packages:\n${r.stdout}${r.stderr}`);
      const files = r.stdout.split('\n').filter((f) => f.includes('/node_modules/@rnn/'));
      check(files.some((f) => f.endsWith('/@rnn/core/dist/index.d.ts')), 'the consumer did not get @rnn/core types from dist/index.d.ts');
      const fromSrc = files.filter((f) => /\/@rnn\/[^/]+\/src\//.test(f));
      check(fromSrc.length === 0, `the consumer type-checked package sources instead of declarations: ${fromSrc.slice(0, 3).join(', ')}`);
    });

    // 7. the command line, from its tarball
    await step('run the installed `rnn` command (info, train --csv, forecast)', async () => {
      const rnn = join(app, 'node_modules', '.bin', 'rnn');
      const info = JSON.parse((await run(rnn, ['info', '--json'], { cwd: app, env: JS })).stdout);
      const csv = ['month,sales'];
      for (let i = 0; i < 120; i++) {
        const month = `${2010 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
        csv.push(`${month},${(100 + i + 20 * Math.sin((i * Math.PI) / 6) + 3 * Math.sin(i * 7.3)).toFixed(1)}`);
      }
      writeFileSync(join(app, 'sales.csv'), csv.join('\n') + '\n');
      await run(rnn, ['train', '--csv', 'sales.csv', '--target', 'sales', '--out', 'sales.safetensors', '--epochs', '20'], { cwd: app, env: JS });
      await run(rnn, ['forecast', '--model', 'sales.safetensors', '--csv', 'sales.csv', '--steps', '12', '--output', 'next.csv'], { cwd: app, env: JS });
      const rows = readFileSync(join(app, 'next.csv'), 'utf8').trim().split('\n');
      report.results.cli = { info, forecastRows: rows.length - 1 };
      check(rows[0] === 'month,sales' && rows.length === 13 && rows[1].startsWith('2020-01,'), `rnn forecast wrote:\n${rows.join('\n')}`);
    });

    // 3b. the native backend, built
    await nativeBuild;
    if (!missing.length) {
      await step('RNN_BACKEND unset picks native, RNN_BACKEND=js picks js; native trains, runs the plugins and its README', async () => {
        const picked = lastJson((await run('node', ['which-backend.mjs'], { cwd: app, env: { RNN_BACKEND: '' } })).stdout);
        const js = lastJson((await run('node', ['which-backend.mjs'], { cwd: app, env: JS })).stdout);
        const trained = lastJson((await run('node', ['train.mjs'], { cwd: app, env: { RNN_BACKEND: '' } })).stdout);
        report.results.native = { picked, js, trained };
        check(picked.backend === 'native', `RNN_BACKEND unset picked ${picked.backend}, expected native`);
        check(js.backend === 'js', `RNN_BACKEND=js picked ${js.backend}`);
        check(trained.backend === 'native' && trained.last < trained.first * 0.2 && trained.reloaded, `training on native failed: ${JSON.stringify(trained)}`);
        const jsRun = report.results.trainJs;
        check(Math.abs(trained.last - jsRun.last) < 1e-3 + 0.05 * jsRun.last, `native and js training disagree: ${trained.last} vs ${jsRun.last}`);
        const plugins = lastJson((await run('node', ['plugins.mjs'], { cwd: app, env: { RNN_BACKEND: '' } })).stdout);
        report.results.pluginsNative = plugins;
        check(plugins.defaultBackend === 'native', `the plugins ran on ${plugins.defaultBackend}, expected native`);
        checkPlugins(plugins);
        await runReadme('@rnn/backend-native', { RNN_BACKEND: '' });
      });
    } else {
      await step("run the ```ts example of @rnn/backend-native's README (js fallback)", () => runReadme('@rnn/backend-native', { RNN_BACKEND: '' }));
    }
    report.ok = true;
  } finally {
    report.seconds = +((performance.now() - t0) / 1000).toFixed(1);
    if (reportPath) writeFileSync(reportPath, JSON.stringify(report, null, 2));
    if (keep || !report.ok) log(`kept ${tmp} for inspection`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => {
    log(`all checks passed in ${report.seconds}s${report.native.skipped ? ` (native half skipped: ${report.native.skipped})` : ''}`);
  },
  (err) => {
    console.error(`[pack-test] FAILED: ${err instanceof CheckError ? err.message : err.stack}`);
    process.exitCode = 1;
  },
);
