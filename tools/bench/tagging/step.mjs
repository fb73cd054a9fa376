#!/usr/bin/env node
// One tagger training step at WNUT17 size, timed: batches of 32 real training sentences
// (../shared/datasets/wnut17/train.conll.gz, or $RNN_WNUT17_DIR), word dim 100, char CNN 30→50,
// BiLSTM 100, CRF (and softmax with --no-crf). Run it on one thread:
//   RNN_BACKEND=native RNN_NUM_THREADS=1 node tools/bench/tagging/step.mjs [--steps 20] [--no-crf]
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, backward, getBackend } from '@rnn/core';
import { Adam, Tagger, TaggingVocab } from '@rnn/layers';
import { toolArgs } from '../../lib/args.mjs';

const args = toolArgs('RNN_BACKEND=native RNN_NUM_THREADS=1 node tools/bench/tagging/step.mjs [--steps 20] [--no-crf]', {
  steps: { type: 'string', default: '20' },
  'no-crf': { type: 'boolean', default: false },
});
const steps = args.number('steps');
if (!Number.isInteger(steps) || steps < 1) args.fail(`--steps must be a positive integer, found ${steps}`);
const crf = !args.values['no-crf'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dataDir = process.env.RNN_WNUT17_DIR ?? join(root, '..', 'shared', 'datasets', 'wnut17');
const text = gunzipSync(readFileSync(join(dataDir, 'train.conll.gz'))).toString('utf8');
const sentences = [];
let tokens = [], tags = [];
for (const line of text.split('\n')) {
  if (line.trim() === '') {
    if (tokens.length) sentences.push({ tokens, tags });
    tokens = []; tags = [];
  } else {
    const f = line.split(/\t| +/);
    tokens.push(f[0]); tags.push(f[f.length - 1]);
  }
}
const vocab = TaggingVocab.build(sentences);
const tagger = new Tagger({ vocab, wordDim: 100, charDim: 30, charFilters: 50, charKernel: 3, hiddenSize: 100, crf, dropout: 0.5 });
const enc = tagger.encode(sentences);
const opt = new Adam({ lr: 0.001 });
const rng = new Rng(0);
const ctx = { rng, metric: () => {} };
const B = 32;
const times = [];
let tokensSeen = 0;
for (let s = 0; s < steps + 3; s++) {
  const batch = Array.from({ length: B }, () => enc[Math.floor(rng.next() * enc.length)]);
  const t0 = performance.now();
  tagger.params.zeroGrad();
  const loss = tagger.loss(batch, ctx);
  backward(loss);
  opt.step(tagger.params);
  loss.item();
  const dt = performance.now() - t0;
  if (s >= 3) { times.push(dt); tokensSeen += batch.reduce((n, x) => n + x.words.length, 0); }
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const total = times.reduce((a, b) => a + b, 0) / 1000;
console.log(JSON.stringify({
  backend: getBackend().name, threads: process.env.RNN_NUM_THREADS ?? 'default', crf, batch: B, steps,
  meanTokensPerSentence: +(tokensSeen / (steps * B)).toFixed(1), vocab: { words: vocab.words.size, chars: vocab.chars.size, tags: vocab.tags.length },
  medianStepMs: +median.toFixed(1), sentencesPerSecond: +((steps * B) / total).toFixed(1),
  epochSeconds: +((sentences.length / B) * (total / steps)).toFixed(1),
}));
