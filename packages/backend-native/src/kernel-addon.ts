import { BackendError, DTypeError, RnnError, ShapeError, ValueError, type AdamStepArgs } from '@rnn/core';

/**
 * What both addons export: the kernels of native/napi/glue.h, one Node glue compiled over two
 * storages. `S` is a tensor's storage: a typed array for rnn_native.node (CPU), a `DeviceBuffer`
 * for rnn_cuda.node. The glue throws Errors whose `code` is one of core's (`E_SHAPE`, `E_DTYPE`,
 * `E_VALUE`, `E_BACKEND`); {@link rethrow} turns them into core's error classes.
 */

export type Arr = Float32Array | Float64Array | Int32Array;

export interface AddonCodes {
  dtype: Record<'float32' | 'float64' | 'int32', number>;
  unary: Record<string, number>;
  binary: Record<string, number>;
  reduce: Record<string, number>;
  mode: Record<string, number>;
  score: Record<string, number>;
}

export interface SeqOptions<S> {
  mode: number;
  batch: number;
  steps: number;
  input: number;
  hidden: number;
  x: S;
  h0: S;
  c0: S | null;
  weightIh: S;
  weightHh: S;
  /** Host memory on every device. */
  lengths: Int32Array | null;
  reverse: boolean;
}

export interface SeqForwardOptions<S> extends SeqOptions<S> {
  biasIh: S;
  biasHh: S;
  training: boolean;
  /** Training only: a recycled reserve of exactly the size the forward needs (else a new one). */
  reserveOut?: S | null;
}

export interface SeqForwardOut<S> {
  y: S;
  hN: S;
  cN: S | null;
  reserve: S | null;
}

export interface SeqBackwardOptions<S> extends SeqOptions<S> {
  reserve: S;
  dy: S | null;
  dhN: S | null;
  dcN: S | null;
  /** False: skip dx (returned as null). */
  needDx?: boolean;
}

export interface SeqBackwardOut<S> {
  dx: S | null;
  dh0: S;
  dc0: S | null;
  dWeightIh: S;
  dWeightHh: S;
  dBiasIh: S;
  dBiasHh: S;
}

export interface TreeOptions<S> {
  nodes: number;
  input: number;
  hidden: number;
  x: S;
  hL: S;
  cL: S;
  hR: S;
  cR: S;
  weight: S;
  weightH: S;
}

export interface TreeForwardOptions<S> extends TreeOptions<S> {
  bias: S;
  training: boolean;
}

export interface TreeForwardOut<S> {
  h: S;
  c: S;
  reserve: S | null;
}

export interface TreeBackwardOptions<S> extends TreeOptions<S> {
  reserve: S;
  dh: S | null;
  dc: S | null;
}

export interface TreeBackwardOut<S> {
  dx: S;
  dhL: S;
  dcL: S;
  dhR: S;
  dcR: S;
  dWeight: S;
  dWeightH: S;
  dBias: S;
}

export interface AttnOptions<S> {
  score: number;
  batch: number;
  queries: number;
  sources: number;
  features: number;
  valueFeatures: number;
  query: S;
  keys: S;
  values: S;
  v: S | null;
  /** Host memory on every device. */
  lengths: Int32Array | null;
}

export interface AttnForwardOut<S> {
  context: S;
  weights: S;
}

export interface AttnBackwardOptions<S> extends AttnOptions<S> {
  weights: S;
  dContext: S | null;
  dWeights: S | null;
}

export interface AttnBackwardOut<S> {
  dQuery: S;
  dKeys: S;
  dValues: S;
  dV: S | null;
}

/** core's AdamStepArgs with storage for the tensors. */
export type AdamOptions<S> = Omit<AdamStepArgs, 'param' | 'grad' | 'm' | 'v'> & { param: S; grad: S; m: S; v: S };

type Shape = readonly number[];

/** The CPU addon's Tree-LSTM mini-batch schedule (native/addon/tree_batch.h): the plan stays host Int32Arrays. */
export interface TreeBatchOptions<S> {
  levelStart: Int32Array;
  left: Int32Array;
  right: Int32Array;
  wordRow: Int32Array;
  input: number;
  hidden: number;
  x: S;
  weight: S;
  weightH: S;
}

export interface TreeBatchForwardOut<S> {
  h: S;
  c: S;
  reserve: S | null;
}

