import type { BTensor, TypedArray } from '@rnn/core';
import { gemmPacked, packB } from './gemm.js';
import { alloc, data } from './layout.js';

/**
 * `op(a) @ op(b)` for ranks 2 and 3. A rank-2 operand in a batched product is shared by every
 * batch; when that operand is `b` it is packed once for all of them.
 */
export function matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): TypedArray {
  const ad = data(a);
  const bd = data(b);
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transA ? a.shape[ar - 1] : a.shape[ar - 2];
  const k = transA ? a.shape[ar - 2] : a.shape[ar - 1];
  const n = transB ? b.shape[br - 2] : b.shape[br - 1];
  const batch = ar === 3 ? a.shape[0] : br === 3 ? b.shape[0] : 1;
  const aStride = ar === 3 ? m * k : 0;
  const bStride = br === 3 ? k * n : 0;
  const out = alloc(a.dtype, batch * m * n);
  // the packed panels live only inside this call: a reused scratch slot (scratch.ts)
  const shared = bStride === 0 ? packB(bd, 0, transB, k, n, 'matmul.b') : null;
  for (let i = 0; i < batch; i++) {
    const pb = shared ?? packB(bd, i * bStride, transB, k, n, 'matmul.b');
    gemmPacked(m, ad, i * aStride, transA, pb, out, i * m * n, false);
  }
  return out;
}
