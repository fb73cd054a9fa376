import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BackendError } from '@rnn/core';
import { memoLoader, type KernelAddon } from '../kernel-addon.js';

/**
 * The CUDA addon (native/cuda/addon over the shared glue native/napi/glue.h) and its loader.
 *
 * Storage is `DeviceBuffer` objects: device memory the addon owns, freed by `free` (the backend's
 * `dispose`) or by the garbage collector. Only `write` and `read` copy between host and device.
 * Loading the addon touches no GPU: `probe()` says whether a device answers (and why not), and the
 * loader turns every way of failing into a `BackendError` that says what is missing and what to do.
 */

/** A tensor's storage on the GPU (opaque to JS except for these read-only facts). */
export interface DeviceBuffer {
  readonly dtype: 'float32' | 'float64' | 'int32';
  readonly length: number;
  readonly disposed: boolean;
}

export interface CudaProbe {
  deviceCount: number;
  driverVersion: number;
  runtimeVersion: number;
  status: number;
  /** Why no device answers ('' when one does). */
  message: string;
  emulation: boolean;
  archs: string;
  version: string;
}

export interface CudaInfo {
  device: number;
  name: string;
  computeCapability: string;
  multiprocessors: number;
  totalMemory: number;
  gemm: string;
  emulation: boolean;
  archs: string;
  version: string;
}

type Buf = DeviceBuffer;

/** What `rnn_cuda.node` exports: the shared kernels over DeviceBuffers, and device and memory calls. */
export interface CudaAddon extends KernelAddon<Buf> {
  DeviceBuffer: abstract new (...args: never[]) => DeviceBuffer;
  probe(): CudaProbe;
  init(device: number): void;
  info(): CudaInfo;
  setGemm(mode: 'auto' | 'tiled' | 'reference' | 'cublas'): void;
  synchronize(): void;
  bytesInUse(): number;
  write(data: Float32Array | Float64Array | Int32Array): Buf;
  read(x: Buf): Float32Array | Float64Array | Int32Array;
  fill(size: number, dtype: number, value: number): Buf;
  view(x: Buf, offset: number, length: number): Buf;
  assign(dst: Buf, src: Buf): void;
  free(x: Buf): void;
}

/** Version of the C API this TypeScript expects (`rnn_cuda_version()`); a mismatch means a stale build. */
export const CUDA_ADDON_VERSION = '0.1.0';

/** Where the build puts the GPU addon, and the CPU emulation build that tests use. */
export const DEFAULT_CUDA_ADDON_PATH = fileURLToPath(new URL('../../build/cuda/Release/rnn_cuda.node', import.meta.url));
export const EMULATION_CUDA_ADDON_PATH = fileURLToPath(
  new URL('../../build/cuda-emulation/Release/rnn_cuda.node', import.meta.url),
);

const USE_INSTEAD = "use RNN_BACKEND=native (CPU) or leave RNN_BACKEND unset to pick the best backend that loads";
const BUILD_HINT =
  'it is built with the native addon (`npm run build:native -w @rnn/backend-native`) when the CUDA toolkit is ' +
  'installed (nvcc on the PATH or CUDACXX; https://developer.nvidia.com/cuda-downloads)';

export interface LoadCudaOptions {
  /** Accept the CPU emulation build (tests only: it runs the CUDA code paths without a GPU). */
  allowEmulation?: boolean;
  /** The device to initialise (default `RNN_CUDA_DEVICE`, else 0). */
  device?: number;
}

/**
 * Loads `rnn_cuda.node` (path: `RNN_CUDA_ADDON`, else build/cuda/Release in this package), checks
 * that a device answers and initialises it. Throws a `BackendError` saying what is missing and what
 * to do; the outcome is cached either way.
 */
export const loadCudaAddon: () => CudaAddon = memoLoader(() =>
  loadCudaAddonFrom(process.env['RNN_CUDA_ADDON'] || DEFAULT_CUDA_ADDON_PATH),
);

/** Loads, probes and initialises the addon at `path`, uncached (tests use it for the messages). */
export function loadCudaAddonFrom(path: string, options: LoadCudaOptions = {}): CudaAddon {
  if (!existsSync(path)) {
    throw new BackendError(`cuda backend: the CUDA addon is not built (${path} does not exist); ${BUILD_HINT}. Meanwhile ${USE_INSTEAD}`);
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new BackendError(`cuda backend: ${path} failed to load (${msg}); rebuild it: ${BUILD_HINT}. Meanwhile ${USE_INSTEAD}`);
  }
  const addon = mod as Partial<CudaAddon>;
  if (typeof addon.probe !== 'function' || typeof addon.sequenceForward !== 'function' || typeof addon.codes !== 'object') {
    throw new BackendError(`cuda backend: ${path} is not the rnn CUDA addon (missing exports); rebuild it: ${BUILD_HINT}`);
  }
  const probe = addon.probe();
  if (probe.version !== CUDA_ADDON_VERSION) {
    throw new BackendError(
      `cuda backend: ${path} is version ${probe.version} but this package expects ${CUDA_ADDON_VERSION} (a stale build); rebuild it: ${BUILD_HINT}`,
    );
  }
  if (probe.emulation && !options.allowEmulation) {
    throw new BackendError(
      `cuda backend: ${path} is the CPU emulation build (for tests, it runs no GPU code); point RNN_CUDA_ADDON at the GPU build (build/cuda/Release/rnn_cuda.node)`,
    );
  }
  if (probe.deviceCount === 0) {
    throw new BackendError(
      `cuda backend: no CUDA device answers (${probe.message}); it needs an NVIDIA GPU (sm_90 code plus PTX for newer ones) ` +
        `and a driver for CUDA ${Math.floor(probe.runtimeVersion / 1000)}.${(probe.runtimeVersion % 1000) / 10} or newer. ` +
        `Meanwhile ${USE_INSTEAD}`,
    );
  }
  const device = options.device ?? Number(process.env['RNN_CUDA_DEVICE'] ?? 0);
  try {
    (addon as CudaAddon).init(device);
  } catch (err) {
    throw new BackendError(`cuda backend: could not start on device ${device}: ${(err as Error).message}. Meanwhile ${USE_INSTEAD}`);
  }
  return addon as CudaAddon;
}
