import {
  add,
  argmax,
  attention as attention_,
  concat,
  decodeStep as coreDecodeStep,
  decodeStepPack,
  gather,
  linear,
  logSoftmax,
  recurrence,
  reshape,
  topPerRow,
  zeros,
  type DecodeStepInput,
  type Rng,
  type Tensor,
} from '@rnn/core';
import { attend } from './attend.js';
import type { PaddedTargets } from './batch.js';
import { type DecoderCarry, type Drop, type Memory, type Net, idTensor, lengthsArg, noDrop } from './net.js';

/** The stacked decoder LSTM over `x` `[B, T, In]` from `carry`, one fused `recurrence` call per layer. */
export function runDecoder(net: Net, x: Tensor, carry: DecoderCarry, drop: Drop, lengths: Int32Array | null = null): { y: Tensor; carry: DecoderCarry } {
  const { params, decoderCell: cell } = net;
  const L = net.sizes.decoder.numLayers;
  const next: DecoderCarry = [];
  let y = x;
  for (let k = 0; k < L; k++) {
    const p = Object.fromEntries(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => [n, params.get(`decoder.rnn.${n}_l${k}`)]));
    const r = recurrence({ cell, params: p, x: y, carry: carry[k]!, ...(lengths ? { lengths: lengthsArg(lengths) } : {}) });
    next.push(r.carry);
    y = k < L - 1 ? drop(r.y) : r.y;
  }
  return { y, carry: next };
}

function project(net: Net, h: Tensor): Tensor {
  return linear(h, net.params.get('output.weight'), net.params.get('output.bias'));
}

export interface DecoderOutput {
  /** `[B, Tt, Vt]` */
  logits: Tensor;
  /** `[B, Tt, Ts]`, or null without attention. */
  weights: Tensor | null;
}

/**
 * The decoder over a whole target with teacher forcing. Without input feeding (and without
 * scheduled sampling) no step depends on an earlier step's attention, so it runs as one fused
 * `recurrence` per layer over all Tt steps, ONE batched attention call (Tq = Tt) and ONE output
 * projection. With input feeding (the previous h̃ joins the next input) or scheduled sampling (the
 * previous prediction may replace the gold token, with probability `sampling`, drawn per row and
 * step) it goes step by step, each step a fused T = 1 `recurrence` carrying the state.
 *
 * `skipPadding` (the loss's path): the whole-target decoder runs with the targets' lengths, so the
 * fused kernel skips the padded steps (their h is 0 and their logits are not the full model's; the
 * loss never reads them). `forward` keeps every step, as PyTorch's unpacked decoder computes it.
 */
export function teacherForced(
  net: Net,
  mem: Memory,
  carry0: DecoderCarry,
  tgt: PaddedTargets,
  drop: Drop,
  sampling: { p: number; rng: Rng } | null,
  skipPadding = false,
): DecoderOutput {
  const { params, sizes } = net;
  const B = mem.lengths.length;
  const { Tt } = tgt;
  const emb = params.get('decoder.embedding.weight');
  if (!sizes.inputFeeding && !sampling) {
    const x = drop(gather(emb, idTensor(net, tgt.input, [B, Tt])));
    const { y } = runDecoder(net, x, carry0, drop, skipPadding ? tgt.lengths : null);
    const a = attend(net, y, mem);
    return { logits: project(net, drop(a.out)), weights: a.weights };
  }
  const Hd = sizes.decoder.hiddenSize;
  let carry = carry0;
  let feed: Tensor | null = sizes.inputFeeding ? zeros([B, 1, Hd], { dtype: emb.dtype, backend: emb.backend }) : null;
  let prev: Int32Array | null = null;
  const logits: Tensor[] = [];
  const weights: Tensor[] = [];
  for (let t = 0; t < Tt; t++) {
    const ids = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const gold = tgt.input[b * Tt + t]!;
      ids[b] = prev && t < tgt.lengths[b]! && sampling!.rng.next() < sampling!.p ? prev[b]! : gold;
    }
    let x = drop(gather(emb, idTensor(net, ids, [B, 1])));
    if (feed) x = concat([x, feed], 2);
    const r = runDecoder(net, x, carry, drop);
    carry = r.carry;
    const a = attend(net, r.y, mem);
    if (feed) feed = a.out;
    const logit = project(net, drop(a.out));
    logits.push(logit);
    if (a.weights) weights.push(a.weights);
    if (sampling) prev = argmax(reshape(logit, [B, -1]), -1).data() as Int32Array;
  }
  return { logits: concat(logits, 1), weights: weights.length ? concat(weights, 1) : null };
}

