import { assert, describe, it } from 'vitest';
import type { AdamStepArgs, BTensor } from '../backend.js';
import type { FloatDType } from '../dtype.js';
import { VALUE_TOL, expectClose, make, randomValues, rng, roundTo, type SuiteContext, type Tolerance } from './context.js';

/**
 * The fused `adamStep` against PyTorch's Adam/AdamW update written out in float64:
 *
 *   Adam:  g += wd p                    AdamW: p *= 1 - lr wd
 *   m = β1 m + (1 - β1) g,   v = β2 v + (1 - β2) g²
 *   p -= lr (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + eps)
 *
 * (PyTorch writes the last line as `p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)`: the same value.)
 */

interface Hyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

const SETTINGS: [string, Hyper][] = [
  ['Adam', { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }],
  ['Adam with L2 weight decay', { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false }],
  ['AdamW', { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true }],
  ['AdamW, large lr, beta2 0.99, eps 1e-6', { lr: 0.1, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01, decoupled: true }],
];

const STEP_TOL: Record<FloatDType, Tolerance> = { float32: { atol: 1e-6, rtol: 1e-5 }, float64: VALUE_TOL.float64 };

function refStep(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, h: Hyper, step: number, dtype: FloatDType): void {
  const bc1 = 1 - h.beta1 ** step;
  const bc2 = 1 - h.beta2 ** step;
  const r = (x: number) => roundTo(dtype, x);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    let pi = p[i]!;
    if (h.decoupled) pi *= 1 - h.lr * h.weightDecay;
    else gi += h.weightDecay * pi;
    m[i] = r(h.beta1 * m[i]! + (1 - h.beta1) * gi);
    v[i] = r(h.beta2 * v[i]! + (1 - h.beta2) * gi * gi);
    p[i] = r(pi - (h.lr * (m[i]! / bc1)) / (Math.sqrt(v[i]! / bc2) + h.eps));
  }
}

export function describeAdam(ctx: SuiteContext): void {
  const b = ctx.backend;
  if (!b.adamStep) {
    it('adamStep: not provided (optimizers compose the update from primitives)', () => {
      assert.equal(b.adamStep, undefined);
    });
    return;
  }
  const adamStep = b.adamStep.bind(b);
  describe('adamStep vs the PyTorch formula in float64', () => {
    for (const dtype of ctx.floatDTypes) {
      for (const [name, h] of SETTINGS) {
        it(`${name} (${dtype}), 6 steps`, () => {
          const n = 37;
          const r = rng(21);
          const p = randomValues(r, n);
          const m = new Float64Array(n);
          const v = new Float64Array(n);
          const pt = make(ctx, p, [n], dtype);
          const mt = make(ctx, m, [n], dtype);
          const vt = make(ctx, v, [n], dtype);
          for (let step = 1; step <= 6; step++) {
            const g = randomValues(r, n, -2, 2);
            g[step] = 0; // a zero gradient must not divide by zero
            const gt = make(ctx, g, [n], dtype);
            adamStep({ param: pt, grad: gt, m: mt, v: vt, ...h, step } satisfies AdamStepArgs);
            refStep(p, g, m, v, h, step, dtype);
            const tol = STEP_TOL[dtype];
            expectClose(pt.data(), p, tol, `param after step ${step}`);
            expectClose(mt.data(), m, tol, `m after step ${step}`);
            expectClose(vt.data(), v, tol, `v after step ${step}`);
          }
        });
      }
    }

    it('updates views of larger flat buffers in place, leaving neighbours untouched', () => {
      const [n, off, total] = [13, 4, 20];
      const r = rng(22);
      const hostP = randomValues(r, total);
      const hostG = randomValues(r, total);
      const dtype = 'float32' as const;
      const bufs = [hostP, hostG, new Float64Array(total), new Float64Array(total)].map((d) => make(ctx, d, [total], dtype));
      const view = (t: BTensor): BTensor => ({ storage: b.view(t, off, n), shape: [n], dtype });
      const [param, g, m, v] = bufs.map(view) as [BTensor, BTensor, BTensor, BTensor];
      const h = SETTINGS[2]![1];
      adamStep({ param, grad: g, m, v, ...h, step: 1 });
      const p = hostP.slice(off, off + n);
      const wm = new Float64Array(n);
      const wv = new Float64Array(n);
      refStep(p, hostG.slice(off, off + n), wm, wv, h, 1, dtype);
      const all = bufs[0]!.data();
      expectClose(all.subarray(off, off + n), p, STEP_TOL.float32, 'param view');
      expectClose(all.subarray(0, off), hostP.subarray(0, off), { atol: 0, rtol: 0 }, 'params before the view');
      expectClose(all.subarray(off + n), hostP.subarray(off + n), { atol: 0, rtol: 0 }, 'params after the view');
      expectClose(bufs[2]!.data().subarray(off, off + n), wm, STEP_TOL.float32, 'm view');
      assert(bufs[2]!.data().subarray(0, off).every((x) => x === 0), 'm before the view untouched');
    });
  });
}
