import { GATES, type FusedCell } from '../backend.js';

/**
 * Per-step internals of a built-in recurrent cell, computed on the host straight from the cell's
 * equations (PyTorch's gate order). Two uses: the reference the conformance suite checks every
 * backend's recorded gates against, and the trace `recurrence({ record: true })` gives when the
 * run did not go through a fused kernel that records (a backend without one, `fused: false`).
 *
 * Layout, batch-first and time-indexed (step `t` of row `b` at `b * T + t`), zeros at padded steps:
 * - `gates` `[B, T, G*H]`: the activations — lstm i, f, g, o (σ, σ, tanh, σ); gru r, z, n (σ, σ,
 *   tanh); rnn the new h;
 * - `cells` `[B, T, H]`: lstm's c_t after the step, else null.
 */
export interface HostTrace {
  gates: Float64Array;
  cells: Float64Array | null;
}

export interface HostTraceArgs {
  kernel: FusedCell;
  B: number;
  T: number;
  I: number;
  H: number;
  x: ArrayLike<number>;
  /** `[B, H]`, or null for zeros. */
  h0: ArrayLike<number> | null;
  c0: ArrayLike<number> | null;
  weightIh: ArrayLike<number>;
  weightHh: ArrayLike<number>;
  biasIh: ArrayLike<number>;
  biasHh: ArrayLike<number>;
  lengths: ArrayLike<number> | null;
  reverse: boolean;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export function traceOnHost(a: HostTraceArgs): HostTrace {
  const { kernel, B, T, I, H } = a;
  const G = GATES[kernel];
  const GH = G * H;
  const gates = new Float64Array(B * T * GH);
  const cells = kernel === 'lstm' ? new Float64Array(B * T * H) : null;
  const gi = new Float64Array(GH);
  const gh = new Float64Array(GH);
  for (let b = 0; b < B; b++) {
    const h = Float64Array.from({ length: H }, (_, j) => (a.h0 ? a.h0[b * H + j]! : 0));
    const c = Float64Array.from({ length: H }, (_, j) => (a.c0 ? a.c0[b * H + j]! : 0));
    const L = a.lengths ? a.lengths[b]! : T;
    for (let s = 0; s < L; s++) {
      const t = a.reverse ? L - 1 - s : s;
      // gi = W_ih x_t + b_ih, gh = W_hh h + b_hh (kept apart: gru's n gate needs them apart)
      for (let r = 0; r < GH; r++) {
        let u = a.biasIh[r]!;
        for (let k = 0; k < I; k++) u += a.weightIh[r * I + k]! * a.x[(b * T + t) * I + k]!;
        let v = a.biasHh[r]!;
        for (let k = 0; k < H; k++) v += a.weightHh[r * H + k]! * h[k]!;
        gi[r] = u;
        gh[r] = v;
      }
      const o = (b * T + t) * GH;
      for (let j = 0; j < H; j++) {
        if (kernel === 'lstm') {
          const [i, f, g, og] = [0, 1, 2, 3].map((q) => gi[q * H + j]! + gh[q * H + j]!) as [number, number, number, number];
          const [si, sf, tg, so] = [sigmoid(i), sigmoid(f), Math.tanh(g), sigmoid(og)];
          c[j] = sf * c[j]! + si * tg;
          gates[o + j] = si;
          gates[o + H + j] = sf;
          gates[o + 2 * H + j] = tg;
          gates[o + 3 * H + j] = so;
        } else if (kernel === 'gru') {
          const r = sigmoid(gi[j]! + gh[j]!);
          const z = sigmoid(gi[H + j]! + gh[H + j]!);
          const n = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
          gates[o + j] = r;
          gates[o + H + j] = z;
          gates[o + 2 * H + j] = n;
        } else {
          const v = gi[j]! + gh[j]!;
          gates[o + j] = kernel === 'rnn_relu' ? Math.max(0, v) : Math.tanh(v);
        }
      }
      // the state update after every unit's gates are known (h feeds the next step only)
      for (let j = 0; j < H; j++) {
        if (kernel === 'lstm') {
          h[j] = gates[o + 3 * H + j]! * Math.tanh(c[j]!);
          cells![(b * T + t) * H + j] = c[j]!;
        } else if (kernel === 'gru') {
          const z = gates[o + H + j]!;
          h[j] = (1 - z) * gates[o + 2 * H + j]! + z * h[j]!;
        } else {
          h[j] = gates[o + j]!;
        }
      }
    }
  }
  return { gates, cells };
}
