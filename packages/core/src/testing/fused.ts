import { assert, describe, it } from 'vitest';
import { GATES, type FusedCell } from '../backend.js';
import type { DType, FloatDType } from '../dtype.js';
import { grad, noGrad } from '../engine.js';
import { add, mul } from '../ops/elementwise.js';
import { rnnSequence, rnnSequenceComposed, type RnnSequenceArgs, type RnnSequenceResult } from '../ops/recurrent.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { describeAdam } from './adam.js';
import { describeFusedTree } from './fused-tree.js';
import { checkGradients } from './gradcheck.js';
import * as R from './reference.js';

/**
 * Fused kernels against the composed computation they replace (STYLE.md habit 1): same backend,
 * same inputs, outputs and every gradient at float32 tolerance; plus finite-difference checks of
 * the fused gradients. A backend without a kernel gets a test that the composed path is what runs.
 */

const MODES: FusedCell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

export function describeFused(ctx: SuiteContext): void {
  describe('fused kernels', () => {
    it('come in forward/backward pairs', () => {
      const b = ctx.backend;
      assert.equal(!!b.sequenceForward, !!b.sequenceBackward, 'sequenceForward and sequenceBackward: both or neither');
      assert.equal(!!b.treeLevelForward, !!b.treeLevelBackward, 'treeLevelForward and treeLevelBackward: both or neither');
    });
    describeFusedRnn(ctx);
    describeFusedTree(ctx);
    describeAdam(ctx);
  });
}

export interface RnnCase {
  mode: FusedCell;
  B: number;
  T: number;
  I: number;
  H: number;
  lengths: number[] | null;
  reverse: boolean;
  /** Pass h0 (and c0) rather than letting core default them to zeros. */
  initial: boolean;
}

/** Host data for an rnnSequence call, in the leaf order x, h0, c0, weightIh, weightHh, biasIh, biasHh. */
export function rnnHostInputs(c: RnnCase, seed: number): { names: string[]; hosts: R.Host[] } {
  const r = rng(seed);
  const G = GATES[c.mode];
  const u = (shape: number[], s: number) => R.host(randomValues(r, R.size(shape), -s, s), shape);
  const names = ['x'];
  const hosts = [u([c.B, c.T, c.I], 1)];
  if (c.initial) {
    names.push('h0');
    hosts.push(u([c.B, c.H], 0.8));
    if (c.mode === 'lstm') {
      names.push('c0');
      hosts.push(u([c.B, c.H], 0.8));
    }
  }
  names.push('weightIh', 'weightHh', 'biasIh', 'biasHh');
  hosts.push(u([G * c.H, c.I], 0.6), u([G * c.H, c.H], 0.6), u([G * c.H], 0.3), u([G * c.H], 0.3));
  return { names, hosts };
}

/** The rnnSequence arguments from leaves in `rnnHostInputs` order. */
export function rnnArgs(c: RnnCase, xs: readonly Tensor[]): RnnSequenceArgs {
  const at = (i: number) => xs[i]!;
  let k = 1;
  const h0 = c.initial ? at(k++) : null;
  const c0 = c.initial && c.mode === 'lstm' ? at(k++) : null;
  return {
    mode: c.mode,
    x: at(0),
    h0,
    c0,
    weightIh: at(k),
    weightHh: at(k + 1),
    biasIh: at(k + 2),
    biasHh: at(k + 3),
    lengths: c.lengths,
    reverse: c.reverse,
  };
}

type Which = 'all' | 'y' | 'hN' | 'cN';

function lossOf(res: RnnSequenceResult, weights: Tensor[], which: Which): Tensor {
  const terms: Tensor[] = [];
  if (which === 'all' || which === 'y') terms.push(sum(mul(res.y, weights[0]!)));
  if (which === 'all' || which === 'hN') terms.push(sum(mul(res.hN, weights[1]!)));
  if (res.cN && (which === 'all' || which === 'cN')) terms.push(sum(mul(res.cN, weights[2]!)));
  return terms.reduce((s, t) => add(s, t));
}

function caseName(c: RnnCase): string {
  return `${c.mode}, ${c.lengths ? `lengths [${c.lengths}]` : 'no lengths'}, ${c.reverse ? 'reverse' : 'forward'}, ${c.initial ? 'given h0/c0' : 'default h0/c0'}`;
}

/** Run fused and composed on the same leaves and compare outputs and gradients. */
function compareRnn(ctx: SuiteContext, c: RnnCase, which: Which, dtype: DType = 'float32'): void {
  const { names, hosts } = rnnHostInputs(c, 7 + c.T * 13 + c.H);
  const leaves = hosts.map((h) => {
    const t = make(ctx, h.data, h.shape, dtype);
    t.requiresGrad = true;
    return t;
  });
  const r = rng(99);
  const w = [[c.B, c.T, c.H], [c.B, c.H], [c.B, c.H]].map((s) => make(ctx, randomValues(r, R.size(s)), s, dtype));
  const fused = rnnSequence(rnnArgs(c, leaves));
  assert.equal(fused.hN.node?.op, `rnn_${c.mode}`, 'rnnSequence should have run the fused kernel');
  const composed = rnnSequenceComposed(rnnArgs(c, leaves));
  const label = `${caseName(c)}, loss on ${which}`;
  expectClose(fused.y.data(), composed.y.data(), FUSED_TOL, `${label}: y`);
  expectClose(fused.hN.data(), composed.hN.data(), FUSED_TOL, `${label}: hN`);
  assert.equal(fused.cN === null, composed.cN === null, 'cN presence');
  if (fused.cN) expectClose(fused.cN.data(), composed.cN!.data(), FUSED_TOL, `${label}: cN`);
  const gf = grad(lossOf(fused, w, which), leaves);
  const gc = grad(lossOf(composed, w, which), leaves);
  names.forEach((n, i) => {
    const a = gf[i] ? gf[i]!.data() : new Float32Array(leaves[i]!.size);
    const b = gc[i] ? gc[i]!.data() : new Float32Array(leaves[i]!.size);
    expectClose(a, b, FUSED_TOL, `${label}: d loss / d ${n} (fused vs composed)`);
  });
}

