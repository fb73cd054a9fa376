import { BackendError, GATES, ValueError } from '@rnn/core';
import type {
  SequenceBackwardArgs, SequenceBackwardResult, SequenceForwardArgs, SequenceForwardResult,
} from '@rnn/core';
import { gemm, gemmPacked, packB } from './gemm.js';
import { allocLike, floatData } from './layout.js';
import type { FloatArray } from './layout.js';
import { backwardStep, forwardStep } from './rnn-cells.js';
import type { Seq, Slots } from './rnn-cells.js';

/**
 * Whole-sequence RNN/LSTM/GRU, cuDNN-style: the input projection of every time step is one big
 * GEMM up front, leaving only `h @ W_hh^T` and a fused gate pass inside the time loop. Backward
 * mirrors it: the loop only propagates dh through W_hh, and dx, dW_ih, dW_hh come from three big
 * GEMMs over all steps afterwards.
 */

/** What forward keeps for backward: the sequence's buffers with every step's slot. */
interface RnnReserve {
  seq: Seq;
  /** x, time-major `[T, B, I]`. */
  xt: FloatArray;
  /** Steps run: the longest length (later steps change nothing). */
  steps: number;
}

/** `[B, T, F]` <-> `[T, B, F]`; the copy keeps each F-vector contiguous. */
function swapBT(src: FloatArray, d0: number, d1: number, f: number): FloatArray {
  const out = allocLike(src, d0 * d1 * f);
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      const from = (i * d1 + j) * f;
      out.set(src.subarray(from, from + f), (j * d0 + i) * f);
    }
  }
  return out;
}

/** Column sums of a `[rows, cols]` matrix, accumulated in float64. */
function columnSums(a: FloatArray, rows: number, cols: number): FloatArray {
  const acc = new Float64Array(cols);
  for (let r = 0, o = 0; r < rows; r++, o += cols) for (let j = 0; j < cols; j++) acc[j] += a[o + j];
  const out = allocLike(a, cols);
  out.set(acc);
  return out;
}

function longest(lengths: Int32Array | null, B: number, T: number): number {
  if (lengths === null) return T;
  let max = 0;
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    if (!(len >= 1 && len <= T)) {
      throw new ValueError(`sequenceForward: lengths[${b}] is ${len}; expected 1..${T} (the time steps of x)`);
    }
    max = Math.max(max, len);
  }
  return max;
}

export function sequenceForward(args: SequenceForwardArgs): SequenceForwardResult {
  const { cell: mode, lengths, reverse, training } = args;
  const [B, T, I] = args.x.shape;
  const H = args.h0.shape[1];
  const GH = GATES[mode] * H;
  const x = floatData(args.x);
  const steps = longest(lengths, B, T);

  const xt = swapBT(x, B, T, I);
  const proj = allocLike(x, T * B * GH);
  gemm(T * B, GH, I, xt, 0, false, floatData(args.weightIh), 0, true, proj, 0, false);
  const biasIh = floatData(args.biasIh);
  for (let r = 0, o = 0; r < T * B; r++, o += GH) for (let j = 0; j < GH; j++) proj[o + j] += biasIh[j];

  // Training keeps a slot per step; inference rotates two state slots and reuses one gate slot.
  const slots = training ? steps + 1 : 2;
  const hs = allocLike(x, slots * B * H);
  hs.set(floatData(args.h0).subarray(0, B * H));
  let cs: FloatArray | null = null;
  if (mode === 'lstm') {
    if (args.c0 === null) throw new BackendError('sequenceForward: lstm needs c0 ([B, H]); got null');
    cs = allocLike(x, slots * B * H);
    cs.set(floatData(args.c0).subarray(0, B * H));
  }
  const seq: Seq = {
    mode, B, T, H, lengths, reverse, proj, cs, hs,
    rec: allocLike(x, B * GH),
    biasHh: floatData(args.biasHh),
    y: allocLike(x, B * T * H),
    gates: allocLike(x, (training ? steps : 1) * B * GH),
    rn: mode === 'gru' ? allocLike(x, (training ? steps : 1) * B * H) : null,
    // recording copies each step's gates and c as they are made (zeros stay at padded steps)
    traceGates: args.record ? allocLike(x, B * T * GH) : null,
    traceCells: args.record && mode === 'lstm' ? allocLike(x, B * T * H) : null,
  };
  const whh = packB(floatData(args.weightHh), 0, true, H, GH);
  let last = 0;
  for (let s = 0; s < steps; s++) {
    const k: Slots = training
      ? { hp: s * B * H, hn: (s + 1) * B * H, go: s * B * GH, ro: s * B * H }
      : { hp: (s & 1) * B * H, hn: ((s + 1) & 1) * B * H, go: 0, ro: 0 };
    gemmPacked(B, hs, k.hp, false, whh, seq.rec, 0, false);
    forwardStep(seq, s, k);
    last = k.hn;
  }
  const reserve: RnnReserve | null = training ? { seq, xt, steps } : null;
  return {
    y: seq.y,
    hN: hs.slice(last, last + B * H),
    cN: cs === null ? null : cs.slice(last, last + B * H),
    reserve,
    ...(seq.traceGates ? { trace: { gates: seq.traceGates, cells: seq.traceCells } } : {}),
  };
}

