import type { DecodeStepArgs } from '../backend.js';
import { isGradEnabled, needsGrad, wrap } from '../engine.js';
import { ConfigError, DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { attention } from './attention.js';
import { tensor } from './creation.js';
import { add, mul, sigmoid, tanh } from './elementwise.js';
import { logSoftmax, linear } from './nn.js';
import { gather, reshape, slice } from './shape-ops.js';
import { backendOf } from './util.js';

/**
 * `decodeStep`: one step of an attentional LSTM decoder for R rows (sentences × beams), inference
 * only, ending in each row's best candidates rather than the whole vocabulary:
 *
 *   lstm (optional):  gates = table[token] + h0 W_hhᵀ   (table = E W_ihᵀ + b_ih + b_hh, [V, 4H],
 *                     built once per decode: the decoder's input is the previous token's embedding)
 *                     c = σ(f) c0 + σ(i) tanh(g),  h = σ(o) tanh(c);  q = h   (else q = h0)
 *   attention 'folded' (keys, values [M, Ts, H] already projected; rows n·g … n·g+g−1 of sentence n
 *                     attend to memory row m = owner[n], or n without `owner`: a decode loop passes
 *                     the whole memory and never gathers it as sentences finish):
 *                     w = masked softmax(q · keys[m]),  ctx = Σ_j w_j values[m, j]
 *             'context': ctx given [R, H];  both: out = tanh(ctx + q W_hᵀ);  null: out = q
 *   logp = log_softmax(out W_outᵀ + b_out);  top: the `top` best (logp, id) per row over the ids not
 *   in `banned`, best first, equal log-probabilities in increasing id.
 *
 * On a backend with the `decodeStep` kernel (native) it is one call; elsewhere, or with
 * `fused: false`, the composed ops below (the reference the kernel is checked against). float32
 * kernels use the fast activations of the fused kernels: they agree with the composed path to float
 * tolerance, not bit for bit.
 */
export interface DecodeStepInput {
  h0: Tensor;
  lstm?: { tokens: Int32Array; table: Tensor; weightHh: Tensor; c0: Tensor } | null;
  attention?:
    | { kind: 'folded'; keys: Tensor; values: Tensor; lengths: Int32Array; weightH: Tensor; owner?: Int32Array | null }
    | { kind: 'context'; context: Tensor; weightH: Tensor }
    | null;
  weightOut: Tensor;
  biasOut?: Tensor | null;
  top: number;
  banned?: Int32Array;
  /** Return the attention weights `[R, Ts]` ('folded' only). */
  wantWeights?: boolean;
  /** Return h̃ (`out`, `[R, H]`: input feeding reads it). */
  wantOut?: boolean;
  /** `decodeStepPack`'s result for these weights (a decode's steps share it), or null. */
  packed?: unknown;
}

export interface DecodeStepOutput {
  /** `[R, H]` each with `lstm`, else null. */
  h: Tensor | null;
  c: Tensor | null;
  weights: Tensor | null;
  out: Tensor | null;
  /** `[R, top]` best first, and their int32 token ids. */
  topLogp: Tensor;
  topIds: Tensor;
}

function check(a: DecodeStepInput): { R: number; H: number; V: number } {
  const [R, H] = a.h0.shape as [number, number];
  if (a.h0.rank !== 2) throw new ShapeError(`decodeStep: h0 must be [rows, hidden], found ${a.h0.describe()}`);
  const V = a.weightOut.shape[0]!;
  const want: [Tensor, number[], string][] = [[a.weightOut, [V, H], 'weightOut']];
  if (a.biasOut) want.push([a.biasOut, [V], 'biasOut']);
  if (a.lstm) {
    want.push([a.lstm.table, [V, 4 * H], 'lstm.table'], [a.lstm.weightHh, [4 * H, H], 'lstm.weightHh'], [a.lstm.c0, [R, H], 'lstm.c0']);
    if (a.lstm.tokens.length !== R) throw new ShapeError(`decodeStep: lstm.tokens must hold ${R} ids (one per row), found ${a.lstm.tokens.length}`);
    for (const t of a.lstm.tokens) if (!(t >= 0 && t < V)) throw new ValueError(`decodeStep: token ${t} is outside the vocabulary [0, ${V})`);
  }
  const at = a.attention;
  if (at) want.push([at.weightH, [H, H], 'attention.weightH']);
  if (at?.kind === 'context') want.push([at.context, [R, H], 'attention.context']);
  if (at?.kind === 'folded') {
    const [M, Ts] = at.keys.shape as [number, number];
    const N = at.owner ? at.owner.length : M;
    want.push([at.keys, [M, Ts, H], 'attention.keys'], [at.values, [M, Ts, H], 'attention.values']);
    if (N === 0 || R % N !== 0) throw new ShapeError(`decodeStep: rows (${R}) must be a multiple of the sentences (${N})`);
    if (at.lengths.length !== M) throw new ShapeError(`decodeStep: attention.lengths must hold ${M} lengths, found ${at.lengths.length}`);
    if (at.owner) for (const m of at.owner) if (!(m >= 0 && m < M)) throw new ValueError(`decodeStep: owner ${m} is outside the memory's rows [0, ${M})`);
  }
  for (const [t, shape, what] of want) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new ShapeError(`decodeStep: ${what} must have shape ${fmt(shape)}, found ${t.describe()}`);
    if (t.dtype !== a.h0.dtype) throw new DTypeError(`decodeStep: ${what} is ${t.describe()} but h0 is ${a.h0.describe()}; cast it to ${a.h0.dtype} first`);
  }
  const banned = new Set(a.banned ?? []);
  for (const b of banned) if (!(b >= 0 && b < V)) throw new ValueError(`decodeStep: banned id ${b} is outside the vocabulary [0, ${V})`);
  if (!Number.isInteger(a.top) || a.top < 1 || a.top > V - banned.size) {
    throw new ValueError(`decodeStep: top must be an integer in 1..${V - banned.size} (the ids not banned), found ${a.top}`);
  }
  const inputs = [a.h0, a.weightOut, ...(a.lstm ? [a.lstm.table, a.lstm.weightHh, a.lstm.c0] : []), ...(at ? [at.weightH] : [])];
  if (isGradEnabled() && inputs.some(needsGrad)) throw new ConfigError('decodeStep: inference only (it records no gradient); call it inside noGrad()');
  backendOf('decodeStep', ...inputs);
  return { R, H, V };
}

