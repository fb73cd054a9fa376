import { BackendError } from '@rnn/core';
import type {
  TreeLevelArgs, TreeLevelBackwardArgs, TreeLevelBackwardResult, TreeLevelResult,
} from '@rnn/core';
import { gemm } from './gemm.js';
import { allocLike, floatData } from './layout.js';
import type { FloatArray } from './layout.js';

/**
 * One level of a binary Tree-LSTM (Tai et al. 2015), all N nodes at once. With
 * `z = W x + W_h [hL; hR] + b` split into gates i, fL, fR, o, u (H rows each):
 *   i, fL, fR, o = σ(·), u = tanh(·), c = i*u + fL*cL + fR*cR, h = o*tanh(c).
 * The children's states are copied side by side once so that the hidden-side product is a single
 * GEMM with the `[5H, 2H]` weight, and its backward a single GEMM giving dhL and dhR together.
 */

interface TreeReserve {
  /** `[N, 2H]`: [hL; hR] per node. */
  hlr: FloatArray | null;
  /** `[N, 5H]` activated gates. */
  gates: FloatArray | null;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export function treeLevelForward(args: TreeLevelArgs): TreeLevelResult {
  const [N, I] = args.x.shape;
  const H = args.hL.shape[1];
  const x = floatData(args.x);
  const hL = floatData(args.hL);
  const hR = floatData(args.hR);
  const cL = floatData(args.cL);
  const cR = floatData(args.cR);
  const bias = floatData(args.bias);
  const H2 = 2 * H;
  const H5 = 5 * H;

  const hlr = allocLike(x, N * H2);
  for (let n = 0; n < N; n++) {
    hlr.set(hL.subarray(n * H, n * H + H), n * H2);
    hlr.set(hR.subarray(n * H, n * H + H), n * H2 + H);
  }
  const z = allocLike(x, N * H5);
  gemm(N, H5, I, x, 0, false, floatData(args.weight), 0, true, z, 0, false);
  gemm(N, H5, H2, hlr, 0, false, floatData(args.weightH), 0, true, z, 0, true);

  const h = allocLike(x, N * H);
  const c = allocLike(x, N * H);
  for (let n = 0; n < N; n++) {
    const g = n * H5;
    const s = n * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(z[g + j] + bias[j]);
      const fl = sigmoid(z[g + H + j] + bias[H + j]);
      const fr = sigmoid(z[g + 2 * H + j] + bias[2 * H + j]);
      const o = sigmoid(z[g + 3 * H + j] + bias[3 * H + j]);
      const u = Math.tanh(z[g + 4 * H + j] + bias[4 * H + j]);
      const cv = i * u + fl * cL[s + j] + fr * cR[s + j];
      c[s + j] = cv;
      h[s + j] = o * Math.tanh(cv);
      // Keep the activations in place of the pre-activations: backward needs only these.
      z[g + j] = i;
      z[g + H + j] = fl;
      z[g + 2 * H + j] = fr;
      z[g + 3 * H + j] = o;
      z[g + 4 * H + j] = u;
    }
  }
  const reserve: TreeReserve | null = args.training ? { hlr, gates: z } : null;
  return { h, c, reserve };
}

export function treeLevelBackward(args: TreeLevelBackwardArgs): TreeLevelBackwardResult {
  const reserve = args.forward.reserve as TreeReserve | null;
  if (reserve === null || typeof reserve !== 'object' || !reserve.gates || !reserve.hlr) {
    throw new BackendError(
      'treeLevelBackward: the forward pass kept nothing for backward; ' +
        'run treeLevelForward with training: true',
    );
  }
  const { hlr, gates } = reserve;
  const [N, I] = args.x.shape;
  const H = args.hL.shape[1];
  const H2 = 2 * H;
  const H5 = 5 * H;
  const x = floatData(args.x);
  const cL = floatData(args.cL);
  const cR = floatData(args.cR);
  const c = args.forward.c as FloatArray;
  const dh = args.dh === null ? null : floatData(args.dh);
  const dc = args.dc === null ? null : floatData(args.dc);

  const dz = allocLike(x, N * H5);
  const dcL = allocLike(x, N * H);
  const dcR = allocLike(x, N * H);
  for (let n = 0; n < N; n++) {
    const g = n * H5;
    const s = n * H;
    for (let j = 0; j < H; j++) {
      const i = gates[g + j], fl = gates[g + H + j], fr = gates[g + 2 * H + j];
      const o = gates[g + 3 * H + j], u = gates[g + 4 * H + j];
      const dhj = dh === null ? 0 : dh[s + j];
      const tc = Math.tanh(c[s + j]);
      const dct = (dc === null ? 0 : dc[s + j]) + dhj * o * (1 - tc * tc);
      dz[g + j] = dct * u * i * (1 - i);
      dz[g + H + j] = dct * cL[s + j] * fl * (1 - fl);
      dz[g + 2 * H + j] = dct * cR[s + j] * fr * (1 - fr);
      dz[g + 3 * H + j] = dhj * tc * o * (1 - o);
      dz[g + 4 * H + j] = dct * i * (1 - u * u);
      dcL[s + j] = dct * fl;
      dcR[s + j] = dct * fr;
    }
  }
  const weight = floatData(args.weight);
  const weightH = floatData(args.weightH);
  const dx = allocLike(x, N * I);
  gemm(N, I, H5, dz, 0, false, weight, 0, false, dx, 0, false);
  const dhlr = allocLike(x, N * H2);
  gemm(N, H2, H5, dz, 0, false, weightH, 0, false, dhlr, 0, false);
  const dhL = allocLike(x, N * H);
  const dhR = allocLike(x, N * H);
  for (let n = 0; n < N; n++) {
    dhL.set(dhlr.subarray(n * H2, n * H2 + H), n * H);
    dhR.set(dhlr.subarray(n * H2 + H, n * H2 + H2), n * H);
  }
  const dWeight = allocLike(x, H5 * I);
  gemm(H5, I, N, dz, 0, true, x, 0, false, dWeight, 0, false);
  const dWeightH = allocLike(x, H5 * H2);
  gemm(H5, H2, N, dz, 0, true, hlr, 0, false, dWeightH, 0, false);
  const acc = new Float64Array(H5);
  for (let n = 0; n < N; n++) for (let j = 0; j < H5; j++) acc[j] += dz[n * H5 + j];
  const dBias = allocLike(x, H5);
  dBias.set(acc);
  return { dx, dhL, dcL, dhR, dcR, dWeight, dWeightH, dBias };
}
