#!/usr/bin/env node
// Short recipe runs for the G2P proof (issue 16), at equal CPU time rather than wall time: on a
// machine shared with other jobs, wall-clock budgets measure the neighbours. Trains one
// configuration of `Seq2Seq` on the stress-free CMUdict train split with the same loop as
// `rnn train --pairs` (the Trainer, Adam, clipping 5, optional length bucketing), stops after
// each of the --at CPU minutes to decode the first --dev-words dev words greedily (that time is
// not counted), and prints one JSON line per checkpoint: pairs per CPU second, dev WER and PER.
//
//   RNN_NUM_THREADS=1 node tools/g2p/sweep.mjs --data DIR --at 1,2,4 --config '{"hidden":256,...}'
//
// DIR holds train.tsv and dev.tsv without stress digits (tools/g2p/run.mjs --work DIR writes
// them). Config keys (defaults = `rnn train --pairs`'s): embedding, encoder ('lstm' or 'gru'), hidden, layers,
// decoderHidden, dropout, batch, lr, anneal (over the last `anneal` of the budget — the last --at
// point — the rate falls linearly to 0, as `rnn train --pairs --anneal`; 0 = constant), bucket, seed,
// inputFeeding (default off, as the CLI), attention ('luong' or 'bahdanau'), average (a decay in (0, 1):
// also score an exponential moving average of the weights; 0 = off), labelSmoothing (as `rnn train --pairs
// --label-smoothing`). Unknown keys are refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@rnn/core';
import { Seq2Seq, SeqVocab, Trainer, getOptimizer, pairLengthKeys, weightAverage } from '@rnn/layers';
import { scorePairs } from '../../packages/cli/dist/workflows/pairs/score.js';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node tools/g2p/sweep.mjs --data DIR --at 1,2,4 [--dev-words 2000] [--config JSON]', {
  data: { type: 'string' },
  at: { type: 'string', default: '1,2' },
  'dev-words': { type: 'string', default: '2000' },
  config: { type: 'string', default: '{}' },
});
if (!args.values.data) args.fail('--data DIR is required');
const DEFAULTS = {
  embedding: 64, encoder: 'lstm', hidden: 256, layers: 2, decoderHidden: 256, dropout: 0.2, batch: 64, lr: 0.002, anneal: 0, bucket: true, seed: 0,
  inputFeeding: false, attention: 'luong', average: 0, labelSmoothing: 0,
};
const given = JSON.parse(args.values.config);
for (const k of Object.keys(given)) if (!(k in DEFAULTS)) args.fail(`--config: unknown key '${k}'; expected some of ${Object.keys(DEFAULTS).join(', ')}`);
const c = { ...DEFAULTS, ...given };
const at = args.values.at.split(',').map(Number);
const devWords = args.number('dev-words');

const read = (name) =>
  readFileSync(join(args.values.data, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [w, p] = l.split('\t');
      return { source: [...w], target: p.split(' ') };
    });
const train = read('train.tsv');
const devGroups = new Map();
for (const p of read('dev.tsv')) {
  const k = p.source.join('');
  if (!devGroups.has(k)) devGroups.set(k, { tokens: p.source, targets: [] });
  devGroups.get(k).targets.push(p.target);
}
const dev = [...devGroups.values()].slice(0, devWords);

const model = new Seq2Seq({
  sourceVocab: SeqVocab.build(train.map((p) => p.source)),
  targetVocab: SeqVocab.build(train.map((p) => p.target)),
  embeddingDim: c.embedding,
  encoder: { type: c.encoder, hiddenSize: c.hidden, numLayers: c.layers, bidirectional: true },
  decoder: { hiddenSize: c.decoderHidden, numLayers: 1 },
  attention: c.attention,
  inputFeeding: c.inputFeeding,
  dropout: c.dropout,
  labelSmoothing: c.labelSmoothing,
  seed: c.seed,
});
const encoded = model.encodePairs(train);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const budget = at[at.length - 1] * 60;
let trainCpu = 0;
let last = cpu();
let pairs = 0;
let next = 0;
let optimizer = null;
const evaluate = () => {
  const t0 = performance.now();
  const out = model.predict(dev.map((g) => g.tokens));
  const s = scorePairs(
    out.map((t) => t.tokens),
    dev.map((g) => g.targets),
  );
  return { wer: +(100 * s.sequenceErrorRate).toFixed(2), per: +(100 * s.tokenErrorRate).toFixed(2), decodeSeconds: +((performance.now() - t0) / 1000).toFixed(1) };
};
// average > 0: an exponential moving average of the weights with that decay (as `rnn train --tagging
// --weight-average`), scored beside the trained weights at each checkpoint
const average = c.average > 0 ? weightAverage({ decay: c.average }) : null;
const stopper = {
  onTrainBegin: (info) => void (optimizer = info.optimizer),
  onBatchBegin() {
    const now = cpu();
    trainCpu += now - last;
    last = now;
    if (c.anneal > 0) optimizer.lr = c.lr * Math.min(1, Math.max(0, (1 - trainCpu / budget) / c.anneal));
    if (trainCpu >= at[next] * 60) {
      const s = evaluate();
      let averaged = {};
      if (average) {
        average.swapIn();
        const a = evaluate();
        average.swapOut();
        averaged = { averageWer: a.wer, averagePer: a.per };
      }
      console.log(JSON.stringify({ config: c, cpuMinutes: at[next], pairs, pairsPerCpuSecond: +(pairs / trainCpu).toFixed(1), epochs: +(pairs / encoded.length).toFixed(2), devWords: dev.length, ...s, ...averaged }));
      last = cpu();
      next++;
      if (next === at.length) return 'stop';
    }
  },
  onBatchEnd: (_b, logs) => void (pairs += logs.size),
};
await new Trainer(model, {
  optimizer: getOptimizer({ type: 'adam', lr: c.lr }),
  epochs: 1000,
  batchSize: c.batch,
  buckets: c.bucket ? { keys: pairLengthKeys(encoded) } : undefined,
  rng: new Rng(c.seed),
  clipNorm: 5,
  checkNumerics: 'epoch',
  callbacks: average ? [stopper, average] : [stopper],
}).fit({ size: encoded.length, take: (idx) => Array.from(idx, (i) => encoded[i]) });
