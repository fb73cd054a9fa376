import { assert, describe, expect, it } from 'vitest';
import type { TreeSchedule } from '../backend.js';
import { noGrad } from '../engine.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { treeLstmBatch, treeLstmBatchComposed, type TreeBatchInput } from '../ops/tree-batch.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { checkGradients } from './gradcheck.js';
import * as R from './reference.js';
import { expectFusedLikeComposed, type Which } from './fused-tree.js';

/**
 * The whole-mini-batch Tree-LSTM schedule (`treeLstmBatch`, one kernel call where the backend has
 * `treeBatchForward`) against the per-level composed reference, and its gradients against finite
 * differences.
 */

const i32 = (v: number[]): Int32Array => Int32Array.from(v);

/** Two trees and a lone leaf, in row order: leaves 0..4; 5 = (0, 1), 6 = (2, –) with a word;
 *  7 = (5, 3); 8 = (7, 6); row 4 is a one-leaf tree. x rows are not in row order. */
export function smallSchedule(): TreeSchedule {
  return {
    levelStart: i32([0, 5, 7, 8, 9]),
    left: i32([-1, -1, -1, -1, -1, 0, 2, 5, 7]),
    right: i32([-1, -1, -1, -1, -1, 1, -1, 3, 6]),
    wordRow: i32([6, 0, 1, 2, 3, 4]),
  };
}

/** Complete binary trees over `leaves` leaves (a power of two), words on the leaves: wide levels. */
export function wideSchedule(leaves: number): TreeSchedule {
  const levelStart = [0];
  const left: number[] = [];
  const right: number[] = [];
  let prev = 0;
  let width = leaves;
  for (let i = 0; i < leaves; i++) left.push(-1), right.push(-1);
  levelStart.push(leaves);
  while (width > 1) {
    for (let i = 0; i < width / 2; i++) left.push(prev + 2 * i), right.push(prev + 2 * i + 1);
    prev += width;
    width /= 2;
    levelStart.push(left.length);
  }
  return { levelStart: i32(levelStart), left: i32(left), right: i32(right), wordRow: i32(Array.from({ length: leaves }, (_, k) => k)) };
}

function hostInputs(plan: TreeSchedule, I: number, H: number, seed: number): R.Host[] {
  const r = rng(seed);
  const u = (shape: number[], s: number) => R.host(randomValues(r, R.size(shape), -s, s), shape);
  return [u([plan.wordRow.length, I], 1), u([5 * H, I], 0.5), u([5 * H, 2 * H], 0.5), u([5 * H], 0.3)];
}

function args(plan: TreeSchedule, xs: readonly Tensor[]): TreeBatchInput {
  const [x, weight, weightH, bias] = xs as [Tensor, Tensor, Tensor, Tensor];
  return { plan, x, weight, weightH, bias };
}

const NAMES = ['x', 'weight', 'weightH', 'bias'] as const;

function compare(ctx: SuiteContext, plan: TreeSchedule, I: number, H: number, which: Which, seed: number): void {
  const leaves = hostInputs(plan, I, H, seed).map((h) => {
    const t = make(ctx, h.data, h.shape, 'float32');
    t.requiresGrad = true;
    return t;
  });
  const N = plan.left.length;
  const r = rng(seed + 1);
  const wh = make(ctx, randomValues(r, N * H), [N, H], 'float32');
  const wc = make(ctx, randomValues(r, N * H), [N, H], 'float32');
  const fused = treeLstmBatch(args(plan, leaves));
  if (ctx.backend.treeBatchForward) assert.equal(fused.h.node?.op, 'treeLstmBatch', 'treeLstmBatch should be one node of the graph');
  const composed = treeLstmBatchComposed(args(plan, leaves));
  expectFusedLikeComposed(fused, composed, leaves, NAMES, wh, wc, which);
}

export function describeFusedTreeBatch(ctx: SuiteContext): void {
  const kernel = ctx.backend.treeBatchForward && ctx.backend.treeBatchBackward ? 'one batch kernel' : 'level by level: no batch kernel';
  describe(`treeLstmBatch (${kernel}) vs the composed per-level reference (float32)`, () => {
    for (const which of ['both', 'h', 'c'] as Which[]) {
      it(`outputs and all four gradients, loss on ${which}`, () => compare(ctx, smallSchedule(), 3, 4, which, 11));
    }
    it('wide levels (rows split across threads), hidden 16', () => compare(ctx, wideSchedule(32), 8, 16, 'h', 12));
    it('inference mode', () => {
      const plan = smallSchedule();
      const leaves = hostInputs(plan, 2, 3, 13).map((h) => make(ctx, h.data, h.shape, 'float32'));
      const inf = noGrad(() => treeLstmBatch(args(plan, leaves)));
      const ref = treeLstmBatchComposed(args(plan, leaves));
      expectClose(inf.h.data(), ref.h.data(), FUSED_TOL, 'h');
      expectClose(inf.c.data(), ref.c.data(), FUSED_TOL, 'c');
    });
    it('refuses a plan that is not a forest, by name', () => {
      const leaves = hostInputs(smallSchedule(), 2, 3, 14).map((h) => make(ctx, h.data, h.shape, 'float32'));
      const bad = (edit: (p: TreeSchedule) => void): (() => unknown) => {
        const p = smallSchedule();
        edit(p);
        return () => treeLstmBatch(args(p, leaves));
      };
      expect(bad((p) => (p.left[5] = 6))).toThrow(ValueError);
      expect(bad((p) => (p.left[5] = 6))).toThrow('treeLstmBatch: plan.left[5] = 6; expected -1 (no child) or a row of an earlier level (0..4)');
      expect(bad((p) => (p.right[6] = 1))).toThrow('treeLstmBatch: row 1 is the child of two nodes (plan.right[6])');
      expect(bad((p) => (p.wordRow[1] = 6))).toThrow('treeLstmBatch: plan.wordRow[1] = 6: that row already has a word');
      expect(bad((p) => (p.levelStart[4] = 8))).toThrow('treeLstmBatch: plan.levelStart must run from 0 to the number of nodes (9)');
      const [x, weight, weightH, bias] = leaves as [Tensor, Tensor, Tensor, Tensor];
      const plan = smallSchedule();
      expect(() => treeLstmBatch({ plan, x, weight: weightH, weightH, bias })).toThrow(ShapeError);
      expect(() => treeLstmBatch({ plan, x, weight: weightH, weightH, bias })).toThrow('treeLstmBatch: weight must have shape [15, 2], found float32[15, 6]');
      const bias64 = make(ctx, new Float64Array(15), [15], ctx.gradDType);
      if (ctx.gradDType === 'float64') {
        expect(() => treeLstmBatch({ plan, x, weight, weightH, bias: bias64 })).toThrow(DTypeError);
        expect(() => treeLstmBatch({ plan, x, weight, weightH, bias: bias64 })).toThrow('treeLstmBatch: bias is float64[15] but x is float32[6, 2]; cast it to float32 with cast() first');
      }
    });
  });

  const dtype = ctx.gradDType;
  it(`treeLstmBatch gradients vs finite differences (${dtype === 'float64' ? 'float64' : 'float32: backend lacks float64, loose tolerance'})`, () => {
    const plan = smallSchedule();
    checkGradients(
      ctx.backend,
      (...xs) => {
        const out = treeLstmBatch(args(plan, xs));
        return [out.h, out.c];
      },
      hostInputs(plan, 2, 2, 15),
      { dtype, what: 'treeLstmBatch' },
    );
  });
}
