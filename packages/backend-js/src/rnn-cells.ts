import { GATES } from '@rnn/core';
import type { FusedCell } from '@rnn/core';
import { tanhF32 } from './fastmath.js';
import type { FloatArray } from './layout.js';

/**
 * The per-step gate passes of the fused sequence kernels (PyTorch's equations and gate order):
 * - rnn:  h' = act(a), a = W_ih x + b_ih + W_hh h + b_hh
 * - lstm: gates i, f, g, o; i,f,o = σ, g = tanh; c' = f*c + i*g; h' = o*tanh(c')
 * - gru:  gates r, z, n; r,z = σ; n = tanh(W_in x + b_in + r*(W_hn h + b_hn)); h' = (1-z)*n + z*h
 * The matmuls happen outside (rnn.ts); these loops only combine their results, row by row, so
 * that each batch row can sit at its own time step (lengths, reverse).
 */

/** One sequence's buffers. Time-indexed arrays are time-major (`[T, B, ...]`); state and gate
 * stores are step-indexed (slot `s` holds what step `s` read or made). */
export interface Seq {
  mode: FusedCell;
  B: number;
  T: number;
  H: number;
  lengths: Int32Array | null;
  reverse: boolean;
  /** `[T, B, G*H]`: W_ih x + b_ih at each time, plus b_hh where the cell adds it unscaled (every
   * gate but gru's n): one add per gate per step fewer inside the time loop. A scratch buffer:
   * valid only while sequenceForward runs (backward does not read it). */
  proj: FloatArray;
  /** `[B, G*H]`: W_hh h for the current step (no bias). */
  rec: FloatArray;
  /** gru only: b_hn, the hidden bias of the n gate (scaled by r, so it stays out of `proj`). */
  biasHn: FloatArray | null;
  /** `[B, T, H]` output. */
  y: FloatArray;
  /** States; slot `s` is the state before step `s` (two rotating slots when not training). */
  hs: FloatArray;
  cs: FloatArray | null;
  /** Activated gates, `[B, G*H]` per step. */
  gates: FloatArray;
  /** gru only: W_hn h + b_hn, `[B, H]` per step (needed for dr). */
  rn: FloatArray | null;
  /** lstm only: tanh(c'), `[B, H]` per step, so backward reads it instead of calling tanh again
   * (one transcendental per element fewer; one slot when not training). */
  tanhC: FloatArray | null;
  /** With `record`: the gates `[B, T, G*H]` and lstm's c_t `[B, T, H]` by time, else null. */
  traceGates: FloatArray | null;
  traceCells: FloatArray | null;
}

/** Offsets of one step's slots. */
export interface Slots {
  /** Previous and next state (into hs and cs). */
  hp: number;
  hn: number;
  /** Gate store and gru's rn store. */
  go: number;
  ro: number;
}

/** The time index row `b` reads at step `s`, or -1 once its sequence has ended. */
export function timeOf(q: Seq, b: number, s: number): number {
  const len = q.lengths === null ? q.T : q.lengths[b];
  if (s >= len) return -1;
  return q.reverse ? len - 1 - s : s;
}

export function forwardStep(q: Seq, s: number, k: Slots): void {
  const { mode, B, T, H, proj, rec, y, hs, gates } = q;
  const GH = GATES[mode] * H;
  // float32 storage: tanh by the rational approximation of fastmath.ts (within 2 ulp, 4x faster)
  const f32 = y instanceof Float32Array;
  for (let b = 0; b < B; b++) {
    const hp = k.hp + b * H;
    const hn = k.hn + b * H;
    const t = timeOf(q, b, s);
    if (t < 0) {
      // Past this row's end: carry the state so hN is the state after its last valid step.
      hs.copyWithin(hn, hp, hp + H);
      if (q.cs !== null) q.cs.copyWithin(hn, hp, hp + H);
      continue;
    }
    const p = (t * B + b) * GH;
    const r = b * GH;
    const g = k.go + b * GH;
    const yo = (b * T + t) * H;
    if (mode === 'lstm') {
      const cs = q.cs as FloatArray;
      const tanhC = q.tanhC as FloatArray;
      const to = k.ro + b * H;
      for (let j = 0; j < H; j++) {
        // σ written out, not called: TurboFan did not always inline `sigmoid` into this loop
        const i = 1 / (1 + Math.exp(-(proj[p + j] + rec[r + j])));
        const f = 1 / (1 + Math.exp(-(proj[p + H + j] + rec[r + H + j])));
        const ga = proj[p + 2 * H + j] + rec[r + 2 * H + j];
        const gg = f32 ? tanhF32(ga) : Math.tanh(ga);
        const o = 1 / (1 + Math.exp(-(proj[p + 3 * H + j] + rec[r + 3 * H + j])));
        const c = f * cs[hp + j] + i * gg;
        const tc = f32 ? tanhF32(c) : Math.tanh(c);
        const h = o * tc;
        gates[g + j] = i;
        gates[g + H + j] = f;
        gates[g + 2 * H + j] = gg;
        gates[g + 3 * H + j] = o;
        tanhC[to + j] = tc;
        cs[hn + j] = c;
        hs[hn + j] = h;
        y[yo + j] = h;
      }
      if (q.traceCells !== null) q.traceCells.set(cs.subarray(hn, hn + H), yo);
    } else if (mode === 'gru') {
      const rn = q.rn as FloatArray;
      const biasHn = q.biasHn as FloatArray;
      const ro = k.ro + b * H;
      for (let j = 0; j < H; j++) {
        const rr = 1 / (1 + Math.exp(-(proj[p + j] + rec[r + j])));
        const z = 1 / (1 + Math.exp(-(proj[p + H + j] + rec[r + H + j])));
        const hn_ = rec[r + 2 * H + j] + biasHn[j];
        const na = proj[p + 2 * H + j] + rr * hn_;
        const n = f32 ? tanhF32(na) : Math.tanh(na);
        const h = (1 - z) * n + z * hs[hp + j];
        gates[g + j] = rr;
        gates[g + H + j] = z;
        gates[g + 2 * H + j] = n;
        rn[ro + j] = hn_;
        hs[hn + j] = h;
        y[yo + j] = h;
      }
    } else {
      const relu = mode === 'rnn_relu';
      for (let j = 0; j < H; j++) {
        const a = proj[p + j] + rec[r + j];
        const h = relu ? (a < 0 ? 0 : a) : f32 ? tanhF32(a) : Math.tanh(a);
        gates[g + j] = h;
        hs[hn + j] = h;
        y[yo + j] = h;
      }
    }
    if (q.traceGates !== null) q.traceGates.set(gates.subarray(g, g + GH), (b * T + t) * GH);
  }
}

