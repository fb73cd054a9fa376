#!/usr/bin/env node
// What recording the per-step internals costs on a fused sequence kernel: the inference forward
// (`recurrence` under noGrad) with and without `record: true` (gates and lstm cell states out of
// the kernel's reserve), side by side in one process, median of --reps, as a ratio. The target of
// issue 19 is at most 20 % extra on the native backend. Not a test: run by hand, on a quiet machine:
//   node tools/explain/record-overhead.mjs [--backend native|js] [--reps 30] [--batch 64] [--steps 100] [--hidden 128]
import { execSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as core from '@rnn/core';
import '@rnn/backend-js';
import { toolArgs } from '../lib/args.mjs';
import { median } from '../bench/lib/stats.mjs';

const args = toolArgs('node tools/explain/record-overhead.mjs [--backend native|js] [--reps N] [--batch B] [--steps T] [--input I] [--hidden H]', {
  backend: { type: 'string', default: 'native' },
  reps: { type: 'string', default: '30' },
  batch: { type: 'string', default: '64' },
  steps: { type: 'string', default: '100' },
  input: { type: 'string', default: '32' },
  hidden: { type: 'string', default: '128' },
});
if (args.values.backend === 'native') await import('@rnn/backend-native');
await core.ready();
const backend = core.setBackend(args.values.backend);
const [reps, B, T, I, H] = ['reps', 'batch', 'steps', 'input', 'hidden'].map((k) => args.number(k));
const rng = new core.Rng(1);
const u = (shape, s) => core.randUniform(shape, -s, s, { rng, backend });
let cpu = '';
try {
  cpu = execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).replace(/Model name:\s*/, '').trim();
} catch {}

/** Median [wall, CPU] ms of `fn` (CPU time: on a shared machine the wall time measures the neighbours too). */
function time(fn) {
  for (let i = 0; i < 3; i++) core.tidy(() => void fn());
  const ts = [], cs = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    core.tidy(() => void fn());
    const c = process.cpuUsage(c0);
    ts.push(performance.now() - t0);
    cs.push((c.user + c.system) / 1000);
  }
  return [median(ts), median(cs)];
}

console.log(`recording overhead, ${backend.name} backend, B ${B} × T ${T}, input ${I}, hidden ${H}, median of ${reps}; CPU ${cpu}`);
for (const kind of ['lstm', 'gru']) {
  const G = core.GATES[kind];
  const cell = core.cellForKernel(kind, H);
  const x = u([B, T, I], 1);
  const params = { weight_ih: u([G * H, I], 0.1), weight_hh: u([G * H, H], 0.1), bias_ih: u([G * H], 0.1), bias_hh: u([G * H], 0.1) };
  const run = (record) => core.noGrad(() => core.recurrence({ cell, params, x }, { record }));
  // alternate the two so a frequency change hits both alike
  const plain = [], rec = [];
  for (let k = 0; k < 3; k++) {
    plain.push(time(() => run(false)));
    rec.push(time(() => run(true)));
  }
  const a = median(plain.map((p) => p[0])), b = median(rec.map((p) => p[0]));
  const ac = median(plain.map((p) => p[1])), bc = median(rec.map((p) => p[1]));
  console.log(`${kind.padEnd(5)} plain ${a.toFixed(2)} ms   recording ${b.toFixed(2)} ms   overhead ${((b / a - 1) * 100).toFixed(1)} %   (CPU time: ${ac.toFixed(2)} vs ${bc.toFixed(2)} ms, ${((bc / ac - 1) * 100).toFixed(1)} %)`);
}
