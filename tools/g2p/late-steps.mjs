#!/usr/bin/env node
// Training speed late in training against early: one epoch over every 23rd training pair of the
// G2P split, from the weights of a trained model (tools/g2p/run.mjs writes one) and from a fresh
// initialisation of the same config, each twice, in pairs per CPU second of this process (so a
// busy machine shifts both alike). Found the denormal slow-down of native/src/denormals.h: before
// it, the trained weights trained 2.2× slower than fresh ones.
//
//   RNN_BACKEND=native RNN_NUM_THREADS=1 node tools/g2p/late-steps.mjs --model WORK/g2p.safetensors
//       --train WORK/train.tsv [--every 23]
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fitSeq2Seq, loadSeq2Seq, seq2seqFromConfig } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node tools/g2p/late-steps.mjs --model M.safetensors --train train.tsv [--every 23]', {
  model: { type: 'string' },
  train: { type: 'string' },
  every: { type: 'string', default: '23' },
});
if (!args.values.model || !args.values.train) args.fail('--model and --train are required (the files of a tools/g2p/run.mjs --work folder)');
const every = args.number('every');
const lines = readFileSync(args.values.train, 'utf8').trim().split('\n');
const raw = [];
for (let i = 0; i < lines.length; i += every) {
  const [word, phones] = lines[i].split('\t');
  raw.push({ source: [...word], target: phones.split(' ') });
}
const trained = loadSeq2Seq(args.values.model);
process.stdout.write(`CPU: ${cpus()[0]?.model}; RNN_BACKEND=${process.env.RNN_BACKEND ?? '(unset)'}\n`);
for (const [name, model] of [['trained', trained], ['fresh', seq2seqFromConfig(trained.config())]]) {
  const pairs = model.encodePairs(raw);
  for (let r = 0; r < 2; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fitSeq2Seq(model, pairs, { epochs: 1, batchSize: 128, buckets: true, seed: 1, optimizer: { type: 'adam', lr: 0.003 } });
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    process.stdout.write(`${name} weights, epoch ${r + 1}: ${(pairs.length / ((c.user + c.system) / 1e6)).toFixed(0)} pairs per CPU second, ${(pairs.length / wall).toFixed(0)} per second (${pairs.length} pairs)\n`);
  }
}
