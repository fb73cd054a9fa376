import { assert, describe, expect, it } from 'vitest';
import { ConfigError, DTypeError, ShapeError, ValueError } from '../errors.js';
import { crfDecode, crfNll, crfNllComposed, type CrfNllArgs } from '../ops/crf.js';
import { grad } from '../autodiff.js';
import { sum } from '../ops/reduce.js';
import { mul } from '../ops/elementwise.js';
import { noGrad } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, VALUE_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { checkGradients } from './gradcheck.js';

/**
 * The linear-chain CRF ops: `crfNll` against brute-force enumeration of every tag path, padding
 * that changes nothing, float64 finite-difference gradients, `crfDecode` against the best
 * enumerated path, and the argument mistakes a user can make.
 */

export interface CrfHost {
  B: number;
  T: number;
  K: number;
  emissions: Float64Array;
  transitions: Float64Array;
  start: Float64Array;
  end: Float64Array;
  tags: Int32Array;
  lengths: number[];
}

export function crfHostInputs(B: number, T: number, K: number, lengths: number[], seed: number): CrfHost {
  const r = rng(seed);
  const tags = new Int32Array(B * T);
  for (let i = 0; i < tags.length; i++) tags[i] = Math.floor(r.uniform(0, K)) % K;
  return {
    B,
    T,
    K,
    emissions: randomValues(r, B * T * K, -2, 2),
    transitions: randomValues(r, K * K, -1, 1),
    start: randomValues(r, K, -1, 1),
    end: randomValues(r, K, -1, 1),
    tags,
    lengths,
  };
}

/** The score of one path (pytorch-crf's definition), in float64. */
function pathScore(h: CrfHost, b: number, path: readonly number[]): number {
  const { T, K } = h;
  let s = h.start[path[0]!]! + h.end[path[path.length - 1]!]!;
  path.forEach((y, t) => {
    s += h.emissions[(b * T + t) * K + y]!;
    if (t > 0) s += h.transitions[path[t - 1]! * K + y]!;
  });
  return s;
}

/** Every path of length L over K tags. */
function allPaths(K: number, L: number): number[][] {
  let paths: number[][] = [[]];
  for (let t = 0; t < L; t++) paths = paths.flatMap((p) => Array.from({ length: K }, (_, y) => [...p, y]));
  return paths;
}

/** nll per row and the best path per row, by enumerating every path. */
export function crfBruteForce(h: CrfHost): { nll: number[]; best: number[][]; bestScore: number[] } {
  const nll: number[] = [];
  const best: number[][] = [];
  const bestScore: number[] = [];
  for (let b = 0; b < h.B; b++) {
    const L = h.lengths[b]!;
    const scores = allPaths(h.K, L).map((p) => [pathScore(h, b, p), p] as const);
    const m = Math.max(...scores.map(([s]) => s));
    const logZ = m + Math.log(scores.reduce((a, [s]) => a + Math.exp(s - m), 0));
    const gold = Array.from(h.tags.subarray(b * h.T, b * h.T + L));
    nll.push(logZ - pathScore(h, b, gold));
    const top = scores.find(([s]) => s === m)!;
    best.push([...top[1]]);
    bestScore.push(m);
  }
  return { nll, best, bestScore };
}

export function crfArgs(ctx: SuiteContext, h: CrfHost, dtype: 'float32' | 'float64', xs?: readonly Tensor[]): CrfNllArgs {
  const [emissions, transitions, start, end] = xs ?? [
    make(ctx, h.emissions, [h.B, h.T, h.K], dtype),
    make(ctx, h.transitions, [h.K, h.K], dtype),
    make(ctx, h.start, [h.K], dtype),
    make(ctx, h.end, [h.K], dtype),
  ];
  return { emissions: emissions!, transitions: transitions!, start: start!, end: end!, tags: h.tags, lengths: h.lengths };
}

