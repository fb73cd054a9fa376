import { describe, expect, it } from 'vitest';
import type { DType } from '@rnn/core';
import { JsBackend } from '../src/index.js';
import { expectClose, list, randomTensor, rng } from './helpers.js';

const be = new JsBackend();

/** Reference: the triple loop, element by element, on op(a) and op(b). */
function naive(
  a: number[], b: number[], batch: number, m: number, n: number, k: number,
  transA: boolean, transB: boolean, aShared: boolean, bShared: boolean,
): number[] {
  const out: number[] = [];
  for (let z = 0; z < batch; z++) {
    const ao = aShared ? 0 : z * m * k;
    const bo = bShared ? 0 : z * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          s += a[ao + (transA ? p * m + i : i * k + p)] * b[bo + (transB ? j * k + p : p * n + j)];
        }
        out.push(s);
      }
    }
  }
  return out;
}

function check(
  batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
  aRank: number, bRank: number, dtype: DType, seed: number,
): void {
  const rand = rng(seed);
  const aMat = transA ? [k, m] : [m, k];
  const bMat = transB ? [n, k] : [k, n];
  const a = randomTensor(aRank === 3 ? [batch, ...aMat] : aMat, () => rand(), dtype);
  const b = randomTensor(bRank === 3 ? [batch, ...bMat] : bMat, () => rand(), dtype);
  const batches = aRank === 3 || bRank === 3 ? batch : 1;
  const got = be.matmul(a, b, transA, transB);
  expect((got as object).constructor).toBe((a.storage as object).constructor);
  const want = naive(list(a.storage), list(b.storage), batches, m, n, k, transA, transB, aRank === 2, bRank === 2);
  // float64: exact up to summation order; float32: the inputs are exact, the output is rounded.
  const tol = dtype === 'float64' ? 1e-12 : 1e-5;
  expectClose(list(got), dtype === 'float32' ? want.map(Math.fround) : want, tol * Math.sqrt(k), tol);
}

describe('matmul', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1], [1, 5, 3], [3, 1, 7], [4, 4, 4], [5, 6, 7], [8, 3, 9], [13, 17, 11], [33, 9, 300],
    [2, 70, 513],
  ];
  let seed = 1;
  for (const [m, n, k] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`[${m}x${k}] @ [${k}x${n}] transA=${transA} transB=${transB}`, () => {
          check(1, m, n, k, transA, transB, 2, 2, 'float64', seed++);
          check(1, m, n, k, transA, transB, 2, 2, 'float32', seed++);
        });
      }
    }
  }

  for (const [aRank, bRank] of [[3, 3], [3, 2], [2, 3]]) {
    it(`batches rank ${aRank} with rank ${bRank}, all transposes`, () => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check(3, 5, 6, 7, transA, transB, aRank, bRank, 'float64', seed++);
          check(2, 9, 4, 3, transA, transB, aRank, bRank, 'float32', seed++);
        }
      }
    });
  }

  it('handles empty dimensions', () => {
    const a = randomTensor([3, 0], () => 1);
    const b = randomTensor([0, 2], () => 1);
    expect(list(be.matmul(a, b, false, false))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('propagates NaN and Infinity', () => {
    const a = randomTensor([5, 5], () => 1);
    (a.storage as Float64Array)[7] = NaN;
    const b = randomTensor([5, 6], () => 1);
    const out = list(be.matmul(a, b, false, false));
    expect(out.slice(6, 12).every(Number.isNaN)).toBe(true);
    expect(out.slice(0, 6).every((v) => v === 5)).toBe(true);
  });
});
