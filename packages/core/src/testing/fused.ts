import { assert, describe, it } from 'vitest';
import { GATES, type FusedCell } from '../backend.js';
import { cellForKernel } from '../cells/index.js';
import type { DType, FloatDType } from '../dtype.js';
import { grad } from '../autodiff.js';
import { noGrad } from '../engine.js';
import { add, mul } from '../ops/elementwise.js';
import { recurrence, type RecurrenceArgs, type RecurrenceResult } from '../ops/recurrence.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { describeAdam } from './adam.js';
import { describeFusedTree } from './fused-tree.js';
import { describeFusedTreeBatch } from './fused-tree-batch.js';
import { checkGradients } from './gradcheck.js';
import * as R from './reference.js';

/**
 * Fused kernels against the composed computation they replace (STYLE.md habit 1): same backend,
 * same inputs, outputs and every gradient at float32 tolerance; plus finite-difference checks of
 * the fused gradients. For the sequence kernels the composed computation is `scan` over the
 * built-in cell's `step` — the very loop and step a custom cell runs. A backend without a kernel
 * gets a test that the composed path is what runs.
 */

const KERNELS: FusedCell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

/** The composed reference: `scan` over the built-in cell's `step`, on the same backend. */
const composedRecurrence = (args: RecurrenceArgs): RecurrenceResult => recurrence(args, { fused: false });

export function describeFused(ctx: SuiteContext): void {
  describe('fused kernels', () => {
    it('come in forward/backward pairs', () => {
      const b = ctx.backend;
      assert.equal(!!b.sequenceForward, !!b.sequenceBackward, 'sequenceForward and sequenceBackward: both or neither');
      assert.equal(!!b.treeLevelForward, !!b.treeLevelBackward, 'treeLevelForward and treeLevelBackward: both or neither');
      assert.equal(!!b.treeBatchForward, !!b.treeBatchBackward, 'treeBatchForward and treeBatchBackward: both or neither');
    });
    describeFusedSequence(ctx);
    describeFusedTree(ctx);
    describeFusedTreeBatch(ctx);
    describeAdam(ctx);
  });
}

export interface SequenceCase {
  kernel: FusedCell;
  B: number;
  T: number;
  I: number;
  H: number;
  lengths: number[] | null;
  reverse: boolean;
  /** Pass h0 (and c0) rather than letting core default them to zeros. */
  initial: boolean;
}

/** Host data for a `recurrence` call, in the leaf order x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh. */
export function sequenceHostInputs(c: SequenceCase, seed: number): { names: string[]; hosts: R.Host[] } {
  const r = rng(seed);
  const G = GATES[c.kernel];
  const u = (shape: number[], s: number) => R.host(randomValues(r, R.size(shape), -s, s), shape);
  const names = ['x'];
  const hosts = [u([c.B, c.T, c.I], 1)];
  if (c.initial) {
    names.push('h0');
    hosts.push(u([c.B, c.H], 0.8));
    if (c.kernel === 'lstm') {
      names.push('c0');
      hosts.push(u([c.B, c.H], 0.8));
    }
  }
  names.push('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh');
  hosts.push(u([G * c.H, c.I], 0.6), u([G * c.H, c.H], 0.6), u([G * c.H], 0.3), u([G * c.H], 0.3));
  return { names, hosts };
}

/** The `recurrence` arguments (the kernel's built-in cell) from leaves in `sequenceHostInputs` order. */
export function sequenceArgs(c: SequenceCase, xs: readonly Tensor[]): RecurrenceArgs {
  const at = (i: number) => xs[i]!;
  const carry = c.initial ? xs.slice(1, c.kernel === 'lstm' ? 3 : 2) : null;
  const k = 1 + (carry?.length ?? 0);
  return {
    cell: cellForKernel(c.kernel, c.H),
    params: { weight_ih: at(k), weight_hh: at(k + 1), bias_ih: at(k + 2), bias_hh: at(k + 3) },
    x: at(0),
    carry,
    lengths: c.lengths,
    reverse: c.reverse,
  };
}

type Which = 'all' | 'y' | 'hN' | 'cN';

