import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BackendError } from '@rnn/core';
import {
  memoLoader,
  type Arr,
  type KernelAddon,
  type SeqBackwardOptions,
  type SeqBackwardOut,
  type SeqForwardOptions,
  type SeqForwardOut,
  type TreeBackwardOptions,
  type TreeBatchBackwardOut,
  type TreeBatchForwardOut,
  type TreeBatchOptions,
  type TreeBackwardOut,
  type TreeForwardOptions,
  type TreeForwardOut,
} from './kernel-addon.js';

/**
 * The CPU addon (native/addon/addon.cpp over the shared glue native/napi/glue.h) and its loader.
 *
 * Storage is typed arrays: the addon reads and writes their buffers in place (a `subarray` view
 * costs nothing) and returns new, GC-owned typed arrays.
 */

export type { Arr } from './kernel-addon.js';

/** Version of the C API this TypeScript expects (`rnn_version()`); a mismatch means a stale build. */
export const ADDON_VERSION = '0.1.0';

/** Where `npm run build:native` puts the addon (the same relative path from src/ and dist/). */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../build/Release/rnn_native.node', import.meta.url));

/** What `rnn_native.node` exports: the shared kernels over typed arrays, their Async variants, the CPU runtime. */
export interface NativeAddon extends KernelAddon<Arr> {
  /** cpuPlan: the CPU probe and kernel plan as JSON (cpu-plan.ts); absent from addons built before it. */
  info(): { version: string; blas: string; simd: string; threads: number; cpuPlan?: string };
  setNumThreads(n: number): void;
  /** Hand a released result buffer to the addon's pool for the next result of its size class
   *  (false: not taken — a view someone made, a buffer already held, or one larger than the pool).
   *  Optional: an older addon build has none. */
  recycle?(a: Arr): boolean;
  /** A released buffer of dtype code `dtype` and `n` elements from the pool, if it holds one (contents arbitrary). */
  pooled?(dtype: number, n: number): Arr | undefined;
  /** A result buffer of that dtype and length: from the pool, else new in its size class (contents arbitrary). */
  alloc?(dtype: number, n: number): Arr;
  /** Bytes the pool holds now (for tests). */
  pooledBytes?(): number;
  /** Entries of the pool's release-order bookkeeping (for tests: bounded however many buffers pass). */
  poolOrderEntries?(): number;
  /** Kernel results on this thread so far: written into a pooled buffer (`reused`) or a new one (`fresh`, `freshBytes`). */
  resultStats?(): { reused: number; fresh: number; freshBytes: number };
  /** The inference forward that also writes every step's gates and lstm's c_t (CPU only; layout in
   *  native/include/rnn_native.h, rnn_seq_forward_record). */
  sequenceForwardRecord(o: SeqForwardOptions<Arr>): SeqForwardOut<Arr> & { gates: Arr; cells: Arr | null };
  sequenceForwardAsync(o: SeqForwardOptions<Arr>): Promise<SeqForwardOut<Arr>>;
  sequenceBackwardAsync(o: SeqBackwardOptions<Arr>): Promise<SeqBackwardOut<Arr>>;
  treeLevelForwardAsync(o: TreeForwardOptions<Arr>): Promise<TreeForwardOut<Arr>>;
  treeLevelBackwardAsync(o: TreeBackwardOptions<Arr>): Promise<TreeBackwardOut<Arr>>;
  /** Every level of a mini-batch of trees in one call (CPU only). */
  treeBatchForward(o: TreeBatchOptions<Arr> & { bias: Arr; training: boolean; reserveOut?: Arr | null }): TreeBatchForwardOut<Arr>;
  treeBatchBackward(o: TreeBatchOptions<Arr> & { h: Arr; c: Arr; reserve: Arr; dh: Arr | null; dc: Arr | null }): TreeBatchBackwardOut<Arr>;
  /** One decoding step of an attentional decoder (CPU only; native/addon/decode_step.h). Optional:
   *  an older addon build has none (the composed ops then run). */
  decodeStepPack?(o: { hidden: number; vocab: number; lstm: boolean; attention: 0 | 1 | 2; weightHh: Arr | null; weightH: Arr | null; weightOut: Arr }): Float32Array | null;
  decodeStep?(o: DecodeStepOptions): { h: Arr | null; c: Arr | null; weights: Arr | null; out: Arr | null; topLogp: Arr; topIds: Int32Array };
  /** dst += src (same dtype and length, not overlapping), split across the pool. */
  addInPlace(dst: Arr, src: Arr): void;
  /** Every element of dst (float32/float64) set to value, split across the pool when large. Optional:
   *  an older addon build has none (then a TypedArray fill). */
  fillInPlace?(dst: Arr, value: number): void;
  /** With RNN_POOL_STATS=1: regions the pool ran split and the calling threads' CPU ms inside them; this thread's CPU ms. */
  poolStats(): { enabled: boolean; regions: number; cpuMs: number; threadCpuMs: number };
}

