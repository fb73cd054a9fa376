import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';

/**
 * Plain float64 JavaScript versions of every backend primitive: the expectations the conformance
 * suite checks a backend against. Deliberately naive (index arithmetic, no blocking, no
 * broadcasting tricks) so that they are obviously right; never used to compute anything else.
 */

/** A host array with its shape: row-major, float64 whatever the dtype under test. */
export interface Host {
  data: Float64Array;
  shape: number[];
}

export function host(data: ArrayLike<number>, shape: readonly number[]): Host {
  return { data: Float64Array.from(data), shape: [...shape] };
}

export function size(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = n === 0 ? 0 : i % n;
    i = n === 0 ? 0 : Math.floor(i / n);
  }
  return idx;
}

function offsetOf(idx: readonly number[], st: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < idx.length; d++) o += idx[d]! * st[d]!;
  return o;
}

export const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(0, x),
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: Math.sign,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  step: (x) => (x > 0 ? 1 : 0),
};

export const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: Math.max,
  min: Math.min,
  pow: Math.pow,
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};

/** NumPy broadcasting of any number of shapes (no error checking: callers pass valid shapes). */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/** The element of `x` that broadcasting maps to output multi-index `idx`. */
function at(x: Host, idx: readonly number[], st: readonly number[]): number {
  const lead = idx.length - x.shape.length;
  let o = 0;
  for (let d = 0; d < x.shape.length; d++) if (x.shape[d] !== 1) o += idx[lead + d]! * st[d]!;
  return x.data[o]!;
}

export function map1(x: Host, f: (v: number) => number): Host {
  return { data: x.data.map(f), shape: [...x.shape] };
}

export function map2(a: Host, b: Host, f: (x: number, y: number) => number): Host {
  const shape = broadcastShape(a.shape, b.shape);
  const sa = strides(a.shape);
  const sb = strides(b.shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(at(a, idx, sa), at(b, idx, sb));
  }
  return { data: out, shape };
}

export function where(cond: Host, a: Host, b: Host): Host {
  const shape = broadcastShape(cond.shape, a.shape, b.shape);
  const [sc, sa, sb] = [strides(cond.shape), strides(a.shape), strides(b.shape)];
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = at(cond, idx, sc) !== 0 ? at(a, idx, sa) : at(b, idx, sb);
  }
  return { data: out, shape };
}

/** Reduce over sorted `axes`; NaN propagates through max and min as through sum. */
export function reduce(op: ReduceOp, x: Host, axes: readonly number[]): Host {
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  const out = new Float64Array(size(shape)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const so = strides(shape);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).filter((_, d) => !axes.includes(d));
    const o = offsetOf(idx, so);
    const v = x.data[i]!;
    const cur = out[o]!;
    if (op === 'sum') out[o] = cur + v;
    else if (Number.isNaN(v) || Number.isNaN(cur)) out[o] = NaN;
    else out[o] = op === 'max' ? Math.max(cur, v) : Math.min(cur, v);
  }
  return { data: out, shape };
}

/** First index of the maximum along `axis` (inputs without NaN). */
export function argmax(x: Host, axis: number): Host {
  const shape = x.shape.filter((_, i) => i !== axis);
  const outer = size(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const inner = size(x.shape.slice(axis + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      for (let k = 1; k < n; k++) {
        if (x.data[(o * n + k) * inner + i]! > x.data[(o * n + best) * inner + i]!) best = k;
      }
      out[o * inner + i] = best;
    }
  }
  return { data: out, shape };
}

/**
 * `op(a) @ op(b)` with the rank-2/rank-3 rules of `Backend.matmul`. `bound` holds, per output
 * element, `Σ|a_ik b_kj|`: the scale that rounding error in a float32 dot product grows with.
 */
export function matmul(a: Host, b: Host, transA: boolean, transB: boolean): Host & { bound: Float64Array } {
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const k = transA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const n = transB ? b.shape[br - 2]! : b.shape[br - 1]!;
  const batch = ar === 3 ? a.shape[0]! : br === 3 ? b.shape[0]! : 1;
  const A = (p: number, i: number, l: number) =>
    a.data[(ar === 3 ? p * m * k : 0) + (transA ? l * m + i : i * k + l)]!;
  const B = (p: number, l: number, j: number) =>
    b.data[(br === 3 ? p * k * n : 0) + (transB ? j * k + l : l * n + j)]!;
  const out = new Float64Array(batch * m * n);
  const bound = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let s2 = 0;
        for (let l = 0; l < k; l++) {
          const v = A(p, i, l) * B(p, l, j);
          s += v;
          s2 += Math.abs(v);
        }
        out[(p * m + i) * n + j] = s;
        bound[(p * m + i) * n + j] = s2;
      }
    }
  }
  const shape = ar === 3 || br === 3 ? [batch, m, n] : [m, n];
  return { data: out, shape, bound };
}

export function transpose(x: Host, perm: readonly number[]): Host {
  const shape = perm.map((p) => x.shape[p]!);
  const sx = strides(x.shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let o = 0;
    for (let d = 0; d < perm.length; d++) o += idx[d]! * sx[perm[d]!]!;
    out[i] = x.data[o]!;
  }
  return { data: out, shape };
}

export function slice(x: Host, begin: readonly number[], sz: readonly number[]): Host {
  const sx = strides(x.shape);
  const out = new Float64Array(size(sz));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, sz).map((v, d) => v + begin[d]!);
    out[i] = x.data[offsetOf(idx, sx)]!;
  }
  return { data: out, shape: [...sz] };
}

export function pad(x: Host, before: readonly number[], after: readonly number[]): Host {
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const out = new Float64Array(size(shape));
  const so = strides(shape);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => v + before[d]!);
    out[offsetOf(idx, so)] = x.data[i]!;
  }
  return { data: out, shape };
}

export function concat(xs: readonly Host[], axis: number): Host {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  const out = new Float64Array(size(shape));
  const so = strides(shape);
  let off = 0;
  for (const x of xs) {
    for (let i = 0; i < x.data.length; i++) {
      const idx = unravel(i, x.shape);
      idx[axis] = idx[axis]! + off;
      out[offsetOf(idx, so)] = x.data[i]!;
    }
    off += x.shape[axis]!;
  }
  return { data: out, shape };
}

export function gather(x: Host, indices: Host): Host {
  const row = size(x.shape.slice(1));
  const out = new Float64Array(indices.data.length * row);
  indices.data.forEach((r, i) => out.set(x.data.subarray(r * row, (r + 1) * row), i * row));
  return { data: out, shape: [...indices.shape, ...x.shape.slice(1)] };
}

export function scatterAdd(indices: Host, updates: Host, numRows: number): Host {
  const rest = updates.shape.slice(indices.shape.length);
  const row = size(rest);
  const out = new Float64Array(numRows * row);
  indices.data.forEach((r, i) => {
    for (let j = 0; j < row; j++) out[r * row + j] += updates.data[i * row + j]!;
  });
  return { data: out, shape: [numRows, ...rest] };
}