function lossOf(res: RecurrenceResult, weights: Tensor[], which: Which): Tensor {
  const [hN, cN] = res.carry;
  const terms: Tensor[] = [];
  if (which === 'all' || which === 'y') terms.push(sum(mul(res.y, weights[0]!)));
  if (which === 'all' || which === 'hN') terms.push(sum(mul(hN!, weights[1]!)));
  if (cN && (which === 'all' || which === 'cN')) terms.push(sum(mul(cN, weights[2]!)));
  return terms.reduce((s, t) => add(s, t));
}

function caseName(c: SequenceCase): string {
  return `${c.kernel}, ${c.lengths ? `lengths [${c.lengths}]` : 'no lengths'}, ${c.reverse ? 'reverse' : 'forward'}, ${c.initial ? 'given h0/c0' : 'default h0/c0'}`;
}

/** Run fused and composed on the same leaves and compare outputs and gradients. */
function compareSequence(ctx: SuiteContext, c: SequenceCase, which: Which, dtype: DType = 'float32'): void {
  const { names, hosts } = sequenceHostInputs(c, 7 + c.T * 13 + c.H);
  const leaves = hosts.map((h) => {
    const t = make(ctx, h.data, h.shape, dtype);
    t.requiresGrad = true;
    return t;
  });
  const r = rng(99);
  const w = [[c.B, c.T, c.H], [c.B, c.H], [c.B, c.H]].map((s) => make(ctx, randomValues(r, R.size(s)), s, dtype));
  const fused = recurrence(sequenceArgs(c, leaves));
  assert.equal(fused.carry[0]!.node?.op, `sequence_${c.kernel}`, 'recurrence should have run the fused kernel');
  const composed = composedRecurrence(sequenceArgs(c, leaves));
  const label = `${caseName(c)}, loss on ${which}`;
  expectClose(fused.y.data(), composed.y.data(), FUSED_TOL, `${label}: y`);
  expectClose(fused.carry[0]!.data(), composed.carry[0]!.data(), FUSED_TOL, `${label}: hN`);
  expectClose(fused.last.data(), composed.last.data(), FUSED_TOL, `${label}: last output`);
  assert.equal(fused.carry.length, composed.carry.length, 'cN presence');
  if (fused.carry[1]) expectClose(fused.carry[1].data(), composed.carry[1]!.data(), FUSED_TOL, `${label}: cN`);
  const gf = grad(lossOf(fused, w, which), leaves);
  const gc = grad(lossOf(composed, w, which), leaves);
  names.forEach((n, i) => {
    const a = gf[i] ? gf[i]!.data() : new Float32Array(leaves[i]!.size);
    const b = gc[i] ? gc[i]!.data() : new Float32Array(leaves[i]!.size);
    expectClose(a, b, FUSED_TOL, `${label}: d loss / d ${n} (fused vs composed)`);
  });
}