/** The decoding state of R rows (sentences × beams): the decoder carry and, with input feeding, the last h̃ `[R, 1, Hd]`. */
export interface StepState {
  carry: DecoderCarry;
  feed: Tensor | null;
}

export function initialState(net: Net, carry: DecoderCarry): StepState {
  const R = carry[0]![0]!.shape[0]!;
  const t = carry[0]![0]!;
  return { carry, feed: net.sizes.inputFeeding ? zeros([R, 1, net.sizes.decoder.hiddenSize], { dtype: t.dtype, backend: t.backend }) : null };
}

/** A state's tensors in one flat list (what a `tidy` step returns to keep them). */
export function stateTensors(state: StepState): Tensor[] {
  return [...state.carry.flat(), ...(state.feed ? [state.feed] : [])];
}

/** The state `stateTensors` flattened, back in the layout of `like` (an empty list: no state). */
export function stepState(tensors: Tensor[], like: StepState): StepState {
  if (tensors.length === 0) return { carry: [], feed: null };
  const carry = like.carry.map((layer, k) => layer.map((_, j) => tensors[k * layer.length + j]!));
  return { carry, feed: like.feed ? tensors[tensors.length - 1]! : null };
}

/** Free a state no step reads any more (its buffers go back to the backend for the next results). */
export function disposeState(state: StepState): void {
  for (const t of stateTensors(state)) t.dispose();
}

/** Keep rows `rows` of a state (beam reordering, finished sentences dropped). */
export function selectRows(state: StepState, rows: Int32Array, net: Net): StepState {
  const idx = idTensor(net, rows, [rows.length]);
  return { carry: state.carry.map((c) => c.map((t) => gather(t, idx))), feed: state.feed ? gather(state.feed, idx) : null };
}

/** Each row's best next tokens: `logp[r·k + j]`, `ids[r·k + j]` for j < k, best first, equal values in increasing id. */
export interface Candidates {
  logp: ArrayLike<number>;
  ids: Int32Array;
  k: number;
}

/**
 * What one decode call prepares once for `decodeStep`'s fused kernel (a backend with
 * `decodeStep`, the native one): null elsewhere, or with `fused: false`.
 *
 * `table` (one-layer decoder without input feeding, Luong or no attention): the decoder's input at a
 * step is just the previous token's embedding, so its input-gate product E·W_ihᵀ + b_ih + b_hh is a
 * row of a [Vt, 4Hd] table built here once, and the kernel runs the LSTM step itself from it.
 */
export interface FusedStep {
  table: Tensor | null;
  /** Luong attention: the kernel reads the whole folded memory through each sentence's row
   *  (`decodeStep`'s `owner`), so the loop never gathers memory rows. */
  whole: boolean;
  /** The decode's constant weights in the kernel's layout (core's `decodeStepPack`), or null. */
  packed: unknown;
}

export function prepareFused(net: Net, fused: boolean, mem: Memory): FusedStep | null {
  const { params, sizes } = net;
  if (!fused || !params.backend.decodeStep) return null;
  const whole = sizes.attention === 'luong';
  const useTable = sizes.decoder.numLayers === 1 && !sizes.inputFeeding && sizes.attention !== 'bahdanau';
  let table: Tensor | null = null;
  if (useTable) {
    const emb = params.get('decoder.embedding.weight');
    table = add(linear(emb, params.get('decoder.rnn.weight_ih_l0'), params.get('decoder.rnn.bias_ih_l0')), params.get('decoder.rnn.bias_hh_l0'));
  }
  const packed = decodeStepPack({
    weightHh: useTable ? params.get('decoder.rnn.weight_hh_l0') : null,
    weightH: mem.folded?.outH ?? null,
    weightOut: params.get('output.weight'),
  });
  return { table, whole, packed };
}

/** Token ids the decoder never produces: `<pad>` (0) and `<s>` (2). */
export const BANNED = Int32Array.of(0, 2);