export function decodeStep(a: DecodeStepInput, options: { fused?: boolean } = {}): DecodeStepOutput {
  const { R, H } = check(a);
  const backend = a.h0.backend;
  if (options.fused === false || !backend.decodeStep) return composed(a);
  const at = a.attention ?? null;
  const args: DecodeStepArgs = {
    h0: a.h0,
    lstm: a.lstm ?? null,
    attention: at,
    weightOut: a.weightOut,
    biasOut: a.biasOut ?? null,
    top: a.top,
    banned: a.banned ?? new Int32Array(0),
    wantWeights: !!a.wantWeights && at?.kind === 'folded',
    wantOut: !!a.wantOut,
    packed: a.packed ?? null,
  };
  const r = backend.decodeStep(args);
  const dt = a.h0.dtype;
  const rh = (s: typeof r.h) => (s ? wrap(backend, s, [R, H], dt) : null);
  const Ts = at?.kind === 'folded' ? at.keys.shape[1]! : 0;
  return {
    h: rh(r.h),
    c: rh(r.c),
    weights: r.weights ? wrap(backend, r.weights, [R, Ts], dt) : null,
    out: rh(r.out),
    topLogp: wrap(backend, r.topLogp, [R, a.top], dt),
    topIds: wrap(backend, r.topIds, [R, a.top], 'int32'),
  };
}

/**
 * The weights a decode's every `decodeStep` reads (W_hh with `lstm`, W_h with attention, W_out), in
 * the backend kernel's own layout, prepared once rather than at every step: pass the result as
 * `packed` to the steps of that decode (and only while those weights are unchanged). null where the
 * backend has none (the steps then prepare their weights themselves).
 */
