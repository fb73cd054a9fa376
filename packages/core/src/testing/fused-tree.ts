import { assert, describe, it } from 'vitest';
import { grad } from '../autodiff.js';
import { noGrad } from '../engine.js';
import { add, mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { treeLstmLevel, treeLstmLevelComposed, type TreeLevelInput } from '../ops/tree.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { checkGradients } from './gradcheck.js';
import * as R from './reference.js';

/** The fused Tree-LSTM level against `treeLstmLevelComposed`, and its gradients against finite differences. */

const NAMES = ['x', 'hL', 'cL', 'hR', 'cR', 'weight', 'weightH', 'bias'] as const;

export function treeHostInputs(N: number, I: number, H: number, seed: number): R.Host[] {
  const r = rng(seed);
  const u = (shape: number[], s: number) => R.host(randomValues(r, R.size(shape), -s, s), shape);
  return [u([N, I], 1), u([N, H], 0.8), u([N, H], 0.8), u([N, H], 0.8), u([N, H], 0.8), u([5 * H, I], 0.5), u([5 * H, 2 * H], 0.5), u([5 * H], 0.3)];
}

export function treeArgs(xs: readonly Tensor[]): TreeLevelInput {
  const [x, hL, cL, hR, cR, weight, weightH, bias] = xs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  return { x, hL, cL, hR, cR, weight, weightH, bias };
}

export type Which = 'both' | 'h' | 'c';

function loss(out: { h: Tensor; c: Tensor }, wh: Tensor, wc: Tensor, which: Which): Tensor {
  if (which === 'h') return sum(mul(out.h, wh));
  if (which === 'c') return sum(mul(out.c, wc));
  return add(sum(mul(out.h, wh)), sum(mul(out.c, wc)));
}

/**
 * A fused tree kernel's h and c equal the composed path's, and so do the gradients of
 * sum(h·wh) + sum(c·wc) (or of one of the two terms: `which`) to every leaf (`names`, for messages).
 */
export function expectFusedLikeComposed(
  fused: { h: Tensor; c: Tensor },
  composed: { h: Tensor; c: Tensor },
  leaves: Tensor[],
  names: readonly string[],
  wh: Tensor,
  wc: Tensor,
  which: Which,
): void {
  expectClose(fused.h.data(), composed.h.data(), FUSED_TOL, 'h');
  expectClose(fused.c.data(), composed.c.data(), FUSED_TOL, 'c');
  const gf = grad(loss(fused, wh, wc, which), leaves);
  const gc = grad(loss(composed, wh, wc, which), leaves);
  names.forEach((n, i) => {
    const zero = new Float32Array(leaves[i]!.size);
    expectClose(gf[i]?.data() ?? zero, gc[i]?.data() ?? zero, FUSED_TOL, `loss on ${which}: d loss / d ${n}`);
  });
}

export function describeFusedTree(ctx: SuiteContext): void {
  const b = ctx.backend;
  const [N, I, H] = [5, 3, 4];

  if (!b.treeLevelForward || !b.treeLevelBackward) {
    it('treeLstmLevel runs the composed path (backend has no fused kernel)', () => {
      const leaves = treeHostInputs(N, I, H, 1).map((h) => make(ctx, h.data, h.shape, 'float32'));
      leaves[0]!.requiresGrad = true;
      const res = treeLstmLevel(treeArgs(leaves));
      assert.notEqual(res.h.node?.op, 'treeLstmLevel', 'a fused node was recorded');
      const ref = treeLstmLevelComposed(treeArgs(leaves));
      expectClose(res.h.data(), ref.h.data(), { atol: 0, rtol: 0 }, 'h');
      expectClose(res.c.data(), ref.c.data(), { atol: 0, rtol: 0 }, 'c');
    });
    return;
  }

  describe('treeLstmLevel fused vs composed (float32)', () => {
    for (const which of ['both', 'h', 'c'] as Which[]) {
      it(`outputs and all eight gradients, loss on ${which}`, () => {
        const leaves = treeHostInputs(N, I, H, 2).map((h) => {
          const t = make(ctx, h.data, h.shape, 'float32');
          t.requiresGrad = true;
          return t;
        });
        const r = rng(3);
        const wh = make(ctx, randomValues(r, N * H), [N, H], 'float32');
        const wc = make(ctx, randomValues(r, N * H), [N, H], 'float32');
        const fused = treeLstmLevel(treeArgs(leaves));
        assert.equal(fused.h.node?.op, 'treeLstmLevel', 'treeLstmLevel should have run the fused kernel');
        const composed = treeLstmLevelComposed(treeArgs(leaves));
        expectFusedLikeComposed(fused, composed, leaves, NAMES, wh, wc, which);
      });
    }
    it('a single node and inference mode', () => {
      const leaves = treeHostInputs(1, 2, 3, 4).map((h) => make(ctx, h.data, h.shape, 'float32'));
      const inf = noGrad(() => treeLstmLevel(treeArgs(leaves)));
      const ref = treeLstmLevelComposed(treeArgs(leaves));
      expectClose(inf.h.data(), ref.h.data(), FUSED_TOL, 'h');
      expectClose(inf.c.data(), ref.c.data(), FUSED_TOL, 'c');
    });
  });

  const dtype = ctx.gradDType;
  it(`fused treeLstmLevel gradients vs finite differences (${dtype === 'float64' ? 'float64' : 'float32: backend lacks float64, loose tolerance'})`, () => {
    checkGradients(
      ctx.backend,
      (...xs) => {
        const out = treeLstmLevel(treeArgs(xs));
        return [out.h, out.c];
      },
      treeHostInputs(2, 2, 2, 5),
      { dtype, what: 'treeLstmLevel (fused)' },
    );
  });
}
