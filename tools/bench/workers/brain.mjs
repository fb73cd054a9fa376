#!/usr/bin/env node
// brain.js worker. brain.js has no mini-batches: a "step" is the batch's sequences trained one
// after another (trainPattern: forward, backward, RMSprop update per sequence), which is how
// brain.js trains. A/C use LSTMTimeStep/GRUTimeStep (a loss at every step, predicting the next
// input vector, so its output is 8 wide rather than 1); B uses recurrent.LSTM, whose input matrix
// is looked up by row (an embedding) and whose ids are shifted by one for its start/end token.
// Forward-only for B is trainInput without backpropagate (forward and loss).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { emit, measure, rng, seqData, workerSpec } from '../lib/timing.mjs';

const spec = workerSpec();
const w = spec.w;
const require = createRequire(join(spec.peers, 'package.json'));
const brain = require('brain.js');
const version = require('brain.js/package.json').version;
const d = seqData(w);
let net;
let seqs;
if (w.vocab) {
  net = new brain.recurrent.LSTM({ inputSize: w.input, inputRange: w.vocab + 1, hiddenLayers: Array(w.layers).fill(w.hidden), outputSize: w.vocab + 1 });
  seqs = Array.from({ length: w.batch }, (_, b) => Array.from(d.x.subarray(b * w.steps, (b + 1) * w.steps)));
} else {
  const Net = w.cell === 'lstm' ? brain.recurrent.LSTMTimeStep : brain.recurrent.GRUTimeStep;
  net = new Net({ inputSize: w.input, hiddenLayers: Array(w.layers).fill(w.hidden), outputSize: w.input });
  const r = rng(2);
  seqs = Array.from({ length: w.batch }, () => Array.from({ length: w.steps }, () => Float32Array.from({ length: w.input }, () => r() * 2 - 1)));
}
net.initialize();
net.trainOpts = { ...net.constructor.trainDefaults };
if (!w.vocab) net.trainInput = net.trainArrays;
// run() refuses until a pattern has been trained (it binds the per-step equations)
net.trainPattern(seqs[0]);
const train = () => seqs.forEach((s) => net.trainPattern(s));
const forward = w.vocab ? () => seqs.forEach((s) => net.trainInput(s)) : () => seqs.forEach((s) => net.run(s));
const { wall, cpu } = await measure(spec.mode === 'train' ? train : forward, spec);
emit({ wall, cpu, threads: 1, version });
