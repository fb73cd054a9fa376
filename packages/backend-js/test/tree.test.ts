import { describe, expect, it } from 'vitest';
import { BackendError } from '@rnn/core';
import type { DType, TreeLevelArgs } from '@rnn/core';
import { JsBackend } from '../src/index.js';
import { expectClose, list, rng, t } from './helpers.js';

const be = new JsBackend();

interface Level {
  N: number; I: number; H: number;
  x: number[]; hL: number[]; cL: number[]; hR: number[]; cR: number[];
  w: number[]; wh: number[]; b: number[];
}
type Key = Exclude<keyof Level, 'N' | 'I' | 'H'>;
const KEYS: Key[] = ['x', 'hL', 'cL', 'hR', 'cR', 'w', 'wh', 'b'];

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Tai et al. eq. 9-14 for N=2, one node and one unit at a time. */
function reference(p: Level): { h: number[]; c: number[] } {
  const { N, I, H } = p;
  const h: number[] = [];
  const c: number[] = [];
  for (let n = 0; n < N; n++) {
    const pre = (gate: number, j: number): number => {
      const row = gate * H + j;
      let s = p.b[row];
      for (let k = 0; k < I; k++) s += p.w[row * I + k] * p.x[n * I + k];
      for (let k = 0; k < H; k++) s += p.wh[row * 2 * H + k] * p.hL[n * H + k];
      for (let k = 0; k < H; k++) s += p.wh[row * 2 * H + H + k] * p.hR[n * H + k];
      return s;
    };
    for (let j = 0; j < H; j++) {
      const [i, fl, fr, o] = [0, 1, 2, 3].map((g) => sigmoid(pre(g, j)));
      const u = Math.tanh(pre(4, j));
      const cv = i * u + fl * p.cL[n * H + j] + fr * p.cR[n * H + j];
      c.push(cv);
      h.push(o * Math.tanh(cv));
    }
  }
  return { h, c };
}

function random(N: number, I: number, H: number, seed: number): Level {
  const rand = rng(seed);
  const r = (n: number): number[] => Array.from({ length: n }, () => rand());
  return {
    N, I, H, x: r(N * I), hL: r(N * H), cL: r(N * H), hR: r(N * H), cR: r(N * H),
    w: r(5 * H * I), wh: r(5 * H * 2 * H), b: r(5 * H),
  };
}

function args(p: Level, dtype: DType = 'float64', training = true): TreeLevelArgs {
  const { N, I, H } = p;
  return {
    x: t(p.x, [N, I], dtype), hL: t(p.hL, [N, H], dtype), cL: t(p.cL, [N, H], dtype),
    hR: t(p.hR, [N, H], dtype), cR: t(p.cR, [N, H], dtype), weight: t(p.w, [5 * H, I], dtype),
    weightH: t(p.wh, [5 * H, 2 * H], dtype), bias: t(p.b, [5 * H], dtype), training,
  };
}

describe('treeLevelForward', () => {
  it('matches the per-node reference', () => {
    for (const [N, I, H] of [[1, 3, 2], [3, 3, 2], [6, 5, 7]]) {
      const p = random(N, I, H, N * 10 + H);
      const ref = reference(p);
      const out = be.treeLevelForward(args(p));
      expectClose(list(out.h), ref.h, 1e-14, 1e-12);
      expectClose(list(out.c), ref.c, 1e-14, 1e-12);
      const f32 = be.treeLevelForward(args(p, 'float32', false));
      expect(f32.reserve).toBeNull();
      expectClose(list(f32.h), ref.h, 1e-5, 1e-4);
    }
  });
});

describe('treeLevelBackward', () => {
  it.each([[3, 3, 2, true, true], [5, 4, 3, true, false], [2, 3, 2, false, true]])(
    'matches central differences (N=%i, I=%i, H=%i, dh %s, dc %s)',
    (N, I, H, useDh, useDc) => {
      const p = random(N, I, H, 7 * N + I);
      const rand = rng(1);
      const wh = Array.from({ length: N * H }, () => (useDh ? rand() : 0));
      const wc = Array.from({ length: N * H }, () => (useDc ? rand() : 0));
      const loss = (q: Level): number => {
        const r = reference(q);
        return r.h.reduce((s, v, i) => s + v * wh[i], 0) + r.c.reduce((s, v, i) => s + v * wc[i], 0);
      };
      const a = args(p);
      const forward = be.treeLevelForward(a);
      const g = be.treeLevelBackward({
        ...a, forward, dh: useDh ? t(wh, [N, H]) : null, dc: useDc ? t(wc, [N, H]) : null,
      });
      const got: Record<Key, unknown> = {
        x: g.dx, hL: g.dhL, cL: g.dcL, hR: g.dhR, cR: g.dcR, w: g.dWeight, wh: g.dWeightH, b: g.dBias,
      };
      const eps = 1e-6;
      for (const key of KEYS) {
        const numeric = p[key].map((v, i) => {
          const at = (d: number): Level => ({ ...p, [key]: p[key].map((w, j) => (j === i ? v + d : w)) });
          return (loss(at(eps)) - loss(at(-eps))) / (2 * eps);
        });
        try {
          expectClose(list(got[key]), numeric, 1e-7, 1e-7);
        } catch (e) {
          throw new Error(`d${key}: ${(e as Error).message}`);
        }
      }
    },
  );

  it('refuses an inference forward', () => {
    const a = args(random(2, 3, 2, 3), 'float64', false);
    const forward = be.treeLevelForward(a);
    expect(() => be.treeLevelBackward({ ...a, forward, dh: null, dc: null })).toThrow(BackendError);
  });
});