export interface TreeBatchBackwardOut<S> {
  dx: S;
  dWeight: S;
  dWeightH: S;
  dBias: S;
}

/** The kernels every addon exports. Shapes are plain arrays of dims. */
export interface KernelAddon<S> {
  codes: AddonCodes;
  unary(op: number, x: S): S;
  binary(op: number, a: S, aShape: Shape, b: S, bShape: Shape, outShape: Shape): S;
  where(cond: S, condShape: Shape, a: S, aShape: Shape, b: S, bShape: Shape, outShape: Shape): S;
  reduce(op: number, x: S, shape: Shape, axes: Shape): S;
  argmax(x: S, shape: Shape, axis: number): S;
  matmul(a: S, aShape: Shape, b: S, bShape: Shape, transA: boolean, transB: boolean): S;
  transpose(x: S, shape: Shape, perm: Shape): S;
  slice(x: S, shape: Shape, begin: Shape, size: Shape): S;
  pad(x: S, shape: Shape, before: Shape, after: Shape): S;
  concat(xs: readonly S[], shapes: readonly Shape[], axis: number): S;
  gather(x: S, shape: Shape, indices: S, indicesShape: Shape): S;
  scatterAdd(indices: S, indicesShape: Shape, updates: S, updatesShape: Shape, numRows: number): S;
  cast(x: S, dtype: number): S;
  sequenceForward(o: SeqForwardOptions<S>): SeqForwardOut<S>;
  sequenceBackward(o: SeqBackwardOptions<S>): SeqBackwardOut<S>;
  treeLevelForward(o: TreeForwardOptions<S>): TreeForwardOut<S>;
  treeLevelBackward(o: TreeBackwardOptions<S>): TreeBackwardOut<S>;
  attentionForward(o: AttnOptions<S>): AttnForwardOut<S>;
  attentionBackward(o: AttnBackwardOptions<S>): AttnBackwardOut<S>;
  adamStep(o: AdamOptions<S>): void;
  crfNllForward(o: CrfOptions<S> & { tags: Int32Array; training: boolean }): { nll: S; reserve: S | null };
  crfNllBackward(o: CrfOptions<S> & { tags: Int32Array; reserve: S; dnll: S }): { dEmissions: S; dTransitions: S; dStart: S; dEnd: S };
  crfViterbi(o: CrfOptions<S>): { tags: Int32Array; scores: Float64Array };
  conv1dForward(o: Conv1dOptions<S> & { bias: S | null }): S;
  conv1dBackward(o: Conv1dOptions<S> & { dy: S; needDx: boolean; hasBias: boolean }): { dx: S | null; dWeight: S; dBias: S | null };
}

/** The CRF kernels' common options (rnn_crf_desc): lengths and tags stay host Int32Arrays on every device. */
export interface CrfOptions<S> {
  batch: number;
  steps: number;
  /** K, the number of tags. */
  numTags: number;
  emissions: S;
  transitions: S;
  start: S;
  end: S;
  lengths: Int32Array;
}

/** rnn_conv1d_desc plus the operands. */
export interface Conv1dOptions<S> {
  batch: number;
  steps: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  padding: number;
  x: S;
  weight: S;
}

/** Rethrows an addon error as the matching @rnn/core error class (same message). */
export function rethrow(err: unknown): never {
  if (err instanceof Error && !(err instanceof RnnError)) {
    const code = (err as { code?: unknown }).code;
    if (code === 'E_SHAPE') throw new ShapeError(err.message);
    if (code === 'E_DTYPE') throw new DTypeError(err.message);
    if (code === 'E_VALUE') throw new ValueError(err.message);
    if (code === 'E_BACKEND') throw new BackendError(err.message);
    if (code === 'E_DISPOSED') throw new RnnError('E_DISPOSED', `${err.message}: a tensor was used after dispose()`);
  }
  throw err;
}

/**
 * `load` run once: its addon, or its BackendError (saying what is missing and what to do), is
 * what every later call returns or throws.
 */
export function memoLoader<A>(load: () => A): () => A {
  let cached: A | null = null;
  let failure: BackendError | null = null;
  return () => {
    if (cached) return cached;
    if (failure) throw failure;
    try {
      cached = load();
      return cached;
    } catch (err) {
      failure = err instanceof BackendError ? err : new BackendError(String(err));
      throw failure;
    }
  };
}
