import { assert, describe, it } from 'vitest';
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';
import type { DType } from '../dtype.js';
import { full } from '../ops/creation.js';
import * as E from '../ops/elementwise.js';
import { logSoftmax, softmax } from '../ops/nn.js';
import { logSumExp, mean } from '../ops/composite.js';
import { argmax, max, min, sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { VALUE_TOL, expectClose, expectTensor, make, randomValues, rng, roundTo, type SuiteContext } from './context.js';
import * as R from './reference.js';

/**
 * Values of every elementwise and reduction primitive, plus cast and the memory primitives
 * (fill, write/read, view/assign), against float64 math in `reference.ts`.
 */

export const UNARY_FNS: Record<UnaryOp, (x: Tensor) => Tensor> = {
  neg: E.neg,
  exp: E.exp,
  log: E.log,
  tanh: E.tanh,
  sigmoid: E.sigmoid,
  relu: E.relu,
  sqrt: E.sqrt,
  abs: E.abs,
  sign: E.sign,
  square: E.square,
  reciprocal: E.reciprocal,
  step: E.step,
};

export const BINARY_FNS: Record<BinaryOp, (a: Tensor, b: Tensor) => Tensor> = {
  add: E.add,
  sub: E.sub,
  mul: E.mul,
  div: E.div,
  max: E.maximum,
  min: E.minimum,
  pow: E.pow,
  gt: E.gt,
  ge: E.ge,
  eq: E.eq,
};

export const REDUCE_FNS: Record<ReduceOp, (x: Tensor, axes?: number | number[], keep?: boolean) => Tensor> = { sum, max, min };

/** Zero, signs, small and large magnitudes (exp/sigmoid/tanh saturate; float32 exp overflows). */
const EDGE = [0, 0.5, -0.5, 1, -1, 2.5, -3, 10, -10, 88, -88, 100, -100, 1000, -1000, 1e-3, -1e-3, 1e-20, -1e-20];

export function describeValues(ctx: SuiteContext): void {
  for (const dtype of ctx.floatDTypes) {
    describe(`values (${dtype})`, () => {
      elementwise(ctx, dtype);
      reductions(ctx, dtype);
      nanPropagation(ctx, dtype);
      memory(ctx, dtype);
    });
  }
}

function elementwise(ctx: SuiteContext, dtype: DType): void {
  const tol = VALUE_TOL[dtype];
  for (const op of Object.keys(UNARY_FNS) as UnaryOp[]) {
    it(`unary ${op} on edge values and random data`, () => {
      const vals = [...EDGE, ...randomValues(rng(1), 40, -5, 5)];
      const x = make(ctx, vals, [vals.length], dtype);
      const y = UNARY_FNS[op](x);
      expectTensor(y, R.map1(R.host(vals, [vals.length]), R.UNARY[op]), dtype, tol, `${op}(x)`);
    });
  }

  it('sigmoid, tanh and exp saturate without NaN', () => {
    const vals = [-1000, -100, -88, -50, 50, 88, 100, 1000];
    const x = make(ctx, vals, [vals.length], dtype);
    const s = E.sigmoid(x).data();
    const t = E.tanh(x).data();
    for (let i = 0; i < vals.length; i++) {
      assert(s[i]! >= 0 && s[i]! <= 1, `sigmoid(${vals[i]}) = ${s[i]}, expected a value in [0, 1]`);
      assert(Math.abs(Math.abs(t[i]!) - 1) < 1e-6, `tanh(${vals[i]}) = ${t[i]}, expected ±1`);
    }
    assert(s[1]! < 1e-30, `sigmoid(-100) = ${s[1]}, expected ~3.7e-44`);
    assert.equal(s[vals.length - 1], 1, 'sigmoid(1000)');
    assert.equal(E.exp(x).data()[0], 0, 'exp(-1000)');
  });

  it('binary ops on same-shape operands, including ties, zeros and signs', () => {
    const a = [1, -2, 3.5, 0, 0, -1, 2, 7, -7, 1e3, 0.25, -0.5];
    const b = [1, 3, -1.5, 0, 2, -1, 2.5, -7, 7, 1e-3, 4, -0.5];
    for (const op of Object.keys(BINARY_FNS) as BinaryOp[]) {
      const y = BINARY_FNS[op](make(ctx, a, [3, 4], dtype), make(ctx, b, [3, 4], dtype));
      expectTensor(y, R.map2(R.host(a, [3, 4]), R.host(b, [3, 4]), R.BINARY[op]), dtype, tol, `${op}(a, b)`);
    }
  });

  it('pow on positive, negative and zero bases', () => {
    const cases: [number, number][] = [
      [2, 3], [2, -1], [0.5, 2.5], [-2, 3], [-2, 2], [-2, 0.5], [0, 0], [0, 2], [10, 0], [1.5, -2.5], [4, 0.5], [3, 1],
    ];
    const a = cases.map((c) => c[0]);
    const b = cases.map((c) => c[1]);
    const y = E.pow(make(ctx, a, [a.length], dtype), make(ctx, b, [b.length], dtype));
    expectTensor(y, R.map2(R.host(a, [a.length]), R.host(b, [b.length]), Math.pow), dtype, tol, 'pow(a, b)');
  });

  it('composed numerics: mean, logSumExp, softmax, logSoftmax (stable for large inputs)', () => {
    const vals = [1000, 1000.5, 999, -3, 0, 2, -1000, 5, 0.5, 0.25, -0.75, 1.5];
    const x = make(ctx, vals, [3, 4], dtype);
    const h = R.host(vals, [3, 4]);
    const lse = (row: number[]) => {
      const m = Math.max(...row);
      return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    };
    const rows = [0, 1, 2].map((r) => vals.slice(4 * r, 4 * r + 4));
    expectTensor(logSumExp(x, 1), R.host(rows.map(lse), [3]), dtype, tol, 'logSumExp');
    const ls = rows.flatMap((row) => row.map((v) => v - lse(row)));
    expectTensor(logSoftmax(x, 1), R.host(ls, [3, 4]), dtype, tol, 'logSoftmax');
    expectTensor(softmax(x, 1), R.host(ls.map(Math.exp), [3, 4]), dtype, tol, 'softmax');
    const m = R.reduce('sum', h, [0]);
    expectTensor(mean(x, 0), R.map1(m, (v) => v / 3), dtype, tol, 'mean over axis 0');
  });

  it('logSumExp and logSoftmax of rows with infinities (fully masked rows) as PyTorch', () => {
    const x = make(ctx, [-Infinity, -Infinity, Infinity, 1, 0, -Infinity], [3, 2], dtype);
    expectTensor(logSumExp(x, 1), R.host([-Infinity, Infinity, 0], [3]), dtype, tol, 'logSumExp');
    expectTensor(logSoftmax(x, 1), R.host([NaN, NaN, NaN, -Infinity, 0, -Infinity], [3, 2]), dtype, tol, 'logSoftmax');
  });
}

function reductions(ctx: SuiteContext, dtype: DType): void {
  // sums of a few dozen float32 values carry rounding error beyond one ulp of the result
  const tol = dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : VALUE_TOL[dtype];
  const shape = [3, 4, 5];
  const axesList = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
  for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
    it(`reduce ${op} over single, multiple and all axes`, () => {
      const h = R.host(randomValues(rng(2), 60, -3, 3), shape);
      const x = make(ctx, h.data, shape, dtype);
      for (const axes of axesList) {
        const y = REDUCE_FNS[op](x, axes);
        expectTensor(y, R.reduce(op, h, axes), dtype, tol, `${op}(x[3,4,5], axes [${axes}])`);
      }
      const kept = REDUCE_FNS[op](x, [0, 2], true);
      assert.deepEqual([...kept.shape], [1, 4, 1], 'keepDims shape');
      expectClose(kept.data(), R.reduce(op, h, [0, 2]).data.map((v) => roundTo(dtype, v)), tol, 'keepDims values');
    });
  }

  it('reductions over size-1 axes, 1-D tensors and zero-size tensors', () => {
    const h = R.host([1.5, -2, 3, 0.25, 7, -1], [1, 6]);
    const x = make(ctx, h.data, h.shape, dtype);
    expectTensor(sum(x, 0), R.reduce('sum', h, [0]), dtype, tol, 'sum over a size-1 axis');
    expectTensor(max(x, 0), R.reduce('max', h, [0]), dtype, tol, 'max over a size-1 axis');
    const v = make(ctx, [4, -1, 2.5], [3], dtype);
    expectTensor(sum(v), R.host([5.5], []), dtype, tol, 'sum of a vector');
    expectTensor(min(v), R.host([-1], []), dtype, tol, 'min of a vector');
    const empty = make(ctx, [], [0, 3], dtype);
    expectTensor(sum(empty, 0), R.host([0, 0, 0], [3]), dtype, tol, 'sum over an empty axis is 0');
    expectTensor(sum(empty, 1), R.host([], [0]), dtype, tol, 'sum of a zero-size tensor along a full axis');
  });

  it('argmax along each axis, first index on ties', () => {
    const h = R.host(randomValues(rng(3), 60, -3, 3), shape);
    const x = make(ctx, h.data, shape, dtype);
    for (const axis of [0, 1, 2]) {
      expectTensor(argmax(x, axis), R.argmax(h, axis), 'int32', VALUE_TOL.int32, `argmax axis ${axis}`);
    }
    const ties = [1, 3, 3, 2, 5, 5, 5, 5, -1, -2, -1, -3];
    const t = make(ctx, ties, [3, 4], dtype);
    expectTensor(argmax(t, 1), R.host([1, 0, 0], [3]), 'int32', VALUE_TOL.int32, 'argmax ties along axis 1');
    expectTensor(argmax(t, 0), R.host([1, 1, 1, 1], [4]), 'int32', VALUE_TOL.int32, 'argmax ties along axis 0');
    const neg = make(ctx, [-5, -4, -4, -9], [4], dtype);
    expectTensor(argmax(neg, 0), R.host([1], []), 'int32', VALUE_TOL.int32, 'argmax of negatives');
    const one = make(ctx, [2, 7], [2, 1], dtype);
    expectTensor(argmax(one, 1), R.host([0, 0], [2]), 'int32', VALUE_TOL.int32, 'argmax over a size-1 axis');
  });
}

