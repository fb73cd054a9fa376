import { assert, describe, expect, it } from 'vitest';
import { grad } from '../autodiff.js';
import type { DType } from '../dtype.js';
import { ConfigError, DTypeError, ShapeError } from '../errors.js';
import { attention, type AttentionArgs } from '../ops/attention.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { VALUE_TOL, expectClose, make, randomValues, rng, type SuiteContext, type Tolerance } from './context.js';
import { checkGradients } from './gradcheck.js';
import * as R from './reference.js';

/**
 * `attention` on every backend: values against a plain float64 loop (and two cases small enough to
 * check by hand), masking (weights past a row's length exactly 0, nothing there reaches the
 * outputs or receives a gradient), float64 finite-difference gradients of query, keys, values and
 * v for both scores, and the argument mistakes a user can make.
 */

export type Score = 'dot' | 'additive';

export interface AttentionCase {
  score: Score;
  B: number;
  Tq: number;
  Ts: number;
  D: number;
  Dv: number;
  lengths: number[] | null;
}

/** Host inputs in the order query, keys, values (, v for additive). */
export function attentionHostInputs(c: AttentionCase, seed: number): R.Host[] {
  const r = rng(seed);
  const u = (shape: number[], s: number) => R.host(randomValues(r, R.size(shape), -s, s), shape);
  const hosts = [u([c.B, c.Tq, c.D], 1), u([c.B, c.Ts, c.D], 1), u([c.B, c.Ts, c.Dv], 1)];
  if (c.score === 'additive') hosts.push(u([c.D], 1));
  return hosts;
}

/** The `attention` arguments from leaves in `attentionHostInputs` order. */
export function attentionArgsOf(c: AttentionCase, xs: readonly Tensor[]): AttentionArgs {
  return { query: xs[0]!, keys: xs[1]!, values: xs[2]!, v: xs[3] ?? null, lengths: c.lengths, score: c.score };
}

/** Plain float64 loops: the definition in `ops/attention.ts`, one element at a time. */
export function attentionReference(c: AttentionCase, h: readonly R.Host[]): { context: Float64Array; weights: Float64Array } {
  const [q, k, val, v] = h.map((x) => x.data) as [Float64Array, Float64Array, Float64Array, Float64Array | undefined];
  const { B, Tq, Ts, D, Dv } = c;
  const weights = new Float64Array(B * Tq * Ts);
  const context = new Float64Array(B * Tq * Dv);
  for (let b = 0; b < B; b++) {
    const L = c.lengths ? c.lengths[b]! : Ts;
    for (let i = 0; i < Tq; i++) {
      const e = new Float64Array(L);
      for (let j = 0; j < L; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) {
          const qd = q[(b * Tq + i) * D + d]!;
          const kd = k[(b * Ts + j) * D + d]!;
          s += c.score === 'dot' ? qd * kd : v![d]! * Math.tanh(qd + kd);
        }
        e[j] = s;
      }
      const m = Math.max(...e);
      let z = 0;
      for (let j = 0; j < L; j++) z += Math.exp(e[j]! - m);
      for (let j = 0; j < L; j++) {
        const w = Math.exp(e[j]! - m) / z;
        weights[(b * Tq + i) * Ts + j] = w;
        for (let d = 0; d < Dv; d++) context[(b * Tq + i) * Dv + d] += w * val[(b * Ts + j) * Dv + d]!;
      }
    }
  }
  return { context, weights };
}

/** A few reductions deep: float32 gets matmul-level slack, float64 stays tight. */
const ATT_TOL: Record<'float32' | 'float64', Tolerance> = {
  float32: { atol: 2e-6, rtol: 2e-5 },
  float64: VALUE_TOL.float64,
};

export function caseLabel(c: AttentionCase): string {
  return `${c.score}, B ${c.B}, Tq ${c.Tq}, Ts ${c.Ts}, D ${c.D}, Dv ${c.Dv}, ${c.lengths ? `lengths [${c.lengths}]` : 'no lengths'}`;
}