/** Gradient buffers of one backward pass. */
export interface SeqGrad {
  /** `[T, B, G*H]` gradient w.r.t. the input-side pre-activations (W_ih x + b_ih). */
  dG: FloatArray;
  /** `[steps, B, G*H]` gradient w.r.t. the hidden-side pre-activations (W_hh h + b_hh). */
  dGh: FloatArray;
  /** `[B, H]` running dL/dh (dL/dc): on entry the gradient at this step's output state; on
   * return only the part reaching the previous state directly (the W_hh part is added after). */
  dh: FloatArray;
  dc: FloatArray | null;
  /** `[B, T, H]` or null. */
  dy: FloatArray | null;
}

export function backwardStep(q: Seq, d: SeqGrad, s: number, k: Slots): void {
  const { mode, B, T, H, hs, gates } = q;
  const { dG, dGh, dh, dy } = d;
  const GH = GATES[mode] * H;
  for (let b = 0; b < B; b++) {
    const t = timeOf(q, b, s);
    // Past the end the state was only carried: dh (and dc) pass through unchanged.
    if (t < 0) continue;
    const hp = k.hp + b * H;
    const hn = k.hn + b * H;
    const g = k.go + b * GH;
    const gi = (t * B + b) * GH;
    const gh = (s * B + b) * GH;
    const yo = (b * T + t) * H;
    const o = b * H;
    if (mode === 'lstm') {
      const cs = q.cs as FloatArray;
      const tanhC = q.tanhC as FloatArray;
      const to = k.ro + b * H;
      const dc = d.dc as FloatArray;
      for (let j = 0; j < H; j++) {
        const dhj = dh[o + j] + (dy === null ? 0 : dy[yo + j]);
        const i = gates[g + j], f = gates[g + H + j], gg = gates[g + 2 * H + j];
        const og = gates[g + 3 * H + j];
        const tc = tanhC[to + j];
        const dct = dc[o + j] + dhj * og * (1 - tc * tc);
        dG[gi + j] = dGh[gh + j] = dct * gg * i * (1 - i);
        dG[gi + H + j] = dGh[gh + H + j] = dct * cs[hp + j] * f * (1 - f);
        dG[gi + 2 * H + j] = dGh[gh + 2 * H + j] = dct * i * (1 - gg * gg);
        dG[gi + 3 * H + j] = dGh[gh + 3 * H + j] = dhj * tc * og * (1 - og);
        dc[o + j] = dct * f;
        dh[o + j] = 0;
      }
    } else if (mode === 'gru') {
      const rn = q.rn as FloatArray;
      const ro = k.ro + b * H;
      for (let j = 0; j < H; j++) {
        const dhj = dh[o + j] + (dy === null ? 0 : dy[yo + j]);
        const r = gates[g + j], z = gates[g + H + j], n = gates[g + 2 * H + j];
        const dn = dhj * (1 - z) * (1 - n * n);
        const dr = dn * rn[ro + j] * r * (1 - r);
        const dz = dhj * (hs[hp + j] - n) * z * (1 - z);
        dG[gi + j] = dGh[gh + j] = dr;
        dG[gi + H + j] = dGh[gh + H + j] = dz;
        // n's hidden-side term is gated by r, so its two pre-activation gradients differ.
        dG[gi + 2 * H + j] = dn;
        dGh[gh + 2 * H + j] = dn * r;
        dh[o + j] = dhj * z;
      }
    } else {
      const relu = mode === 'rnn_relu';
      for (let j = 0; j < H; j++) {
        const dhj = dh[o + j] + (dy === null ? 0 : dy[yo + j]);
        const h = hs[hn + j];
        const da = relu ? (h > 0 ? dhj : 0) : dhj * (1 - h * h);
        dG[gi + j] = dGh[gh + j] = da;
        dh[o + j] = 0;
      }
    }
  }
}
