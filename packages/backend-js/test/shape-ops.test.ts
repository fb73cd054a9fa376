import { describe, expect, it } from 'vitest';
import { ValueError } from '@rnn/core';
import { JsBackend } from '../src/index.js';
import { list, randomTensor, rng, t, wrap } from './helpers.js';

const be = new JsBackend();
const strides = (s: number[]): number[] => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
const coordsOf = (flat: number, shape: number[]): number[] =>
  shape.map((_, d) => Math.floor(flat / strides(shape)[d]) % shape[d]);
const flatOf = (c: number[], shape: number[]): number => c.reduce((s, v, d) => s + v * strides(shape)[d], 0);
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('transpose', () => {
  const cases: [number[], number[]][] = [
    [[2, 3], [1, 0]], [[2, 3, 4], [0, 2, 1]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4], [1, 0, 2]],
    [[2, 3, 4, 5], [3, 1, 0, 2]], [[70, 45], [1, 0]], [[3, 40, 33], [0, 2, 1]], [[1, 3, 1], [2, 1, 0]],
  ];
  for (const [shape, perm] of cases) {
    it(`permutes ${JSON.stringify(shape)} by ${JSON.stringify(perm)}`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = t(iota(n), shape);
      const outShape = perm.map((p) => shape[p]);
      const expected = iota(n).map((o) => {
        const oc = coordsOf(o, outShape);
        const ic: number[] = [];
        perm.forEach((p, i) => (ic[p] = oc[i]));
        return flatOf(ic, shape);
      });
      expect(list(be.transpose(x, perm))).toEqual(expected);
    });
  }
});

describe('slice, pad, concat', () => {
  it('slices a block', () => {
    const x = t(iota(24), [2, 3, 4]);
    expect(list(be.slice(x, [1, 1, 1], [1, 2, 2]))).toEqual([17, 18, 21, 22]);
    expect(list(be.slice(x, [0, 2, 0], [2, 1, 4]))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
  });

  it('pads with zeros on each side', () => {
    const x = t([1, 2, 3, 4], [2, 2]);
    expect(list(be.pad(x, [1, 0], [0, 1]))).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
    // A size-1 last axis makes the copy strided.
    expect(list(be.pad(t([1, 2], [2, 1]), [0, 1], [1, 1]))).toEqual([0, 1, 0, 0, 2, 0, 0, 0, 0]);
  });

  it('concatenates along any axis', () => {
    const a = t([1, 2, 3, 4], [2, 2]);
    const b = t([5, 6], [2, 1]);
    expect(list(be.concat([a, b], 1))).toEqual([1, 2, 5, 3, 4, 6]);
    expect(list(be.concat([a, t([7, 8], [1, 2])], 0))).toEqual([1, 2, 3, 4, 7, 8]);
  });

  it('slice, pad and concat agree with each other on random shapes', () => {
    const rand = rng(3);
    const x = randomTensor([3, 5, 4], () => rand());
    const left = be.slice(x, [0, 0, 0], [3, 2, 4]);
    const right = be.slice(x, [0, 2, 0], [3, 3, 4]);
    const joined = be.concat([wrap(left, [3, 2, 4]), wrap(right, [3, 3, 4])], 1);
    expect(list(joined)).toEqual(list(x.storage));
    const padded = be.pad(x, [1, 0, 2], [0, 3, 1]);
    expect(list(be.slice(wrap(padded, [4, 8, 7]), [1, 0, 2], [3, 5, 4]))).toEqual(list(x.storage));
  });
});

describe('gather and scatterAdd', () => {
  it('gathers rows by index and scatters them back with sums', () => {
    const x = t(iota(6), [3, 2]);
    const idx = t([2, 0, 2, 1], [2, 2], 'int32');
    expect(list(be.gather(x, idx))).toEqual([4, 5, 0, 1, 4, 5, 2, 3]);
    const upd = t([1, 1, 2, 2, 3, 3, 4, 4], [2, 2, 2]);
    expect(list(be.scatterAdd(idx, upd, 4))).toEqual([2, 2, 4, 4, 4, 4, 0, 0]);
  });

  it('refuses out-of-range indices', () => {
    expect(() => be.gather(t([1, 2], [2, 1]), t([2], [1], 'int32'))).toThrow(ValueError);
    expect(() => be.gather(t([1, 2], [2, 1]), t([2], [1], 'int32'))).toThrow(/index 2 is out of range/);
  });
});

describe('memory', () => {
  it('writes and reads copies', () => {
    const src = new Float32Array([1, 2, 3]);
    const s = be.write(src);
    src[0] = 9;
    const back = be.read(wrap(s, [3], 'float32'));
    expect(back).toBeInstanceOf(Float32Array);
    expect(list(back)).toEqual([1, 2, 3]);
    back[1] = 7;
    expect(list(be.read(wrap(s, [3], 'float32')))).toEqual([1, 2, 3]);
  });

  it('views alias, assign copies in place, fill fills', () => {
    const flat = be.fill(6, 'float64', 0);
    const v = be.view(wrap(flat, [6]), 2, 3);
    be.assign(wrap(v, [3]), t([4, 5, 6], [3]));
    expect(list(flat)).toEqual([0, 0, 4, 5, 6, 0]);
    expect(list(be.fill(3, 'int32', 2))).toEqual([2, 2, 2]);
    expect(be.fill(2, 'float32', 1)).toBeInstanceOf(Float32Array);
  });

  it('reports itself', () => {
    expect(be.name).toBe('js');
    expect(be.info()).toEqual({ blas: 'TypeScript (no BLAS)', threads: 1 });
  });

  it('refuses storage it does not own', () => {
    expect(() => be.unary('neg', wrap([1, 2], [2]))).toThrow(/Float32Array, Float64Array or Int32Array/);
  });
});
