import type { Conv1dArgs, Conv1dBackwardArgs, Conv1dBackwardResult, Storage } from '@rnn/core';
import { allocLike, floatData } from './layout.js';

/**
 * Stride-1 1-D convolution, batch-first with channels last, PyTorch's `[Cout, Cin, K]` weight, as
 * direct loops (see `conv1d` in core for the math). The weight is first laid out `[K, Cin, Cout]`
 * so that every inner loop runs over contiguous memory; padded steps are skipped, never read.
 */

function sizes(a: Conv1dArgs) {
  const [B, T, Cin] = a.x.shape as [number, number, number];
  const [Cout, , K] = a.weight.shape as [number, number, number];
  return { B, T, Cin, Cout, K, p: a.padding, Tout: T + 2 * a.padding - K + 1 };
}

export function conv1dForward(a: Conv1dArgs): Storage {
  const { B, T, Cin, Cout, K, p, Tout } = sizes(a);
  const x = floatData(a.x);
  const w = floatData(a.weight);
  const bias = a.bias ? floatData(a.bias) : null;
  const wt = allocLike(w, K * Cin * Cout); // [K, Cin, Cout]
  for (let o = 0; o < Cout; o++) for (let c = 0; c < Cin; c++) for (let k = 0; k < K; k++) wt[(k * Cin + c) * Cout + o] = w[(o * Cin + c) * K + k]!;
  const y = allocLike(x, B * Tout * Cout);
  const acc = new Float64Array(Cout);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tout; t++) {
      for (let o = 0; o < Cout; o++) acc[o] = bias ? bias[o]! : 0;
      for (let k = 0; k < K; k++) {
        const s = t + k - p;
        if (s < 0 || s >= T) continue;
        const xr = (b * T + s) * Cin;
        for (let c = 0; c < Cin; c++) {
          const xv = x[xr + c]!;
          const wr = (k * Cin + c) * Cout;
          for (let o = 0; o < Cout; o++) acc[o]! += xv * wt[wr + o]!;
        }
      }
      y.set(acc, (b * Tout + t) * Cout);
    }
  }
  return y;
}

export function conv1dBackward(a: Conv1dBackwardArgs): Conv1dBackwardResult {
  const { B, T, Cin, Cout, K, p, Tout } = sizes(a);
  const x = floatData(a.x);
  const w = floatData(a.weight);
  const dy = floatData(a.dy);
  const dwt = new Float64Array(K * Cin * Cout); // [K, Cin, Cout]
  const dxAcc = a.needDx ? new Float64Array(B * T * Cin) : null;
  const db = new Float64Array(Cout);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tout; t++) {
      const gr = (b * Tout + t) * Cout;
      for (let o = 0; o < Cout; o++) db[o]! += dy[gr + o]!;
      for (let k = 0; k < K; k++) {
        const s = t + k - p;
        if (s < 0 || s >= T) continue;
        const xr = (b * T + s) * Cin;
        for (let c = 0; c < Cin; c++) {
          const xv = x[xr + c]!;
          const wr = (k * Cin + c) * Cout;
          let dxs = 0;
          for (let o = 0; o < Cout; o++) {
            const g = dy[gr + o]!;
            dwt[wr + o]! += g * xv;
            dxs += g * w[(o * Cin + c) * K + k]!;
          }
          if (dxAcc) dxAcc[xr + c]! += dxs;
        }
      }
    }
  }
  const dWeight = allocLike(w, Cout * Cin * K);
  for (let o = 0; o < Cout; o++) for (let c = 0; c < Cin; c++) for (let k = 0; k < K; k++) dWeight[(o * Cin + c) * K + k] = dwt[(k * Cin + c) * Cout + o]!;
  const dx = dxAcc ? allocLike(x, dxAcc.length) : null;
  dx?.set(dxAcc!);
  const dBias = a.bias ? allocLike(w, Cout) : null;
  dBias?.set(db);
  return { dx, dWeight, dBias };
}