/**
 * One decoding step for R rows: each row's `top` best next tokens (`Candidates`) and its attention
 * `[R, Ts]`.
 *
 * `group` rows per memory row: with `group` g, `mem` holds R / g sentences and rows
 * [n·g, (n+1)·g) attend to sentence n — the K beams of a sentence as the attention's Tq = K
 * queries over ONE copy of its memory, rather than K gathered copies (each row's numbers are the
 * same either way: a query row's scores, softmax and context do not depend on the other rows).
 *
 * With `fused` (see `FusedStep`) the step's tail — attention, h̃, projection, log-softmax and the
 * selection — is one backend call (and with its table, the LSTM step too); else the composed ops
 * and the selection on the host (`topPerRow`, the same order). With `fused.whole`, `mem` is the
 * whole folded memory and `owner` names each sentence's (group's) row of it.
 */
export function decodeStep(
  net: Net,
  mem: Memory,
  state: StepState,
  tokens: Int32Array,
  group: number,
  top: number,
  fused: FusedStep | null,
  owner: Int32Array | null = null,
): { top: Candidates; weights: Tensor | null; state: StepState } {
  if (fused) return fusedStep(net, mem, state, tokens, top, fused, owner);
  const R = tokens.length;
  let x = gather(net.params.get('decoder.embedding.weight'), idTensor(net, tokens, [R, 1]));
  if (state.feed) x = concat([x, state.feed], 2);
  const r = runDecoder(net, x, state.carry, noDrop);
  const a = attend(net, group === 1 ? r.y : reshape(r.y, [R / group, group, -1]), mem);
  const out = group === 1 ? a.out : reshape(a.out, [R, 1, -1]);
  const logp = logSoftmax(reshape(project(net, out), [R, -1]), -1);
  const V = logp.shape[1]!;
  const sel = topPerRow(logp.data(), R, V, top, BANNED);
  return {
    top: { logp: sel.logp, ids: sel.ids, k: top },
    weights: a.weights ? reshape(a.weights, [R, -1]) : null,
    state: { carry: r.carry, feed: state.feed ? out : null },
  };
}

function fusedStep(
  net: Net,
  mem: Memory,
  state: StepState,
  tokens: Int32Array,
  top: number,
  fused: FusedStep,
  owner: Int32Array | null,
): { top: Candidates; weights: Tensor | null; state: StepState } {
  const { params, sizes } = net;
  const R = tokens.length;
  const Hd = sizes.decoder.hiddenSize;
  const outH = mem.folded?.outH;
  let h0: Tensor;
  let carry: DecoderCarry | null = null;
  if (fused.table) h0 = state.carry[0]![0]!;
  else {
    let x = gather(params.get('decoder.embedding.weight'), idTensor(net, tokens, [R, 1]));
    if (state.feed) x = concat([x, state.feed], 2);
    const r = runDecoder(net, x, state.carry, noDrop);
    carry = r.carry;
    h0 = reshape(r.y, [R, Hd]);
  }
  let weights: Tensor | null = null;
  let attention: DecodeStepInput['attention'] = null;
  if (sizes.attention === 'luong') {
    attention = { kind: 'folded', keys: mem.keys, values: mem.values, lengths: mem.lengths, weightH: outH!, owner };
  } else if (sizes.attention === 'bahdanau') {
    // the additive score stays the core attention kernel's; the tail from its context is fused
    const N = mem.lengths.length;
    const a = attention_({
      query: linear(reshape(h0, [N, R / N, Hd]), params.get('attention.linear_query.weight'), params.get('attention.linear_query.bias')),
      keys: mem.keys,
      values: mem.values,
      lengths: lengthsArg(mem.lengths),
      score: 'additive',
      v: params.get('attention.v'),
    });
    weights = reshape(a.weights, [R, -1]);
    attention = { kind: 'context', context: reshape(a.context, [R, Hd]), weightH: outH! };
  }
  const r = coreDecodeStep({
    h0,
    lstm: fused.table ? { tokens, table: fused.table, weightHh: params.get('decoder.rnn.weight_hh_l0'), c0: state.carry[0]![1]! } : null,
    attention,
    weightOut: params.get('output.weight'),
    biasOut: params.get('output.bias'),
    top,
    banned: BANNED,
    wantWeights: sizes.attention === 'luong',
    wantOut: sizes.inputFeeding,
    packed: fused.packed,
  });
  return {
    top: { logp: r.topLogp.data(), ids: r.topIds.data() as Int32Array, k: top },
    weights: r.weights ?? weights,
    state: { carry: carry ?? [[r.h!, r.c!]], feed: sizes.inputFeeding ? reshape(r.out!, [R, 1, Hd]) : null },
  };
}
