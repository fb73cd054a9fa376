import type { Backend } from '../backend.js';
import type { FloatDType } from '../dtype.js';
import { grad } from '../autodiff.js';
import { noGrad, tidy } from '../engine.js';
import { add, mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { expectClose, make, randomValues, rng, roundTo, type Tolerance } from './context.js';
import type { Host } from './reference.js';

/**
 * Finite-difference gradient checks. For `f(x1..xn) -> outputs` and fixed random weights `R_k`,
 * the scalar `L = Σ_k sum(out_k * R_k)` is differentiated by autodiff and by central differences
 * `(L(x + eps) - L(x - eps)) / 2eps` one input element at a time. The numeric loss is summed on
 * the host in float64 from the outputs, so only the forward values carry the dtype's rounding.
 */

export interface GradCheckSettings {
  eps: number;
  tol: Tolerance;
}

/**
 * float64: the brief's `|a - n| <= 1e-6 + 1e-5 |n|`. float32 (for backends without float64): a
 * larger step so that rounding in the forward values (~1e-7 relative) does not swamp the
 * difference, and a correspondingly looser tolerance.
 */
export const GRAD_CHECK: Record<FloatDType, GradCheckSettings> = {
  float64: { eps: 1e-6, tol: { atol: 1e-6, rtol: 1e-5 } },
  float32: { eps: 1e-2, tol: { atol: 3e-3, rtol: 3e-2 } },
};

export interface GradCheckOptions {
  dtype: FloatDType;
  seed?: number;
  /** Override the dtype's step and tolerance. */
  settings?: GradCheckSettings;
  /** Label for failure messages. */
  what?: string;
}

export type GradFn = (...xs: Tensor[]) => Tensor | readonly (Tensor | null)[];

function outputsOf(f: GradFn, xs: Tensor[]): Tensor[] {
  const r = f(...xs);
  return (Array.isArray(r) ? r : [r]).filter((t): t is Tensor => t !== null);
}

/** Check the autodiff gradient of every input of `f` against central differences. */
export function checkGradients(backend: Backend, f: GradFn, inputs: readonly Host[], options: GradCheckOptions): void {
  const { dtype } = options;
  const { eps, tol } = options.settings ?? GRAD_CHECK[dtype];
  const what = options.what ?? 'gradient';
  const r = rng(options.seed ?? 1234);
  const values = inputs.map((h) => Float64Array.from(h.data, (v) => roundTo(dtype, v)));

  // analytic
  const leaves = inputs.map((h, i) => {
    const t = make(backend, values[i]!, h.shape, dtype);
    t.requiresGrad = true;
    return t;
  });
  const outs = outputsOf(f, leaves);
  const weights = outs.map((o) => randomValues(r, o.size));
  const weightTensors = outs.map((o, k) => make(backend, weights[k]!, o.shape, dtype));
  const loss = outs.map((o, k) => sum(mul(o, weightTensors[k]!))).reduce((s, t) => add(s, t));
  const analytic = grad(loss, leaves).map((g, i) => (g ? Float64Array.from(g.data()) : new Float64Array(values[i]!.length)));

  // numeric
  const lossAt = (vals: Float64Array[]): number =>
    noGrad(() =>
      tidy(() => {
        const xs = inputs.map((h, i) => make(backend, vals[i]!, h.shape, dtype));
        let total = 0;
        outputsOf(f, xs).forEach((o, k) => {
          const d = o.data();
          const w = weights[k]!;
          for (let j = 0; j < d.length; j++) total += d[j]! * w[j]!;
        });
        return total;
      }),
    );
  inputs.forEach((h, i) => {
    const numeric = new Float64Array(h.data.length);
    const vals = values.map((v) => Float64Array.from(v));
    const row = vals[i]!;
    for (let j = 0; j < row.length; j++) {
      const x = values[i]![j]!;
      const xp = roundTo(dtype, x + eps);
      const xm = roundTo(dtype, x - eps);
      row[j] = xp;
      const lp = lossAt(vals);
      row[j] = xm;
      const lm = lossAt(vals);
      row[j] = x;
      numeric[j] = (lp - lm) / (xp - xm);
    }
    expectClose(analytic[i]!, numeric, tol, `${what}: d loss / d input ${i} [${h.shape}] (autodiff vs central differences, ${dtype})`);
  });
}