function nanPropagation(ctx: SuiteContext, dtype: DType): void {
  const isNaNAll = (t: Tensor, what: string) => {
    const d = t.data();
    for (let i = 0; i < d.length; i++) assert(Number.isNaN(d[i]!), `${what}: element ${i} is ${d[i]}, expected NaN`);
  };

  it('unary ops give NaN for NaN (relu included); step(NaN) is 0', () => {
    const x = make(ctx, [NaN, NaN], [2], dtype);
    for (const op of Object.keys(UNARY_FNS) as UnaryOp[]) {
      if (op === 'step') continue;
      isNaNAll(UNARY_FNS[op](x), `${op}(NaN)`);
    }
    expectClose(E.step(x).data(), [0, 0], VALUE_TOL[dtype], 'step(NaN) (defined as x > 0 ? 1 : 0)');
  });

  it('add, sub, mul, div, max and min give NaN when either operand is NaN', () => {
    const a = make(ctx, [NaN, 1, NaN, -1], [4], dtype);
    const b = make(ctx, [1, NaN, NaN, -5], [4], dtype);
    for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min'] as BinaryOp[]) {
      const y = BINARY_FNS[op](a, b).data();
      for (let i = 0; i < 3; i++) assert(Number.isNaN(y[i]!), `${op}: element ${i} is ${y[i]}, expected NaN`);
      assert(!Number.isNaN(y[3]!), `${op}: element 3 (no NaN operand) is NaN`);
    }
  });

  it('comparisons with NaN are false (0)', () => {
    const a = make(ctx, [NaN, 1, NaN], [3], dtype);
    const b = make(ctx, [1, NaN, NaN], [3], dtype);
    for (const op of ['gt', 'ge', 'eq'] as BinaryOp[]) {
      expectClose(BINARY_FNS[op](a, b).data(), [0, 0, 0], VALUE_TOL[dtype], `${op} with NaN`);
    }
  });

  it('sum, max and min reductions give NaN when the reduced values contain NaN (any position)', () => {
    for (const pos of [0, 2, 4]) {
      const vals = [1, -2, 3, 0.5, 4];
      vals[pos] = NaN;
      const x = make(ctx, [...vals, 1, 2, 3, 4, 5], [2, 5], dtype);
      for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
        const row = REDUCE_FNS[op](x, 1).data();
        assert(Number.isNaN(row[0]!), `${op} of [${vals}] is ${row[0]}, expected NaN`);
        assert(!Number.isNaN(row[1]!), `${op} of a row without NaN is NaN`);
        const all = REDUCE_FNS[op](x).data();
        assert(Number.isNaN(all[0]!), `${op} over all axes with NaN at ${pos} is ${all[0]}, expected NaN`);
        const col = REDUCE_FNS[op](x, 0).data();
        assert(Number.isNaN(col[pos]!), `${op} over axis 0: column ${pos} is ${col[pos]}, expected NaN`);
      }
    }
  });
}

