import type { DType, TypedArray } from './dtype.js';

/**
 * The backend interface: the ops an accelerator must implement.
 *
 * Core does all shape inference, broadcasting checks, dtype checks and autodiff; a backend only
 * computes. Every array a backend sees is dense, row-major (C order) and contiguous, described by
 * a `BTensor`: the backend's own opaque `storage` plus `shape` and `dtype`. A backend returns new
 * storage for each result; core wraps it in a `Tensor`.
 *
 * Storage is opaque to core. CPU backends use a `TypedArray`; a GPU backend uses a device handle,
 * so tensors never leave the device between ops (only `read`/`write` cross the edge).
 *
 * The primitive set is deliberately small (see STYLE.md, habit 1). Everything else (softmax,
 * losses, cells, optimizers' arithmetic) is composed in core. The `fused*` kernels are optional
 * speed-ups; when a backend lacks one, core composes the same computation from primitives, and the
 * conformance suite checks that both give the same numbers.
 */
export type Storage = unknown;

/** What a backend is handed for each operand. Always contiguous, row-major. */
export interface BTensor {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'square'
  | 'reciprocal'
  /** `x > 0 ? 1 : 0`; the derivative of relu. */
  | 'step';

/** Binary ops broadcast with NumPy rules. Comparisons return 1/0 in the operands' dtype. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'gt' | 'ge' | 'eq';

export type ReduceOp = 'sum' | 'max' | 'min';

/** The cells a backend's fused sequence kernels implement. Equations and gate order are PyTorch's. */
export type FusedCell = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** Number of gates stacked in `weightIh`/`weightHh` rows for each fused cell. */
export const GATES: Record<FusedCell, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

/**
 * One layer, one direction, one whole sequence (cuDNN-style). Batch-first:
 * - `x`       `[B, T, I]`
 * - `h0`      `[B, H]`, `c0` `[B, H]` (lstm only, else null)
 * - `weightIh` `[G*H, I]`, `weightHh` `[G*H, H]`, `biasIh` `[G*H]`, `biasHh` `[G*H]`
 * - `lengths` per batch row, each in `1..T`, or null for all `T`. Steps `t >= lengths[b]` leave
 *   the state unchanged and produce zero output (PyTorch packed-sequence semantics).
 * - `reverse`: read each row from its own last valid step down to step 0 (the backward direction
 *   of a bidirectional layer); `hN` is then the state after reading step 0.
 */
export interface SequenceForwardArgs {
  /** Which cell's recurrence the kernel runs. */
  cell: FusedCell;
  x: BTensor;
  h0: BTensor;
  c0: BTensor | null;
  weightIh: BTensor;
  weightHh: BTensor;
  biasIh: BTensor;
  biasHh: BTensor;
  lengths: Int32Array | null;
  reverse: boolean;
  /** When false (inference), the kernel need not keep anything for backward. */
  training: boolean;
  /** Also return `trace` (every step's gate activations and lstm cell states) for `rnn explain`.
   *  Opt-in and result-neutral: y, hN and cN are bit-identical with it on or off. A backend that
   *  does not record returns no `trace`; core then computes it on the host (`traceOnHost`). */
  record?: boolean;
}

/** What a recording forward returns, time-indexed like `y`, zeros at padded steps. */
export interface SequenceTrace {
  /** `[B, T, G*H]` the gate activations in the cell's gate order (lstm i, f, g, o; gru r, z, n; rnn h). */
  gates: Storage;
  /** `[B, T, H]` lstm's c_t, else null. */
  cells: Storage | null;
}

export interface SequenceForwardResult {
  /** `[B, T, H]`, zeros at padded steps. */
  y: Storage;
  /** `[B, H]` */
  hN: Storage;
  /** `[B, H]` for lstm, else null. */
  cN: Storage | null;
  /** Whatever the backend saved for `sequenceBackward` (gate activations, states). Opaque to core;
   * released with `disposeReserve` after backward or when the graph is dropped. */
  reserve: unknown;
  /** Present when the call asked for `record` and the backend records. */
  trace?: SequenceTrace | null;
}

export interface SequenceBackwardArgs extends SequenceForwardArgs {
  forward: SequenceForwardResult;
  /** Gradient w.r.t. `y`, `[B, T, H]`, or null if `y` did not reach the loss. */
  dy: BTensor | null;
  /** Gradient w.r.t. `hN` / `cN`, or null. */
  dhN: BTensor | null;
  dcN: BTensor | null;
  /** False when `x` needs no gradient (it is data, not an activation): a backend may then skip `dx`
   *  and return null for it. Absent means true. */
  needDx?: boolean;
}

export interface SequenceBackwardResult {
  /** Null only when the call said `needDx: false`. */
  dx: Storage | null;
  dh0: Storage;
  dc0: Storage | null;
  dWeightIh: Storage;
  dWeightHh: Storage;
  dBiasIh: Storage;
  dBiasHh: Storage;
}

/**
 * One level of a binary (N-ary, N=2) Tree-LSTM over `N` nodes at once (Tai et al. 2015, eq. 9-14),
 * for dynamic batching of trees: all nodes of the same height across a mini-batch of trees.
 * - `x` `[N, I]` node inputs (zeros for internal nodes without a token)
 * - `hL, cL, hR, cR` `[N, H]` the children's states (zeros for leaves)
 * - `weight` `[5H, I]` (gates i, fL, fR, o, u), `weightH` `[5H, 2H]` over `[hL; hR]`, `bias` `[5H]`
 * Returns `h`, `c` `[N, H]`.
 */
export interface TreeLevelArgs {
  x: BTensor;
  hL: BTensor;
  cL: BTensor;
  hR: BTensor;
  cR: BTensor;
  weight: BTensor;
  weightH: BTensor;
  bias: BTensor;
  training: boolean;
}

export interface TreeLevelResult {
  h: Storage;
  c: Storage;
  reserve: unknown;
}

export interface TreeLevelBackwardArgs extends TreeLevelArgs {
  forward: TreeLevelResult;
  dh: BTensor | null;
  dc: BTensor | null;
}

export interface TreeLevelBackwardResult {
  dx: Storage;
  dhL: Storage;
  dcL: Storage;
  dhR: Storage;
  dcR: Storage;
  dWeight: Storage;
  dWeightH: Storage;
  dBias: Storage;
}

/**
 * A whole mini-batch of binary Tree-LSTM trees in one call (core's `treeLstmBatch`): every level of
 * the schedule, forward or backward. Nodes are in row order (level by level, leaves first).
 * - `plan`: see `TreeSchedule` (host Int32Arrays, checked by core)
 * - `x` `[words, I]` the word vectors of the rows `plan.wordRow`; `weight`, `weightH`, `bias` as
 *   `TreeLevelArgs`
 * Returns every node's `h`, `c` `[nodes, H]` in row order.
 */
export interface TreeBatchArgs {
  plan: TreeSchedule;
  x: BTensor;
  weight: BTensor;
  weightH: BTensor;
  bias: BTensor;
  training: boolean;
}

/** The level schedule of a mini-batch of binary trees, built once per batch. */
export interface TreeSchedule {
  /** `[levels + 1]`: level l holds rows `levelStart[l] .. levelStart[l+1]` (0 first, nodes last). */
  levelStart: Int32Array;
  /** `[nodes]`: each node's left / right child row, in an earlier level, or -1 for none. A row is the child of one node at most. */
  left: Int32Array;
  right: Int32Array;
  /** `[words]`: the row of each row of `x` (distinct). The other nodes have no word. */
  wordRow: Int32Array;
}

export interface TreeBatchResult {
  h: Storage;
  c: Storage;
  reserve: unknown;
}

export interface TreeBatchBackwardArgs extends TreeBatchArgs {
  forward: TreeBatchResult;
  dh: BTensor | null;
  dc: BTensor | null;
}

export interface TreeBatchBackwardResult {
  dx: Storage;
  dWeight: Storage;
  dWeightH: Storage;
  dBias: Storage;
}

/** The score of an attention step: `dot` q·k (Luong), `additive` v·tanh(q + k) (Bahdanau). */
export type AttentionScore = 'dot' | 'additive';

/**
 * One attention step over a batch (core's `attention` op):
 * - `query` `[B, Tq, D]`, `keys` `[B, Ts, D]`, `values` `[B, Ts, Dv]`, `v` `[D]` for additive, else null
 * - `lengths` per row in `1..Ts`, or null for all: weights past a row's length are exactly 0 and
 *   nothing there is read.
 * Returns `context` `[B, Tq, Dv]` and `weights` `[B, Tq, Ts]` (the masked softmax of the scores).
 */
export interface AttentionForwardArgs {
  score: AttentionScore;
  query: BTensor;
  keys: BTensor;
  values: BTensor;
  v: BTensor | null;
  lengths: Int32Array | null;
}

export interface AttentionForwardResult {
  context: Storage;
  weights: Storage;
}

/**
 * One decoding step of an attentional LSTM decoder for R rows (`decodeStep` in ops/decode-step.ts,
 * which documents the equations): optionally the LSTM step from a per-vocabulary gate table, the
 * attention (folded dot over N = R / group sentences, or a given context, or none), the attentional
 * output, the output projection, log-softmax and each row's `top` best allowed tokens.
 */
export interface DecodeStepArgs {
  /** `[R, H]`: the previous h (with `lstm`) or the decoder's output for this step (without). */
  h0: BTensor;
  lstm: { tokens: Int32Array; table: BTensor; weightHh: BTensor; c0: BTensor } | null;
  /** 'folded': keys, values `[M, Ts, H]` already projected, lengths `[M]`; `owner` `[N]` (null: the
   *  identity, M = N) names each sentence's memory row; 'context': `[R, H]` given. */
  attention:
    | { kind: 'folded'; keys: BTensor; values: BTensor; lengths: Int32Array; weightH: BTensor; owner?: Int32Array | null }
    | { kind: 'context'; context: BTensor; weightH: BTensor }
    | null;
  weightOut: BTensor;
  biasOut: BTensor | null;
  top: number;
  banned: Int32Array;
  wantWeights: boolean;
  wantOut: boolean;
  /** What this backend's `decodeStepPack` returned for these weights (the whole decode's), or null. */
  packed?: unknown;
}

/** The weights `decodeStepPack` prepares once per decode (null where the step does not read them). */
export interface DecodeStepPackArgs {
  weightHh: BTensor | null;
  weightH: BTensor | null;
  weightOut: BTensor;
}

export interface DecodeStepResult {
  /** `[R, H]` each, with `lstm`; else null. */
  h: Storage | null;
  c: Storage | null;
  /** `[R, Ts]` ('folded' attention and `wantWeights`), else null. */
  weights: Storage | null;
  /** `[R, H]` the attentional output h̃ (`wantOut`), else null. */
  out: Storage | null;
  /** `[R, top]` best first; ids int32. */
  topLogp: Storage;
  topIds: Storage;
}

export interface AttentionBackwardArgs extends AttentionForwardArgs {
  /** The forward's weights (all backward needs besides the inputs: no reserve). */
  weights: BTensor;
  /** Gradients w.r.t. `context` and `weights`, or null where the output did not reach the loss. */
  dContext: BTensor | null;
  dWeights: BTensor | null;
}

export interface AttentionBackwardResult {
  dQuery: Storage;
  dKeys: Storage;
  dValues: Storage;
  /** null for dot. */
  dV: Storage | null;
}

/**
 * A linear-chain CRF over `K` tags (see `ops/crf.ts` for the math), pytorch-crf's conventions:
 * - `emissions` `[B, T, K]`, `transitions` `[K, K]` (from i to j), `start` `[K]`, `end` `[K]`
 * - `lengths` per row, each in `1..T` (checked by core); steps past it change nothing
 */
export interface CrfKernelArgs {
  emissions: BTensor;
  transitions: BTensor;
  start: BTensor;
  end: BTensor;
  lengths: Int32Array;
}

export interface CrfNllKernelArgs extends CrfKernelArgs {
  /** Gold tags `[B*T]`, each in `0..K-1` at valid steps (checked by core); padded ones are ignored. */
  tags: Int32Array;
  /** When false (inference), the kernel need not keep anything for backward. */
  training: boolean;
}

export interface CrfNllKernelResult {
  /** `[B]`: log Z − gold score per row. */
  nll: Storage;
  /** What backward needs (the forward algorithm's alphas, log Z). Opaque to core. */
  reserve: unknown;
}

export interface CrfNllBackwardArgs extends CrfNllKernelArgs {
  forward: CrfNllKernelResult;
  /** Gradient w.r.t. `nll`, `[B]`. */
  dnll: BTensor;
}

export interface CrfNllBackwardResult {
  dEmissions: Storage;
  dTransitions: Storage;
  dStart: Storage;
  dEnd: Storage;
}

export interface CrfViterbiResult {
  /** `[B*T]` best tags, row-major; entries past a row's length are 0. */
  tags: Int32Array;
  /** `[B]` the best path's score. */
  scores: Float64Array;
}

/**
 * Stride-1 1-D convolution, batch-first, channels last: `x` `[B, T, Cin]`, `weight`
 * `[Cout, Cin, K]` (PyTorch's layout), `bias` `[Cout]` or null, `padding` zeros each side of T;
 * the result is `[B, T + 2·padding − K + 1, Cout]` (core checks that it is at least one step).
 */
export interface Conv1dArgs {
  x: BTensor;
  weight: BTensor;
  bias: BTensor | null;
  padding: number;
}

export interface Conv1dBackwardArgs extends Conv1dArgs {
  /** Gradient w.r.t. the output, `[B, T', Cout]`. */
  dy: BTensor;
  /** False when `x` needs no gradient: a backend may then return null for `dx`. */
  needDx: boolean;
}

export interface Conv1dBackwardResult {
  dx: Storage | null;
  dWeight: Storage;
  /** Null when there is no bias. */
  dBias: Storage | null;
}

/** Hyper-parameters of one Adam/AdamW step over a flat parameter buffer (PyTorch's rule). */
export interface AdamStepArgs {
  param: BTensor;
  grad: BTensor;
  m: BTensor;
  v: BTensor;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count, for bias correction. */
  step: number;
  weightDecay: number;
  /** true: AdamW (decoupled decay), false: Adam (L2 added to the gradient). */
  decoupled: boolean;
}

export interface BackendInfo {
  /** e.g. "OpenBLAS 0.3.21 (Haswell)" or "TypeScript". */
  blas?: string;
  threads?: number;
  device?: string;
  [key: string]: unknown;
}

export interface Backend {
  /** Registry name: `js`, `native`, `cuda`, or a user's. */
  readonly name: string;
  /** DTypes this backend computes in. Every backend must support float32 and int32. */
  readonly dtypes: readonly DType[];
  info(): BackendInfo;

