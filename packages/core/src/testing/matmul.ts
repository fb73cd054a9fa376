import { assert, describe, it } from 'vitest';
import type { DType } from '../dtype.js';
import { matmul } from '../ops/matmul.js';
import { expectClose, make, randomValues, rng, roundTo, type SuiteContext } from './context.js';
import * as R from './reference.js';

/**
 * Matmul values in every transA/transB combination at rank 2, rank 3, and rank 3 with a shared
 * rank-2 operand on either side, on sizes (1, 7, 33, 65) that cross typical blocking boundaries.
 */

/** [m, k, n] triples. */
const SIZES_2D: [number, number, number][] = [
  [1, 1, 1], [1, 7, 33], [7, 33, 1], [33, 1, 65], [7, 7, 7], [33, 65, 7], [65, 33, 65], [65, 65, 33],
];
const SIZES_3D: [number, number, number][] = [[1, 1, 1], [7, 33, 65], [65, 7, 1], [33, 65, 33], [1, 65, 7]];
const BATCH = 3;

type Layout = 'rank 2' | 'rank 3' | 'rank 3 x shared rank-2 b' | 'shared rank-2 a x rank 3';

export function describeMatmul(ctx: SuiteContext): void {
  for (const dtype of ctx.floatDTypes) {
    describe(`matmul (${dtype})`, () => {
      const layouts: Layout[] = ['rank 2', 'rank 3', 'rank 3 x shared rank-2 b', 'shared rank-2 a x rank 3'];
      for (const layout of layouts) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            it(`${layout}, transA=${transA}, transB=${transB}`, () => {
              const sizes = layout === 'rank 2' ? SIZES_2D : SIZES_3D;
              sizes.forEach((s, i) => checkOne(ctx, dtype, layout, transA, transB, s, i));
            });
          }
        }
      }
    });
  }
}

function checkOne(
  ctx: SuiteContext,
  dtype: DType,
  layout: Layout,
  transA: boolean,
  transB: boolean,
  [m, k, n]: [number, number, number],
  seed: number,
): void {
  const batchA = layout === 'rank 3' || layout === 'rank 3 x shared rank-2 b';
  const batchB = layout === 'rank 3' || layout === 'shared rank-2 a x rank 3';
  const aShape = [...(batchA ? [BATCH] : []), ...(transA ? [k, m] : [m, k])];
  const bShape = [...(batchB ? [BATCH] : []), ...(transB ? [n, k] : [k, n])];
  const r = rng(100 + seed);
  const a = R.host(randomValues(r, R.size(aShape)), aShape);
  const b = R.host(randomValues(r, R.size(bShape)), bShape);
  const want = R.matmul(a, b, transA, transB);
  const y = matmul(make(ctx, a.data, aShape, dtype), make(ctx, b.data, bShape, dtype), { transA, transB });
  const what = `matmul a[${aShape}] b[${bShape}] transA=${transA} transB=${transB} (m=${m}, k=${k}, n=${n})`;
  assert.deepEqual([...y.shape], want.shape, `${what}: shape`);
  // a dot product's rounding error is bounded by (k + 2) ulps of Σ|a_ik b_kj| (any summation
  // order, blocked or not), not by the possibly cancelling result
  const unit = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  const tol = { atol: 1e-30, rtol: (k + 2) * unit };
  expectClose(y.data(), want.data.map((v) => roundTo(dtype, v)), tol, what, want.bound);
}
