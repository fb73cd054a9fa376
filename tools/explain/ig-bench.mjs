#!/usr/bin/env node
// Explaining a batch, side by side with PyTorch: integrated gradients (--ig-steps Gauss–Legendre
// points, all stacked into one batch) of an LSTM classifier's predicted class over a batch of
// --batch × --length steps, median of --reps, here and in ig_bench_torch.py (the same computation
// written as Captum does it) with the same thread count, and the ratio. Issue 19's target: at
// most 2× PyTorch. Not a test: run by hand on a quiet machine:
//   node tools/explain/ig-bench.mjs [--backend native] [--threads 1] [--reps 10] [--python /usr/bin/python3]
import { execFileSync, execSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as core from '@rnn/core';
import { dense, integratedGradients, lstm, sequential, sequentialView } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';
import { median } from '../bench/lib/stats.mjs';

const args = toolArgs(
  'node tools/explain/ig-bench.mjs [--backend native|js] [--batch 64] [--length 50] [--input 8] [--hidden 64] [--ig-steps 32] [--reps 10] [--threads 1] [--python PATH] [--no-torch]',
  {
    backend: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '64' },
    length: { type: 'string', default: '50' },
    input: { type: 'string', default: '8' },
    hidden: { type: 'string', default: '64' },
    'ig-steps': { type: 'string', default: '32' },
    reps: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'no-torch': { type: 'boolean' },
  },
);
const [B, T, I, H, steps, reps, threads] = ['batch', 'length', 'input', 'hidden', 'ig-steps', 'reps', 'threads'].map((k) => args.number(k));
process.env.RNN_NUM_THREADS = String(threads);
if (args.values.backend === 'native') await import('@rnn/backend-native');
await core.ready();
const backend = core.setBackend(args.values.backend);
backend.setNumThreads?.(threads);
let cpu = '';
try {
  cpu = execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).replace(/Model name:\s*/, '').trim();
} catch {}

const model = sequential([lstm({ hiddenSize: H }), dense({ units: 4 })]).build({ inputSize: I, seed: 0, backend });
const rng = new core.Rng(2);
const x = core.tensor(Float32Array.from({ length: B * T * I }, () => rng.uniform(-1, 1)), [B, T, I], { backend });
const run = () => {
  const v = sequentialView(model, x);
  return integratedGradients(v.f, v.input, { steps });
};
for (let i = 0; i < 2; i++) run();
const ts = [];
const cs = [];
let worst = 0;
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = run();
  const c = process.cpuUsage(c0);
  ts.push(performance.now() - t0);
  cs.push((c.user + c.system) / 1000);
  worst = Math.max(worst, ...r.completenessError);
}
// CPU time too: on a shared machine the wall time measures the neighbours as much as the code
const ours = median(ts);
const oursCpu = median(cs);
console.log(`integrated gradients, LSTM ${I}→${H}→4, batch ${B} × ${T} steps, ${steps} steps (${B * steps} rows stacked), ${threads} thread(s), median of ${reps}; CPU ${cpu}`);
console.log(`rnn (${backend.name})  ${ours.toFixed(1)} ms wall, ${oursCpu.toFixed(1)} ms CPU   worst completeness error ${(worst * 100).toFixed(4)} %`);
if (!args.values['no-torch']) {
  const script = fileURLToPath(new URL('./ig_bench_torch.py', import.meta.url));
  const out = execFileSync(args.values.python, [script, '--batch', String(B), '--length', String(T), '--input', String(I), '--hidden', String(H), '--ig-steps', String(steps), '--reps', String(reps), '--threads', String(threads)], { encoding: 'utf8' });
  const torch = JSON.parse(out.trim().split('\n').at(-1));
  console.log(`pytorch ${torch.torch}  ${torch.median_ms.toFixed(1)} ms wall, ${torch.median_cpu_ms.toFixed(1)} ms CPU`);
  console.log(`ratio rnn / pytorch: ${(ours / torch.median_ms).toFixed(2)} wall, ${(oursCpu / torch.median_cpu_ms).toFixed(2)} CPU (target <= 2)`);
}