const BUILD_HINT =
  'build it with `npm run build:native -w @rnn/backend-native` (or `npm rebuild @rnn/backend-native`); ' +
  'it needs CMake, a C++17 compiler and OpenBLAS (Debian/Ubuntu: `apt-get install cmake g++ libopenblas-dev`). ' +
  "Until then use the 'js' backend";

/**
 * Loads and probes `rnn_native.node` (path: `RNN_NATIVE_ADDON`, else build/Release in this
 * package). Throws a `BackendError` that says what is missing and how to fix it; the outcome is
 * cached either way.
 */
export const loadAddon: () => NativeAddon = memoLoader(() => loadAddonFrom(process.env['RNN_NATIVE_ADDON'] || DEFAULT_ADDON_PATH));

/** Loads and probes the addon at `path`, uncached (tests use it to check the error messages). */
export function loadAddonFrom(path: string): NativeAddon {
  if (!existsSync(path)) {
    throw new BackendError(`native backend: the addon is not built (${path} does not exist); ${BUILD_HINT}`);
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    let fix = BUILD_HINT;
    if (/libopenblas|libblas|libgfortran/.test(msg)) {
      fix = 'the OpenBLAS runtime library is missing: install it (Debian/Ubuntu: `apt-get install libopenblas0`)';
    } else if (/NODE_MODULE_VERSION|invalid ELF|wrong ELF class|not a valid Win32|mach-o/.test(msg)) {
      fix = `it was built for another Node or platform; rebuild: ${BUILD_HINT}`;
    }
    throw new BackendError(`native backend: ${path} failed to load (${msg.split('\n')[0]}); ${fix}`);
  }
  const addon = mod as Partial<NativeAddon>;
  if (typeof addon.info !== 'function' || typeof addon.sequenceForward !== 'function' || typeof addon.codes !== 'object') {
    throw new BackendError(`native backend: ${path} is not the rnn addon (missing exports); ${BUILD_HINT}`);
  }
  const version = addon.info().version;
  if (version !== ADDON_VERSION) {
    throw new BackendError(
      `native backend: ${path} is version ${version} but this package expects ${ADDON_VERSION} (a stale build); ${BUILD_HINT}`,
    );
  }
  return addon as NativeAddon;
}

/** `decodeStep`'s options object (rnn_decode_step_desc plus its arrays; attention 0 none, 1 folded dot, 2 context). */
export interface DecodeStepOptions {
  rows: number;
  hidden: number;
  vocab: number;
  sentences: number;
  /** Rows of keys/values/lengths when `owner` is given. */
  memory: number;
  owner: Int32Array | null;
  sources: number;
  top: number;
  attention: 0 | 1 | 2;
  h0: Arr;
  lstm: { tokens: Int32Array; table: Arr; weightHh: Arr; c0: Arr } | null;
  keys: Arr | null;
  values: Arr | null;
  lengths: Int32Array | null;
  context: Arr | null;
  weightH: Arr | null;
  weightOut: Arr;
  biasOut: Arr | null;
  banned: Int32Array;
  wantWeights: boolean;
  wantOut: boolean;
  /** decodeStepPack's array for these weights, or null. */
  packed: Float32Array | null;
}