/** The same arguments without the gold tags, as `crfDecode` takes them. */
export function decodeArgs(args: CrfNllArgs): Omit<CrfNllArgs, 'tags'> {
  const { tags: _tags, ...rest } = args;
  return rest;
}

export function describeCrf(ctx: SuiteContext): void {
  describe('crfNll and crfDecode', () => {
    for (const dtype of ctx.floatDTypes) {
      const tol = dtype === 'float64' ? VALUE_TOL.float64 : { atol: 1e-5, rtol: 1e-5 };
      it(`crfNll equals log Z − gold score by enumerating every path (K=2, T=3, ${dtype})`, () => {
        const h = crfHostInputs(3, 3, 2, [3, 2, 1], 11);
        const want = crfBruteForce(h);
        for (const fused of [true, false]) {
          const nll = crfNll(crfArgs(ctx, h, dtype), { fused });
          assert.deepEqual([...nll.shape], [3]);
          expectClose(nll.data(), want.nll, tol, `crfNll (fused: ${fused})`);
        }
      });
    }

    it('crfNll takes tags as an int32 Tensor [B, T] too', () => {
      const h = crfHostInputs(2, 3, 3, [3, 2], 12);
      const want = crfBruteForce(h).nll;
      const nll = crfNll({ ...crfArgs(ctx, h, 'float32'), tags: make(ctx, h.tags, [2, 3], 'int32') });
      expectClose(nll.data(), want, { atol: 1e-5, rtol: 1e-5 }, 'crfNll with tensor tags');
    });

    it('steps past a row\'s length change neither the loss nor get a gradient', () => {
      const h = crfHostInputs(2, 4, 3, [4, 2], 13);
      const other = { ...h, emissions: Float64Array.from(h.emissions), tags: Int32Array.from(h.tags) };
      for (let t = 2; t < 4; t++) {
        other.tags[1 * 4 + t] = 99; // padding: ignored, even out of range
        for (let k = 0; k < 3; k++) other.emissions[(1 * 4 + t) * 3 + k] = 1000;
      }
      for (const fused of [true, false]) {
        const a = crfNll(crfArgs(ctx, h, 'float32'), { fused }).data();
        const args = crfArgs(ctx, other, 'float32');
        args.emissions.requiresGrad = true;
        const nll = crfNll(args, { fused });
        expectClose(nll.data(), a, { atol: 1e-5, rtol: 1e-6 }, `padded row (fused: ${fused})`);
        const [g] = grad(sum(nll), [args.emissions]);
        const gd = g!.data();
        for (let t = 2; t < 4; t++) for (let k = 0; k < 3; k++) assert.equal(gd[(1 * 4 + t) * 3 + k], 0, `d nll / d emissions[1][${t}][${k}]`);
      }
    });

    it('the gradient of crfNll w.r.t. emissions is marginals minus the gold one-hot (rows sum to 0)', () => {
      const h = crfHostInputs(2, 3, 4, [3, 3], 14);
      const args = crfArgs(ctx, h, 'float32');
      args.emissions.requiresGrad = true;
      const [g] = grad(sum(crfNll(args)), [args.emissions]);
      const d = g!.data();
      for (let r = 0; r < 6; r++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += d[r * 4 + k]!;
        assert.approximately(s, 0, 1e-5, `marginals of step ${r} minus one-hot sum to 0`);
      }
    });

    if (ctx.backend.crfNllForward && ctx.backend.crfNllBackward) {
      it('fused crfNll: values and the four gradients equal the composed ones (float32)', () => {
        for (const [B, T, K, lengths, seed] of [
          [4, 6, 5, [6, 1, 3, 5], 31],
          [3, 40, 17, [40, 17, 1], 32],
          [1, 1, 1, [1], 33],
        ] as [number, number, number, number[], number][]) {
          const h = crfHostInputs(B, T, K, lengths, seed);
          const args = crfArgs(ctx, h, 'float32');
          const leaves = [args.emissions, args.transitions, args.start, args.end];
          for (const l of leaves) l.requiresGrad = true;
          const w = make(ctx, randomValues(rng(seed), B, 0.5, 1.5), [B], 'float32');
          const fused = crfNll(args);
          assert.equal(fused.node?.op, 'crfNll', 'crfNll should have run the fused kernel');
          const composed = crfNll(args, { fused: false });
          expectClose(fused.data(), composed.data(), FUSED_TOL, `B=${B} T=${T} K=${K}: nll`);
          const gf = grad(sum(mul(fused, w)), leaves);
          const gc = grad(sum(mul(composed, w)), leaves);
          ['emissions', 'transitions', 'start', 'end'].forEach((n, i) =>
            expectClose(gf[i]!.data(), gc[i]!.data(), FUSED_TOL, `B=${B} T=${T} K=${K}: d loss / d ${n}`),
          );
        }
      });

      it('fused crfNll with gradients off records nothing, and transitions of -Infinity (forbidden moves) stay finite', () => {
        const h = crfHostInputs(2, 5, 3, [5, 4], 34);
        h.transitions[1 * 3 + 2] = -Infinity; // 1 → 2 forbidden
        for (let i = 0; i < 2 * 5; i++) h.tags[i] = 0;
        const args = crfArgs(ctx, h, 'float32');
        args.transitions.requiresGrad = true;
        const inf = noGrad(() => crfNll(args));
        assert.equal(inf.node, null);
        expectClose(inf.data(), crfNll(args, { fused: false }).data(), FUSED_TOL, 'nll with a forbidden transition');
      });
    }

    const dtype = ctx.gradDType;
    for (const fused of [false, true]) {
      it(`crfNll gradients vs finite differences (${fused ? 'fused when the backend has it' : 'composed'}, ${dtype})`, () => {
        const h = crfHostInputs(3, 4, 3, [4, 2, 1], 15);
        checkGradients(
          ctx.backend,
          (...xs) => crfNll(crfArgs(ctx, h, dtype, xs), { fused }),
          [
            { data: h.emissions, shape: [3, 4, 3] },
            { data: h.transitions, shape: [3, 3] },
            { data: h.start, shape: [3] },
            { data: h.end, shape: [3] },
          ],
          { dtype, what: `crfNll (fused: ${fused})` },
        );
      });
    }

    it('crfDecode finds the best path found by enumerating every path, and its score', () => {
      for (const seed of [21, 22, 23]) {
        const h = crfHostInputs(3, 4, 3, [4, 3, 1], seed);
        const want = crfBruteForce(h);
        for (const fused of [true, false]) {
          const got = crfDecode(decodeArgs(crfArgs(ctx, h, 'float32')), { fused });
          assert.deepEqual(got.tags, want.best, `seed ${seed}: best paths (fused: ${fused})`);
          expectClose(got.scores, want.bestScore, { atol: 1e-5, rtol: 1e-5 }, `seed ${seed}: best scores (fused: ${fused})`);
        }
      }
    });

    it('crfDecode on a tagger-sized batch equals the host Viterbi (17 tags, 40 steps)', () => {
      const h = crfHostInputs(5, 40, 17, [40, 1, 23, 39, 7], 35);
      const args = decodeArgs(crfArgs(ctx, h, 'float32'));
      const fused = crfDecode(args);
      const ref = crfDecode(args, { fused: false });
      assert.deepEqual(fused.tags, ref.tags);
      expectClose(fused.scores, ref.scores, FUSED_TOL, 'best scores');
    });

    it('crfNll composed matches the public op on a larger batch', () => {
      const h = crfHostInputs(4, 6, 5, [6, 1, 3, 5], 16);
      const a = crfNll(crfArgs(ctx, h, 'float32'), { fused: false }).data();
      const b = crfNllComposed(crfArgs(ctx, h, 'float32')).data();
      expectClose(a, b, { atol: 0, rtol: 0 }, 'crfNll({ fused: false }) is crfNllComposed');
    });
  });

  describe('argument errors of crfNll and crfDecode', () => {
    const h = crfHostInputs(2, 3, 4, [3, 2], 17);
    const base = () => crfArgs(ctx, h, 'float32');
    const t = (shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32') =>
      make(ctx, new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape, dtype);

    it('transitions that do not match the number of tags', () => {
      expect(() => crfNll({ ...base(), transitions: t([3, 3]) })).toThrow(ShapeError);
      expect(() => crfNll({ ...base(), transitions: t([3, 3]) })).toThrow(
        /crfNll: transitions must have shape \[4, 4\] for 4 tags \(the last axis of emissions\), found float32\[3, 3\]/,
      );
      expect(() => crfDecode({ ...decodeArgs(base()), end: t([5]) })).toThrow(/crfDecode: end must have shape \[4\] for 4 tags/);
    });

    it('emissions that are not [batch, time, tags]', () => {
      expect(() => crfNll({ ...base(), emissions: t([2, 12]) })).toThrow(/crfNll: emissions must be \[batch, time, tags\], found float32\[2, 12\]/);
    });

    it('a length out of range, or one per row missing', () => {
      expect(() => crfNll({ ...base(), lengths: [3, 0] })).toThrow(/crfNll: lengths\[1\] = 0, expected an integer in 1\.\.3 \(the time axis of emissions\)/);
      expect(() => crfDecode({ ...decodeArgs(base()), lengths: [4, 1] })).toThrow(/crfDecode: lengths\[0\] = 4, expected an integer in 1\.\.3/);
      expect(() => crfNll({ ...base(), lengths: [3] })).toThrow(/crfNll: lengths has 1 entries, expected one per batch row \(2\)/);
    });

    it('a gold tag out of range at a valid step', () => {
      const tags = Int32Array.from(h.tags);
      tags[4] = 4;
      expect(() => crfNll({ ...base(), tags })).toThrow(ValueError);
      expect(() => crfNll({ ...base(), tags })).toThrow(/crfNll: tags\[1\]\[1\] = 4, expected a tag index in 0\.\.3 \(emissions has 4 tags\)/);
    });

    it('tags of the wrong size or kind', () => {
      expect(() => crfNll({ ...base(), tags: new Int32Array(5) })).toThrow(/crfNll: tags has 5 entries, expected batch\*time = 2\*3 = 6/);
      expect(() => crfNll({ ...base(), tags: t([2, 3]) })).toThrow(DTypeError);
      expect(() => crfNll({ ...base(), tags: t([2, 3]) })).toThrow(/crfNll: tags must be int32, found float32\[2, 3\]/);
      expect(() => crfNll({ ...base(), tags: [0, 1, 2, 3, 0, 1] as unknown as Int32Array })).toThrow(ConfigError);
      expect(() => crfNll({ ...base(), tags: [0, 1, 2, 3, 0, 1] as unknown as Int32Array })).toThrow(
        /crfNll: tags must be an Int32Array \[batch\*time\] or an int32 Tensor \[batch, time\]/,
      );
    });

    it('an unknown option or argument is refused by name', () => {
      expect(() => crfNll(base(), { fuse: true } as never)).toThrow(/crfNll options: unknown option 'fuse' \(did you mean 'fused'\?\)/);
      expect(() => crfDecode({ ...decodeArgs(base()), mask: [] } as never)).toThrow(/crfDecode: unknown option 'mask'/);
    });

    it('parameters of another dtype than the emissions', () => {
      if (!ctx.backend.dtypes.includes('float64')) return;
      expect(() => crfNll({ ...base(), start: t([4], 'float64') })).toThrow(
        /crfNll: start is float64\[4\] but emissions is float32\[2, 3, 4\]; cast it to float32 with cast\(\) first/,
      );
    });
  });
}
