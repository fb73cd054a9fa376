import { assert, describe, it } from 'vitest';
import type { DType } from '../dtype.js';
import { concat, gather, pad, reshape, scatterAdd, slice, split, stack, transpose, where } from '../ops/shape-ops.js';
import { exp } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { ParameterSet } from '../params.js';
import { VALUE_TOL, expectClose, expectTensor, fromHost, make, randomValues, rng, type SuiteContext } from './context.js';
import * as R from './reference.js';

/**
 * Values of the layout primitives (transpose, slice, pad, concat, gather, scatterAdd, where) in
 * every float dtype and int32, and of ops applied to views of a flat parameter buffer.
 */
export function describeShapeOps(ctx: SuiteContext): void {
  for (const dtype of [...ctx.floatDTypes, 'int32' as const]) {
    describe(`layout ops (${dtype})`, () => layoutOps(ctx, dtype));
  }
  describe('ops on views of a flat parameter buffer', () => viewOps(ctx));
}

/** Values that every dtype holds exactly (int32 included). */
function ints(seed: number, shape: number[]): R.Host {
  const r = rng(seed);
  return R.host(Array.from({ length: R.size(shape) }, () => r.int(201) - 100), shape);
}

function layoutOps(ctx: SuiteContext, dtype: DType): void {
  const tol = VALUE_TOL[dtype];
  const x3 = ints(10, [2, 3, 4]);

  it('transpose: 2-D, every 3-D permutation, and 4-D', () => {
    const x2 = ints(11, [3, 5]);
    expectTensor(transpose(fromHost(ctx, x2, dtype)), R.transpose(x2, [1, 0]), dtype, tol, 'transpose 2-D');
    const perms = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for (const p of perms) {
      expectTensor(transpose(fromHost(ctx, x3, dtype), p), R.transpose(x3, p), dtype, tol, `transpose [2,3,4] perm [${p}]`);
    }
    const x4 = ints(12, [2, 3, 1, 5]);
    for (const p of [[3, 1, 0, 2], [0, 2, 3, 1], [1, 3, 2, 0]]) {
      expectTensor(transpose(fromHost(ctx, x4, dtype), p), R.transpose(x4, p), dtype, tol, `transpose [2,3,1,5] perm [${p}]`);
    }
  });

  it('slice: interior, edges, empty and 1-D', () => {
    const x = fromHost(ctx, x3, dtype);
    const cases: [number[], number[]][] = [
      [[0, 0, 0], [1, 3, 4]], [[1, 1, 1], [1, 2, 3]], [[0, 2, 3], [2, 1, 1]], [[0, 1, 0], [2, 0, 4]], [[1, 0, 2], [1, 3, 2]],
    ];
    for (const [begin, size] of cases) {
      expectTensor(slice(x, begin, size), R.slice(x3, begin, size), dtype, tol, `slice begin [${begin}] size [${size}]`);
    }
    const v = ints(13, [9]);
    expectTensor(slice(fromHost(ctx, v, dtype), [4], [-1]), R.slice(v, [4], [5]), dtype, tol, 'slice 1-D to the end');
  });

  it('pad: zeros before and after on any axes', () => {
    const x = fromHost(ctx, x3, dtype);
    const cases: [number[], number[]][] = [[[1, 0, 0], [0, 0, 0]], [[0, 2, 1], [1, 0, 3]], [[0, 0, 0], [0, 0, 1]], [[2, 1, 1], [2, 1, 1]]];
    for (const [before, after] of cases) {
      expectTensor(pad(x, before, after), R.pad(x3, before, after), dtype, tol, `pad before [${before}] after [${after}]`);
    }
    const v = ints(14, [3]);
    expectTensor(pad(fromHost(ctx, v, dtype), [2], [1]), R.pad(v, [2], [1]), dtype, tol, 'pad 1-D');
  });

  it('concat along each axis, with unequal and zero-size parts; stack and split', () => {
    for (const axis of [0, 1, 2]) {
      const parts = [1, 3, 0, 2].map((n, i) => {
        const shape = [2, 3, 4];
        shape[axis] = n;
        return ints(20 + i, shape);
      });
      const y = concat(parts.map((p) => fromHost(ctx, p, dtype)), axis);
      expectTensor(y, R.concat(parts, axis), dtype, tol, `concat along axis ${axis}`);
    }
    const a = ints(30, [2, 3]);
    const b = ints(31, [2, 3]);
    const st = stack([fromHost(ctx, a, dtype), fromHost(ctx, b, dtype)], 1);
    const want = R.concat([R.host(a.data, [2, 1, 3]), R.host(b.data, [2, 1, 3])], 1);
    expectTensor(st, want, dtype, tol, 'stack along axis 1');
    const pieces = split(fromHost(ctx, x3, dtype), [1, 0, 3], 2);
    expectTensor(pieces[0]!, R.slice(x3, [0, 0, 0], [2, 3, 1]), dtype, tol, 'split piece 0');
    expectTensor(pieces[1]!, R.slice(x3, [0, 0, 1], [2, 3, 0]), dtype, tol, 'split piece 1 (empty)');
    expectTensor(pieces[2]!, R.slice(x3, [0, 0, 1], [2, 3, 3]), dtype, tol, 'split piece 2');
  });

  it('gather: 1-D and 2-D indices, repeats, rank-1 and rank-3 tables', () => {
    const table = ints(40, [5, 3]);
    const idx = R.host([4, 0, 4, 2], [4]);
    const t = fromHost(ctx, table, dtype);
    expectTensor(gather(t, fromHost(ctx, idx, 'int32')), R.gather(table, idx), dtype, tol, 'gather 1-D indices');
    const idx2 = R.host([1, 1, 3, 0, 2, 4], [2, 3]);
    expectTensor(gather(t, fromHost(ctx, idx2, 'int32')), R.gather(table, idx2), dtype, tol, 'gather 2-D indices');
    const vec = ints(41, [6]);
    expectTensor(gather(fromHost(ctx, vec, dtype), fromHost(ctx, idx, 'int32')), R.gather(vec, idx), dtype, tol, 'gather from a vector');
    const cube = ints(42, [5, 2, 3]);
    expectTensor(gather(fromHost(ctx, cube, dtype), fromHost(ctx, idx2, 'int32')), R.gather(cube, idx2), dtype, tol, 'gather from rank 3');
    const none = R.host([], [0]);
    expectTensor(gather(t, fromHost(ctx, none, 'int32')), R.gather(table, none), dtype, tol, 'gather no rows');
  });

  it('scatterAdd: repeated indices accumulate, untouched rows are zero', () => {
    const idx = R.host([2, 0, 2, 2, 5], [5]);
    const upd = ints(50, [5, 3]);
    const y = scatterAdd(fromHost(ctx, idx, 'int32'), fromHost(ctx, upd, dtype), 7);
    expectTensor(y, R.scatterAdd(idx, upd, 7), dtype, tol, 'scatterAdd 1-D indices');
    const idx2 = R.host([1, 1, 0, 3], [2, 2]);
    const upd2 = ints(51, [2, 2, 2, 2]);
    const y2 = scatterAdd(fromHost(ctx, idx2, 'int32'), fromHost(ctx, upd2, dtype), 4);
    expectTensor(y2, R.scatterAdd(idx2, upd2, 4), dtype, tol, 'scatterAdd 2-D indices');
  });

  it('where: broadcasting condition and branches; a NaN condition counts as true', () => {
    const cond = R.host([1, 0], [2, 1]);
    const a = ints(60, [2, 3]);
    const b = R.host([-7], []);
    const y = where(fromHost(ctx, cond, dtype), fromHost(ctx, a, dtype), fromHost(ctx, b, dtype));
    expectTensor(y, R.where(cond, a, b), dtype, tol, 'where [2,1] ? [2,3] : []');
    const c3 = R.host([0, 1, 1, 0, 0, 1], [3, 1, 2]);
    const a3 = ints(61, [4, 1]);
    const b3 = ints(62, [3, 4, 2]);
    const y3 = where(fromHost(ctx, c3, dtype), fromHost(ctx, a3, dtype), fromHost(ctx, b3, dtype));
    expectTensor(y3, R.where(c3, a3, b3), dtype, tol, 'where [3,1,2] ? [4,1] : [3,4,2]');
    if (dtype !== 'int32') {
      const cn = make(ctx, [NaN, 0, 2], [3], dtype);
      const yn = where(cn, make(ctx, [1, 1, 1], [3], dtype), make(ctx, [5, 5, 5], [3], dtype));
      expectClose(yn.data(), [1, 5, 1], tol, 'where(NaN) takes a (cond != 0)');
    }
  });

  it('reshape shares storage and keeps row-major order', () => {
    const x = fromHost(ctx, x3, dtype);
    const y = reshape(x, [4, -1]);
    expectTensor(y, R.host(x3.data, [4, 6]), dtype, tol, 'reshape [2,3,4] -> [4,6]');
    expectTensor(transpose(y), R.transpose(R.host(x3.data, [4, 6]), [1, 0]), dtype, tol, 'transpose of a reshape');
  });
}

