#!/usr/bin/env node
// onnxruntime-node worker: inference only, on the model PyTorch exported (torch.onnx.export,
// fixed shapes) for this workload. intraOpNumThreads = the thread count, one inter-op thread.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { emit, measure, seqData, workerSpec } from '../lib/timing.mjs';

const spec = workerSpec();
const w = spec.w;
if (spec.mode !== 'forward') throw new Error(`onnxruntime-node runs inference only; mode '${spec.mode}' is not measured`);
const require = createRequire(join(spec.peers, 'package.json'));
const ort = require('onnxruntime-node');
const version = require('onnxruntime-node/package.json').version;
const session = await ort.InferenceSession.create(spec.model, {
  intraOpNumThreads: spec.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const d = seqData(w);
const x = w.vocab ? new ort.Tensor('int64', BigInt64Array.from(d.x, BigInt), d.xShape) : new ort.Tensor('float32', d.x, d.xShape);
const feeds = { [session.inputNames[0]]: x };
const { wall, cpu } = await measure(async () => {
  await session.run(feeds);
}, spec);
emit({ wall, cpu, threads: spec.threads, version });
