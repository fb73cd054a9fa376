#!/usr/bin/env node
// What recording the per-step internals costs on a fused sequence kernel: the inference forward
// (`recurrence` under noGrad) with and without `record: true` (the gates and lstm's c_t, extra
// outputs of the inference kernel), side by side in one process, median of --reps, as a ratio of
// wall and of CPU time (on a shared machine only the CPU-time ratio means much; the load average is
// printed). The target of issue 19 is at most 20 % extra on the native backend. Not a test: run by
// hand, on a quiet machine:
//   node tools/explain/record-overhead.mjs [--backend native|js] [--reps 30] [--batch 64] [--steps 100] [--hidden 128]
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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

/** This thread's CPU time in ms (Linux schedstat, ns): the kernel runs here with RNN_NUM_THREADS=1,
 *  while process.cpuUsage also counts V8's background GC threads. NaN where it cannot be read. */
function threadCpu() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Median [wall, process CPU, main-thread CPU] ms of `fn` (CPU time: on a shared machine the wall
 *  time measures the neighbours too). */
function time(fn) {
  for (let i = 0; i < 3; i++) core.tidy(() => void fn());
  const ts = [], cs = [], ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const m0 = threadCpu();
    core.tidy(() => void fn());
    const c = process.cpuUsage(c0);
    ms.push(threadCpu() - m0);
    ts.push(performance.now() - t0);
    cs.push((c.user + c.system) / 1000);
  }
  return [median(ts), median(cs), median(ms)];
}

console.log(`recording overhead, ${backend.name} backend, B ${B} × T ${T}, input ${I}, hidden ${H}, median of ${reps}; CPU ${cpu}; load average ${loadavg()[0].toFixed(2)}`);
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
  const am = median(plain.map((p) => p[2])), bm = median(rec.map((p) => p[2]));
  const pct = (x, y) => `${((y / x - 1) * 100).toFixed(1)} %`;
  console.log(
    `${kind.padEnd(5)} plain ${a.toFixed(2)} ms   recording ${b.toFixed(2)} ms   overhead ${pct(a, b)}   ` +
      `(CPU time: ${ac.toFixed(2)} vs ${bc.toFixed(2)} ms, ${pct(ac, bc)}; main thread: ${am.toFixed(2)} vs ${bm.toFixed(2)} ms, ${pct(am, bm)})`,
  );
}