function viewOps(ctx: SuiteContext): void {
  it('unary, binary and matmul read exactly the view range of a flat buffer', () => {
    for (const dtype of ctx.floatDTypes) {
      const r = rng(70);
      const w = randomValues(r, 12);
      const v = randomValues(r, 5);
      const ps = new ParameterSet(
        [
          { name: 'pre', shape: [3], init: [9, 9, 9] },
          { name: 'w', shape: [3, 4], init: w },
          { name: 'v', shape: [5], init: v },
        ],
        { dtype, backend: ctx.backend },
      );
      const tol = VALUE_TOL[dtype];
      expectTensor(exp(ps.get('v')), R.map1(R.host(v, [5]), Math.exp), dtype, tol, `exp of a view (${dtype})`);
      const x = R.host(randomValues(r, 8), [2, 4]);
      const y = matmul(fromHost(ctx, x, dtype), ps.get('w'), { transB: true });
      const want = R.matmul(x, R.host(w, [3, 4]), false, true);
      expectClose(y.data(), want.data, { atol: 1e-5, rtol: 1e-5 }, `matmul with a view operand (${dtype})`);
      ps.set('w', new Array(12).fill(0.5));
      expectClose(ps.values.data().subarray(3, 15), new Array(12).fill(0.5), tol, 'ParameterSet.set writes through the view');
      expectClose(ps.values.data().subarray(0, 3), [9, 9, 9], tol, 'neighbouring parameter untouched');
      assert.equal(ps.values.size, 20);
    }
  });
}