function describeFusedSequence(ctx: SuiteContext): void {
  const b = ctx.backend;
  const base = { B: 3, T: 5, I: 4, H: 6 };
  const lengthsOf = (withLengths: boolean) => (withLengths ? [5, 2, 4] : null);

  if (!b.sequenceForward || !b.sequenceBackward) {
    describe('recurrence (backend has no fused kernel)', () => {
      for (const kernel of KERNELS) {
        it(`${kernel}: recurrence runs scan over the cell's step`, () => {
          const c: SequenceCase = { kernel, ...base, lengths: [5, 2, 4], reverse: true, initial: true };
          const { hosts } = sequenceHostInputs(c, 1);
          const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
          leaves[0]!.requiresGrad = true;
          const res = recurrence(sequenceArgs(c, leaves));
          assert.notEqual(res.carry[0]!.node?.op, `sequence_${kernel}`, 'a fused node was recorded');
          const ref = composedRecurrence(sequenceArgs(c, leaves));
          expectClose(res.y.data(), ref.y.data(), { atol: 0, rtol: 0 }, 'y');
          expectClose(res.carry[0]!.data(), ref.carry[0]!.data(), { atol: 0, rtol: 0 }, 'hN');
        });
      }
    });
    return;
  }

  describe('recurrence fused vs scan over cell.step (float32)', () => {
    for (const kernel of KERNELS) {
      for (const withLengths of [false, true]) {
        for (const reverse of [false, true]) {
          for (const initial of [true, false]) {
            const c: SequenceCase = { kernel, ...base, lengths: lengthsOf(withLengths), reverse, initial };
            it(caseName(c), () => compareSequence(ctx, c, 'all'));
          }
        }
      }
    }
    for (const kernel of KERNELS) {
      const outs: Which[] = kernel === 'lstm' ? ['y', 'hN', 'cN'] : ['y', 'hN'];
      for (const which of outs) {
        const c: SequenceCase = { kernel, ...base, lengths: [5, 2, 4], reverse: true, initial: true };
        it(`${kernel}: only ${which} reaches the loss (the other output gradients are null)`, () => compareSequence(ctx, c, which));
      }
    }
    it('x that needs no gradient (data): the weight and state gradients are unchanged', () => {
      for (const kernel of KERNELS) {
        const c: SequenceCase = { kernel, ...base, lengths: [5, 2, 4], reverse: true, initial: true };
        const { hosts } = sequenceHostInputs(c, 5);
        const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
        leaves.forEach((t, i) => (t.requiresGrad = i > 0)); // x (leaf 0) is data
        const r = rng(17);
        const w = [[c.B, c.T, c.H], [c.B, c.H], [c.B, c.H]].map((s) => make(ctx, randomValues(r, R.size(s)), s, 'float32'));
        const fused = recurrence(sequenceArgs(c, leaves));
        const composed = composedRecurrence(sequenceArgs(c, leaves));
        const params = leaves.slice(1);
        const gf = grad(lossOf(fused, w, 'all'), params);
        const gc = grad(lossOf(composed, w, 'all'), params);
        params.forEach((_, i) => expectClose(gf[i]!.data(), gc[i]!.data(), FUSED_TOL, `${kernel}: gradient of input ${i + 1} with x as data`));
      }
    });
    it('T = 1 and B = 1 edge sizes', () => {
      for (const kernel of KERNELS) {
        compareSequence(ctx, { kernel, B: 1, T: 1, I: 3, H: 2, lengths: null, reverse: false, initial: true }, 'all');
        compareSequence(ctx, { kernel, B: 2, T: 1, I: 1, H: 3, lengths: [1, 1], reverse: true, initial: false }, 'all');
      }
    });
    it('inference (no graph) gives the same outputs as training', () => {
      for (const kernel of KERNELS) {
        const c: SequenceCase = { kernel, ...base, lengths: [5, 2, 4], reverse: false, initial: true };
        const { hosts } = sequenceHostInputs(c, 3);
        const leaves = hosts.map((h) => make(ctx, h.data, h.shape, 'float32'));
        const inf = noGrad(() => recurrence(sequenceArgs(c, leaves)));
        leaves.forEach((t) => (t.requiresGrad = true));
        const train = recurrence(sequenceArgs(c, leaves));
        expectClose(inf.y.data(), train.y.data(), FUSED_TOL, `${kernel}: y`);
        expectClose(inf.carry[0]!.data(), train.carry[0]!.data(), FUSED_TOL, `${kernel}: hN`);
      }
    });
  });

  const dtype: FloatDType = ctx.gradDType;
  const label =
    dtype === 'float64' ? 'fused recurrence gradients vs finite differences (float64)' : 'fused recurrence gradients vs finite differences (float32: backend lacks float64, loose tolerance)';
  describe(label, () => {
    for (const kernel of KERNELS) {
      for (const [lengths, reverse] of [[null, false], [[3, 2], true], [[2, 3], false]] as const) {
        const c: SequenceCase = { kernel, B: 2, T: 3, I: 2, H: 2, lengths: lengths ? [...lengths] : null, reverse, initial: true };
        it(caseName(c), () => {
          const { hosts } = sequenceHostInputs(c, 11);
          checkGradients(
            ctx.backend,
            (...xs) => {
              const res = recurrence(sequenceArgs(c, xs));
              return [res.y, ...res.carry];
            },
            hosts,
            { dtype, what: caseName(c) },
          );
        });
      }
    }
  });
}
