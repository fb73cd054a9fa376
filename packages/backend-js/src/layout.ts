import { BackendError, arrayFor } from '@rnn/core';
import type { BTensor, DType, TypedArray } from '@rnn/core';

/** The float arrays the fused kernels compute in. */
export type FloatArray = Float32Array | Float64Array;

/** The typed array behind a tensor. Storage is opaque to core, so check it is really ours. */
export function data(x: BTensor): TypedArray {
  const s = x.storage;
  if (!(s instanceof Float32Array || s instanceof Float64Array || s instanceof Int32Array)) {
    throw new BackendError(
      `js backend: expected storage to be a Float32Array, Float64Array or Int32Array, found ${describe(s)}; ` +
        'was this tensor created by another backend? Move it to the js backend first.',
    );
  }
  return s;
}

export function floatData(x: BTensor): FloatArray {
  const s = data(x);
  if (s instanceof Int32Array) {
    throw new BackendError(`js backend: fused kernels compute in float32 or float64, found int32`);
  }
  return s;
}

function describe(s: unknown): string {
  if (s === null || s === undefined) return String(s);
  return (s as object).constructor?.name ?? typeof s;
}

export function alloc(dtype: DType, size: number): TypedArray {
  return arrayFor(dtype, size);
}

/** A zeroed array of the same element type as `like`. */
export function allocLike<T extends TypedArray>(like: T, size: number): T {
  return new (like.constructor as new (n: number) => T)(size);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides of `shape` read as `outShape` under NumPy broadcasting: 0 on broadcast axes. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - lead;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

/**
 * Merge adjacent axes that every operand walks contiguously, and drop size-1 axes, so that
 * e.g. a same-shape op becomes one flat run and a row broadcast becomes [outer, inner]. The inner
 * loop then runs as long as possible and the per-run bookkeeping becomes negligible.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * n)) {
      outShape[last] = outShape[last] * n;
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(n);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Walk an n-d index space as runs along the last axis. `fn(offsets, n)` is called once per run
 * with each operand's element offset at the run's start; the run's inner strides are
 * `strides[k][last]`. `offsets` is reused between calls: read it, do not keep it.
 */
export function forEachRun(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  base: readonly number[],
  fn: (offsets: number[], n: number) => void,
): void {
  const nd = shape.length;
  const inner = shape[nd - 1];
  if (inner === 0) return;
  let outer = 1;
  for (let d = 0; d < nd - 1; d++) outer *= shape[d];
  const k = strides.length;
  const offs = base.slice();
  const idx = new Array<number>(nd).fill(0);
  for (let r = 0; r < outer; r++) {
    fn(offs, inner);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (let j = 0; j < k; j++) offs[j] += strides[j][d];
      if (idx[d] < shape[d]) break;
      for (let j = 0; j < k; j++) offs[j] -= strides[j][d] * shape[d];
      idx[d] = 0;
    }
  }
}