function memory(ctx: SuiteContext, dtype: DType): void {
  const b = ctx.backend;
  const tol = VALUE_TOL[dtype];

  it('fill: zero-size, scalar and large buffers, special values', () => {
    expectTensor(full([0], 3, { dtype, backend: b }), R.host([], [0]), dtype, tol, 'full([0])');
    expectTensor(full([], -2.5, { dtype, backend: b }), R.host([-2.5], []), dtype, tol, 'full([])');
    const big = full([7, 13], 0.1, { dtype, backend: b });
    expectTensor(big, R.host(new Array(91).fill(0.1), [7, 13]), dtype, tol, 'full([7, 13], 0.1)');
    expectTensor(full([2], -Infinity, { dtype, backend: b }), R.host([-Infinity, -Infinity], [2]), dtype, tol, 'full(-Inf)');
    assert(Number.isNaN(full([1], NaN, { dtype, backend: b }).data()[0]!), 'full(NaN)');
  });

  it('write/read round-trips and read returns a copy the caller owns', () => {
    const vals = randomValues(rng(4), 17);
    const x = make(ctx, vals, [17], dtype);
    const first = x.data();
    expectClose(first, vals, { atol: 0, rtol: 0 }, 'read after write');
    first.fill(42);
    expectClose(x.data(), vals, { atol: 0, rtol: 0 }, 'read after mutating a previous read');
  });

  it('view aliases a range: writes through the view are visible in the base and back', () => {
    const base = make(ctx, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10], dtype);
    const view = { storage: b.view(base, 3, 4), shape: [4], dtype };
    expectClose(b.read(view), [3, 4, 5, 6], tol, 'read(view)');
    const src = make(ctx, [100, 101, 102, 103], [4], dtype);
    b.assign(view, src);
    expectClose(base.data(), [0, 1, 2, 100, 101, 102, 103, 7, 8, 9], tol, 'base after assign(view)');
    b.assign(base, make(ctx, [-0, -1, -2, -3, -4, -5, -6, -7, -8, -9], [10], dtype));
    expectClose(b.read(view), [-3, -4, -5, -6], tol, 'view after assign(base)');
    const inner = { storage: b.view(view, 1, 2), shape: [2], dtype };
    b.assign(inner, make(ctx, [55, 66], [2], dtype));
    expectClose(base.data(), [-0, -1, -2, -3, 55, 66, -6, -7, -8, -9], tol, 'base after assign(view of view)');
    b.dispose(b.fill(3, dtype, 1));
  });
}
