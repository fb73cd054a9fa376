#!/usr/bin/env node
// Worker for our own backends (rnn-native, rnn-js, rnn-cuda): one workload, one mode, one thread
// count, in its own process. Threads: RNN_NUM_THREADS (set by run.mjs) sizes OpenBLAS; the js
// backend is single-threaded.
import * as core from '@rnn/core';
import * as L from '@rnn/layers';
import { emit, measure, seqData, workerSpec } from '../lib/timing.mjs';
import { cmudictPairs, workloadSeq2Seq } from '../lib/seq2seq.mjs';

const spec = workerSpec();
const w = spec.w;
await core.ready();
const backend = core.setBackend(spec.backend);
const info = backend.info();

function seqModel() {
  const rec = w.cell === 'lstm' ? L.lstm : L.gru;
  const model = L.sequential([
    ...(w.vocab ? [L.embedding({ numEmbeddings: w.vocab, embeddingDim: w.input })] : []),
    rec({ units: w.hidden, numLayers: w.layers, returnSequences: w.perStep }),
    L.dense({ units: w.output }),
  ]);
  model.build({ inputSize: w.vocab ? undefined : w.input, seed: 1, backend });
  model.compile({ optimizer: { type: 'adam', lr: 1e-3 }, loss: w.loss });
  return model;
}

async function seqStep() {
  const model = seqModel();
  const d = seqData(w);
  const dtype = w.vocab ? 'int32' : 'float32';
  const x = core.tensor(d.x, d.xShape, { dtype, backend });
  const y = core.tensor(d.y, d.yShape, { dtype, backend });
  const rng = new core.Rng(1);
  if (spec.mode === 'train') {
    return () => L.trainStep(model, model.training, x, y, { rng, lengths: null, where: 'bench', check: false });
  }
  return () => core.noGrad(() => model.forward(x).data());
}

async function treeStep() {
  const trees = L.readTrees(spec.sstPath).slice(0, w.trees);
  const vocab = L.Vocab.build(trees, { lowercase: true });
  const net = new L.TreeNet({ cell: w.cell, hiddenSize: w.hidden, embeddingDim: w.input, vocab, numClasses: w.classes, seed: 1, backend });
  const enc = net.encode(trees);
  const nodeByNode = spec.variant === 'node-by-node';
  const optimizer = L.getOptimizer({ type: 'adam', lr: 1e-3 });
  const rng = new core.Rng(1);
  const batches = [];
  for (let i = 0; i < enc.length; i += w.batch) batches.push(enc.slice(i, i + w.batch));
  if (spec.mode === 'train') {
    return () => {
      // each batch in a tidy scope, as the Trainer runs a TreeNet's steps (TreeNet.tidySteps)
      for (const b of batches) {
        core.tidy(() => {
          net.params.zeroGrad();
          const loss = net.lossOf(net.forward(b, { training: true, rng, nodeByNode }));
          loss.item();
          core.backward(loss);
          optimizer.step(net.params);
        });
      }
    };
  }
  return () => core.noGrad(() => batches.forEach((b) => net.forward(b, { nodeByNode }).logits.data()));
}

/**
 * `{ export: PATH }`: write the Seq2Seq of workload `w` (vocabularies from all the pairs, seed 1)
 * as a model file, which BOTH sides of workloads E/F then load, so that they time the same
 * weights (and so the same beam-search trajectories).
 */
async function exportSeq2Seq() {
  const model = workloadSeq2Seq(w, cmudictPairs(spec.cmudictPath), backend);
  model.save(spec.export);
}

/** Workloads E/F: the Seq2Seq model file run.mjs wrote, on the first CMUdict pairs (as workers/torch_seq2seq.py). */
async function seq2seqStep() {
  const pairs = cmudictPairs(spec.cmudictPath);
  const model = L.loadSeq2Seq(spec.seq2seqModel, { backend });
  if (spec.mode === 'beam') {
    const sources = pairs.slice(0, w.beamBatch).map((p) => model.sourceVocab.encode(p.source));
    return () => model.decode(sources, { beam: w.beam, maxLength: w.maxLength, batchSize: w.beamBatch });
  }
  const batch = model.encodePairs(pairs.slice(0, w.batch));
  const trainer = new L.Trainer(model, { optimizer: L.getOptimizer({ type: 'adam', lr: 1e-3 }), batchSize: w.batch, checkNumerics: 'off' });
  const ctx = { rng: new core.Rng(1), where: 'bench', metric() {} };
  return () => trainer.step(batch, ctx);
}

if (spec.export) {
  await exportSeq2Seq();
  process.exit(0);
}
const step = w.kind === 'tree' ? await treeStep() : w.kind === 'seq2seq' ? await seq2seqStep() : await seqStep();
const { wall, cpu } = await measure(step, spec);
// the kernel plan this process ran (native backend: cpu_plan.h; RNN_CPU_PLAN / RNN_SIMD as set for it)
emit({ wall, cpu, threads: info.threads ?? 1, version: info.version, blas: info.blas ?? null, plan: info.plan ?? null });
