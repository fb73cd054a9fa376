// Short tuning runs of the `rnn train --text` recipe compared at an equal number of training
// characters (equal CPU: the fused kernels' characters per CPU-second hardly depend on the batch,
// see throughput.mjs), so they can be compared on a loaded machine. Each run trains on the first
// 95 % of Tiny Shakespeare and reports the loss on the last 5 % (windows of 100 from a zero state,
// as `rnn train --text` reports it), in nats per character.
//
//   RNN_NUM_THREADS=2 node tools/charlm/tune.mjs --runs 32x100:stateful:constant,32x100:shuffled:constant --chars 600000
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Rng, tensor } from '@rnn/core';
import { Trainer, warmupCosineRate } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = toolArgs(
  'RNN_NUM_THREADS=2 node tools/charlm/tune.mjs --runs BxT:stateful|shuffled:constant|cosine[:lr[:hidden[:layers]]],… [--chars N] [--every N] [--seed S] [--text FILE]',
  {
    runs: { type: 'string', default: '32x100:stateful:constant,32x100:shuffled:constant' },
    chars: { type: 'string', default: '600000' },
    seed: { type: 'string', default: '1' },
    every: { type: 'string', default: '0' },
    text: { type: 'string', default: 'data/tinyshakespeare/input.txt.gz' },
  },
);
const { Vocabulary, windows } = await import(`${root}packages/cli/dist/workflows/text/corpus.js`);
const { textModel } = await import(`${root}packages/cli/dist/workflows/text/model.js`);
const { StatefulModel, carriedLoss, streamData, streams } = await import(`${root}packages/cli/dist/workflows/text/stateful.js`);

const budget = args.number('chars');
const seed = args.number('seed');
// with --every N: the validation loss after every N training characters too (a learning curve)
const every = args.number('every');
const bytes = readFileSync(resolve(root, args.values.text));
const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
const vocab = Vocabulary.fromText(text);
const ids = vocab.encode(text, 'text');
const VAL_T = 100;
const w = windows(ids, VAL_T);
const nVal = Math.max(1, Math.floor(w.rows * 0.05));
const nTrain = w.rows - nVal;
const trainIds = ids.subarray(0, nTrain * VAL_T + 1);
const vx = tensor(w.x.subarray(nTrain * VAL_T), [nVal, VAL_T], { dtype: 'int32' });
const vy = tensor(w.y.subarray(nTrain * VAL_T), [nVal, VAL_T], { dtype: 'int32' });

console.log(`# ${budget} training characters per run, seed ${seed}, RNN_NUM_THREADS=${process.env.RNN_NUM_THREADS ?? '(all)'}`);
console.log('| run | steps | CPU s | chars per CPU-s | train loss (last 20) | val nats/char (windows from zero) | val carried (16 streams) |');
console.log('|---|---|---|---|---|---|---|');
for (const spec of args.values.runs.split(',')) {
  const [bt, mode, sched, lrText, hidden, layers] = spec.split(':');
  const m = /^(\d+)x(\d+)$/.exec(bt ?? '');
  if (!m || !['stateful', 'shuffled'].includes(mode) || !['constant', 'cosine'].includes(sched)) args.fail(`--runs: cannot read '${spec}'`);
  const [B, T] = [Number(m[1]), Number(m[2])];
  const base = lrText ? Number(lrText) : 2e-3;
  const model = textModel({ vocab: vocab.size, embedding: 64, cell: 'lstm', hidden: Number(hidden ?? 256), layers: Number(layers ?? 2), seed });
  model.compile({ optimizer: { type: 'adam', lr: base }, loss: 'crossentropy', clipNorm: 5 });
  const opt = model.training.optimizer;
  const rng = new Rng(seed);
  let take;
  let trainer;
  let perEpoch;
  if (mode === 'stateful') {
    const st = streams(trainIds, B, T);
    const data = streamData(st, B, T, model.params.backend);
    perEpoch = st.windows;
    trainer = new Trainer(new StatefulModel(model), { optimizer: opt, batchSize: B, shuffle: false, rng, clipNorm: 5 });
    take = (step) => data.take(Int32Array.from({ length: B }, (_, s) => (step % perEpoch) * B + s));
  } else {
    const tw = windows(trainIds, T);
    const X = tensor(tw.x, [tw.rows, T], { dtype: 'int32' });
    const Y = tensor(tw.y, [tw.rows, T], { dtype: 'int32' });
    perEpoch = Math.floor(tw.rows / B);
    let order = rng.permutation(tw.rows);
    trainer = new Trainer(model, { optimizer: opt, batchSize: B, rng, clipNorm: 5 });
    const { gather } = await import('@rnn/core');
    take = (step) => {
      if (step > 0 && step % perEpoch === 0) order = rng.permutation(tw.rows);
      const idx = order.subarray((step % perEpoch) * B, (step % perEpoch + 1) * B);
      const it = tensor(idx, [B], { dtype: 'int32' });
      return { x: gather(X, it), y: gather(Y, it), lengths: null };
    };
  }
  const steps = Math.round(budget / (B * T));
  const ctx = { rng, where: 'tune', metric() {} };
  const c0 = process.cpuUsage();
  const last = [];
  for (let s = 0; s < steps; s++) {
    if (sched === 'cosine') opt.lr = warmupCosineRate(base, (s + 1) / steps, 0.02, 0);
    last.push(trainer.step(take(s), ctx));
    if (every > 0 && Math.floor(((s + 1) * B * T) / every) > Math.floor((s * B * T) / every) && s + 1 < steps) {
      const c = process.cpuUsage(c0);
      console.log(`#   ${spec} after ${(s + 1) * B * T} chars (${((c.user + c.system) / 1e6).toFixed(0)} CPU s): val ${model.evaluate(vx, vy, { batchSize: 256 }).loss.toFixed(4)}`);
    }
    if (last.length > 20) last.shift();
  }
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const val = model.evaluate(vx, vy, { batchSize: 256 }).loss;
  const carried = carriedLoss(model, ids.subarray(nTrain * VAL_T), 16, VAL_T).loss;
  const tl = last.reduce((a, b) => a + b, 0) / last.length;
  console.log(`| ${spec} | ${steps} | ${cpuS.toFixed(1)} | ${((steps * B * T) / cpuS).toFixed(0)} | ${tl.toFixed(3)} | ${val.toFixed(4)} | ${carried.toFixed(4)} |`);
}
