#!/usr/bin/env node
// Quick timing of workload D (binary Tree-LSTM on SST, issue 22) on the native backend, in-process:
// one train step = the first 256 SST train trees in batches of 25 (forward, backward, Adam), as
// tools/bench/workers/rnn.mjs runs it. Reports wall and CPU ms per step (CPU time is the guide on a
// loaded machine). The fused path (one native call per mini-batch) is the default; --composed runs
// the level-by-level reference. Threads: RNN_NUM_THREADS.
//   node tools/bench/trees-step.mjs [--steps N] [--composed] [--forward]
import { parseArgs } from 'node:util';
import * as core from '@rnn/core';
import * as L from '@rnn/layers';

const { values: f } = parseArgs({ options: { steps: { type: 'string', default: '5' }, composed: { type: 'boolean' }, forward: { type: 'boolean' } } });
await core.ready();
const backend = core.setBackend('native');
const trees = L.readTrees(new URL('../../data/sst/train.txt.gz', import.meta.url).pathname).slice(0, 256);
const vocab = L.Vocab.build(trees, { lowercase: true });
const net = new L.TreeNet({ cell: 'tree-lstm', hiddenSize: 150, embeddingDim: 150, vocab, numClasses: 5, seed: 1, backend });
const fused = !f.composed;
const enc = net.encode(trees);
const opt = L.getOptimizer({ type: 'adam', lr: 1e-3 });
const rng = new core.Rng(1);
const batches = [];
for (let i = 0; i < enc.length; i += 25) batches.push(enc.slice(i, i + 25));
const step = f.forward
  ? () => core.noGrad(() => batches.forEach((b) => net.forward(b, { fused }).logits.data()))
  : () => {
      for (const b of batches) {
        net.params.zeroGrad();
        const loss = net.lossOf(net.forward(b, { training: true, rng, fused }));
        loss.item();
        core.backward(loss);
        opt.step(net.params);
      }
    };
step();
const n = Number(f.steps);
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < n; i++) step();
const wall = (performance.now() - t0) / n;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1000 / n;
console.log(JSON.stringify({ mode: f.forward ? 'forward' : 'train', path: f.composed ? 'composed' : 'fused', threads: backend.info().threads, wallMs: +wall.toFixed(1), cpuMs: +cpu.toFixed(1) }));
