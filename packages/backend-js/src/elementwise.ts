import type { BTensor, BinaryOp, DType, TypedArray, UnaryOp } from '@rnn/core';
import { alloc, broadcastStrides, collapse, data, forEachRun, sizeOf, stridesOf } from './layout.js';

// Ops are small integers switched on inside the loop: measured within ~20% of a loop specialised
// per op, and far faster than calling an op closure per element (which V8 cannot inline once it
// has seen several).
const UNARY: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, tanh: 3, sigmoid: 4, relu: 5, sqrt: 6, abs: 7, sign: 8, square: 9,
  reciprocal: 10, step: 11,
};

const BINARY: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, pow: 6, gt: 7, ge: 8, eq: 9,
};

export function unary(op: UnaryOp, x: BTensor): TypedArray {
  const src = data(x);
  const n = sizeOf(x.shape);
  const out = alloc(x.dtype, n);
  const code = UNARY[op];
  for (let i = 0; i < n; i++) {
    const v = src[i];
    let r: number;
    switch (code) {
      case 0: r = -v; break;
      case 1: r = Math.exp(v); break;
      case 2: r = Math.log(v); break;
      case 3: r = Math.tanh(v); break;
      case 4: r = 1 / (1 + Math.exp(-v)); break;
      // `v < 0 ? 0 : v` rather than Math.max(0, v) keeps NaN (and is cheaper).
      case 5: r = v < 0 ? 0 : v; break;
      case 6: r = Math.sqrt(v); break;
      case 7: r = Math.abs(v); break;
      case 8: r = Math.sign(v); break;
      case 9: r = v * v; break;
      case 10: r = 1 / v; break;
      default: r = v > 0 ? 1 : 0;
    }
    out[i] = r;
  }
  return out;
}

/** One strided run of a binary op: out[oo + i] = a[ao + i*sa] op b[bo + i*sb]. */
function binaryRun(
  code: number, a: TypedArray, ao: number, sa: number, b: TypedArray, bo: number, sb: number,
  out: TypedArray, oo: number, n: number,
): void {
  for (let i = 0; i < n; i++, ao += sa, bo += sb) {
    const x = a[ao];
    const y = b[bo];
    let r: number;
    switch (code) {
      case 0: r = x + y; break;
      case 1: r = x - y; break;
      case 2: r = x * y; break;
      case 3: r = x / y; break;
      case 4: r = Math.max(x, y); break;
      case 5: r = Math.min(x, y); break;
      case 6: r = x ** y; break;
      // Comparisons follow IEEE (any NaN operand gives 0), as the contract's 1/0 result requires.
      case 7: r = x > y ? 1 : 0; break;
      case 8: r = x >= y ? 1 : 0; break;
      default: r = x === y ? 1 : 0;
    }
    out[oo + i] = r;
  }
}

export function binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): TypedArray {
  const out = alloc(a.dtype, sizeOf(outShape));
  const ad = data(a);
  const bd = data(b);
  const code = BINARY[op];
  const c = collapse(outShape, [
    stridesOf(outShape), broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape),
  ]);
  const last = c.shape.length - 1;
  const sa = c.strides[1][last];
  const sb = c.strides[2][last];
  forEachRun(c.shape, c.strides, [0, 0, 0], (o, n) => {
    binaryRun(code, ad, o[1], sa, bd, o[2], sb, out, o[0], n);
  });
  return out;
}

export function where(
  cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[],
): TypedArray {
  const out = alloc(a.dtype, sizeOf(outShape));
  const cd = data(cond);
  const ad = data(a);
  const bd = data(b);
  const c = collapse(outShape, [
    stridesOf(outShape), broadcastStrides(cond.shape, outShape),
    broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape),
  ]);
  const last = c.shape.length - 1;
  const [sc, sa, sb] = [c.strides[1][last], c.strides[2][last], c.strides[3][last]];
  forEachRun(c.shape, c.strides, [0, 0, 0, 0], (o, n) => {
    let co = o[1];
    let ao = o[2];
    let bo = o[3];
    const oo = o[0];
    for (let i = 0; i < n; i++, co += sc, ao += sa, bo += sb) {
      // `!== 0` so a NaN condition counts as true, like NumPy's `where`.
      out[oo + i] = cd[co] !== 0 ? ad[ao] : bd[bo];
    }
  });
  return out;
}

/** Float to int32 truncates toward zero (NaN becomes 0), as TypedArray conversion does. */
export function cast(x: BTensor, dtype: DType): TypedArray {
  const src = data(x);
  const n = sizeOf(x.shape);
  const out = alloc(dtype, n);
  out.set(src.length === n ? src : src.subarray(0, n));
  return out;
}
