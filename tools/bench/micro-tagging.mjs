#!/usr/bin/env node
// Micro-benchmark of the tagging kernels on one backend, fused kernel vs the composed ops it
// replaces (the reference path, `{ fused: false }`): CRF nll forward+backward and Viterbi at
// 17 tags x 40 steps x batch 32 (issue 17's target: fused >= 10x composed on native), and conv1d
// forward+backward at a char-CNN shape (1000 words x 16 chars, 30 -> 50 channels, kernel 3).
// Not a test: run it by hand.
//   node tools/bench/micro-tagging.mjs [--backend js|native|cuda] [--reps N]
import { performance } from 'node:perf_hooks';
import * as core from '@rnn/core';
import '@rnn/backend-js';
import { toolArgs } from '../lib/args.mjs';
import { median } from './lib/stats.mjs';

const args = toolArgs('node tools/bench/micro-tagging.mjs [--backend js|native|cuda] [--reps N]', {
  backend: { type: 'string', default: process.env.RNN_BACKEND ?? 'native' },
  reps: { type: 'string', default: '20' },
});
await core.ready();
const backend = core.setBackend(args.values.backend);
const reps = args.number('reps');
const rng = new core.Rng(1);

function time(fn, n) {
  for (let i = 0; i < 3; i++) core.tidy(fn); // warm-up
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    core.tidy(fn);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}
const param = (shape, s = 1) => {
  const t = core.randUniform(shape, -s, s, { rng, backend });
  t.requiresGrad = true;
  return t;
};

console.log(`backend ${backend.name} (${JSON.stringify(backend.info())}), node ${process.version}`);
console.log('| op | size | fused ms | composed ms | speed-up |');
console.log('|---|---|---|---|---|');
const row = (op, size, f, c) => console.log(`| ${op} | ${size} | ${f.toFixed(3)} | ${c.toFixed(3)} | ${(c / f).toFixed(1)}x |`);

// CRF: 17 tags, 40 steps, batch 32, ragged lengths 20..40
const [B, T, K] = [32, 40, 17];
const emissions = param([B, T, K], 2);
const transitions = param([K, K]);
const start = param([K]);
const end = param([K]);
const lengths = Array.from({ length: B }, (_, b) => 20 + ((b * 7) % 21));
const tags = Int32Array.from({ length: B * T }, (_, i) => (i * 5) % K);
const crf = { emissions, transitions, start, end, lengths, tags };
const nllStep = (fused) => () => {
  const nll = core.crfNll(crf, { fused });
  core.grad(core.sum(nll), [emissions, transitions, start, end]);
};
row('crfNll fwd+bwd', `B${B} T${T} K${K}`, time(nllStep(true), reps), time(nllStep(false), reps));
const { tags: _gold, ...decodeArgs } = crf;
row('crfDecode (Viterbi)', `B${B} T${T} K${K}`, time(() => core.crfDecode(decodeArgs), reps), time(() => core.crfDecode(decodeArgs, { fused: false }), reps));

// conv1d: char CNN, 1000 words x 16 chars, 30 -> 50 channels, kernel 3, padding 1
const x = param([1000, 16, 30]);
const w = param([50, 30, 3], 0.2);
const bias = param([50], 0.1);
const convStep = (fused) => () => {
  const y = core.conv1d(x, w, bias, { padding: 1, fused });
  core.grad(core.sum(y), [x, w, bias]);
};
row('conv1d fwd+bwd', 'B1000 T16 Cin30 Cout50 K3', time(convStep(true), reps), time(convStep(false), reps));
row(
  'conv1d forward',
  'B1000 T16 Cin30 Cout50 K3',
  time(() => core.noGrad(() => core.conv1d(x, w, bias, { padding: 1 })), reps),
  time(() => core.noGrad(() => core.conv1d(x, w, bias, { padding: 1, fused: false })), reps),
);
