import { describe, it } from 'vitest';
import type { DType } from '@rnn/core';
import { JsBackend } from '../src/index.js';
import { expectClose, list, rng, t } from './helpers.js';

const be = new JsBackend();

/** torch.optim.Adam / AdamW (single-tensor path), one scalar at a time. */
function reference(
  p: number, g: number, m: number, v: number, lr: number, b1: number, b2: number, eps: number,
  step: number, wd: number, decoupled: boolean,
): [number, number, number] {
  if (decoupled) p *= 1 - lr * wd;
  else g += wd * p;
  m = b1 * m + (1 - b1) * g;
  v = b2 * v + (1 - b2) * g * g;
  const denom = Math.sqrt(v) / Math.sqrt(1 - b2 ** step) + eps;
  p -= (lr / (1 - b1 ** step)) * (m / denom);
  return [p, m, v];
}

describe('adamStep', () => {
  it.each([
    [false, 0], [false, 0.1], [true, 0], [true, 0.01],
  ] as const)('matches the scalar loop over 5 steps (decoupled %s, weight decay %s)', (decoupled, wd) => {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      const rand = rng(4);
      const n = 7;
      const p0 = Array.from({ length: n }, () => rand());
      const param = t(p0, [n], dtype);
      const m = t(new Array(n).fill(0), [n], dtype);
      const v = t(new Array(n).fill(0), [n], dtype);
      const ref = p0.map((p) => [p, 0, 0]);
      for (let step = 1; step <= 5; step++) {
        const g = Array.from({ length: n }, () => rand(-2, 2));
        be.adamStep({
          param, grad: t(g, [n], dtype), m, v, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step,
          weightDecay: wd, decoupled,
        });
        ref.forEach((r, i) => (ref[i] = reference(r[0], g[i], r[1], r[2], 0.01, 0.9, 0.999, 1e-8, step, wd, decoupled)));
      }
      const tol = dtype === 'float64' ? 1e-15 : 1e-6;
      expectClose(list(param.storage), ref.map((r) => r[0]), tol, tol);
      expectClose(list(m.storage), ref.map((r) => r[1]), tol, tol);
      expectClose(list(v.storage), ref.map((r) => r[2]), tol, tol);
    }
  });

  it('updates through views of a flat buffer', () => {
    const flat = new Float64Array([1, 2, 3, 4]);
    const view = be.view({ storage: flat, shape: [4], dtype: 'float64' }, 1, 2);
    be.adamStep({
      param: { storage: view, shape: [2], dtype: 'float64' }, grad: t([1, -1], [2]),
      m: t([0, 0], [2]), v: t([0, 0], [2]), lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1,
      weightDecay: 0, decoupled: false,
    });
    expectClose(Array.from(flat), [1, 2 - 0.1, 3 + 0.1, 4], 1e-7, 0);
  });
});
