// Training throughput of the `rnn train --text` model for pairs of (batch streams, window
// length): characters per CPU-second (this process, all threads; fair on a loaded machine) and
// per wall second, over the same stateful steps the CLI runs, on Tiny Shakespeare.
//
//   RNN_NUM_THREADS=2 node tools/charlm/throughput.mjs --pairs 32x100,64x100,128x50 --steps 8
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execSync } from 'node:child_process';
import { Rng } from '@rnn/core';
import { Trainer } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = toolArgs(
  'RNN_NUM_THREADS=2 node tools/charlm/throughput.mjs [--pairs BxT,…] [--steps N] [--hidden 256] [--layers 2] [--text FILE]',
  {
    pairs: { type: 'string', default: '32x100,64x100,128x100,64x50,128x50,256x50' },
    steps: { type: 'string', default: '8' },
    hidden: { type: 'string', default: '256' },
    layers: { type: 'string', default: '2' },
    text: { type: 'string', default: 'data/tinyshakespeare/input.txt.gz' },
  },
);
const { Vocabulary } = await import(`${root}packages/cli/dist/workflows/text/corpus.js`);
const { textModel } = await import(`${root}packages/cli/dist/workflows/text/model.js`);
const { StatefulModel, streamData, streams } = await import(`${root}packages/cli/dist/workflows/text/stateful.js`);

const pairs = args.values.pairs.split(',').map((p) => {
  const m = /^(\d+)x(\d+)$/.exec(p.trim());
  if (!m) args.fail(`--pairs expects BxT pairs like 64x100, found '${p}'`);
  return [Number(m[1]), Number(m[2])];
});
const steps = args.number('steps');
const bytes = readFileSync(resolve(root, args.values.text));
const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
const vocab = Vocabulary.fromText(text);
const ids = vocab.encode(text, 'text');
let cpuModel = '';
try {
  cpuModel = execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).split(':')[1].trim();
} catch {}
console.log(`# ${cpuModel}, RNN_NUM_THREADS=${process.env.RNN_NUM_THREADS ?? '(all)'}, hidden ${args.values.hidden} × ${args.values.layers}, ${steps} steps after 1 warm-up`);
console.log('| batch × window | chars/step | ms CPU/step | chars per CPU-s | chars per wall-s | loss after |');
console.log('|---|---|---|---|---|---|');
for (const [B, T] of pairs) {
  const model = textModel({ vocab: vocab.size, embedding: 64, cell: 'lstm', hidden: args.number('hidden'), layers: args.number('layers'), seed: 1 });
  model.compile({ optimizer: { type: 'adam', lr: 2e-3 }, loss: 'crossentropy', clipNorm: 5 });
  const st = streams(ids, B, T);
  const data = streamData(st, B, T, model.params.backend);
  const sm = new StatefulModel(model);
  const trainer = new Trainer(sm, { optimizer: model.training.optimizer, batchSize: B, shuffle: false, rng: new Rng(1), clipNorm: 5 });
  const ctx = { rng: new Rng(1), where: 'bench', metric() {} };
  const take = (w) => data.take(Int32Array.from({ length: B }, (_, s) => w * B + s));
  trainer.step(take(0), ctx);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let loss = 0;
  for (let w = 1; w <= steps; w++) loss = trainer.step(take(w), ctx);
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const wallS = (performance.now() - t0) / 1000;
  const chars = B * T * steps;
  console.log(`| ${B} × ${T} | ${B * T} | ${((cpuS * 1000) / steps).toFixed(0)} | ${(chars / cpuS).toFixed(0)} | ${(chars / wallS).toFixed(0)} | ${loss.toFixed(3)} |`);
}
