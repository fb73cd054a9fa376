import { existsSync } from 'node:fs';
import type { Backend } from '@rnn/core';
import { DEFAULT_CUDA_ADDON_PATH, loadCudaAddon } from './addon.js';
import { CudaBackend } from './backend.js';

/** Registry priority of 'cuda': above native (10) and js (1), so a working GPU wins. */
export const cudaPriority = 100;

/**
 * Whether the registry falls back from 'cuda' silently: yes when its addon is not built (no CUDA
 * toolkit at build time, the common case: nothing to warn about on every run), no when it is
 * built, because then a GPU that does not answer is news. Asking for 'cuda' by name
 * (`RNN_BACKEND=cuda`) errors with the reason either way.
 */
export function cudaQuiet(): boolean {
  return !existsSync(process.env['RNN_CUDA_ADDON'] || DEFAULT_CUDA_ADDON_PATH);
}

/**
 * The cuda backend. Throws a BackendError saying why when the CUDA addon is not built, does not
 * load, or no device answers; while auto-selecting, the registry then falls back to native (or js).
 */
export function createCudaBackend(): Backend {
  return new CudaBackend(loadCudaAddon());
}
