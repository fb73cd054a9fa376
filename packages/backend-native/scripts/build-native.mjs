#!/usr/bin/env node
// Builds build/Release/rnn_native.node with cmake-js from the C++ sources (see ../CMakeLists.txt).
//
//   node scripts/build-native.mjs            build, stream the output, exit 1 on failure (build:native)
//   node scripts/build-native.mjs --install  the npm install hook: quiet, ALWAYS exits 0, and on
//                                            failure prints one line saying what is missing
//
// RNN_SKIP_NATIVE_BUILD=1 skips the install-time build (the JS backend still works).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const buildDir = join(pkgDir, 'build');
const addonPath = join(buildDir, 'Release', 'rnn_native.node');
const logPath = join(buildDir, 'native-build.log');
const installMode = process.argv.includes('--install');
const REBUILD = '`npm rebuild @rnn/backend-native` (or `npm run build:native -w @rnn/backend-native`)';

function done(ok, line) {
  if (installMode) {
    console.log(`rnn: ${line}`);
    process.exit(0);
  }
  (ok ? console.log : console.error)(`rnn: ${line}`);
  process.exit(ok ? 0 : 1);
}

function notBuilt(what) {
  done(false, `native backend not built: ${what}, then run ${REBUILD}. The pure-TypeScript backend still works.`);
}

if (installMode && process.env.RNN_SKIP_NATIVE_BUILD) {
  done(true, 'native backend build skipped (RNN_SKIP_NATIVE_BUILD is set)');
}

// 1. The tools cmake-js needs.
const cmake = spawnSync('cmake', ['--version'], { encoding: 'utf8' });
if (cmake.error || cmake.status !== 0) {
  notBuilt('CMake not found - install it (`apt-get install cmake`, `brew install cmake`, or https://cmake.org)');
}
if (!existsSync(join(pkgDir, 'native', 'CMakeLists.txt')) && !existsSync(join(pkgDir, '..', '..', 'native', 'CMakeLists.txt'))) {
  notBuilt('the C++ sources (native/) are missing from the package - reinstall @rnn/backend-native');
}
let cmakeJs;
try {
  cmakeJs = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
} catch {
  notBuilt('cmake-js is not installed - run `npm install` in this package');
}

// 2. Configure + build. cmake-js reads `binary.napi_versions` from package.json, so it uses the
// Node-API headers from node-api-headers and needs no download.
mkdirSync(buildDir, { recursive: true });
const args = [cmakeJs, 'compile', '--directory', pkgDir, '--out', buildDir, '--parallel', String(availableParallelism())];
if (!installMode) console.log(`rnn: building the native addon (${relative(process.cwd(), addonPath) || addonPath})`);
const run = spawnSync(process.execPath, args, {
  cwd: pkgDir,
  encoding: 'utf8',
  stdio: installMode ? 'pipe' : 'inherit',
  env: process.env,
});
if (installMode) writeFileSync(logPath, `${run.stdout ?? ''}\n${run.stderr ?? ''}`);
if (run.error || run.status !== 0 || !existsSync(addonPath)) {
  const out = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  // CMake wraps a FATAL_ERROR message over several indented lines, ending at a blank line.
  const missing = /RNN_NATIVE_MISSING: ([\s\S]*?)(?:\n\s*\n|$)/.exec(out);
  if (missing) notBuilt(missing[1].replace(/\s+/g, ' ').trim());
  if (/No CMAKE_CXX_COMPILER could be found|CMAKE_CXX_COMPILER not set|is not a full path to an existing compiler/.test(out)) {
    notBuilt('no C++17 compiler found - install one (`apt-get install g++`, Xcode command line tools)');
  }
  notBuilt(`the build failed (${installMode ? `log: ${logPath}` : 'see the output above'})`);
}

// 3. Probe: the .node file must load here (e.g. libopenblas present at run time, not just build time).
const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addonPath)}).info()`], { encoding: 'utf8' });
if (probe.status !== 0) {
  const why = (probe.stderr || '').split('\n').find((l) => l.trim()) ?? 'unknown error';
  notBuilt(`the addon was built but does not load (${why.trim()})`);
}
done(true, `native backend built: ${relative(process.cwd(), addonPath) || addonPath}`);
