import { BackendError, GATES, ValueError } from '@rnn/core';
import type {
  SequenceBackwardArgs, SequenceBackwardResult, SequenceForwardArgs, SequenceForwardResult,
} from '@rnn/core';
import { gemm, gemmPacked, packB } from './gemm.js';
import { allocLike, floatData } from './layout.js';
import type { FloatArray } from './layout.js';
import { backwardStep, forwardStep } from './rnn-cells.js';
import { scratchLike } from './scratch.js';
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

/**
 * The bias every row of `proj` starts from: b_ih, plus b_hh on the gates whose pre-activation adds
 * it as is (all but gru's n, where r scales W_hn h + b_hn). Summed in float64, rounded once.
 */
function projBias(mode: string, H: number, biasIh: FloatArray, biasHh: FloatArray): Float64Array {
  const out = Float64Array.from(biasIh);
  const unscaled = mode === 'gru' ? 2 * H : biasHh.length;
  for (let j = 0; j < unscaled; j++) out[j] += biasHh[j];
  return out;
}

/** Every one of `rows` rows of `a` set to `row`; the input GEMM then accumulates onto it. */
function fillRows(a: FloatArray, rows: number, row: Float64Array): void {
  const cols = row.length;
  if (rows === 0) return;
  a.set(row, 0);
  // doubling copies: log2(rows) memmoves instead of one short copy per row
  for (let done = 1; done < rows; done *= 2) a.copyWithin(done * cols, 0, Math.min(done, rows - done) * cols);
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
  // proj is read only inside this call (backward never looks at it): a reused scratch buffer
  const proj = scratchLike(x, 'rnn.proj', T * B * GH);
  fillRows(proj, T * B, projBias(mode, H, floatData(args.biasIh), floatData(args.biasHh)));
  gemm(T * B, GH, I, xt, 0, false, floatData(args.weightIh), 0, true, proj, 0, true);

  // Training keeps a slot per step; inference rotates two state slots and reuses one gate slot.
  const slots = training ? steps + 1 : 2;
  const perStep = training ? steps : 1;
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
    biasHn: mode === 'gru' ? floatData(args.biasHh).subarray(2 * H, 3 * H) : null,
    y: allocLike(x, B * T * H),
    gates: allocLike(x, perStep * B * GH),
    rn: mode === 'gru' ? allocLike(x, perStep * B * H) : null,
    tanhC: mode === 'lstm' ? allocLike(x, perStep * B * H) : null,
    // recording copies each step's gates and c as they are made (zeros stay at padded steps)
    traceGates: args.record ? allocLike(x, B * T * GH) : null,
    traceCells: args.record && mode === 'lstm' ? allocLike(x, B * T * H) : null,
  };
  // W_hh is packed once for the whole sequence; each step then only packs its 4-row h panels.
  const whh = packB(floatData(args.weightHh), 0, true, H, GH, 'rnn.whh');
  const k: Slots = { hp: 0, hn: 0, go: 0, ro: 0 };
  let last = 0;
  for (let s = 0; s < steps; s++) {
    if (training) {
      k.hp = s * B * H; k.hn = (s + 1) * B * H; k.go = s * B * GH; k.ro = s * B * H;
    } else {
      k.hp = (s & 1) * B * H; k.hn = ((s + 1) & 1) * B * H;
    }
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
  // dG and dGh die with this call: reused scratch, zeroed because padded steps are never written
  const dG = scratchLike(like, 'rnn.dG', T * B * GH).fill(0);
  // lstm and plain rnn add W_ih x and W_hh h unscaled, so both pre-activation gradients are the
  // same numbers; without reverse, step s is time s too and the two stores coincide entry for
  // entry (padded rows are zeros in both): one array serves as both.
  const shared = mode !== 'gru' && !seq.reverse;
  const grad = {
    dG,
    dGh: shared ? dG.subarray(0, steps * B * GH) : scratchLike(like, 'rnn.dGh', steps * B * GH).fill(0),
    dh, dc,
    dy: args.dy === null ? null : floatData(args.dy),
  };
  const weightHh = floatData(args.weightHh);
  const whh = packB(weightHh, 0, false, GH, H, 'rnn.whh');
  const k: Slots = { hp: 0, hn: 0, go: 0, ro: 0 };
  for (let s = steps - 1; s >= 0; s--) {
    k.hp = s * B * H; k.hn = (s + 1) * B * H; k.go = s * B * GH; k.ro = s * B * H;
    backwardStep(seq, grad, s, k);
    gemmPacked(B, grad.dGh, s * B * GH, false, whh, dh, 0, true);
  }

  const weightIh = floatData(args.weightIh);
  // x is data (needDx false): no dx, one product of T*B x I x G*H multiply-adds fewer
  let dxt: FloatArray | null = null;
  if (args.needDx !== false) {
    dxt = allocLike(like, T * B * I);
    gemm(T * B, I, GH, grad.dG, 0, false, weightIh, 0, false, dxt, 0, false);
  }
  const dWeightIh = allocLike(like, GH * I);
  gemm(GH, I, T * B, grad.dG, 0, true, xt, 0, false, dWeightIh, 0, false);
  // hs slots 0..steps-1 are exactly the states each step read: one GEMM gives dW_hh.
  const dWeightHh = allocLike(like, GH * H);
  gemm(GH, H, steps * B, grad.dGh, 0, true, hs, 0, false, dWeightHh, 0, false);
  const dBiasIh = columnSums(grad.dG, T * B, GH);
  return {
    dx: dxt === null ? null : swapBT(dxt, T, B, I),
    dh0: dh,
    dc0: dc,
    dWeightIh,
    dWeightHh,
    dBiasIh,
    // shared: the same numbers summed in the same order (dG's extra rows past `steps` are zeros)
    dBiasHh: shared ? dBiasIh.slice() : columnSums(grad.dGh, steps * B, GH),
  };
}
