#!/usr/bin/env node
// TensorFlow.js worker (Keras-style tf.layers model, trainOnBatch), backend 'cpu' (pure JS,
// single-threaded) or 'wasm' (XNNPACK; setThreadsCount before the backend starts).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { emit, measure, seqData, workerSpec } from '../lib/timing.mjs';

const spec = workerSpec();
const w = spec.w;
const require = createRequire(join(spec.peers, 'package.json'));
const tf = require('@tensorflow/tfjs');
let threads = 1;
if (spec.backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(spec.threads);
  await tf.setBackend('wasm');
  threads = wasm.getThreadsCount();
} else {
  await tf.setBackend('cpu');
}
await tf.ready();

function model() {
  const rec = w.cell === 'lstm' ? tf.layers.lstm : tf.layers.gru;
  const m = tf.sequential();
  if (w.vocab) m.add(tf.layers.embedding({ inputDim: w.vocab, outputDim: w.input, inputLength: w.steps }));
  for (let l = 0; l < w.layers; l++) {
    const first = l === 0 && !w.vocab ? { inputShape: [w.steps, w.input] } : {};
    // tfjs's GRU has no resetAfter (PyTorch's form, r ⊙ (W_hn h + b_hn)): it applies r before the
    // product, r ⊙ h then W_hn; the same GEMM sizes
    m.add(rec({ units: w.hidden, returnSequences: w.perStep || l < w.layers - 1, ...first }));
  }
  m.add(tf.layers.dense({ units: w.output, activation: w.vocab ? 'softmax' : 'linear' }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: w.vocab ? 'sparseCategoricalCrossentropy' : 'meanSquaredError' });
  return m;
}

const m = model();
const d = seqData(w);
const x = w.vocab ? tf.tensor(Float32Array.from(d.x), d.xShape) : tf.tensor(d.x, d.xShape);
const y = w.vocab ? tf.tensor(Float32Array.from(d.y), [...d.yShape, 1]) : tf.tensor(d.y, d.yShape);
const step =
  spec.mode === 'train'
    ? () => m.trainOnBatch(x, y)
    : () =>
        tf.tidy(() => {
          m.predict(x).dataSync();
        });
const { wall, cpu } = await measure(step, spec);
emit({ wall, cpu, threads, version: tf.version.tfjs });
