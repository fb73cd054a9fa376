import { describe, expect, it } from 'vitest';
import { BackendError } from '@rnn/core';
import { gemm, gemmPacked, packB } from '../src/gemm.js';

describe('gemm index range', () => {
  // The kernel adds indices in int32 (`| 0`): past 2^31 - 1 they would wrap, so it refuses.
  it('gemmPacked refuses an output that reaches past int32 indices', () => {
    const pb = packB(new Float32Array([2]), 0, false, 1, 1);
    const c = new Float32Array(1);
    expect(() => gemmPacked(1, new Float32Array([3]), 0, false, pb, c, 2 ** 31, true)).toThrow(BackendError);
    expect(() => gemmPacked(1, new Float32Array([3]), 0, false, pb, c, 2 ** 31, true)).toThrow(/takes at most 2147483647/);
  });

  it('packB refuses a panel past int32 indices before allocating it', () => {
    expect(() => packB(new Float32Array(1), 0, false, 2 ** 16, 2 ** 15 + 4)).toThrow(BackendError);
  });

  it('packB refuses a panel past 2^27 doubles (what a V8 array of doubles holds)', () => {
    expect(() => packB(new Float32Array(1), 0, false, 2 ** 14, 2 ** 13 + 4)).toThrow(/takes at most 134217728/);
  });

  it('one call after another reuses the scratch panel without leaking values', () => {
    // a 5x3 product (a 4-row panel, then a leftover row and a partial 4-column tile) after a
    // bigger one that filled the scratch with other numbers
    const big = new Float64Array(64 * 64).fill(7);
    gemm(64, 64, 64, big, 0, false, big, 0, false, new Float64Array(64 * 64), 0, false);
    const a = Float64Array.from({ length: 5 * 2 }, (_, i) => i + 1);
    const b = Float64Array.from({ length: 2 * 3 }, (_, i) => i - 2);
    const c = new Float64Array(15);
    gemm(5, 3, 2, a, 0, false, b, 0, false, c, 0, false);
    const want: number[] = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) want.push(a[i * 2] * b[j] + a[i * 2 + 1] * b[3 + j]);
    expect([...c]).toEqual(want);
  });
});

describe('gemm against a plain triple loop', () => {
  // Depths even and odd, below and past one packed block (KC = 256), so the kernel's two-at-a-time
  // loop and its odd last step both run; rows and columns off the 4-multiples for the edge kernels.
  const shapes: Array<[number, number, number]> = [[4, 4, 1], [8, 8, 3], [4, 12, 2], [5, 7, 257], [12, 16, 300], [4, 8, 513], [9, 6, 64]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      it(`m ${m} n ${n} k ${k}${transA ? ', A transposed' : ''}`, () => {
        let seed = m * 1000 + n * 10 + k;
        const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
        const a = Float64Array.from({ length: m * k }, rand);
        const b = Float64Array.from({ length: k * n }, rand);
        const c = Float64Array.from({ length: m * n }, rand);
        const want = Float64Array.from(c);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * b[p * n + j];
            want[i * n + j] += s;
          }
        }
        gemm(m, n, k, a, 0, transA, b, 0, false, c, 0, true);
        for (let i = 0; i < m * n; i++) expect(c[i]).toBeCloseTo(want[i], 12);
      });
    }
  }
});
