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

/** `size` elements of the same float type as `like`, from slot `slot`, contents undefined. */
export function scratchLike(like: FloatArray, slot: string, size: number): FloatArray {
  return like instanceof Float32Array
    ? take(f32, (n) => new Float32Array(n), slot, size)
    : take(f64, (n) => new Float64Array(n), slot, size);
}