export function sequenceBackward(args: SequenceBackwardArgs): SequenceBackwardResult {
  const reserve = args.forward.reserve as RnnReserve | null;
  if (reserve === null || typeof reserve !== 'object' || !reserve.seq) {
    throw new BackendError(
      'sequenceBackward: the forward pass kept nothing for backward; run sequenceForward with training: true',
    );
  }
  const { seq, xt, steps } = reserve;
  const { mode, B, T, H, hs } = seq;
  const I = args.x.shape[2];
  const GH = GATES[mode] * H;
  const like = seq.y;

  const dh = allocLike(like, B * H);
  if (args.dhN !== null) dh.set(floatData(args.dhN).subarray(0, B * H));
  let dc: FloatArray | null = null;
  if (mode === 'lstm') {
    dc = allocLike(like, B * H);
    if (args.dcN !== null) dc.set(floatData(args.dcN).subarray(0, B * H));
  }
  const grad = {
    dG: allocLike(like, T * B * GH),
    dGh: allocLike(like, steps * B * GH),
    dh, dc,
    dy: args.dy === null ? null : floatData(args.dy),
  };
  const weightHh = floatData(args.weightHh);
  const whh = packB(weightHh, 0, false, GH, H);
  for (let s = steps - 1; s >= 0; s--) {
    const k: Slots = { hp: s * B * H, hn: (s + 1) * B * H, go: s * B * GH, ro: s * B * H };
    backwardStep(seq, grad, s, k);
    gemmPacked(B, grad.dGh, s * B * GH, false, whh, dh, 0, true);
  }

  const weightIh = floatData(args.weightIh);
  const dxt = allocLike(like, T * B * I);
  gemm(T * B, I, GH, grad.dG, 0, false, weightIh, 0, false, dxt, 0, false);
  const dWeightIh = allocLike(like, GH * I);
  gemm(GH, I, T * B, grad.dG, 0, true, xt, 0, false, dWeightIh, 0, false);
  // hs slots 0..steps-1 are exactly the states each step read: one GEMM gives dW_hh.
  const dWeightHh = allocLike(like, GH * H);
  gemm(GH, H, steps * B, grad.dGh, 0, true, hs, 0, false, dWeightHh, 0, false);
  return {
    dx: swapBT(dxt, T, B, I),
    dh0: dh,
    dc0: dc,
    dWeightIh,
    dWeightHh,
    dBiasIh: columnSums(grad.dG, T * B, GH),
    dBiasHh: columnSums(grad.dGh, steps * B, GH),
  };
}
