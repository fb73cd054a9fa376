#!/usr/bin/env node
// Before/after of the pure TypeScript backend (rnn-js) in one sitting: builds packages/backend-js
// as it was at --base into tools/bench/.js-ab/<commit>/, then times a workload's step with that
// build and with this tree's build, interleaved round by round (a slow spell of the machine lands
// on both), and prints the pooled medians of CPU and wall ms/step and their ratios.
//
//   node tools/bench/js-ab.mjs --base main [--workload A] [--mode train] [--rounds 3] [--steps 10]
//
// Both sides run tools/bench/workers/rnn.mjs, the bench's own worker; the base side loads its
// backend-js through lib/js-dist-hook.mjs. This tree's build is packages/backend-js/dist: build it
// first (npx nx run-many -t build -p @rnn/backend-js).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { machine, load1 } from './lib/machine.mjs';
import { median } from './lib/stats.mjs';
import { RESULT_MARK } from './lib/timing.mjs';
import { WORKLOADS } from './lib/workloads.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const USAGE = 'node tools/bench/js-ab.mjs --base REF [--workload A|B|C] [--mode train|forward] [--rounds 3] [--steps 10] [--warmup 3]';
const args = toolArgs(USAGE, {
  base: { type: 'string' },
  workload: { type: 'string', default: 'A' },
  mode: { type: 'string', default: 'train' },
  rounds: { type: 'string', default: '3' },
  steps: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
});
const { base, workload, mode } = args.values;
if (!base) args.fail('--base is required: the git revision to compare this tree against (e.g. main)');
const w = WORKLOADS[workload];
if (!w || w.kind !== 'seq') args.fail(`--workload: expected one of the sequence workloads A, B, C; found '${workload}'`);
if (mode !== 'train' && mode !== 'forward') args.fail(`--mode: expected train or forward, found '${mode}'`);
const rounds = args.number('rounds');
const steps = args.number('steps');
const warmup = args.number('warmup');
for (const [k, v] of [['rounds', rounds], ['steps', steps]]) if (!(Number.isInteger(v) && v >= 1)) args.fail(`--${k}: expected a positive integer, found ${v}`);
if (!(Number.isInteger(warmup) && warmup >= 0)) args.fail(`--warmup: expected a non-negative integer, found ${warmup}`);

const log = (m) => process.stderr.write(`${m}\n`);
const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();

/** packages/backend-js at `ref`, built once per commit into tools/bench/.js-ab/<commit>/. */
function buildBase(ref) {
  let commit;
  try {
    commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  } catch {
    args.fail(`--base: '${ref}' is not a git revision of this repository`);
  }
  const dir = join(HERE, '.js-ab', commit);
  const dist = join(dir, 'packages', 'backend-js', 'dist');
  if (existsSync(join(dist, 'index.js'))) return { commit, dist };
  log(`building packages/backend-js at ${commit.slice(0, 10)} into ${dir}`);
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // the package's sources and the configs its tsconfig extends; imports of @rnn/core resolve to
  // this tree's node_modules (two folders up from tools/bench), the same core both sides run
  const archive = spawnSync('git', ['archive', '--format=tar', commit, 'packages/backend-js/src', 'packages/backend-js/tsconfig.build.json', 'packages/backend-js/package.json', 'tsconfig.base.json'], { cwd: ROOT, maxBuffer: 1 << 28 });
  if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-x', '-C', tmp], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(tmp, 'packages', 'backend-js', 'tsconfig.build.json')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed on backend-js at ${commit}:\n${tsc.stdout}${tsc.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { commit, dist };
}

function runWorker(distDir) {
  const spec = JSON.stringify({ w, backend: 'js', mode, steps, warmup, minSteps: steps });
  const hook = distDir === null ? [] : ['--import', join(HERE, 'lib', 'js-dist-hook.mjs')];
  const env = { ...process.env, ...(distDir === null ? {} : { RNN_JS_DIST: distDir }) };
  const r = spawnSync(process.execPath, [...hook, join(HERE, 'workers', 'rnn.mjs'), spec], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (r.status !== 0 || !line) throw new Error(`worker failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(RESULT_MARK.length));
}

const head = join(ROOT, 'packages', 'backend-js', 'dist');
if (!existsSync(join(head, 'index.js'))) args.fail('packages/backend-js/dist is missing: build it first (npx nx run-many -t build -p @rnn/backend-js)');
const { commit, dist } = buildBase(base);
const m = machine();
log(`CPU ${m.cpu}; ${w.title}, ${mode}; ${rounds} rounds of ${steps} steps per side; load ${load1().toFixed(2)}`);
const pooled = { base: { cpu: [], wall: [] }, head: { cpu: [], wall: [] } };
for (let round = 1; round <= rounds; round++) {
  for (const [side, d] of [['base', dist], ['head', null]]) {
    const r = runWorker(d);
    pooled[side].cpu.push(...r.cpu);
    pooled[side].wall.push(...r.wall);
    log(`round ${round} ${side}: CPU ${median(r.cpu).toFixed(1)} ms/step, wall ${median(r.wall).toFixed(1)} ms/step (load ${load1().toFixed(2)})`);
  }
}
const row = (side) => ({ cpu: median(pooled[side].cpu), wall: median(pooled[side].wall), best: Math.min(...pooled[side].wall) });
const b = row('base');
const h = row('head');
const fmt = (v) => v.toFixed(1);
process.stdout.write([
  `CPU: ${m.cpu} (${m.caches}); node ${m.node}`,
  `${w.title}, ${mode}, backend js: medians of ${rounds * steps} steps per side, and the fastest step`,
  '(on a VM whose core is shared, the fastest step is the one least slowed by the neighbour)',
  '',
  '| build | CPU ms/step | wall ms/step | fastest wall ms |',
  '|---|---|---|---|',
  `| base ${base} (${commit.slice(0, 10)}) | ${fmt(b.cpu)} | ${fmt(b.wall)} | ${fmt(b.best)} |`,
  `| this tree | ${fmt(h.cpu)} | ${fmt(h.wall)} | ${fmt(h.best)} |`,
  `| base / this tree | ${(b.cpu / h.cpu).toFixed(2)}x | ${(b.wall / h.wall).toFixed(2)}x | ${(b.best / h.best).toFixed(2)}x |`,
  '',
].join('\n'));
