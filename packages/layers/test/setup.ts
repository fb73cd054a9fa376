// Importing the packages registers the backends. With RNN_BACKEND=native the same tests run on the
// native backend (the layer tests must agree with PyTorch on every backend). RNN_NATIVE_OPTIONAL=1
// falls back to js with a note when the addon is not built (machines without OpenBLAS).
import '@rnn/backend-js';
import { listBackends } from '@rnn/core';

if (process.env['RNN_BACKEND'] === 'native') {
  await import('@rnn/backend-native');
  const native = listBackends().find((b) => b.name === 'native');
  if (!native?.loaded && process.env['RNN_NATIVE_OPTIONAL'] === '1') {
    console.warn(`[layers] native backend not available (${native?.error}); running on js (RNN_NATIVE_OPTIONAL=1)`);
    delete process.env['RNN_BACKEND'];
  }
}
