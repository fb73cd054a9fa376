import { existsSync } from 'node:fs';
import type { Backend } from '@rnn/core';
import { DEFAULT_CUDA_ADDON_PATH, loadCudaAddon } from './addon.js';
import { CudaBackend } from './backend.js';

/** Registry priority of 'cuda': above native (10) and js (1), so a working GPU wins. */
export const cudaPriority = 100;

/**
 * Whether the registry falls back from 'cuda' silently: yes when its addon is not built (no CUDA
 * toolkit at build time, the common case: nothing to warn about on every run) or when the machine
 * has no NVIDIA driver; no when it is built on a machine with a driver, because then a GPU that
 * does not answer is news. Asking for 'cuda' by name
 * (`RNN_BACKEND=cuda`) errors with the reason either way.
 */
export function cudaQuiet(): boolean {
  if (!existsSync(process.env['RNN_CUDA_ADDON'] || DEFAULT_CUDA_ADDON_PATH)) return true;
  // built (the toolkit was there) on a Linux machine with no NVIDIA driver at all: a CPU machine
  // with nvcc installed, as common as no toolkit, and just as little news
  return process.platform === 'linux' && !existsSync('/proc/driver/nvidia/version');
}

/**
 * The cuda backend. Throws a BackendError saying why when the CUDA addon is not built, does not
 * load, or no device answers; while auto-selecting, the registry then falls back to native (or js).
 */
export function createCudaBackend(): Backend {
  return new CudaBackend(loadCudaAddon());
}
