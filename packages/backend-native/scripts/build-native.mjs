#!/usr/bin/env node
// Builds the addons with cmake-js from the C++ sources (see ../CMakeLists.txt):
//   build/Release/rnn_native.node        the CPU backend (needs CMake, a C++17 compiler, OpenBLAS)
//   build/cuda/Release/rnn_cuda.node     the CUDA backend, in a build of its own, so a CUDA problem
//                                        can never break the CPU addon (needs nvcc)
//
//   node scripts/build-native.mjs            build both (CUDA when nvcc is found), stream the output,
//                                            exit 1 when the CPU addon fails (build:native)
//   node scripts/build-native.mjs --cuda     the same, and exit 1 when the CUDA addon fails too
//   node scripts/build-native.mjs --install  the npm install hook: quiet, ALWAYS exits 0, one line
//                                            per addon saying what was built or what is missing;
//                                            CUDA only where an NVIDIA driver is installed
//   node scripts/build-native.mjs --cuda-emulation
//                                            only build/cuda-emulation/Release/rnn_cuda.node: the
//                                            CUDA code compiled for the CPU, for tests (no nvcc)
//   node scripts/build-native.mjs --mpi      only build/mpi/Release/rnn_mpi.node (Open MPI, for
//                                            `mpirun -np N rnn train`); exit 1 when it fails
//   node scripts/build-native.mjs --test-addons
//                                            what `npm test` runs first: quietly (one line each,
//                                            always exit 0) the emulation addon, and the CUDA addon
//                                            where nvcc is found (incremental: fast when up to date)
//
// Every full build also tries build/mpi/Release/rnn_mpi.node (data-parallel training) when
// Open MPI's mpi.h is found; without it one line says so and nothing else changes.
// RNN_SKIP_NATIVE_BUILD=1 skips the install-time build (the JS backend still works);
// RNN_SKIP_CUDA_BUILD=1 skips the CUDA addon; RNN_BUILD_CUDA=1 builds it at install time even
// without a driver. CUDACXX picks the nvcc.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const buildDir = join(pkgDir, 'build');
const addonPath = join(buildDir, 'Release', 'rnn_native.node');
const logPath = join(buildDir, 'native-build.log');
const testAddons = process.argv.includes('--test-addons');
const installMode = process.argv.includes('--install') || testAddons;
const requireCuda = process.argv.includes('--cuda');
const emulationOnly = process.argv.includes('--cuda-emulation');
const mpiOnly = process.argv.includes('--mpi');
const REBUILD = '`npm rebuild @rnn/backend-native` (or `npm run build:native -w @rnn/backend-native`)';
const say = (ok, line) => (installMode || ok ? console.log : console.error)(`rnn: ${line}`);

/** Runs cmake-js; returns { ok, out } (out: the captured output in install mode). */
function cmakeJs(outDir, defines, log) {
  let cli;
  try {
    cli = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
  } catch {
    return { ok: false, missing: 'cmake-js is not installed - run `npm install` in this package', out: '' };
  }
  mkdirSync(outDir, { recursive: true });
  const args = [cli, 'compile', '--directory', pkgDir, '--out', outDir, '--parallel', String(availableParallelism())];
  for (const d of defines) args.push(`--CD${d}`);
  const run = spawnSync(process.execPath, args, {
    cwd: pkgDir,
    encoding: 'utf8',
    stdio: installMode ? 'pipe' : 'inherit',
    env: process.env,
  });
  const out = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  if (installMode && log) writeFileSync(log, out);
  return { ok: !run.error && run.status === 0, out };
}