export function decodeStepPack(a: { weightHh: Tensor | null; weightH: Tensor | null; weightOut: Tensor }): unknown {
  const backend = a.weightOut.backend;
  return backend.decodeStepPack ? backend.decodeStepPack(a) : null;
}

/** The reference: primitive ops, then the per-row selection on the host (`topPerRow`). */
export function decodeStepComposed(a: DecodeStepInput): DecodeStepOutput {
  check(a);
  return composed(a);
}

function composed(a: DecodeStepInput): DecodeStepOutput {
  const [R, H] = a.h0.shape as [number, number];
  const like = { dtype: a.h0.dtype, backend: a.h0.backend };
  let h: Tensor | null = null;
  let c: Tensor | null = null;
  let q = a.h0;
  if (a.lstm) {
    const ids = tensor(a.lstm.tokens, [R], { dtype: 'int32', backend: a.h0.backend });
    const g = add(gather(a.lstm.table, ids), linear(a.h0, a.lstm.weightHh, null));
    const part = (k: number) => slice(g, [0, k * H], [R, H]);
    c = add(mul(sigmoid(part(1)), a.lstm.c0), mul(sigmoid(part(0)), tanh(part(2))));
    h = mul(sigmoid(part(3)), tanh(c));
    q = h;
  }
  const at = a.attention ?? null;
  let out = q;
  let weights: Tensor | null = null;
  if (at) {
    let ctx: Tensor;
    if (at.kind === 'folded') {
      let { keys, values, lengths } = at;
      if (at.owner) {
        const idx = tensor(at.owner, [at.owner.length], { dtype: 'int32', backend: a.h0.backend });
        keys = gather(keys, idx);
        values = gather(values, idx);
        lengths = Int32Array.from(at.owner, (m) => at.lengths[m]!);
      }
      const N = keys.shape[0]!;
      const r = attention({ query: reshape(q, [N, R / N, H]), keys, values, lengths: lengths as unknown as readonly number[], score: 'dot' });
      ctx = reshape(r.context, [R, H]);
      weights = a.wantWeights ? reshape(r.weights, [R, -1]) : null;
    } else ctx = at.context;
    out = tanh(add(ctx, linear(q, at.weightH, null)));
  }
  const logp = logSoftmax(linear(out, a.weightOut, a.biasOut ?? null), -1);
  const V = a.weightOut.shape[0]!;
  const sel = topPerRow(logp.data(), R, V, a.top, a.banned ?? new Int32Array(0));
  return {
    h,
    c,
    weights,
    out: a.wantOut ? out : null,
    topLogp: tensor(sel.logp, [R, a.top], like),
    topIds: tensor(sel.ids, [R, a.top], { dtype: 'int32', backend: a.h0.backend }),
  };
}

/**
 * Per row of `logp` `[R, V]`: the `k` best (value, id) over the ids not in `banned`, best first,
 * equal values in increasing id (the order of `decodeStep`'s kernel).
 */
export function topPerRow(logp: ArrayLike<number>, R: number, V: number, k: number, banned: ArrayLike<number>): { logp: Float64Array; ids: Int32Array } {
  const skip = new Uint8Array(V);
  for (let i = 0; i < banned.length; i++) skip[banned[i]!] = 1;
  const vals = new Float64Array(R * k);
  const ids = new Int32Array(R * k);
  for (let r = 0; r < R; r++) {
    const o = r * k;
    let n = 0;
    for (let v = 0; v < V; v++) {
      if (skip[v]) continue;
      const s = logp[r * V + v]!;
      if (n === k) {
        if (!(s > vals[o + k - 1]!)) continue; // equal: the earlier (lower) id stays
        n--;
      }
      let j = n;
      while (j > 0 && vals[o + j - 1]! < s) {
        vals[o + j] = vals[o + j - 1]!;
        ids[o + j] = ids[o + j - 1]!;
        j--;
      }
      vals[o + j] = s;
      ids[o + j] = v;
      n++;
    }
  }
  return { logp: vals, ids };
}
