import { describe, expect, it } from 'vitest';
import { BackendError } from '@rnn/core';
import type { DType, SequenceForwardArgs, FusedCell } from '@rnn/core';
import { JsBackend } from '../src/index.js';
import { expectClose, list, rng, t } from './helpers.js';
import { randomInputs, referenceRnn } from './rnn-reference.js';
import type { RnnInputs } from './rnn-reference.js';

const be = new JsBackend();
const MODES: FusedCell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
const G: Record<FusedCell, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

function args(p: RnnInputs, dtype: DType = 'float64', training = true): SequenceForwardArgs {
  const { B, T, I, H } = p;
  const GH = G[p.mode] * H;
  return {
    cell: p.mode,
    x: t(p.x, [B, T, I], dtype),
    h0: t(p.h0, [B, H], dtype),
    c0: p.mode === 'lstm' ? t(p.c0, [B, H], dtype) : null,
    weightIh: t(p.wih, [GH, I], dtype),
    weightHh: t(p.whh, [GH, H], dtype),
    biasIh: t(p.bih, [GH], dtype),
    biasHh: t(p.bhh, [GH], dtype),
    lengths: p.lengths === null ? null : Int32Array.from(p.lengths),
    reverse: p.reverse,
    training,
  };
}

type Key = 'x' | 'h0' | 'c0' | 'wih' | 'whh' | 'bih' | 'bhh';
const KEYS: Key[] = ['x', 'h0', 'c0', 'wih', 'whh', 'bih', 'bhh'];

const CASES: { lengths: number[] | null; reverse: boolean }[] = [
  { lengths: null, reverse: false },
  { lengths: null, reverse: true },
  { lengths: [3, 1], reverse: false },
  { lengths: [2, 3], reverse: true },
];

describe.each(MODES)('sequenceForward %s', (mode) => {
  it.each(CASES)('matches the per-step reference (lengths $lengths, reverse $reverse)', ({ lengths, reverse }) => {
    const p = randomInputs(mode, 2, 3, 3, 2, rng(11), lengths, reverse);
    const ref = referenceRnn(p);
    const out = be.sequenceForward(args(p));
    expectClose(list(out.y), ref.y, 1e-14, 1e-12);
    expectClose(list(out.hN), ref.hN, 1e-14, 1e-12);
    if (mode === 'lstm') expectClose(list(out.cN), ref.cN, 1e-14, 1e-12);
    else expect(out.cN).toBeNull();
    // Padded steps are exactly zero (the reference leaves them at 0 too; check it explicitly).
    const y = list(out.y);
    lengths?.forEach((len, b) => expect(y.slice((b * 3 + len) * 2, (b + 1) * 3 * 2).every((v) => v === 0)).toBe(true));
  });

  it('matches the reference on sizes that exercise the GEMM tiles and tails', () => {
    const p = randomInputs(mode, 7, 6, 9, 5, rng(5), [6, 2, 5, 1, 6, 3, 4], true);
    const ref = referenceRnn(p);
    const out = be.sequenceForward(args(p));
    expectClose(list(out.y), ref.y, 1e-13, 1e-11);
    expectClose(list(out.hN), ref.hN, 1e-13, 1e-11);
  });

  it('gives the same numbers in inference mode and float32 within rounding', () => {
    const p = randomInputs(mode, 3, 4, 3, 4, rng(9), [4, 2, 3], false);
    const train = be.sequenceForward(args(p));
    const infer = be.sequenceForward(args(p, 'float64', false));
    expect(infer.reserve).toBeNull();
    expect(list(infer.y)).toEqual(list(train.y));
    expect(list(infer.hN)).toEqual(list(train.hN));
    const f32 = be.sequenceForward(args(p, 'float32'));
    expect(f32.y).toBeInstanceOf(Float32Array);
    expectClose(list(f32.y), list(train.y), 1e-5, 1e-4);
    expectClose(list(f32.hN), list(train.hN), 1e-5, 1e-4);
  });
});

