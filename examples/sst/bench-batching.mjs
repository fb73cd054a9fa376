#!/usr/bin/env node
// Dynamic batching vs node by node: trees/second of a training step (forward + backward) and of
// inference on the first N SST training trees, same backend, same cell code.
//   npm run build && node examples/sst/bench-batching.mjs [--backend js|native] [--cells tree-lstm,child-sum,rnn,rntn]
//     [--trees 256] [--hidden 150] [--embedding 150] [--batch-size 25] [--reps 1] [--json]
// Rates are trees per second of this process's CPU time (user + system), so that other load on a
// shared machine does not count; wall-clock rates are printed beside them.
import { performance } from 'node:perf_hooks';
import { backward, getBackend, noGrad, ready, setBackend } from '@rnn/core';
import { TreeNet, Vocab, readTrees } from '@rnn/layers';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
await ready();
if (opt('backend', null)) setBackend(opt('backend', null));
const cells = opt('cells', 'tree-lstm,child-sum,rnn,rntn').split(',');
const nTrees = Number(opt('trees', '256'));
const hidden = Number(opt('hidden', '150'));
const embedding = Number(opt('embedding', String(hidden)));
const batchSize = Number(opt('batch-size', '25'));
const reps = Number(opt('reps', '1'));
const file = new URL('../../data/sst/train.txt.gz', import.meta.url).pathname;
const trees = readTrees(file).slice(0, nTrees);
const vocab = Vocab.build(trees, { lowercase: true });
const nodes = trees.reduce((s, t) => s + t.labels.length, 0);
console.log(`backend ${getBackend().name} ${JSON.stringify(getBackend().info())}; ${trees.length} SST train trees (${nodes} nodes); hidden ${hidden}, embedding ${embedding}, batch ${batchSize}`);

function rate(fn) {
  fn(16); // warm-up (JIT) on the first 16 trees
  let cpu = Infinity;
  let wall = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn(trees.length);
    const c = process.cpuUsage(c0);
    wall = Math.min(wall, performance.now() - t0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { cpu: trees.length / (cpu / 1000), wall: trees.length / (wall / 1000) };
}

const rows = [];
for (const cell of cells) {
  // the recursive nets use word vectors as leaves: embedding = hidden
  const E = cell === 'rnn' || cell === 'rntn' ? hidden : embedding;
  const net = new TreeNet({ cell, hiddenSize: hidden, embeddingDim: E, vocab, seed: 1 });
  const enc = net.encode(trees);
  const pass = (nodeByNode, train) => (n) => {
    for (let i = 0; i < n; i += batchSize) {
      const batch = enc.slice(i, Math.min(n, i + batchSize));
      if (train) {
        net.params.zeroGrad();
        backward(net.lossOf(net.forward(batch, { nodeByNode })));
      } else noGrad(() => net.forward(batch, { nodeByNode }).logits.data());
    }
  };
  const r = {
    cell,
    trainBatched: rate(pass(false, true)),
    trainNode: rate(pass(true, true)),
    inferBatched: rate(pass(false, false)),
    inferNode: rate(pass(true, false)),
  };
  rows.push(r);
  const f = (a, b) => `${a.cpu.toFixed(1)} vs ${b.cpu.toFixed(1)} trees/CPU-s (x${(a.cpu / b.cpu).toFixed(1)}; wall ${a.wall.toFixed(1)} vs ${b.wall.toFixed(1)})`;
  console.log(`${cell.padEnd(10)} train: batched ${f(r.trainBatched, r.trainNode)}`);
  console.log(`${' '.repeat(10)} inference: batched ${f(r.inferBatched, r.inferNode)}`);
}
if (args.includes('--json')) console.log(JSON.stringify({ trees: trees.length, nodes, hidden, embedding, batchSize, rows }));
