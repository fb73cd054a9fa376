#!/usr/bin/env node
// GFLOP/s of backend-js's GEMM on the six products of a workload-A LSTM training step (batch 64,
// 50 steps, input 8, hidden 128), each timed in process CPU time, best of 7 after a warm-up:
// the input projection, the 50 recurrent products forward and backward (W_hh packed once, as the
// fused kernel does), and dx, dW_ih, dW_hh.
//
//   node tools/bench/js-gemm.mjs [--dist DIR]
//
// --dist: a backend-js build's dist folder (default packages/backend-js/dist); js-ab.mjs leaves
// the base revision's build in tools/bench/.js-ab/<commit>/packages/backend-js/dist.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { machine } from './lib/machine.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = toolArgs('node tools/bench/js-gemm.mjs [--dist DIR]', { dist: { type: 'string' } });
const dist = resolve(args.values.dist ?? join(HERE, '..', '..', 'packages', 'backend-js', 'dist'));
if (!existsSync(join(dist, 'gemm.js'))) args.fail(`--dist: no gemm.js in ${dist}; build backend-js first`);
const { gemm, gemmPacked, packB } = await import(pathToFileURL(join(dist, 'gemm.js')).href);

const B = 64, T = 50, I = 8, H = 128, GH = 4 * H;
let seed = 1;
const rand = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5);
const cases = [
  ['input projection', 'm 3200 n 512 k 8', T * B * GH * I, () => {
    const a = rand(T * B * I), w = rand(GH * I), c = new Float32Array(T * B * GH);
    return () => gemm(T * B, GH, I, a, 0, false, w, 0, true, c, 0, false);
  }],
  ['recurrent, forward (x50)', 'm 64 n 512 k 128', T * B * GH * H, () => {
    const h = rand((T + 1) * B * H), c = new Float32Array(B * GH);
    const pb = packB(rand(GH * H), 0, true, H, GH);
    return () => { for (let s = 0; s < T; s++) gemmPacked(B, h, s * B * H, false, pb, c, 0, false); };
  }],
  ['recurrent, backward (x50)', 'm 64 n 128 k 512', T * B * GH * H, () => {
    const g = rand(T * B * GH), c = new Float32Array(B * H);
    const pb = packB(rand(GH * H), 0, false, GH, H);
    return () => { for (let s = 0; s < T; s++) gemmPacked(B, g, s * B * GH, false, pb, c, 0, true); };
  }],
  ['dx', 'm 3200 n 8 k 512', T * B * GH * I, () => {
    const g = rand(T * B * GH), w = rand(GH * I), c = new Float32Array(T * B * I);
    return () => gemm(T * B, I, GH, g, 0, false, w, 0, false, c, 0, false);
  }],
  ['dW_ih', 'm 512 n 8 k 3200, A transposed', T * B * GH * I, () => {
    const g = rand(T * B * GH), x = rand(T * B * I), c = new Float32Array(GH * I);
    return () => gemm(GH, I, T * B, g, 0, true, x, 0, false, c, 0, false);
  }],
  ['dW_hh', 'm 512 n 128 k 3200, A transposed', T * B * GH * H, () => {
    const g = rand(T * B * GH), h = rand(T * B * H), c = new Float32Array(GH * H);
    return () => gemm(GH, H, T * B, g, 0, true, h, 0, false, c, 0, false);
  }],
];
const lines = [`CPU: ${machine().cpu}; node ${process.version}; ${dist}`, '', '| product | shape | CPU ms | GFLOP/s |', '|---|---|---|---|'];
let total = 0;
for (const [name, shape, macs, make] of cases) {
  const run = make();
  for (let i = 0; i < 5; i++) run();
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const c0 = process.cpuUsage();
    run();
    const u = process.cpuUsage(c0);
    best = Math.min(best, (u.user + u.system) / 1000);
  }
  total += best;
  lines.push(`| ${name} | ${shape} | ${best.toFixed(1)} | ${((2 * macs) / best / 1e6).toFixed(2)} |`);
}
lines.push(`| all six | | ${total.toFixed(1)} | |`, '');
process.stdout.write(lines.join('\n'));
