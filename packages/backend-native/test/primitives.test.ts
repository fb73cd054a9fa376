import { expect, it } from 'vitest';
import type { BinaryOp, UnaryOp } from '@rnn/core';
import { BINARY, UNARY } from '@rnn/core/testing';
import { T, bcastIndex, describeNative, expectClose, rand, size } from './helpers.js';

// the same elementwise reference loops the conformance suite uses
describeNative('native backend: primitives against reference loops', (b) => {
  it('describes itself', () => {
    const info = b.info();
    expect(b.name).toBe('native');
    expect(b.dtypes).toEqual(['float32', 'float64', 'int32']);
    expect(info.blas).toMatch(/BLAS/);
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it('unary ops in float64 and float32, special values included', () => {
    const x = rand(300, 3, -4, 4);
    x.set([0, -0, NaN, Infinity, -Infinity, 1e-30], 0);
    for (const [op, f] of Object.entries(UNARY) as [UnaryOp, (x: number) => number][]) {
      const want = Array.from(x, f);
      expectClose(b.unary(op, T(x, [300])) as Float64Array, want, 1e-15, `${op} f64`);
      const x32 = Float32Array.from(x);
      const want32 = Array.from(x32, f);
      expectClose(b.unary(op, T(x32, [300])) as Float32Array, want32, 2e-6, `${op} f32`);
    }
  });

  it('binary ops broadcast like NumPy, including scalars, size-1 dims and empty tensors', () => {
    const cases: [number[], number[], number[]][] = [
      [[3, 4], [3, 4], [3, 4]],
      [[3, 1], [1, 4], [3, 4]],
      [[], [2, 3], [2, 3]],
      [[2, 3], [], [2, 3]],
      [[2, 3, 4], [4], [2, 3, 4]],
      [[2, 1, 4], [3, 1], [2, 3, 4]],
      [[5, 1, 1, 3], [1, 2, 7, 1], [5, 2, 7, 3]],
      [[0, 3], [3], [0, 3]],
      [[], [], []],
      [[1, 1], [1], [1, 1]],
    ];
    for (const [as, bs, os] of cases) {
      const a = rand(size(as), 5, 0.1, 2);
      const bb = rand(size(bs), 7, 0.1, 2);
      for (const [op, f] of Object.entries(BINARY) as [BinaryOp, (a: number, b: number) => number][]) {
        const got = b.binary(op, T(a, as), T(bb, bs), os) as Float64Array;
        const want = Array.from({ length: size(os) }, (_, o) => f(a[bcastIndex(os, as, o)]!, bb[bcastIndex(os, bs, o)]!));
        expectClose(got, want, 1e-15, `${op} ${JSON.stringify([as, bs])}`);
      }
    }
  });

  it('int32 arithmetic stores like an Int32Array', () => {
    const a = new Int32Array([7, -7, 2147483647, 5]);
    const c = new Int32Array([2, 2, 1, 0]);
    expect(Array.from(b.binary('div', T(a, [4]), T(c, [4]), [4]) as Int32Array)).toEqual(
      Array.from(new Int32Array([7 / 2, -7 / 2, 2147483647, 5 / 0])),
    );
    expect((b.binary('add', T(a, [4]), T(c, [4]), [4]) as Int32Array)[2]).toBe(-2147483648);
    expect(Array.from(b.unary('neg', T(new Int32Array([3, -4]), [2])) as Int32Array)).toEqual([-3, 4]);
  });

  it('where broadcasts cond, a and b', () => {
    const got = b.where(T(new Float64Array([1, 0]), [2, 1]), T(new Float64Array([1, 2, 3]), [3]), T(new Float64Array([10, 20, 30, 40, 50, 60]), [2, 3]), [2, 3]);
    expect(Array.from(got as Float64Array)).toEqual([1, 2, 3, 40, 50, 60]);
  });

  it('reduce over every subset of axes', () => {
    for (const shape of [[7], [3, 5], [2, 3, 4], [4, 1, 3, 2]]) {
      const x = rand(size(shape), 11, -3, 3);
      const r = shape.length;
      for (let mask = 1; mask < 1 << r; mask++) {
        const axes = [...Array(r).keys()].filter((d) => mask & (1 << d));
        const outShape = shape.filter((_, d) => !axes.includes(d));
        for (const op of ['sum', 'max', 'min'] as const) {
          const want = new Float64Array(size(outShape)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
          for (let i = 0; i < x.length; i++) {
            let rem = i;
            let o = 0;
            let stride = 1;
            for (let d = r - 1; d >= 0; d--) {
              const c = rem % shape[d]!;
              rem = Math.floor(rem / shape[d]!);
              if (!axes.includes(d)) {
                o += c * stride;
                stride *= shape[d]!;
              }
            }
            want[o] = op === 'sum' ? want[o]! + x[i]! : op === 'max' ? Math.max(want[o]!, x[i]!) : Math.min(want[o]!, x[i]!);
          }
          expectClose(b.reduce(op, T(x, shape), axes) as Float64Array, want, 1e-12, `${op} ${shape} ${axes}`);
          expectClose(b.reduce(op, T(Float32Array.from(x), shape), axes) as Float32Array, want, 1e-5, `${op} f32`);
        }
      }
    }
  });

  it('argmax picks the first index on ties', () => {
    const x = new Float64Array([1, 5, 3, 5, 3, 0, -1, -1, -1, -1, -2, -1]);
    expect(Array.from(b.argmax(T(x, [2, 3, 2]), 1) as Int32Array)).toEqual([1, 0, 0, 0]);
    expect(Array.from(b.argmax(T(x, [2, 6]), 1) as Int32Array)).toEqual([1, 0]);
  });

  it('matmul: every transpose flag, rank 2 and 3, shared operands', () => {
    const mm = (A: Float64Array, ar: number, ac: number, ta: boolean, B: Float64Array, br: number, bc: number, tb: boolean) => {
      const M = ta ? ac : ar;
      const K = ta ? ar : ac;
      const N = tb ? br : bc;
      const out = new Float64Array(M * N);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += (ta ? A[k * ac + i]! : A[i * ac + k]!) * (tb ? B[j * bc + k]! : B[k * bc + j]!);
          out[i * N + j] = s;
        }
      return out;
    };
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const [M, K, N, batch] = [5, 7, 3, 4];
        const as = ta ? [K, M] : [M, K];
        const bs = tb ? [N, K] : [K, N];
        const A = rand(batch * size(as), 21);
        const B = rand(batch * size(bs), 22);
        for (const [aRank3, bRank3] of [[false, false], [true, true], [true, false], [false, true]]) {
          const got = b.matmul(
            T(aRank3 ? A : A.subarray(0, size(as)), aRank3 ? [batch, ...as] : as),
            T(bRank3 ? B : B.subarray(0, size(bs)), bRank3 ? [batch, ...bs] : bs),
            ta,
            tb,
          ) as Float64Array;
          const nb = aRank3 || bRank3 ? batch : 1;
          const want = new Float64Array(nb * M * N);
          for (let p = 0; p < nb; p++) {
            const Ap = A.subarray(aRank3 ? p * size(as) : 0);
            const Bp = B.subarray(bRank3 ? p * size(bs) : 0);
            want.set(mm(Ap, as[0]!, as[1]!, ta, Bp, bs[0]!, bs[1]!, tb), p * M * N);
          }
          expectClose(got, want, 1e-13, `matmul ta=${ta} tb=${tb} ${aRank3} ${bRank3}`);
        }
      }
  });

  it('transpose, slice, pad, concat', () => {
    const x = Float64Array.from({ length: 24 }, (_, i) => i);
    const t = b.transpose(T(x, [2, 3, 4]), [2, 0, 1]) as Float64Array;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) expect(t[i * 6 + j * 3 + k]).toBe(x[j * 12 + k * 4 + i]);
    const s = b.slice(T(x, [2, 3, 4]), [1, 1, 2], [1, 2, 2]) as Float64Array;
    expect(Array.from(s)).toEqual([18, 19, 22, 23]);
    const p = b.pad(T(new Float64Array([1, 2, 3, 4]), [2, 2]), [1, 0], [0, 2]) as Float64Array;
    expect(Array.from(p)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    const c = b.concat([T(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 1, 3]), T(new Float32Array(12).map((_, i) => 7 + i), [2, 2, 3])], 1);
    expect(Array.from(c as Float32Array)).toEqual([1, 2, 3, 7, 8, 9, 10, 11, 12, 4, 5, 6, 13, 14, 15, 16, 17, 18]);
  });

  it('gather and scatterAdd are inverses (rows summed)', () => {
    const x = new Float64Array([0, 1, 10, 11, 20, 21, 30, 31]);
    const idx = new Int32Array([3, 0, 3, 2, 1, 0]);
    const g = b.gather(T(x, [4, 2]), T(idx, [2, 3])) as Float64Array;
    expect(Array.from(g)).toEqual([30, 31, 0, 1, 30, 31, 20, 21, 10, 11, 0, 1]);
    const s = b.scatterAdd(T(idx, [2, 3]), T(g, [2, 3, 2]), 4) as Float64Array;
    expect(Array.from(s)).toEqual([0, 2, 10, 11, 20, 21, 60, 62]);
  });

  it('cast between every dtype pair (float to int32 like an Int32Array store)', () => {
    const f = new Float64Array([2.7, -2.7, NaN, 4294967301, 2147483648, 0.5]);
    expect(Array.from(b.cast(T(f, [6]), 'int32') as Int32Array)).toEqual(Array.from(Int32Array.from(f)));
    expect(Array.from(b.cast(T(new Int32Array([1, -2]), [2]), 'float32') as Float32Array)).toEqual([1, -2]);
    const same = b.cast(T(f, [6]), 'float64') as Float64Array;
    expect(same).not.toBe(f);
    expect(Array.from(b.cast(T(new Float32Array([0.1]), [1]), 'float64') as Float64Array)).toEqual([Math.fround(0.1)]);
  });

  it('memory: write copies, view aliases, assign copies in place, fill', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const s = b.write(data) as Float32Array;
    data[0] = 100;
    expect(s[0]).toBe(1);
    const v = b.view(T(s, [6]), 2, 3) as Float32Array;
    v[0] = -1;
    expect(s[2]).toBe(-1);
    // kernels read views in place (byte offset honoured)
    expect(Array.from(b.unary('neg', T(v, [3])) as Float32Array)).toEqual([1, -4, -5]);
    b.assign(T(v, [3]), T(new Float32Array([7, 8, 9]), [3]));
    expect(Array.from(s)).toEqual([1, 2, 7, 8, 9, 6]);
    const r = b.read(T(v, [3]));
    expect(r.length).toBe(3);
    r[0] = 0;
    expect(s[2]).toBe(7);
    expect(Array.from(b.fill(3, 'int32', 2.9) as Int32Array)).toEqual([2, 2, 2]);
    expect(() => b.view(T(s, [6]), 4, 3)).toThrow(/within the 6 elements/);
  });
});
