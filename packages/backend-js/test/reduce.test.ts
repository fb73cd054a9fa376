import { describe, expect, it } from 'vitest';
import { JsBackend } from '../src/index.js';
import { expectClose, list, randomTensor, rng, t } from './helpers.js';

const be = new JsBackend();

/** Reference reduction: visit every element, compute its output index by dropping `axes`. */
function naiveReduce(
  x: number[], shape: number[], axes: number[], f: (acc: number, v: number) => number, init: number,
): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  x.forEach((v, flat) => {
    let rem = flat;
    const coords: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
    }
    let o = 0;
    shape.forEach((n, d) => {
      if (!axes.includes(d)) o = o * n + coords[d];
    });
    out[o] = f(out[o], v);
  });
  return out;
}

describe('reduce', () => {
  const rand = rng(7);
  const cases: [number[], number[]][] = [
    [[5], [0]], [[3, 4], [0]], [[3, 4], [1]], [[3, 4], [0, 1]], [[2, 3, 4], [1]],
    [[2, 3, 4], [0, 2]], [[2, 3, 4, 5], [1, 3]], [[2, 1, 4], [1]], [[2, 3, 4, 5], [0, 1, 2]],
    [[4, 1, 1, 3], [1, 2]],
  ];
  for (const [shape, axes] of cases) {
    it(`sum/max/min of ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, () => {
      const x = randomTensor(shape, () => rand());
      const v = list(x.storage);
      expectClose(list(be.reduce('sum', x, axes)), naiveReduce(v, shape, axes, (a, b) => a + b, 0), 1e-12);
      expectClose(list(be.reduce('max', x, axes)), naiveReduce(v, shape, axes, Math.max, -Infinity));
      expectClose(list(be.reduce('min', x, axes)), naiveReduce(v, shape, axes, Math.min, Infinity));
    });
  }

  it('propagates NaN', () => {
    const x = t([1, NaN, 3, 4], [2, 2]);
    for (const op of ['sum', 'max', 'min'] as const) {
      const out = list(be.reduce(op, x, [1]));
      expect(out[0], op).toBeNaN();
      expect(out[1], op).not.toBeNaN();
    }
  });

  it('accumulates float32 sums in float64', () => {
    const n = 1 << 20;
    const x = t(new Float32Array(n).fill(0.1), [n], 'float32');
    const out = be.reduce('sum', x, [0]) as Float32Array;
    expect(out).toBeInstanceOf(Float32Array);
    expect(Math.abs(out[0] - n * Math.fround(0.1))).toBeLessThan(1e-2);
  });
});

describe('argmax', () => {
  it('takes the first index on ties and treats NaN as the maximum', () => {
    const x = t([1, 3, 3, 0, 5, 5, 2, NaN, 9], [3, 3]);
    expect(list(be.argmax(x, 1))).toEqual([1, 1, 1]);
    const out = be.argmax(x, 0);
    expect(out).toBeInstanceOf(Int32Array);
    expect(list(out)).toEqual([2, 2, 2]);
  });

  it('works on a middle axis', () => {
    const x = t([0, 5, 1, 2, 9, 0, 4, 1], [2, 2, 2]);
    expect(list(be.argmax(x, 1))).toEqual([1, 0, 0, 1]);
  });
});
