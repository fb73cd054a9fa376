// Everything @rnn/layers exports on every platform. Node's entry (index.ts) adds the file system;
// the browser entry (browser.ts) is this alone, so a bundle for the browser pulls in no node:*.
import '@rnn/backend-js';
import { loadInstalledBackends } from '@rnn/core';

// Register every installed backend before any model runs, so `RNN_BACKEND` (or, unset, the fastest
// backend that loads) holds for library code with no extra call, under any module loader.
await loadInstalledBackends();

// cells, their parameters and the one time loop live in core (the fused kernels are tested
// against them there); re-exported so that a cell written against @rnn/layers keeps working
export {
  SimpleCell,
  LSTMCell,
  GRUCell,
  scan,
  cellConfig,
  initialise,
  type Cell,
  type CellConfig,
  type CellParameter,
  type CellParams,
  type ScanResult,
  type Initializer,
  type InitName,
} from '@rnn/core';
export * from './cells/registry.js';
export * from './layers/layer.js';
export * from './layers/recurrent.js';
export * from './layers/dense.js';
export * from './layers/embedding.js';
export * from './layers/dropout.js';
export * from './layers/conv1d.js';
export * from './losses.js';
export * from './optimizers/index.js';
export * from './model/types.js';
export * from './model/trainer.js';
export { GradientSync, isWritingRank, setRunFingerprint, shareOf, trainerCommunicator } from './model/distributed.js';
export { bucketedOrder } from './model/buckets.js';
export * from './model/progress.js';
export * from './model/sequential.js';
export * from './model/fit.js';
export * from './model/callbacks.js';
export * from './model/reduce-lr.js';
export * from './model/warmup-cosine.js';
export * from './model/weight-average.js';
export * from './model/build.js';
export { PlatformError } from './platform/files.js';
export * from './trees/index.js';
export * from './seq2seq/index.js';
export * from './conll/index.js';
export * from './tagging/index.js';
export * from './explain/index.js';
