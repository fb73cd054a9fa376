import { describe, it } from 'vitest';
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';
import { full } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { argmax } from '../ops/reduce.js';
import { cast } from '../ops/shape-ops.js';
import { VALUE_TOL, expectClose, expectTensor, make, type SuiteContext } from './context.js';
import * as R from './reference.js';
import { BINARY_FNS, REDUCE_FNS, UNARY_FNS } from './values.js';

/** int32 paths (ids and indices: exact integer results) and cast between every pair of dtypes. */

/** Ops core accepts on int32 tensors. */
const INT_UNARY: UnaryOp[] = ['neg', 'abs', 'sign', 'square', 'relu', 'step'];
const INT_BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'max', 'min', 'gt', 'ge', 'eq'];

export function describeDTypes(ctx: SuiteContext): void {
  describe('values (int32)', () => int32Paths(ctx));
  describe('cast', () => casts(ctx));
}

function int32Paths(ctx: SuiteContext): void {
  const tol = VALUE_TOL.int32;
  const vals = [-5, -3, -1, 0, 1, 2, 3, 7, 1000, -1000, 46340, -46340];
  const h = R.host(vals, [3, 4]);

  it('int32 unary ops (neg, abs, sign, square, relu, step) stay int32', () => {
    const x = make(ctx, vals, [3, 4], 'int32');
    for (const op of INT_UNARY) expectTensor(UNARY_FNS[op](x), R.map1(h, R.UNARY[op]), 'int32', tol, `${op}(int32)`);
  });

  it('int32 binary ops and comparisons stay int32', () => {
    const other = R.host([2, -3, 4, 0, 1, -2, 3, 9, -1000, 1000, 1, -1], [3, 4]);
    const x = make(ctx, vals, [3, 4], 'int32');
    const y = make(ctx, other.data, other.shape, 'int32');
    for (const op of INT_BINARY) {
      expectTensor(BINARY_FNS[op](x, y), R.map2(h, other, R.BINARY[op]), 'int32', tol, `${op}(int32, int32)`);
    }
    const row = make(ctx, [1, 2, 3, 4], [4], 'int32');
    expectTensor(add(x, row), R.map2(h, R.host([1, 2, 3, 4], [4]), R.BINARY.add), 'int32', tol, 'int32 broadcast add');
  });

  it('int32 reductions, argmax and fill', () => {
    const x = make(ctx, vals, [3, 4], 'int32');
    for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
      for (const axes of [[0], [1], [0, 1]]) {
        expectTensor(REDUCE_FNS[op](x, axes), R.reduce(op, h, axes), 'int32', tol, `${op}(int32, axes [${axes}])`);
      }
    }
    expectTensor(argmax(x, 1), R.argmax(h, 1), 'int32', tol, 'argmax(int32)');
    expectTensor(full([3], 7, { dtype: 'int32', backend: ctx.backend }), R.host([7, 7, 7], [3]), 'int32', tol, 'fill int32');
  });

  it('int32 view and assign', () => {
    const b = ctx.backend;
    const base = make(ctx, [1, 2, 3, 4, 5, 6], [6], 'int32');
    const view = { storage: b.view(base, 2, 3), shape: [3], dtype: 'int32' as const };
    b.assign(view, make(ctx, [-7, -8, -9], [3], 'int32'));
    expectClose(base.data(), [1, 2, -7, -8, -9, 6], tol, 'int32 base after assign(view)');
  });
}

function casts(ctx: SuiteContext): void {
  it('float to int32 truncates toward zero', () => {
    const vals = [2.7, -2.7, 0.5, -0.5, 3, -3, 0, 1e6 + 0.5, -123456.75, 0.999];
    for (const dtype of ctx.floatDTypes) {
      const y = cast(make(ctx, vals, [vals.length], dtype), 'int32');
      expectTensor(y, R.host(vals.map((v) => Math.trunc(Math.fround(v))), [vals.length]), 'int32', VALUE_TOL.int32, `cast ${dtype} -> int32`);
    }
  });

  it('int32 to float is exact; float64 to float32 rounds to nearest; float32 to float64 is exact', () => {
    const ints = [0, 1, -1, 123456, -16777216, 2147483647];
    for (const dtype of ctx.floatDTypes) {
      const y = cast(make(ctx, ints, [ints.length], 'int32'), dtype);
      expectTensor(y, R.host(ints, [ints.length]), dtype, { atol: 0, rtol: 0 }, `cast int32 -> ${dtype}`);
    }
    if (ctx.floatDTypes.includes('float64')) {
      const vals = [0.1, 1 / 3, -2.5, 1e-8, 123456789.123];
      const f32 = cast(make(ctx, vals, [vals.length], 'float64'), 'float32');
      expectTensor(f32, R.host(vals.map(Math.fround), [vals.length]), 'float32', { atol: 0, rtol: 0 }, 'cast float64 -> float32');
      const f64 = cast(make(ctx, vals, [vals.length], 'float32'), 'float64');
      expectTensor(f64, R.host(vals.map(Math.fround), [vals.length]), 'float64', { atol: 0, rtol: 0 }, 'cast float32 -> float64');
    }
  });
}