  // ---- memory ----
  /** Copy host data into new storage. */
  write(data: TypedArray): Storage;
  /** Copy storage back to the host (a fresh array the caller owns, of `size` elements). */
  read(x: BTensor): TypedArray;
  /** Storage of `size` elements, all `value`. */
  fill(size: number, dtype: DType, value: number): Storage;
  /** Storage that aliases `length` elements of `x` from element `offset` (flat parameter and
   * gradient buffers hand out such views). Writes through either are visible in both. */
  view(x: BTensor, offset: number, length: number): Storage;
  /** Copy `src` into `dst` in place (same size and dtype). */
  assign(dst: BTensor, src: BTensor): void;
  /** Release storage now. GC-managed backends may make this a no-op. */
  dispose(storage: Storage): void;
  /** `dst += src` elementwise in place (same size and dtype, not overlapping). Optional: autodiff
   * adds a gradient into a parameter's view of the flat gradient buffer with it; without it, an
   * add into new storage and an `assign`. */
  addInPlace?(dst: BTensor, src: BTensor): void;
  /** Every element of `dst` set to `value` in place. Optional: `ParameterSet.zeroGrad` uses it;
   * without it, `fill` and `assign`. */
  fillInPlace?(dst: BTensor, value: number): void;
  /** The host array that holds `x`'s elements (exactly `x.size` of them), live: no copy, writes
   * through it change `x`. Optional: only backends whose storage is host memory have it (`read`
   * copies). The data-parallel trainer moves gradients through it without allocating per step;
   * the caller must not keep it past `x`'s life. */
  hostArray?(x: BTensor): TypedArray;
  /** Copy storage into `out` (a host array of `x`'s dtype and size) without a new array. Optional:
   * `Tensor.dataInto` uses it; without it, `read` and a copy. */
  readInto?(x: BTensor, out: TypedArray): void;