/** The .node file must load here (its run-time libraries present, not only its build-time ones). */
function probe(path, expr) {
  const r = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(path)}); ${expr}`], { encoding: 'utf8' });
  return r.status === 0 ? null : ((r.stderr || '').split('\n').find((l) => l.trim()) ?? 'unknown error').trim();
}

/** A configure failure's own explanation ("RNN_NATIVE_MISSING: ..." / "RNN_CUDA_MISSING: ..."). */
function missingLine(out, tag) {
  // CMake wraps a FATAL_ERROR message over several indented lines, ending at a blank line.
  const m = new RegExp(`${tag}: ([\\s\\S]*?)(?:\\n\\s*\\n|$)`).exec(out);
  return m ? m[1].replace(/\s+/g, ' ').trim() : null;
}

function buildNative() {
  const notBuilt = (what) => ({ ok: false, line: `native backend not built: ${what}, then run ${REBUILD}. The pure-TypeScript backend still works.` });
  const cmake = spawnSync('cmake', ['--version'], { encoding: 'utf8' });
  if (cmake.error || cmake.status !== 0) {
    return notBuilt('CMake not found - install it (`apt-get install cmake`, `brew install cmake`, or https://cmake.org)');
  }
  if (!existsSync(join(pkgDir, 'native', 'CMakeLists.txt')) && !existsSync(join(pkgDir, '..', '..', 'native', 'CMakeLists.txt'))) {
    return notBuilt('the C++ sources (native/) are missing from the package - reinstall @rnn/backend-native');
  }
  // cmake-js reads `binary.napi_versions` from package.json, so it uses the Node-API headers from
  // node-api-headers and needs no download.
  if (!installMode) console.log(`rnn: building the native addon (${relative(process.cwd(), addonPath) || addonPath})`);
  const run = cmakeJs(buildDir, [], logPath);
  if (run.missing) return notBuilt(run.missing);
  if (!run.ok || !existsSync(addonPath)) {
    const missing = missingLine(run.out, 'RNN_NATIVE_MISSING');
    if (missing) return notBuilt(missing);
    if (/No CMAKE_CXX_COMPILER could be found|CMAKE_CXX_COMPILER not set|is not a full path to an existing compiler/.test(run.out)) {
      return notBuilt('no C++17 compiler found - install one (`apt-get install g++`, Xcode command line tools)');
    }
    return notBuilt(`the build failed (${installMode ? `log: ${logPath}` : 'see the output above'})`);
  }
  const why = probe(addonPath, 'a.info()');
  if (why) return notBuilt(`the addon was built but does not load (${why})`);
  return { ok: true, line: `native backend built: ${relative(process.cwd(), addonPath) || addonPath}` };
}

function findNvcc() {
  if (process.env.CUDACXX) return existsSync(process.env.CUDACXX) ? process.env.CUDACXX : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'nvcc'))) return join(dir, 'nvcc');
  }
  return existsSync('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : null;
}

function hasDriver() {
  if (existsSync('/proc/driver/nvidia/version')) return true;
  const ldconfig = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return !ldconfig.error && /libcuda\.so\.1\b/.test(ldconfig.stdout ?? '');
}

/** { state: 'built' | 'skipped' | 'failed', line } */
function buildCuda(flavour) {
  const emulation = flavour === 'emulation';
  const outDir = join(buildDir, emulation ? 'cuda-emulation' : 'cuda');
  const path = join(outDir, 'Release', 'rnn_cuda.node');
  const label = emulation ? 'cuda emulation addon' : 'cuda backend';
  if (!emulation) {
    if (process.env.RNN_SKIP_CUDA_BUILD) return { state: 'skipped', line: 'cuda backend not built: RNN_SKIP_CUDA_BUILD is set' };
    const nvcc = findNvcc();
    if (!nvcc) {
      return { state: 'skipped', line: 'cuda backend not built: no CUDA compiler (nvcc) found - install the CUDA toolkit to use a GPU' };
    }
    if (installMode && !testAddons && !process.env.RNN_BUILD_CUDA && !hasDriver()) {
      return {
        state: 'skipped',
        line: `cuda backend not built at install: ${nvcc} is here but no NVIDIA driver is; build it anyway with RNN_BUILD_CUDA=1 ${REBUILD}`,
      };
    }
  }
  if (!installMode) console.log(`rnn: building the ${label} (${relative(process.cwd(), path) || path})`);
  const defines = ['RNN_CUDA_ONLY=ON', `RNN_CUDA_ADDON_FLAVOUR=${emulation ? 'emulation' : 'gpu'}`];
  const log = join(buildDir, emulation ? 'cuda-emulation-build.log' : 'cuda-build.log');
  const run = cmakeJs(outDir, defines, log);
  if (run.missing) return { state: 'failed', line: `${label} not built: ${run.missing}` };
  if (!run.ok || !existsSync(path)) {
    const why = missingLine(run.out, 'RNN_CUDA_MISSING') ?? `the build failed (${installMode ? `log: ${log}` : 'see the output above'})`;
    return { state: 'failed', line: `${label} not built: ${why}. The native (CPU) backend is not affected.` };
  }
  const why = probe(path, 'a.probe()');
  if (why) return { state: 'failed', line: `${label} was built but does not load (${why})` };
  return { state: 'built', line: `${label} built: ${relative(process.cwd(), path) || path}` };
}

/** { state: 'built' | 'skipped' | 'failed', line }: the Open MPI addon, in a build of its own. */
function buildMpi() {
  const outDir = join(buildDir, 'mpi');
  const path = join(outDir, 'Release', 'rnn_mpi.node');
  if (!installMode) console.log(`rnn: building the mpi addon (${relative(process.cwd(), path) || path})`);
  const run = cmakeJs(outDir, ['RNN_MPI_ONLY=ON'], join(buildDir, 'mpi-build.log'));
  if (run.missing) return { state: 'failed', line: `mpi addon not built: ${run.missing}` };
  if (!run.ok || !existsSync(path)) {
    const missing = missingLine(run.out, 'RNN_MPI_MISSING');
    if (missing) return { state: 'skipped', line: `mpi addon not built (distributed training unavailable; one process works): ${missing}` };
    return { state: 'failed', line: `mpi addon not built: the build failed (${installMode ? `log: ${join(buildDir, 'mpi-build.log')}` : 'see the output above'})` };
  }
  const why = probe(path, 'a.version()');
  if (why) return { state: 'failed', line: `mpi addon was built but does not load (${why})` };
  return { state: 'built', line: `mpi addon built: ${relative(process.cwd(), path) || path}` };
}

if (mpiOnly) {
  const m = buildMpi();
  say(m.state === 'built', m.line);
  process.exit(m.state === 'built' ? 0 : 1);
}
if (emulationOnly || testAddons) {
  const c = buildCuda('emulation');
  say(c.state === 'built', c.line);
  if (emulationOnly) process.exit(c.state === 'built' ? 0 : 1);
  const g = buildCuda('gpu');
  if (g.state !== 'skipped') say(g.state === 'built', g.line);
  process.exit(0);
}
if (installMode && process.env.RNN_SKIP_NATIVE_BUILD) {
  say(true, 'native backend build skipped (RNN_SKIP_NATIVE_BUILD is set)');
  process.exit(0);
}
const native = buildNative();
say(native.ok, native.line);
const cuda = buildCuda('gpu');
say(cuda.state !== 'failed', cuda.line);
const mpi = buildMpi();
say(mpi.state !== 'failed', mpi.line);
if (installMode) process.exit(0);
process.exit(native.ok && (!requireCuda || cuda.state === 'built') ? 0 : 1);