export const ATTENTION_CASES: AttentionCase[] = (['dot', 'additive'] as const).flatMap((score) => [
  { score, B: 3, Tq: 1, Ts: 5, D: 4, Dv: 3, lengths: [5, 2, 1] },
  { score, B: 2, Tq: 3, Ts: 4, D: 3, Dv: 5, lengths: null },
  { score, B: 2, Tq: 2, Ts: 3, D: 2, Dv: 2, lengths: [3, 2] },
  { score, B: 1, Tq: 1, Ts: 1, D: 1, Dv: 1, lengths: [1] },
]);

export function describeAttention(ctx: SuiteContext): void {
  describe('attention (composed)', () => {
    const run = (c: AttentionCase, hosts: R.Host[], dtype: DType, fused?: boolean) => {
      const xs = hosts.map((h) => make(ctx, h.data, h.shape, dtype));
      return attention(attentionArgsOf(c, xs), fused === undefined ? {} : { fused });
    };

    it('dot, by hand: two valid steps scoring 0 and 1, the padded third ignored', () => {
      // q · k = 0 and 1, so the weights are 1/(1+e) and e/(1+e); step 2 (huge score, huge value) is padding
      const c: AttentionCase = { score: 'dot', B: 1, Tq: 1, Ts: 3, D: 2, Dv: 2, lengths: [2] };
      const hosts = [R.host([1, 0], [1, 1, 2]), R.host([0, 5, 1, 5, 50, 0], [1, 3, 2]), R.host([1, 2, 3, 4, 100, 100], [1, 3, 2])];
      const { context, weights } = run(c, hosts, ctx.gradDType, false);
      const [w0, w1] = [1 / (1 + Math.E), Math.E / (1 + Math.E)];
      expectClose(weights.data(), [w0, w1, 0], ATT_TOL[ctx.gradDType], 'weights');
      expectClose(context.data(), [w0 * 1 + w1 * 3, w0 * 2 + w1 * 4], ATT_TOL[ctx.gradDType], 'context');
      assert.deepEqual([...weights.shape], [1, 1, 3]);
      assert.deepEqual([...context.shape], [1, 1, 2]);
    });

    it('additive, by hand: v · tanh(q + k) scoring 0 and 1', () => {
      const a = Math.atanh(0.5); // tanh(a) = 0.5, and v = [1, 1] sums two of them
      const c: AttentionCase = { score: 'additive', B: 1, Tq: 1, Ts: 2, D: 2, Dv: 1, lengths: null };
      const hosts = [R.host([0, 0], [1, 1, 2]), R.host([0, 0, a, a], [1, 2, 2]), R.host([10, 20], [1, 2, 1]), R.host([1, 1], [2])];
      const { context, weights } = run(c, hosts, ctx.gradDType, false);
      const [w0, w1] = [1 / (1 + Math.E), Math.E / (1 + Math.E)];
      const tol: Tolerance = ctx.gradDType === 'float64' ? { atol: 1e-12, rtol: 1e-10 } : { atol: 1e-6, rtol: 1e-5 };
      expectClose(weights.data(), [w0, w1], tol, 'weights');
      expectClose(context.data(), [10 * w0 + 20 * w1], tol, 'context');
    });

    for (const dtype of ctx.floatDTypes) {
      for (const c of ATTENTION_CASES) {
        it(`${caseLabel(c)}: values against a float64 loop (${dtype})`, () => {
          const hosts = attentionHostInputs(c, 3 + c.Ts);
          const want = attentionReference(c, hosts);
          const got = run(c, hosts, dtype, false);
          assert.deepEqual([...got.context.shape], [c.B, c.Tq, c.Dv]);
          assert.deepEqual([...got.weights.shape], [c.B, c.Tq, c.Ts]);
          expectClose(got.weights.data(), want.weights, ATT_TOL[dtype], `${caseLabel(c)}: weights`);
          expectClose(got.context.data(), want.context, ATT_TOL[dtype], `${caseLabel(c)}: context`);
        });
      }
    }

    for (const score of ['dot', 'additive'] as const) {
      it(`${score}: padded steps get weight exactly 0, change nothing and receive no gradient`, () => {
        const c: AttentionCase = { score, B: 3, Tq: 2, Ts: 4, D: 3, Dv: 2, lengths: [2, 4, 1] };
        const hosts = attentionHostInputs(c, 21);
        // the same inputs with garbage (large values) written past each row's length
        const junk = hosts.map((h) => R.host(h.data, h.shape));
        for (const [i, width] of [[1, c.D], [2, c.Dv]] as const) {
          for (let b = 0; b < c.B; b++) {
            for (let j = c.lengths![b]!; j < c.Ts; j++) {
              for (let d = 0; d < width; d++) junk[i]!.data[(b * c.Ts + j) * width + d] = 1e3 * (d + 1);
            }
          }
        }
        const leaves = junk.map((h) => {
          const t = make(ctx, h.data, h.shape, 'float32');
          t.requiresGrad = true;
          return t;
        });
        const res = attention(attentionArgsOf(c, leaves), { fused: false });
        const clean = run(c, hosts, 'float32', false);
        const w = res.weights.data();
        for (let b = 0; b < c.B; b++) {
          for (let i = 0; i < c.Tq; i++) {
            let total = 0;
            for (let j = 0; j < c.Ts; j++) {
              const wij = w[(b * c.Tq + i) * c.Ts + j]!;
              if (j >= c.lengths![b]!) assert.strictEqual(wij, 0, `weight [${b}, ${i}, ${j}] past length ${c.lengths![b]}`);
              total += wij;
            }
            assert.closeTo(total, 1, 1e-6, `weights of row ${b}, query ${i} sum to 1`);
          }
        }
        expectClose(res.context.data(), clean.context.data(), { atol: 0, rtol: 0 }, 'context ignores padded keys and values');
        const r = rng(5);
        const loss = sum(mul(res.context, make(ctx, randomValues(r, res.context.size), res.context.shape, 'float32')));
        const [, gk, gv] = grad(loss, leaves);
        for (const [g, width, what] of [[gk!, c.D, 'keys'], [gv!, c.Dv, 'values']] as const) {
          const d = g.data();
          for (let b = 0; b < c.B; b++) {
            for (let j = c.lengths![b]!; j < c.Ts; j++) {
              for (let k = 0; k < width; k++) assert.strictEqual(d[(b * c.Ts + j) * width + k], 0, `d ${what} [${b}, ${j}, ${k}] past length`);
            }
          }
        }
      });
    }

    const dtype = ctx.gradDType;
    for (const c of ATTENTION_CASES) {
      it(`${caseLabel(c)}: gradients of query, keys, values${c.score === 'additive' ? ', v' : ''} vs finite differences (${dtype})`, () => {
        checkGradients(
          ctx.backend,
          (...xs) => {
            const r = attention(attentionArgsOf(c, xs), { fused: false });
            return [r.context, r.weights];
          },
          attentionHostInputs(c, 40 + c.Ts),
          { dtype, what: caseLabel(c) },
        );
      });
    }
  });

  describe('attention: argument errors', () => {
    const t = (shape: number[], dtype: DType = 'float32'): Tensor => make(ctx, new Array(R.size(shape)).fill(0), shape, dtype);
    const dot = (over: Partial<AttentionArgs> = {}): AttentionArgs => ({ query: t([2, 1, 4]), keys: t([2, 3, 4]), values: t([2, 3, 5]), score: 'dot', ...over });

    it('query that is not rank 3', () => {
      expect(() => attention(dot({ query: t([2, 4]) }))).toThrow(ShapeError);
      expect(() => attention(dot({ query: t([2, 4]) }))).toThrow(/attention\(dot\): query must be \[batch, query steps, features\], found float32\[2, 4\]/);
    });
    it('keys whose features differ from the query', () => {
      expect(() => attention(dot({ keys: t([2, 3, 6]) }))).toThrow(/attention\(dot\): keys \(batch and features as query float32\[2, 1, 4\]\) must have shape \[2, 3, 4\], found float32\[2, 3, 6\]/);
    });
    it('keys whose batch differs from the query', () => {
      expect(() => attention(dot({ keys: t([3, 3, 4]) }))).toThrow(/keys .* must have shape \[2, 3, 4\], found float32\[3, 3, 4\]/);
    });
    it('values whose source steps differ from the keys', () => {
      expect(() => attention(dot({ values: t([2, 2, 5]) }))).toThrow(/attention\(dot\): values \(batch and source steps as keys float32\[2, 3, 4\]\) must have shape \[2, 3, 5\], found float32\[2, 2, 5\]/);
    });
    it('lengths with the wrong number of rows', () => {
      expect(() => attention(dot({ lengths: [3] }))).toThrow(/attention\(dot\): lengths has 1 entries, expected one per batch row \(2\)/);
    });
    it('a length of 0 or past the source steps', () => {
      expect(() => attention(dot({ lengths: [3, 0] }))).toThrow(ShapeError);
      expect(() => attention(dot({ lengths: [3, 0] }))).toThrow(/attention\(dot\): lengths\[1\] = 0, expected an integer in 1\.\.3 \(the source steps of keys\)/);
      expect(() => attention(dot({ lengths: [4, 1] }))).toThrow(/lengths\[0\] = 4, expected an integer in 1\.\.3/);
      expect(() => attention(dot({ lengths: [1.5, 1] }))).toThrow(/lengths\[0\] = 1.5, expected an integer in 1\.\.3/);
    });
    it('v with the dot score', () => {
      expect(() => attention(dot({ v: t([4]) }))).toThrow(ConfigError);
      expect(() => attention(dot({ v: t([4]) }))).toThrow(/attention\(dot\): v is only used by the additive score, found v float32\[4\]; drop it or pass score: 'additive'/);
    });
    it('the additive score without v', () => {
      expect(() => attention(dot({ score: 'additive' }))).toThrow(ConfigError);
      expect(() => attention(dot({ score: 'additive' }))).toThrow(/attention\(additive\): the additive score needs v, a \[4\] tensor \(score = v · tanh\(q \+ k\)\); pass \{ v \}/);
    });
    it('v of the wrong length', () => {
      expect(() => attention(dot({ score: 'additive', v: t([3]) }))).toThrow(/attention\(additive\): v \(one weight per feature of query and keys\) must have shape \[4\], found float32\[3\]/);
    });
    it('an unknown score', () => {
      expect(() => attention(dot({ score: 'general' as 'dot' }))).toThrow(ConfigError);
      expect(() => attention(dot({ score: 'general' as 'dot' }))).toThrow(/attention: score must be 'dot' or 'additive', found/);
    });
    it('an unknown argument or option is refused by name', () => {
      expect(() => attention({ ...dot(), mask: [1, 1] } as AttentionArgs)).toThrow(/attention: unknown option 'mask'/);
      expect(() => attention(dot(), { fast: true } as never)).toThrow(/attention options: unknown option 'fast'/);
    });
    it('int32 or mixed dtypes', () => {
      expect(() => attention(dot({ values: t([2, 3, 5], 'int32') }))).toThrow(DTypeError);
      if (ctx.floatDTypes.includes('float64')) {
        expect(() => attention(dot({ keys: t([2, 3, 4], 'float64') }))).toThrow(/attention\(dot\): keys is float64\[2, 3, 4\] but query is float32\[2, 1, 4\]; cast it to float32 with cast\(\) first/);
      }
    });
  });
}
