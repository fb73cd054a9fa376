import { hasBackend, registerBackend, type Backend } from '@rnn/core';
import { loadAddon } from './addon.js';
import { createCudaBackend, cudaPriority, cudaQuiet } from './cuda/index.js';
import { NativeBackend } from './native-backend.js';

export { NativeBackend } from './native-backend.js';
export { parseCpuPlan, type CpuProbeInfo, type KernelPlanInfo } from './cpu-plan.js';
export type { SeqReserve, TreeReserve } from './fused-args.js';
export { loadAddon, loadAddonFrom, ADDON_VERSION, DEFAULT_ADDON_PATH, type NativeAddon } from './addon.js';
export { CudaBackend } from './cuda/backend.js';
export { createCudaBackend, cudaPriority, cudaQuiet } from './cuda/index.js';
export {
  loadCudaAddon,
  loadCudaAddonFrom,
  CUDA_ADDON_VERSION,
  DEFAULT_CUDA_ADDON_PATH,
  EMULATION_CUDA_ADDON_PATH,
  type CudaAddon,
  type CudaInfo,
  type CudaProbe,
  type DeviceBuffer,
  type LoadCudaOptions,
} from './cuda/addon.js';

/** Registry priority: above the js backend (1), below cuda (100). */
export const priority = 10;

/** The native backend; throws a BackendError saying what is missing when the addon is not built. */
export function createBackend(): Backend {
  return new NativeBackend(loadAddon());
}

// Importing this package registers both backends; an addon is only loaded when its backend is picked.
if (!hasBackend('native')) registerBackend('native', createBackend, priority);
if (!hasBackend('cuda')) registerBackend('cuda', createCudaBackend, cudaPriority, { quiet: cudaQuiet() });

// The Open MPI communicator for data-parallel training (rnn_mpi.node, loaded on first use).
export { registerMpi, mpiUnavailable, DEFAULT_MPI_ADDON_PATH } from './mpi.js';
import { registerMpi } from './mpi.js';
registerMpi();