describe.each(MODES)('sequenceBackward %s', (mode) => {
  /** L = Σ y*wy + Σ hN*wh + Σ cN*wc: its gradients are the upstream dy, dhN, dcN. */
  function check(p: RnnInputs, useDy: boolean, useDh: boolean, dtype: DType, tol: number): void {
    const { B, T, H } = p;
    const rand = rng(99);
    const wy = Array.from({ length: B * T * H }, () => (useDy ? rand() : 0));
    const wh = Array.from({ length: B * H }, () => (useDh ? rand() : 0));
    const wc = Array.from({ length: B * H }, () => (useDh && mode === 'lstm' ? rand() : 0));
    const loss = (q: RnnInputs): number => {
      const r = referenceRnn(q);
      let s = 0;
      r.y.forEach((v, i) => (s += v * wy[i]));
      r.hN.forEach((v, i) => (s += v * wh[i]));
      if (mode === 'lstm') r.cN.forEach((v, i) => (s += v * wc[i]));
      return s;
    };
    const a = args(p, dtype);
    const forward = be.sequenceForward(a);
    const grads = be.sequenceBackward({
      ...a, forward,
      dy: useDy ? t(wy, [B, T, H], dtype) : null,
      dhN: useDh ? t(wh, [B, H], dtype) : null,
      dcN: useDh && mode === 'lstm' ? t(wc, [B, H], dtype) : null,
    });
    const got: Record<Key, unknown> = {
      x: grads.dx, h0: grads.dh0, c0: grads.dc0, wih: grads.dWeightIh, whh: grads.dWeightHh,
      bih: grads.dBiasIh, bhh: grads.dBiasHh,
    };
    for (const key of KEYS) {
      if (key === 'c0' && mode !== 'lstm') {
        expect(grads.dc0).toBeNull();
        continue;
      }
      const eps = 1e-6;
      const numeric = p[key].map((v, i) => {
        const plus = { ...p, [key]: p[key].map((w, j) => (j === i ? v + eps : w)) };
        const minus = { ...p, [key]: p[key].map((w, j) => (j === i ? v - eps : w)) };
        return (loss(plus) - loss(minus)) / (2 * eps);
      });
      expect((got[key] as object).constructor.name, key).toBe(dtype === 'float32' ? 'Float32Array' : 'Float64Array');
      try {
        expectClose(list(got[key]), numeric, tol, tol);
      } catch (e) {
        throw new Error(`d${key}: ${(e as Error).message}`);
      }
    }
  }

  it.each(CASES)('matches central differences (lengths $lengths, reverse $reverse)', ({ lengths, reverse }) => {
    check(randomInputs(mode, 2, 3, 3, 2, rng(21), lengths, reverse), true, true, 'float64', 1e-7);
  });

  it('matches central differences with only dy, only dhN, and on tile-sized shapes', () => {
    check(randomInputs(mode, 2, 3, 3, 2, rng(22), [2, 3], false), true, false, 'float64', 1e-7);
    check(randomInputs(mode, 2, 3, 3, 2, rng(23), null, true), false, true, 'float64', 1e-7);
    check(randomInputs(mode, 5, 4, 3, 5, rng(24), [4, 1, 3, 4, 2], true), true, true, 'float64', 1e-7);
  });

  it('computes float32 gradients close to float64', () => {
    check(randomInputs(mode, 2, 3, 3, 2, rng(25), [3, 2], true), true, true, 'float32', 1e-3);
  });

  it('needDx: false skips dx and leaves every other gradient as it was', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const p = randomInputs(mode, 5, 4, 3, 5, rng(27), [4, 1, 3, 4, 2], true);
      const a = args(p, dtype);
      const r = rng(28);
      const dy = t(Array.from({ length: 5 * 4 * 5 }, () => r()), [5, 4, 5], dtype);
      const full = be.sequenceBackward({ ...a, forward: be.sequenceForward(a), dy, dhN: null, dcN: null });
      const data = be.sequenceBackward({ ...a, forward: be.sequenceForward(a), dy, dhN: null, dcN: null, needDx: false });
      expect(full.dx).not.toBeNull();
      expect(data.dx).toBeNull();
      for (const key of ['dh0', 'dc0', 'dWeightIh', 'dWeightHh', 'dBiasIh', 'dBiasHh'] as const) {
        expect(data[key] === null ? null : list(data[key]), `${dtype} ${key}`).toEqual(full[key] === null ? null : list(full[key]));
      }
    }
  });

  it('refuses to run on an inference forward or a disposed reserve', () => {
    const a = args(randomInputs(mode, 2, 3, 3, 2, rng(26), null, false), 'float64', false);
    const forward = be.sequenceForward(a);
    const back = { ...a, forward, dy: null, dhN: null, dcN: null };
    expect(() => be.sequenceBackward(back)).toThrow(BackendError);
    const trained = be.sequenceForward({ ...a, training: true });
    be.disposeReserve(trained.reserve);
    expect(() => be.sequenceBackward({ ...back, forward: trained })).toThrow(/training: true/);
  });
});