function describeFusedRnn(ctx: SuiteContext): void {
  const b = ctx.backend;
  const base = { B: 3, T: 5, I: 4, H: 6 };
  const lengthsOf = (withLengths: boolean) => (withLengths ? [5, 2, 4] : null);

  if (!b.sequenceForward || !b.sequenceBackward) {
    describe('rnnSequence (backend has no fused kernel)', () => {
      for (const mode of MODES) {
        it(`${mode}: rnnSequence runs the composed path`, () => {
          const c: RnnCase = { mode, ...base, lengths: [5, 2, 4], reverse: true, initial: true };
          const { hosts } = rnnHostInputs(c, 1);
          const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
          leaves[0]!.requiresGrad = true;
          const res = rnnSequence(rnnArgs(c, leaves));
          assert.notEqual(res.hN.node?.op, `rnn_${mode}`, 'a fused node was recorded');
          const ref = rnnSequenceComposed(rnnArgs(c, leaves));
          expectClose(res.y.data(), ref.y.data(), { atol: 0, rtol: 0 }, 'y');
          expectClose(res.hN.data(), ref.hN.data(), { atol: 0, rtol: 0 }, 'hN');
        });
      }
    });
    return;
  }

  describe('rnnSequence fused vs composed (float32)', () => {
    for (const mode of MODES) {
      for (const withLengths of [false, true]) {
        for (const reverse of [false, true]) {
          for (const initial of [true, false]) {
            const c: RnnCase = { mode, ...base, lengths: lengthsOf(withLengths), reverse, initial };
            it(caseName(c), () => compareRnn(ctx, c, 'all'));
          }
        }
      }
    }
    for (const mode of MODES) {
      const outs: Which[] = mode === 'lstm' ? ['y', 'hN', 'cN'] : ['y', 'hN'];
      for (const which of outs) {
        const c: RnnCase = { mode, ...base, lengths: [5, 2, 4], reverse: true, initial: true };
        it(`${mode}: only ${which} reaches the loss (the other output gradients are null)`, () => compareRnn(ctx, c, which));
      }
    }
    it('x that needs no gradient (data): the weight and state gradients are unchanged', () => {
      for (const mode of MODES) {
        const c: RnnCase = { mode, ...base, lengths: [5, 2, 4], reverse: true, initial: true };
        const { hosts } = rnnHostInputs(c, 5);
        const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
        leaves.forEach((t, i) => (t.requiresGrad = i > 0)); // x (leaf 0) is data
        const r = rng(17);
        const w = [[c.B, c.T, c.H], [c.B, c.H], [c.B, c.H]].map((s) => make(ctx, randomValues(r, R.size(s)), s, 'float32'));
        const fused = rnnSequence(rnnArgs(c, leaves));
        const composed = rnnSequenceComposed(rnnArgs(c, leaves));
        const params = leaves.slice(1);
        const gf = grad(lossOf(fused, w, 'all'), params);
        const gc = grad(lossOf(composed, w, 'all'), params);
        params.forEach((_, i) => expectClose(gf[i]!.data(), gc[i]!.data(), FUSED_TOL, `${mode}: gradient of input ${i + 1} with x as data`));
      }
    });
    it('T = 1 and B = 1 edge sizes', () => {
      for (const mode of MODES) {
        compareRnn(ctx, { mode, B: 1, T: 1, I: 3, H: 2, lengths: null, reverse: false, initial: true }, 'all');
        compareRnn(ctx, { mode, B: 2, T: 1, I: 1, H: 3, lengths: [1, 1], reverse: true, initial: false }, 'all');
      }
    });
    it('inference (no graph) gives the same outputs as training', () => {
      for (const mode of MODES) {
        const c: RnnCase = { mode, ...base, lengths: [5, 2, 4], reverse: false, initial: true };
        const { hosts } = rnnHostInputs(c, 3);
        const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
        const inf = noGrad(() => rnnSequence(rnnArgs(c, leaves)));
        leaves.forEach((t) => (t.requiresGrad = true));
        const train = rnnSequence(rnnArgs(c, leaves));
        expectClose(inf.y.data(), train.y.data(), FUSED_TOL, `${mode}: y`);
        expectClose(inf.hN.data(), train.hN.data(), FUSED_TOL, `${mode}: hN`);
      }
    });
  });

  const dtype: FloatDType = ctx.gradDType;
  const label =
    dtype === 'float64' ? 'fused rnnSequence gradients vs finite differences (float64)' : 'fused rnnSequence gradients vs finite differences (float32: backend lacks float64, loose tolerance)';
  describe(label, () => {
    for (const mode of MODES) {
      for (const [lengths, reverse] of [[null, false], [[3, 2], true], [[2, 3], false]] as const) {
        const c: RnnCase = { mode, B: 2, T: 3, I: 2, H: 2, lengths: lengths ? [...lengths] : null, reverse, initial: true };
        it(caseName(c), () => {
          const { hosts } = rnnHostInputs(c, 11);
          checkGradients(
            ctx.backend,
            (...xs) => {
              const res = rnnSequence(rnnArgs(c, xs));
              return [res.y, res.hN, res.cN];
            },
            hosts,
            { dtype, what: caseName(c) },
          );
        });
      }
    }
  });
}
