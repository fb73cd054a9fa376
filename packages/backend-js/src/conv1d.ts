import type { Conv1dArgs, Conv1dBackwardArgs, Conv1dBackwardResult, Storage } from '@rnn/core';
import { gemm } from './gemm.js';
import { allocLike, floatData, type FloatArray } from './layout.js';

/**
 * Stride-1 1-D convolution, batch-first with channels last, PyTorch's `[Cout, Cin, K]` weight
 * (math in core's `conv1d`), as im2col + this backend's GEMM: the K shifted windows of the input
 * side by side, `cols [B·T', K·Cin]` (column `k·Cin + c`, zeros where a window leaves the input),
 * and the weight reordered to `[Cout, K·Cin]` to match. Forward `y = cols Wᵀ + bias`; backward
 * `dW = dyᵀ cols`, `dcols = dy W` summed back into dx, `dbias` = column sums of dy. (Direct loops
 * measured 0.5–0.6× the composed ops here, whose matmul is this GEMM; see tools/bench/micro-tagging.mjs.)
 */

function sizes(a: Conv1dArgs) {
  const [B, T, C] = a.x.shape as [number, number, number];
  const [O, , K] = a.weight.shape as [number, number, number];
  return { B, T, C, O, K, P: a.padding, To: T + 2 * a.padding - K + 1 };
}

type Sizes = ReturnType<typeof sizes>;

function im2col(s: Sizes, x: FloatArray): FloatArray {
  const KC = s.K * s.C;
  const cols = allocLike(x, s.B * s.To * KC);
  for (let b = 0; b < s.B; b++) {
    for (let t = 0; t < s.To; t++) {
      const row = (b * s.To + t) * KC;
      for (let k = 0; k < s.K; k++) {
        const src = t + k - s.P;
        if (src < 0 || src >= s.T) continue;
        cols.set(x.subarray((b * s.T + src) * s.C, (b * s.T + src + 1) * s.C), row + k * s.C);
      }
    }
  }
  return cols;
}

/** `[O, C, K]` → `[O, K·C]` (or back, with `inverse`). */
function reorder(s: Sizes, src: FloatArray, inverse = false): FloatArray {
  const out = allocLike(src, s.O * s.C * s.K);
  for (let o = 0; o < s.O; o++) {
    for (let c = 0; c < s.C; c++) {
      for (let k = 0; k < s.K; k++) {
        const pt = (o * s.C + c) * s.K + k;
        const kc = (o * s.K + k) * s.C + c;
        if (inverse) out[pt] = src[kc]!;
        else out[kc] = src[pt]!;
      }
    }
  }
  return out;
}

export function conv1dForward(a: Conv1dArgs): Storage {
  const s = sizes(a);
  const x = floatData(a.x);
  const M = s.B * s.To;
  const KC = s.K * s.C;
  const y = allocLike(x, M * s.O);
  if (a.bias) {
    const bias = floatData(a.bias);
    for (let r = 0; r < M; r++) y.set(bias.subarray(0, s.O), r * s.O);
  }
  gemm(M, s.O, KC, im2col(s, x), 0, false, reorder(s, floatData(a.weight)), 0, true, y, 0, true);
  return y;
}

export function conv1dBackward(a: Conv1dBackwardArgs): Conv1dBackwardResult {
  const s = sizes(a);
  const x = floatData(a.x);
  const dy = floatData(a.dy);
  const M = s.B * s.To;
  const KC = s.K * s.C;
  const dwk = allocLike(x, s.O * KC);
  gemm(s.O, KC, M, dy, 0, true, im2col(s, x), 0, false, dwk, 0, false);
  let dBias: FloatArray | null = null;
  if (a.bias) {
    const acc = new Float64Array(s.O);
    for (let r = 0; r < M; r++) for (let o = 0; o < s.O; o++) acc[o]! += dy[r * s.O + o]!;
    dBias = allocLike(x, s.O);
    dBias.set(acc);
  }
  let dx: FloatArray | null = null;
  if (a.needDx) {
    const dcols = allocLike(x, M * KC);
    gemm(M, KC, s.O, dy, 0, false, reorder(s, floatData(a.weight)), 0, false, dcols, 0, false);
    dx = allocLike(x, s.B * s.T * s.C);
    for (let b = 0; b < s.B; b++) {
      for (let t = 0; t < s.To; t++) {
        const row = (b * s.To + t) * KC;
        for (let k = 0; k < s.K; k++) {
          const src = t + k - s.P;
          if (src < 0 || src >= s.T) continue;
          const dst = (b * s.T + src) * s.C;
          for (let c = 0; c < s.C; c++) dx[dst + c]! += dcols[row + k * s.C + c]!;
        }
      }
    }
  }
  return { dx, dWeight: reorder(s, dwk, true), dBias };
}
