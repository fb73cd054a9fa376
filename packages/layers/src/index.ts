import '@rnn/backend-js';
import { loadInstalledBackends } from '@rnn/core';

// Register every installed backend before any model runs, so `RNN_BACKEND` (or, unset, the fastest
// backend that loads) holds for library code with no extra call, under any module loader.
await loadInstalledBackends();

export * from './cells/cell.js';
export * from './cells/builtin.js';
export * from './init.js';
export * from './layers/layer.js';
export * from './layers/scan.js';
export * from './layers/recurrent.js';
export * from './layers/dense.js';
export * from './layers/embedding.js';
export * from './layers/dropout.js';
export * from './losses.js';
export * from './optimizers/index.js';
export * from './model/sequential.js';
export * from './model/fit.js';
export * from './model/callbacks.js';
export * from './model/build.js';
export { writeFileAtomic } from './model/files.js';
export * from './trees/index.js';
