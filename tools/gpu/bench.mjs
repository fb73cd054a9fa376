#!/usr/bin/env node
// Times the benchmark workloads on one rnn backend (tools/gpu/check.sh runs it for 'cuda' and
// 'native' on the GPU machine); tools/gpu/bench_torch.py times the same models in PyTorch + cuDNN.
//
//   node tools/gpu/bench.mjs --backend cuda [--workloads A,B] [--json out.json] [--reps 20] [--quick]
//   node tools/gpu/bench.mjs --print-workloads     the shapes, as JSON, for bench_torch.py
//
// The workloads are tools/bench/lib/workloads.mjs's (the one definition every benchmark reads);
// the sequence ones are:
//   A  time series: LSTM 1 layer, batch 64, T 50, input 8, hidden 128, dense 1 on the last step, MSE
//   B  char-LM: embedding 65->64, LSTM 2 layers of 256, batch 32, T 100, dense 65 every step,
//      cross-entropy
//   C  as A with a GRU
// For each: the inference forward, and a training step (forward, loss, backward, Adam). A figure
// is the median of --reps steps after 3 warm-up steps; every step ends by reading the loss back
// (one device synchronisation per step, as a training loop that logs its loss does).
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs(
  'node tools/gpu/bench.mjs --backend cuda [--workloads A,B] [--json out.json] [--reps 20] [--quick]\n       node tools/gpu/bench.mjs --print-workloads',
  {
    backend: { type: 'string', default: 'cuda' },
    workloads: { type: 'string', default: 'A,B' },
    json: { type: 'string' },
    reps: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'print-workloads': { type: 'boolean', default: false },
  },
);
const quick = args.values.quick;

// The shared definitions when they are there; else the same numbers, copied (BENCHMARKS.md).
let defs;
try {
  const m = await import('../bench/lib/workloads.mjs');
  defs = (id) => m.workload(id, quick);
} catch {
  const W = {
    A: { id: 'A', cell: 'lstm', batch: 64, steps: 50, input: 8, hidden: 128, layers: 1, output: 1, perStep: false, loss: 'mse' },
    B: { id: 'B', cell: 'lstm', batch: 32, steps: 100, vocab: 65, input: 64, hidden: 256, layers: 2, output: 65, perStep: true, loss: 'crossentropy' },
    C: { id: 'C', cell: 'gru', batch: 64, steps: 50, input: 8, hidden: 128, layers: 1, output: 1, perStep: false, loss: 'mse' },
  };
  const Q = { A: { steps: 10, batch: 16, hidden: 32 }, B: { steps: 20, batch: 8, hidden: 64 }, C: { steps: 10, batch: 16, hidden: 32 } };
  defs = (id) => ({ ...W[id], ...(quick ? Q[id] : {}), quick });
}
const ids = args.values.workloads.split(',');
if (args.values['print-workloads']) {
  console.log(JSON.stringify(Object.fromEntries(ids.map((id) => [id, defs(id)]))));
  process.exit(0);
}

const core = await import('@rnn/core');
const { Adam } = await import('@rnn/layers');
await import('@rnn/backend-js');
await import('@rnn/backend-native');
const reps = args.values.reps === undefined ? (quick ? 3 : 20) : args.number('reps');
await core.ready();
const backend = core.setBackend(args.values.backend);
const rng = new core.Rng(7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(step) {
  for (let i = 0; i < 3; i++) step();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step();
    ts.push(performance.now() - t0);
  }
  return { medianMs: median(ts), minMs: Math.min(...ts), maxMs: Math.max(...ts), reps };
}

const GATES = { lstm: 4, gru: 3 };
const init = (n, k) => Float32Array.from({ length: n }, () => rng.uniform(-k, k));

