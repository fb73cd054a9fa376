import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BackendError, DTypeError, RnnError, ShapeError, ValueError } from '@rnn/core';

/**
 * The compiled addon (native/addon/*.cpp) and its loader.
 *
 * Storage is typed arrays: the addon reads and writes their buffers in place (a `subarray` view
 * costs nothing) and returns new, GC-owned typed arrays. Every entry point validates its
 * arguments and throws an Error whose `code` is one of core's (`E_SHAPE`, `E_DTYPE`, `E_VALUE`,
 * `E_BACKEND`); {@link rethrow} turns those into core's error classes.
 */

export type Arr = Float32Array | Float64Array | Int32Array;

/** Version of the C API this TypeScript expects (`rnn_version()`); a mismatch means a stale build. */
export const ADDON_VERSION = '0.1.0';

/** Where `npm run build:native` puts the addon (the same relative path from src/ and dist/). */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../build/Release/rnn_native.node', import.meta.url));

export interface SeqOptions {
  mode: number;
  batch: number;
  steps: number;
  input: number;
  hidden: number;
  x: Arr;
  h0: Arr;
  c0: Arr | null;
  weightIh: Arr;
  weightHh: Arr;
  lengths: Int32Array | null;
  reverse: boolean;
}

export interface SeqForwardOptions extends SeqOptions {
  biasIh: Arr;
  biasHh: Arr;
  training: boolean;
  /** Training only: a recycled reserve of exactly the size the forward needs (else a new one). */
  reserveOut?: Arr | null;
}

export interface SeqForwardOut {
  y: Arr;
  hN: Arr;
  cN: Arr | null;
  reserve: Arr | null;
}

export interface SeqBackwardOptions extends SeqOptions {
  reserve: Arr;
  dy: Arr | null;
  dhN: Arr | null;
  dcN: Arr | null;
  /** False: skip dx (returned as null). */
  needDx?: boolean;
}

export interface SeqBackwardOut {
  dx: Arr | null;
  dh0: Arr;
  dc0: Arr | null;
  dWeightIh: Arr;
  dWeightHh: Arr;
  dBiasIh: Arr;
  dBiasHh: Arr;
}

export interface TreeOptions {
  nodes: number;
  input: number;
  hidden: number;
  x: Arr;
  hL: Arr;
  cL: Arr;
  hR: Arr;
  cR: Arr;
  weight: Arr;
  weightH: Arr;
}

export interface TreeForwardOptions extends TreeOptions {
  bias: Arr;
  training: boolean;
}

export interface TreeForwardOut {
  h: Arr;
  c: Arr;
  reserve: Arr | null;
}

export interface TreeBackwardOptions extends TreeOptions {
  reserve: Arr;
  dh: Arr | null;
  dc: Arr | null;
}

export interface TreeBackwardOut {
  dx: Arr;
  dhL: Arr;
  dcL: Arr;
  dhR: Arr;
  dcR: Arr;
  dWeight: Arr;
  dWeightH: Arr;
  dBias: Arr;
}

export interface AdamOptions {
  param: Arr;
  grad: Arr;
  m: Arr;
  v: Arr;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  step: number;
  weightDecay: number;
  decoupled: boolean;
}

export interface AddonCodes {
  dtype: Record<'float32' | 'float64' | 'int32', number>;
  unary: Record<string, number>;
  binary: Record<string, number>;
  reduce: Record<string, number>;
  mode: Record<string, number>;
}

/** The functions `rnn_native.node` exports. Shapes are plain arrays of dims. */
export interface NativeAddon {
  info(): { version: string; blas: string; simd: string; threads: number };
  setNumThreads(n: number): void;
  codes: AddonCodes;
  unary(op: number, x: Arr): Arr;
  binary(op: number, a: Arr, aShape: readonly number[], b: Arr, bShape: readonly number[], outShape: readonly number[]): Arr;
  where(
    cond: Arr,
    condShape: readonly number[],
    a: Arr,
    aShape: readonly number[],
    b: Arr,
    bShape: readonly number[],
    outShape: readonly number[],
  ): Arr;
  reduce(op: number, x: Arr, shape: readonly number[], axes: readonly number[]): Arr;
  argmax(x: Arr, shape: readonly number[], axis: number): Int32Array;
  matmul(a: Arr, aShape: readonly number[], b: Arr, bShape: readonly number[], transA: boolean, transB: boolean): Arr;
  transpose(x: Arr, shape: readonly number[], perm: readonly number[]): Arr;
  slice(x: Arr, shape: readonly number[], begin: readonly number[], size: readonly number[]): Arr;
  pad(x: Arr, shape: readonly number[], before: readonly number[], after: readonly number[]): Arr;
  concat(xs: readonly Arr[], shapes: readonly (readonly number[])[], axis: number): Arr;
  gather(x: Arr, shape: readonly number[], indices: Int32Array): Arr;
  scatterAdd(indices: Int32Array, indicesShape: readonly number[], updates: Arr, updatesShape: readonly number[], numRows: number): Arr;
  cast(x: Arr, dtype: number): Arr;
  sequenceForward(o: SeqForwardOptions): SeqForwardOut;
  sequenceForwardAsync(o: SeqForwardOptions): Promise<SeqForwardOut>;
  sequenceBackward(o: SeqBackwardOptions): SeqBackwardOut;
  sequenceBackwardAsync(o: SeqBackwardOptions): Promise<SeqBackwardOut>;
  treeLevelForward(o: TreeForwardOptions): TreeForwardOut;
  treeLevelForwardAsync(o: TreeForwardOptions): Promise<TreeForwardOut>;
  treeLevelBackward(o: TreeBackwardOptions): TreeBackwardOut;
  treeLevelBackwardAsync(o: TreeBackwardOptions): Promise<TreeBackwardOut>;
  adamStep(o: AdamOptions): void;
}

const BUILD_HINT =
  'build it with `npm run build:native -w @rnn/backend-native` (or `npm rebuild @rnn/backend-native`); ' +
  'it needs CMake, a C++17 compiler and OpenBLAS (Debian/Ubuntu: `apt-get install cmake g++ libopenblas-dev`). ' +
  "Until then use the 'js' backend";

let cached: NativeAddon | null = null;
let failure: BackendError | null = null;

/**
 * Loads and probes `rnn_native.node` (path: `RNN_NATIVE_ADDON`, else build/Release in this
 * package). Throws a `BackendError` that says what is missing and how to fix it; the outcome is
 * cached either way.
 */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  if (failure) throw failure;
  const path = process.env['RNN_NATIVE_ADDON'] || DEFAULT_ADDON_PATH;
  try {
    cached = loadAddonFrom(path);
    return cached;
  } catch (err) {
    failure = err instanceof BackendError ? err : new BackendError(String(err));
    throw failure;
  }
}

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

/** Rethrows an addon error as the matching @rnn/core error class (same message). */
export function rethrow(err: unknown): never {
  if (err instanceof Error && !(err instanceof RnnError)) {
    const code = (err as { code?: unknown }).code;
    if (code === 'E_SHAPE') throw new ShapeError(err.message);
    if (code === 'E_DTYPE') throw new DTypeError(err.message);
    if (code === 'E_VALUE') throw new ValueError(err.message);
    if (code === 'E_BACKEND') throw new BackendError(err.message);
  }
  throw err;
}