  // ---- primitives ----
  unary(op: UnaryOp, x: BTensor): Storage;
  binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): Storage;
  /** Reduce over `axes` (sorted, unique, non-empty); the result drops those axes. */
  reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): Storage;
  /** Index of the maximum along `axis` (int32, axis dropped); first index on ties. */
  argmax(x: BTensor, axis: number): Storage;
  /**
   * `op(a) @ op(b)` where op transposes the last two axes when asked. Ranks 2 or 3; for rank 3
   * the leading (batch) dims are equal, or one operand is rank 2 and is shared by every batch.
   */
  matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): Storage;
  /** Permute axes: output axis i is input axis `perm[i]`. */
  transpose(x: BTensor, perm: readonly number[]): Storage;
  slice(x: BTensor, begin: readonly number[], size: readonly number[]): Storage;
  /** Zero padding: `before[i]` and `after[i]` zeros on each side of axis i. */
  pad(x: BTensor, before: readonly number[], after: readonly number[]): Storage;
  concat(xs: readonly BTensor[], axis: number): Storage;
  /** Rows of `x` (axis 0) picked by int32 `indices`: shape `indices.shape ++ x.shape[1:]`. */
  gather(x: BTensor, indices: BTensor): Storage;
  /** Inverse of gather: zeros `[numRows, ...updates.shape[indices.rank:]]`, rows summed in. */
  scatterAdd(indices: BTensor, updates: BTensor, numRows: number): Storage;
  /** `cond != 0 ? a : b` elementwise with broadcasting; `cond` has the dtype of `a`. */
  where(cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[]): Storage;
  cast(x: BTensor, dtype: DType): Storage;

  // ---- optional fused kernels ----
  sequenceForward?(args: SequenceForwardArgs): SequenceForwardResult;
  sequenceBackward?(args: SequenceBackwardArgs): SequenceBackwardResult;
  treeLevelForward?(args: TreeLevelArgs): TreeLevelResult;
  treeLevelBackward?(args: TreeLevelBackwardArgs): TreeLevelBackwardResult;
  /** Every level of a mini-batch of trees in one call (a backend without it runs `treeLstmLevel` per level). */
  treeBatchForward?(args: TreeBatchArgs): TreeBatchResult;
  treeBatchBackward?(args: TreeBatchBackwardArgs): TreeBatchBackwardResult;
  attentionForward?(args: AttentionForwardArgs): AttentionForwardResult;
  attentionBackward?(args: AttentionBackwardArgs): AttentionBackwardResult;
  /** One decoding step, inference only (ops/decode-step.ts; without it: the composed ops). */
  decodeStep?(args: DecodeStepArgs): DecodeStepResult;
  /** The decode's constant weights in the kernel's own layout, once per decode (null: none here). */
  decodeStepPack?(args: DecodeStepPackArgs): unknown;
  /** CRF negative log-likelihood per row (forward algorithm) and its gradient. */
  crfNllForward?(args: CrfNllKernelArgs): CrfNllKernelResult;
  crfNllBackward?(args: CrfNllBackwardArgs): CrfNllBackwardResult;
  /** Best path per row (Viterbi); ties go to the lowest tag index. */
  crfViterbi?(args: CrfKernelArgs): CrfViterbiResult;
  conv1dForward?(args: Conv1dArgs): Storage;
  conv1dBackward?(args: Conv1dBackwardArgs): Conv1dBackwardResult;
  /** In-place Adam/AdamW on flat buffers: updates `param`, `m`, `v`. */
  adamStep?(args: AdamStepArgs): void;
  /** Release a fused kernel's reserve early. */
  disposeReserve?(reserve: unknown): void;
}
