import type { BTensor, ReduceOp, TypedArray } from '@rnn/core';
import { alloc, collapse, data, forEachRun, sizeOf, stridesOf } from './layout.js';

/**
 * Reduce by walking the input once in memory order and folding each element into its output
 * slot: the output strides are 0 on reduced axes. This handles any axis set with one loop, stays
 * sequential in the input, and accumulates in float64 (JS numbers) whatever the dtype.
 */
export function reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): TypedArray {
  const src = data(x);
  const shape = x.shape;
  const reduced = new Set(axes);
  const outShape = shape.filter((_, i) => !reduced.has(i));
  const outStrides = stridesOf(outShape);
  let k = 0;
  const mapped = shape.map((_, i) => (reduced.has(i) ? 0 : outStrides[k++]));
  const outSize = sizeOf(outShape);
  const acc = new Float64Array(outSize);
  const isSum = op === 'sum';
  if (!isSum) acc.fill(op === 'max' ? -Infinity : Infinity);
  const isMax = op === 'max';

  if (sizeOf(shape) > 0) {
    const c = collapse(shape, [stridesOf(shape), mapped]);
    const so = c.strides[1][c.shape.length - 1];
    forEachRun(c.shape, c.strides, [0, 0], (o, n) => {
      const xo = o[0];
      let oo = o[1];
      if (so === 0) {
        // The innermost axis is reduced: fold the run into one scalar.
        let s = acc[oo];
        if (isSum) for (let i = 0; i < n; i++) s += src[xo + i];
        else if (isMax) for (let i = 0; i < n; i++) s = Math.max(s, src[xo + i]);
        else for (let i = 0; i < n; i++) s = Math.min(s, src[xo + i]);
        acc[oo] = s;
      } else if (isSum) {
        for (let i = 0; i < n; i++, oo += so) acc[oo] += src[xo + i];
      } else if (isMax) {
        for (let i = 0; i < n; i++, oo += so) acc[oo] = Math.max(acc[oo], src[xo + i]);
      } else {
        for (let i = 0; i < n; i++, oo += so) acc[oo] = Math.min(acc[oo], src[xo + i]);
      }
    });
  }
  const out = alloc(x.dtype, outSize);
  out.set(acc);
  return out;
}

/** First index of the maximum along `axis`; a NaN counts as the maximum (NumPy's rule). */
export function argmax(x: BTensor, axis: number): Int32Array {
  const src = data(x);
  const shape = x.shape;
  const n = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    best.fill(-Infinity);
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = src[row + i];
        const b = best[i];
        if (v > b || (v !== v && b === b) || (k === 0)) {
          best[i] = v;
          out[ob + i] = k;
        }
      }
    }
  }
  return out;
}
