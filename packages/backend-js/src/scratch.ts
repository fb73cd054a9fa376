import type { FloatArray } from './layout.js';

/**
 * Grow-only scratch buffers that the GEMM and the fused RNN kernels reuse from call to call, so a
 * training step does not allocate (and zero, and later collect) the same large temporaries again
 * each time: the input projection, the pre-activation gradients, packed GEMM panels.
 *
 * A slot is one buffer. What `take` returns is valid until the next `take` of the same slot and
 * is NOT zeroed, so only a temporary that dies inside the call that filled it may live here, never
 * anything returned or kept for backward. Buffers past `RETAIN_LIMIT` elements are not kept: a
 * one-off huge call should not pin its memory for the life of the process.
 */

/** Largest buffer kept between calls: 16 Mi elements (64 MiB as float32, 128 MiB as float64). */
const RETAIN_LIMIT = 1 << 24;

const f32 = new Map<string, Float32Array>();
const f64 = new Map<string, Float64Array>();
const doubles = new Map<string, number[]>();

/**
 * A JS array of `n` zeros whose elements V8 stores unboxed (PACKED_DOUBLE_ELEMENTS): it starts
 * from a non-integer so the kind is double from the first element, and grows by push so it never
 * has holes. The GEMM keeps its packed panels in these (see gemm.ts for why).
 */
export function doubleArray(n: number): number[] {
  const a = [0.5];
  a[0] = 0;
  while (a.length < n) a.push(0);
  if (n === 0) a.length = 0;
  return a;
}

function take<T extends Float32Array | Float64Array>(
  pool: Map<string, T>, make: (n: number) => T, slot: string, size: number,
): T {
  const have = pool.get(slot);
  if (have !== undefined && have.length >= size) return have.subarray(0, size) as T;
  const fresh = make(size);
  if (size <= RETAIN_LIMIT) pool.set(slot, fresh);
  return fresh;
}

/** `size` float64 elements of slot `slot`, contents undefined. */
export function scratch64(slot: string, size: number): Float64Array {
  return take(f64, (n) => new Float64Array(n), slot, size);
}

/** A packed double array (`doubleArray`) of at least `size` elements from slot `slot`, contents
 * undefined; its length may exceed `size`. */
export function scratchDoubles(slot: string, size: number): number[] {
  const have = doubles.get(slot);
  if (have !== undefined && have.length >= size) return have;
  const fresh = doubleArray(size);
  if (size <= RETAIN_LIMIT) doubles.set(slot, fresh);
  return fresh;
}

/** `size` elements of the same float type as `like`, from slot `slot`, contents undefined. */
export function scratchLike(like: FloatArray, slot: string, size: number): FloatArray {
  return like instanceof Float32Array
    ? take(f32, (n) => new Float32Array(n), slot, size)
    : take(f64, (n) => new Float64Array(n), slot, size);
}
