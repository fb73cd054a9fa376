import { argmax, concat, gather, linear, logSoftmax, recurrence, reshape, zeros, type Rng, type Tensor } from '@rnn/core';
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

/**
 * One decoding step for R rows: the next-token log-probabilities `[R, Vt]` and attention `[R, Ts]`.
 *
 * `group` rows per memory row: with `group` g, `mem` holds R / g sentences and rows
 * [n·g, (n+1)·g) attend to sentence n — the K beams of a sentence as the attention's Tq = K
 * queries over ONE copy of its memory, rather than K gathered copies (each row's numbers are the
 * same either way: a query row's scores, softmax and context do not depend on the other rows).
 */
export function decodeStep(net: Net, mem: Memory, state: StepState, tokens: Int32Array, group = 1): { logp: Tensor; weights: Tensor | null; state: StepState } {
  const R = tokens.length;
  let x = gather(net.params.get('decoder.embedding.weight'), idTensor(net, tokens, [R, 1]));
  if (state.feed) x = concat([x, state.feed], 2);
  const r = runDecoder(net, x, state.carry, noDrop);
  const a = attend(net, group === 1 ? r.y : reshape(r.y, [R / group, group, -1]), mem);
  const out = group === 1 ? a.out : reshape(a.out, [R, 1, -1]);
  const logp = logSoftmax(reshape(project(net, out), [R, -1]), -1);
  return {
    logp,
    weights: a.weights ? reshape(a.weights, [R, -1]) : null,
    state: { carry: r.carry, feed: state.feed ? out : null },
  };
}
