import { arrayFor } from '@rnn/core';
import type { BTensor, DType, TypedArray } from '@rnn/core';
import { expect } from 'vitest';

export function t(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float64'): BTensor {
  const storage = arrayFor(dtype, values.length);
  storage.set(Array.from(values));
  return { storage, shape, dtype };
}

export function wrap(storage: unknown, shape: readonly number[], dtype: DType = 'float64'): BTensor {
  return { storage, shape, dtype };
}

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = -1, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return lo + (hi - lo) * (((x ^ (x >>> 14)) >>> 0) / 4294967296);
  };
}

export function randomTensor(
  shape: readonly number[], rand: () => number, dtype: DType = 'float64',
): BTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return t(Array.from({ length: n }, () => rand()), shape, dtype);
}

export function list(x: unknown): number[] {
  return Array.from(x as TypedArray);
}

/** Elementwise |a - b| <= atol + rtol * |b|, NaN matching NaN; reports the first mismatch. */
export function expectClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-12, rtol = 1e-9,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if ((Number.isNaN(e) && Number.isNaN(a)) || a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
