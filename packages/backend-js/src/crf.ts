import type { CrfKernelArgs, CrfNllBackwardArgs, CrfNllBackwardResult, CrfNllKernelArgs, CrfNllKernelResult, CrfViterbiResult } from '@rnn/core';
import { viterbiHost } from '@rnn/core';
import { allocLike, floatData } from './layout.js';

/**
 * The linear-chain CRF as kernels (math in core's `ops/crf.ts`): the forward algorithm and the
 * forward–backward marginals for the gradient, one row at a time in float64. The native kernels
 * (native/core/crf.h) follow the same steps; this is their readable twin.
 *
 *   alpha_0 = start + e_0,   alpha_t[j] = e_t[j] + log Σ_i exp(alpha_{t-1}[i] + trans[i, j])
 *   beta_{L-1} = end,        beta_t[i] = log Σ_j exp(trans[i, j] + e_{t+1}[j] + beta_{t+1}[j])
 *   d nll / d e_t[j] = P(y_t = j) − [gold_t = j],  P(y_t = j) = exp(alpha_t[j] + beta_t[j] − log Z)
 *   d nll / d trans[i, j] = Σ_t P(y_{t-1} = i, y_t = j) − gold count of (i, j)
 */

interface CrfReserve {
  /** `[B, T, K]` alphas (float64), for backward. */
  alpha: Float64Array;
  logZ: Float64Array;
}

function logSumExp(v: Float64Array, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i]! > m) m = v[i]!;
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i]! - m);
  return m + Math.log(s);
}

export function crfNllForward(a: CrfNllKernelArgs): CrfNllKernelResult {
  const [B, T, K] = a.emissions.shape as [number, number, number];
  const e = floatData(a.emissions);
  const tr = floatData(a.transitions);
  const st = floatData(a.start);
  const en = floatData(a.end);
  const alpha = new Float64Array(B * T * K);
  const logZ = new Float64Array(B);
  const nll = allocLike(e, B);
  const v = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    const L = a.lengths[b]!;
    const row = b * T * K;
    for (let j = 0; j < K; j++) alpha[row + j] = st[j]! + e[row + j]!;
    for (let t = 1; t < L; t++) {
      const prev = row + (t - 1) * K;
      for (let j = 0; j < K; j++) {
        for (let i = 0; i < K; i++) v[i] = alpha[prev + i]! + tr[i * K + j]!;
        alpha[row + t * K + j] = logSumExp(v, K) + e[row + t * K + j]!;
      }
    }
    for (let j = 0; j < K; j++) v[j] = alpha[row + (L - 1) * K + j]! + en[j]!;
    logZ[b] = logSumExp(v, K);
    const g = a.tags.subarray(b * T, b * T + L);
    let gold = st[g[0]!]! + en[g[L - 1]!]!;
    for (let t = 0; t < L; t++) gold += e[row + t * K + g[t]!]! + (t > 0 ? tr[g[t - 1]! * K + g[t]!]! : 0);
    nll[b] = logZ[b]! - gold;
  }
  return { nll, reserve: a.training ? ({ alpha, logZ } satisfies CrfReserve) : null };
}

export function crfNllBackward(a: CrfNllBackwardArgs): CrfNllBackwardResult {
  const [B, T, K] = a.emissions.shape as [number, number, number];
  const e = floatData(a.emissions);
  const tr = floatData(a.transitions);
  const en = floatData(a.end);
  const dnll = floatData(a.dnll);
  const { alpha, logZ } = (a.forward.reserve as CrfReserve | null) ?? (crfNllForward({ ...a, training: true }).reserve as CrfReserve);
  const dE = allocLike(e, B * T * K);
  const dTr = new Float64Array(K * K);
  const dSt = new Float64Array(K);
  const dEn = new Float64Array(K);
  let beta = new Float64Array(K);
  let prevBeta = new Float64Array(K);
  const v = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    const L = a.lengths[b]!;
    const row = b * T * K;
    const g = dnll[b]!;
    const z = logZ[b]!;
    const gold = a.tags.subarray(b * T, b * T + L);
    for (let j = 0; j < K; j++) beta[j] = en[j]!;
    for (let t = L - 1; t >= 0; t--) {
      // marginals of step t, and the pairwise ones of (t-1, t) while beta_t is at hand
      for (let j = 0; j < K; j++) {
        const p = Math.exp(alpha[row + t * K + j]! + beta[j]! - z);
        dE[row + t * K + j] = g * p;
        if (t === 0) dSt[j]! += g * p;
        if (t === L - 1) dEn[j]! += g * p;
      }
      if (t > 0) {
        for (let i = 0; i < K; i++) {
          const ai = alpha[row + (t - 1) * K + i]! - z;
          for (let j = 0; j < K; j++) dTr[i * K + j]! += g * Math.exp(ai + tr[i * K + j]! + e[row + t * K + j]! + beta[j]!);
        }
        for (let i = 0; i < K; i++) {
          for (let j = 0; j < K; j++) v[j] = tr[i * K + j]! + e[row + t * K + j]! + beta[j]!;
          prevBeta[i] = logSumExp(v, K);
        }
        [beta, prevBeta] = [prevBeta, beta];
      }
    }
    for (let t = 0; t < L; t++) {
      dE[row + t * K + gold[t]!]! -= g;
      if (t > 0) dTr[gold[t - 1]! * K + gold[t]!]! -= g;
    }
    dSt[gold[0]!]! -= g;
    dEn[gold[L - 1]!]! -= g;
  }
  const out = (src: Float64Array) => {
    const o = allocLike(e, src.length);
    o.set(src);
    return o;
  };
  return { dEmissions: dE, dTransitions: out(dTr), dStart: out(dSt), dEnd: out(dEn) };
}

export function crfViterbi(a: CrfKernelArgs): CrfViterbiResult {
  const [B, T, K] = a.emissions.shape as [number, number, number];
  const r = viterbiHost({ B, T, K, lengths: a.lengths }, floatData(a.emissions), floatData(a.transitions), floatData(a.start), floatData(a.end));
  const tags = new Int32Array(B * T);
  r.tags.forEach((p, b) => tags.set(p, b * T));
  return { tags, scores: Float64Array.from(r.scores) };
}
