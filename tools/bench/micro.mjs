#!/usr/bin/env node
// Micro-benchmark of one backend: matmul GFLOP/s at 256/512/1024 and an LSTM train step
// (forward + backward through the fused kernel). Not a test: run it by hand.
//   node tools/bench/micro.mjs [--backend js|native] [--reps N]
import { performance } from 'node:perf_hooks';
import * as core from '@rnn/core';
import '@rnn/backend-js';
import { toolArgs } from '../lib/args.mjs';
import { median } from './lib/stats.mjs';

const args = toolArgs('node tools/bench/micro.mjs [--backend js|native] [--reps N]', {
  backend: { type: 'string', default: process.env.RNN_BACKEND ?? 'js' },
  reps: { type: 'string', default: '10' },
});
await core.ready();
const backend = core.setBackend(args.values.backend);
const reps = args.number('reps');
const rng = new core.Rng(1);

function time(fn, n) {
  fn();
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return { median: median(ts), min: Math.min(...ts), max: Math.max(...ts) };
}

console.log(`backend ${backend.name} (${JSON.stringify(backend.info())}), node ${process.version}`);
console.log('| op | size | median ms | GFLOP/s |');
console.log('|---|---|---|---|');
for (const n of [256, 512, 1024]) {
  const a = core.randUniform([n, n], -1, 1, { rng, backend });
  const b = core.randUniform([n, n], -1, 1, { rng, backend });
  const t = time(() => core.matmul(a, b), n >= 1024 ? Math.max(3, Math.floor(reps / 3)) : reps);
  console.log(`| matmul f32 | ${n}x${n}x${n} | ${t.median.toFixed(2)} | ${((2 * n ** 3) / t.median / 1e6).toFixed(2)} |`);
}

// LSTM step: batch 64, T 50, input 8, hidden 128 (workload A of the native issue)
const [B, T, I, H] = [64, 50, 8, 128];
const x = core.randUniform([B, T, I], -1, 1, { rng, backend });
const w = (shape) => {
  const t = core.randUniform(shape, -0.1, 0.1, { rng, backend });
  t.requiresGrad = true;
  return t;
};
const wih = w([4 * H, I]);
const whh = w([4 * H, H]);
const bih = w([4 * H]);
const bhh = w([4 * H]);
const lstm = { cell: new core.LSTMCell(H), params: { weight_ih: wih, weight_hh: whh, bias_ih: bih, bias_hh: bhh }, x };
const fwd = () => core.noGrad(() => core.recurrence(lstm));
const train = () => {
  const r = core.recurrence(lstm);
  core.backward(core.sum(r.y));
};
const flopsF = 2 * B * T * 4 * H * (I + H);
const tf = time(fwd, reps);
const tt = time(train, reps);
console.log(`| lstm forward | B${B} T${T} I${I} H${H} | ${tf.median.toFixed(2)} | ${(flopsF / tf.median / 1e6).toFixed(2)} |`);
console.log(`| lstm fwd+bwd | B${B} T${T} I${I} H${H} | ${tt.median.toFixed(2)} | ${((3 * flopsF) / tt.median / 1e6).toFixed(2)} |`);
console.log(`| lstm step (fwd+bwd / T) | one time step | ${(tt.median / T).toFixed(3)} | |`);
