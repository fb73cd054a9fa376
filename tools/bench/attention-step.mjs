#!/usr/bin/env node
// Micro-benchmark of the decoding step of an encoder–decoder on one backend: the decoder's LSTM
// step (`recurrence` over x [B, 1, D] with a carry: fused kernel vs scan over the cell) at beam
// batch sizes, and the attention step (fused kernel vs the composed ops) at the decode (Tq 1) and
// teacher-forced (Tq 12) shapes. PyTorch's side: attention_step_torch.py. Not a test: by hand.
//   RNN_NUM_THREADS=1 node tools/bench/attention-step.mjs [--backend native] [--reps N]
import { performance } from 'node:perf_hooks';
import * as core from '@rnn/core';
import '@rnn/backend-js';
import { toolArgs } from '../lib/args.mjs';
import { median } from './lib/stats.mjs';

const args = toolArgs('node tools/bench/attention-step.mjs [--backend js|native] [--reps N] [--only lstm|attention]', {
  backend: { type: 'string', default: process.env.RNN_BACKEND ?? 'native' },
  reps: { type: 'string', default: '200' },
  only: { type: 'string' },
});
if (args.values.only && !['lstm', 'attention'].includes(args.values.only)) args.fail(`--only must be lstm or attention, found '${args.values.only}'`);
if (args.values.backend === 'native') await import('@rnn/backend-native');
await core.ready();
const backend = core.setBackend(args.values.backend);
const reps = args.number('reps');
const rng = new core.Rng(1);
const us = (ms) => (ms * 1000).toFixed(1);

/** Median wall time of `fn` in ms, each call inside tidy so intermediates are freed as in a loop. */
function time(fn, n) {
  for (let i = 0; i < Math.min(20, n); i++) core.tidy(() => void fn());
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    core.tidy(() => void fn());
    ts.push(performance.now() - t0);
  }
  return median(ts);
}
const u = (shape, s = 1, grad = false) => {
  const t = core.randUniform(shape, -s, s, { rng, backend });
  t.requiresGrad = grad;
  return t;
};

console.log(`backend ${backend.name} (${JSON.stringify(backend.info())}), node ${process.version}, threads ${process.env.RNN_NUM_THREADS ?? 'default'}`);

if (args.values.only !== 'attention') {
  const [D, H] = [256, 256];
  const params = { weight_ih: u([4 * H, D], 0.06), weight_hh: u([4 * H, H], 0.06), bias_ih: u([4 * H], 0.06), bias_hh: u([4 * H], 0.06) };
  const cell = new core.LSTMCell(H);
  console.log('\n| decoder LSTM step (inference), D = H = 256 | B | fused µs | scan µs |');
  console.log('|---|---|---|---|');
  for (const B of [64, 128, 192, 256, 320]) {
    const x = u([B, 1, D]);
    const carry = [u([B, H]), u([B, H])];
    const step = (fused) => () => core.noGrad(() => core.recurrence({ cell, params, x, carry }, { fused }));
    console.log(`| recurrence x [B,1,D] | ${B} | ${us(time(step(true), reps))} | ${us(time(step(false), reps))} |`);
  }
}

if (args.values.only !== 'lstm') {
  const [B, Ts, D] = [64, 12, 256];
  console.log(`\n| attention, B ${B}, Ts ${Ts}, D = Dv = ${D} | score | Tq | mode | fused µs | composed µs | speed-up |`);
  console.log('|---|---|---|---|---|---|---|');
  const lengths = Array.from({ length: B }, (_, b) => 1 + (b % Ts));
  for (const score of ['dot', 'additive']) {
    for (const Tq of [1, 12]) {
      const query = u([B, Tq, D], 1, true);
      const keys = u([B, Ts, D], 1, true);
      const values = u([B, Ts, D], 1, true);
      const v = score === 'additive' ? u([D], 0.1, true) : null;
      const a = { query, keys, values, lengths, score, v };
      const infer = (fused) => () => core.noGrad(() => core.attention(a, { fused }));
      const train = (fused) => () => {
        const r = core.attention(a, { fused });
        const g = core.grad(core.add(core.sum(r.context), core.sum(core.mul(r.weights, r.weights))), [query, keys, values, ...(v ? [v] : [])]);
        return g;
      };
      for (const [mode, f] of [['forward', infer], ['fwd+bwd', train]]) {
        const tf = time(f(true), reps);
        const tc = time(f(false), reps);
        console.log(`| | ${score} | ${Tq} | ${mode} | ${us(tf)} | ${us(tc)} | ${(tc / tf).toFixed(1)}× |`);
      }
    }
  }
}
