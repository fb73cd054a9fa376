import { ValueError } from '@rnn/core';
import type { BTensor, TypedArray } from '@rnn/core';
import { alloc, collapse, data, forEachRun, sizeOf, stridesOf } from './layout.js';

/** Copy runs: out[oo + i] = src[io + i * si]. */
function copyRun(src: TypedArray, io: number, si: number, out: TypedArray, oo: number, n: number): void {
  if (si === 1 && n > 16) {
    out.set(src.subarray(io, io + n), oo);
    return;
  }
  for (let i = 0; i < n; i++, io += si) out[oo + i] = src[io];
}

/** Blocked 2-D transpose: out(i, j) = src(io + i + j * si), out row-major `rows x cols`. */
function transposeTile(
  src: TypedArray, io: number, si: number, out: TypedArray, oo: number, rows: number, cols: number,
): void {
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const iEnd = Math.min(i0 + T, rows);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const jEnd = Math.min(j0 + T, cols);
      for (let i = i0; i < iEnd; i++) {
        const orow = oo + i * cols;
        for (let j = j0; j < jEnd; j++) out[orow + j] = src[io + i + j * si];
      }
    }
  }
}

export function transpose(x: BTensor, perm: readonly number[]): TypedArray {
  const src = data(x);
  const inStrides = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]);
  const out = alloc(x.dtype, sizeOf(outShape));
  const c = collapse(outShape, [stridesOf(outShape), perm.map((p) => inStrides[p])]);
  const r = c.shape.length;
  const si = c.strides[1][r - 1];
  if (r >= 2 && si !== 1 && c.strides[1][r - 2] === 1) {
    // The last two output axes swap a contiguous input pair: go tile by tile so that both the
    // reads and the writes stay in cache.
    const rows = c.shape[r - 2];
    const cols = c.shape[r - 1];
    const outer = [...c.shape.slice(0, r - 2), 1];
    const strides = c.strides.map((s) => [...s.slice(0, r - 2), 0]);
    forEachRun(outer, strides, [0, 0], (o) => transposeTile(src, o[1], si, out, o[0], rows, cols));
    return out;
  }
  forEachRun(c.shape, c.strides, [0, 0], (o, n) => copyRun(src, o[1], si, out, o[0], n));
  return out;
}

export function slice(x: BTensor, begin: readonly number[], size: readonly number[]): TypedArray {
  const src = data(x);
  const inStrides = stridesOf(x.shape);
  const out = alloc(x.dtype, sizeOf(size));
  if (out.length === 0) return out;
  let base = 0;
  begin.forEach((b, i) => (base += b * inStrides[i]));
  const c = collapse(size, [stridesOf(size), inStrides]);
  const si = c.strides[1][c.shape.length - 1];
  forEachRun(c.shape, c.strides, [0, base], (o, n) => copyRun(src, o[1], si, out, o[0], n));
  return out;
}

export function pad(x: BTensor, before: readonly number[], after: readonly number[]): TypedArray {
  const src = data(x);
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  const outStrides = stridesOf(outShape);
  const out = alloc(x.dtype, sizeOf(outShape));
  if (sizeOf(x.shape) === 0) return out;
  let base = 0;
  before.forEach((b, i) => (base += b * outStrides[i]));
  const c = collapse(x.shape, [stridesOf(x.shape), outStrides]);
  const so = c.strides[1][c.shape.length - 1];
  forEachRun(c.shape, c.strides, [0, base], (o, n) => {
    if (so === 1) out.set(src.subarray(o[0], o[0] + n), o[1]);
    else for (let i = 0, oo = o[1]; i < n; i++, oo += so) out[oo] = src[o[0] + i];
  });
  return out;
}

export function concat(xs: readonly BTensor[], axis: number): TypedArray {
  const first = xs[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const out = alloc(first.dtype, outer * total * inner);
  const row = total * inner;
  let at = 0;
  for (const x of xs) {
    const src = data(x);
    const chunk = x.shape[axis] * inner;
    for (let o = 0; o < outer; o++) copyRun(src, o * chunk, 1, out, o * row + at, chunk);
    at += chunk;
  }
  return out;
}

function checkIndex(r: number, rows: number, op: string): void {
  if (!(r >= 0 && r < rows)) {
    throw new ValueError(`${op}: index ${r} is out of range for ${rows} rows (expected 0..${rows - 1})`);
  }
}

export function gather(x: BTensor, indices: BTensor): TypedArray {
  const src = data(x);
  const idx = data(indices);
  const rows = x.shape[0];
  const rs = sizeOf(x.shape.slice(1));
  const count = sizeOf(indices.shape);
  const out = alloc(x.dtype, count * rs);
  for (let i = 0; i < count; i++) {
    const r = idx[i];
    checkIndex(r, rows, 'gather');
    copyRun(src, r * rs, 1, out, i * rs, rs);
  }
  return out;
}

export function scatterAdd(indices: BTensor, updates: BTensor, numRows: number): TypedArray {
  const idx = data(indices);
  const upd = data(updates);
  const count = sizeOf(indices.shape);
  const rs = sizeOf(updates.shape.slice(indices.shape.length));
  const out = alloc(updates.dtype, numRows * rs);
  for (let i = 0; i < count; i++) {
    const r = idx[i];
    checkIndex(r, numRows, 'scatterAdd');
    const o = r * rs;
    const u = i * rs;
    for (let j = 0; j < rs; j++) out[o + j] += upd[u + j];
  }
  return out;
}
