import { GATES } from '@rnn/core';
import type { FusedCell } from '@rnn/core';

/** Everything an RNN run reads, as flat float64 arrays in the kernel's layouts. */
export interface RnnInputs {
  mode: FusedCell;
  B: number;
  T: number;
  I: number;
  H: number;
  x: number[];
  h0: number[];
  c0: number[];
  wih: number[];
  whh: number[];
  bih: number[];
  bhh: number[];
  lengths: number[] | null;
  reverse: boolean;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** W[rows, cols] @ v, rows `r0..r0+n`. */
function matvec(w: number[], cols: number, r0: number, n: number, v: number[]): number[] {
  return Array.from({ length: n }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += w[(r0 + r) * cols + c] * v[c];
    return s;
  });
}

/**
 * The obviously-correct version: one batch row at a time, one time step at a time, PyTorch's
 * cell equations written out with plain arrays.
 */
export function referenceRnn(p: RnnInputs): { y: number[]; hN: number[]; cN: number[] } {
  const { mode, B, T, I, H } = p;
  const y = new Array<number>(B * T * H).fill(0);
  const hN: number[] = [];
  const cN: number[] = [];
  for (let b = 0; b < B; b++) {
    let h = p.h0.slice(b * H, b * H + H);
    let c = p.c0.slice(b * H, b * H + H);
    const len = p.lengths === null ? T : p.lengths[b];
    const order = Array.from({ length: len }, (_, i) => (p.reverse ? len - 1 - i : i));
    for (const t of order) {
      const xt = p.x.slice((b * T + t) * I, (b * T + t) * I + I);
      const gate = (g: number): [number[], number[]] => [
        matvec(p.wih, I, g * H, H, xt).map((v, j) => v + p.bih[g * H + j]),
        matvec(p.whh, H, g * H, H, h).map((v, j) => v + p.bhh[g * H + j]),
      ];
      if (mode === 'lstm') {
        const [ii, ih] = gate(0), [fi, fh] = gate(1), [gi, gh] = gate(2), [oi, oh] = gate(3);
        c = c.map((cj, j) => sigmoid(fi[j] + fh[j]) * cj + sigmoid(ii[j] + ih[j]) * Math.tanh(gi[j] + gh[j]));
        h = c.map((cj, j) => sigmoid(oi[j] + oh[j]) * Math.tanh(cj));
      } else if (mode === 'gru') {
        const [ri, rh] = gate(0), [zi, zh] = gate(1), [ni, nh] = gate(2);
        h = h.map((hj, j) => {
          const r = sigmoid(ri[j] + rh[j]);
          const z = sigmoid(zi[j] + zh[j]);
          const n = Math.tanh(ni[j] + r * nh[j]);
          return (1 - z) * n + z * hj;
        });
      } else {
        const [ai, ah] = gate(0);
        h = ai.map((v, j) => (mode === 'rnn_relu' ? Math.max(0, v + ah[j]) : Math.tanh(v + ah[j])));
      }
      for (let j = 0; j < H; j++) y[(b * T + t) * H + j] = h[j];
    }
    hN.push(...h);
    cN.push(...c);
  }
  return { y, hN, cN };
}

export function randomInputs(
  mode: FusedCell, B: number, T: number, I: number, H: number, rand: (lo?: number, hi?: number) => number,
  lengths: number[] | null, reverse: boolean,
): RnnInputs {
  const G = GATES[mode];
  const r = (n: number): number[] => Array.from({ length: n }, () => rand());
  return {
    mode, B, T, I, H, lengths, reverse,
    x: r(B * T * I), h0: r(B * H), c0: r(B * H),
    wih: r(G * H * I), whh: r(G * H * H), bih: r(G * H), bhh: r(G * H),
  };
}
