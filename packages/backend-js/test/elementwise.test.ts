import { describe, expect, it } from 'vitest';
import type { BinaryOp } from '@rnn/core';
import { JsBackend } from '../src/index.js';
import { expectClose, list, rng, randomTensor, t } from './helpers.js';

const be = new JsBackend();

/** NumPy-broadcasting reference, one element at a time. */
function naiveBinary(
  f: (x: number, y: number) => number, a: number[], as: number[], b: number[], bs: number[],
  out: number[],
): number[] {
  const idx = (i: number, shape: number[]): number => {
    let flat = 0;
    let rem = i;
    const coords: number[] = [];
    for (let d = out.length - 1; d >= 0; d--) {
      coords[d] = rem % out[d];
      rem = Math.floor(rem / out[d]);
    }
    const lead = out.length - shape.length;
    for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : coords[d + lead]);
    return flat;
  };
  const n = out.reduce((p, q) => p * q, 1);
  return Array.from({ length: n }, (_, i) => f(a[idx(i, as)], b[idx(i, bs)]));
}

describe('unary', () => {
  it('computes every op, and keeps NaN', () => {
    const x = t([-2, -0.5, 0, 0.5, 3, NaN], [6]);
    const v = [-2, -0.5, 0, 0.5, 3, NaN];
    const cases: [Parameters<JsBackend['unary']>[0], (z: number) => number][] = [
      ['neg', (z) => -z], ['exp', Math.exp], ['log', Math.log], ['tanh', Math.tanh],
      ['sigmoid', (z) => 1 / (1 + Math.exp(-z))], ['relu', (z) => (Number.isNaN(z) ? NaN : Math.max(0, z))],
      ['sqrt', Math.sqrt], ['abs', Math.abs], ['sign', Math.sign], ['square', (z) => z * z],
      ['reciprocal', (z) => 1 / z], ['step', (z) => (z > 0 ? 1 : 0)],
    ];
    for (const [op, f] of cases) expectClose(list(be.unary(op, x)), v.map(f), 1e-15, 1e-15);
    expect(list(be.unary('relu', x))[5]).toBeNaN();
  });

  it('keeps the dtype', () => {
    const out = be.unary('neg', t([1, 2], [2], 'float32'));
    expect(out).toBeInstanceOf(Float32Array);
    expect(list(be.unary('abs', t([-3, 4], [2], 'int32')))).toEqual([3, 4]);
  });
});

describe('binary', () => {
  const rand = rng(1);
  const shapes: [number[], number[], number[]][] = [
    [[2, 3], [2, 3], [2, 3]],
    [[2, 3], [], [2, 3]],
    [[], [2, 3], [2, 3]],
    [[2, 3], [3], [2, 3]],
    [[2, 3], [2, 1], [2, 3]],
    [[2, 1], [1, 3], [2, 3]],
    [[4, 1, 3], [2, 1], [4, 2, 3]],
    [[1], [2, 2], [2, 2]],
    [[2, 1, 3, 1], [1, 4, 1, 5], [2, 4, 3, 5]],
    [[3, 1, 1], [3, 1, 1], [3, 1, 1]],
    [[5, 4, 3, 2], [4, 1, 2], [5, 4, 3, 2]],
    [[0, 3], [3], [0, 3]],
  ];
  const ops: [BinaryOp, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y], ['sub', (x, y) => x - y], ['mul', (x, y) => x * y],
    ['div', (x, y) => x / y], ['max', Math.max], ['min', Math.min], ['pow', (x, y) => Math.abs(x) ** y],
    ['gt', (x, y) => +(x > y)], ['ge', (x, y) => +(x >= y)], ['eq', (x, y) => +(x === y)],
  ];
  for (const [as, bs, out] of shapes) {
    it(`broadcasts ${JSON.stringify(as)} with ${JSON.stringify(bs)}`, () => {
      const a = randomTensor(as, () => Math.round(rand() * 4) / 2);
      const b = randomTensor(bs, () => Math.round(rand() * 4) / 2);
      for (const [op, f] of ops) {
        const a2 = op === 'pow' ? t(list(a.storage).map(Math.abs), as) : a;
        const got = list(be.binary(op, a2, b, out));
        expectClose(got, naiveBinary(f, list(a.storage), as, list(b.storage), bs, out));
      }
    });
  }

  it('propagates NaN through arithmetic, max and min; comparisons give 0', () => {
    const a = t([NaN, 1, NaN], [3]);
    const b = t([1, NaN, NaN], [3]);
    for (const op of ['add', 'mul', 'max', 'min', 'pow'] as const) {
      expect(list(be.binary(op, a, b, [3])).every(Number.isNaN), op).toBe(true);
    }
    expect(list(be.binary('gt', a, b, [3]))).toEqual([0, 0, 0]);
    expect(list(be.binary('eq', a, b, [3]))).toEqual([0, 0, 0]);
  });

  it('returns comparisons in the operand dtype', () => {
    const out = be.binary('gt', t([1, 2], [2], 'float32'), t([1.5], [1], 'float32'), [2]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(list(out)).toEqual([0, 1]);
    const ints = be.binary('add', t([1, 2], [2], 'int32'), t([5], [], 'int32'), [2]);
    expect(ints).toBeInstanceOf(Int32Array);
    expect(list(ints)).toEqual([6, 7]);
  });
});

describe('where and cast', () => {
  it('selects with broadcasting; NaN condition counts as true', () => {
    const cond = t([1, 0, NaN], [3, 1]);
    const a = t([1, 2], [2]);
    const b = t([-1], []);
    expect(list(be.where(cond, a, b, [3, 2]))).toEqual([1, 2, -1, -1, 1, 2]);
  });

  it('casts between dtypes, truncating toward zero', () => {
    const out = be.cast(t([1.7, -1.7, 3], [3]), 'int32');
    expect(out).toBeInstanceOf(Int32Array);
    expect(list(out)).toEqual([1, -1, 3]);
    expect(list(be.cast(t([1, 2], [2], 'int32'), 'float32'))).toEqual([1, 2]);
  });
});