/** The workload's model as parameters and a forward function (PyTorch's layouts and init ranges). */
function model(w) {
  const G = GATES[w.cell];
  const H = w.hidden;
  const specs = [];
  if (w.vocab) specs.push({ name: 'emb', shape: [w.vocab, w.input], init: Float32Array.from({ length: w.vocab * w.input }, () => rng.normal()) });
  for (let l = 0; l < w.layers; l++) {
    const I = l === 0 ? w.input : H;
    const k = 1 / Math.sqrt(H);
    specs.push(
      { name: `l${l}.weightIh`, shape: [G * H, I], init: init(G * H * I, k) },
      { name: `l${l}.weightHh`, shape: [G * H, H], init: init(G * H * H, k) },
      { name: `l${l}.biasIh`, shape: [G * H], init: init(G * H, k) },
      { name: `l${l}.biasHh`, shape: [G * H], init: init(G * H, k) },
    );
  }
  specs.push(
    { name: 'fc.weight', shape: [w.output, H], init: init(w.output * H, 1 / Math.sqrt(H)) },
    { name: 'fc.bias', shape: [w.output], init: init(w.output, 1 / Math.sqrt(H)) },
  );
  const ps = new core.ParameterSet(specs, { backend });
  const forward = (x) => {
    let h = w.vocab ? core.gather(ps.get('emb'), x) : x;
    for (let l = 0; l < w.layers; l++) {
      const p = (n) => ps.get(`l${l}.${n}`);
      const params = { weight_ih: p('weightIh'), weight_hh: p('weightHh'), bias_ih: p('biasIh'), bias_hh: p('biasHh') };
      h = core.recurrence({ cell: core.cellForKernel(w.cell, H), params, x: h }).y;
    }
    const feats = w.perStep ? core.reshape(h, [w.batch * w.steps, H]) : core.reshape(core.slice(h, [0, w.steps - 1, 0], [w.batch, 1, H]), [w.batch, H]);
    return core.linear(feats, ps.get('fc.weight'), ps.get('fc.bias'));
  };
  return { ps, forward };
}

function data(w) {
  const { batch: B, steps: T } = w;
  if (w.vocab) {
    const x = core.tensor(Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform(0, w.vocab))), [B, T], { backend, dtype: 'int32' });
    // flat indices of the target class in [B*T, vocab] log-probabilities
    const target = core.tensor(Int32Array.from({ length: B * T }, (_, i) => i * w.vocab + Math.floor(rng.uniform(0, w.vocab))), [B * T], { backend, dtype: 'int32' });
    return { x, target };
  }
  const x = core.randUniform([B, T, w.input], -1, 1, { rng, backend });
  const target = core.randUniform([B, w.output], -1, 1, { rng, backend });
  return { x, target };
}

function loss(w, out, target) {
  if (w.loss === 'mse') return core.mean(core.square(core.sub(out, target)));
  const rows = w.batch * w.steps;
  const logp = core.reshape(core.logSoftmax(out, -1), [rows * w.output, 1]);
  return core.mul(core.sum(core.gather(logp, target)), -1 / rows);
}

const results = { backend: backend.name, info: backend.info(), node: process.version, quick, workloads: {} };
for (const id of ids) {
  const w = defs(id);
  const { ps, forward } = model(w);
  const { x, target } = data(w);
  const adam = new Adam({ lr: 1e-3 });
  const fwd = time(() => core.tidy(() => core.noGrad(() => core.sum(forward(x)).item())));
  const train = time(() => {
    const value = core.tidy(() => {
      const l = loss(w, forward(x), target);
      core.backward(l);
      return l.item();
    });
    adam.step(ps); // outside tidy: the optimizer's moment buffers live across steps
    ps.zeroGrad();
    return value;
  });
  results.workloads[id] = { shape: w, forward: fwd, train };
  console.log(`${id}  ${w.cell} ${w.layers}x${w.hidden} B${w.batch} T${w.steps}: forward ${fwd.medianMs.toFixed(3)} ms, train step ${train.medianMs.toFixed(3)} ms (${backend.name})`);
}

const out = args.values.json ?? null;
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
