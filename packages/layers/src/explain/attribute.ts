import { z } from 'zod';
import { ValueError, grad, noGrad, parseOptions, schemas, sum, tensor, type FloatDType, type Backend, type Tensor } from '@rnn/core';

/**
 * Attributions of a model's output to its input steps and features, for any model written as a
 * function `f` from a batch of inputs `[N, T, F]` to one number per row `[N]` (rows independent,
 * as every rnn model's are). Batched: integrated gradients and occlusion stack all their
 * interpolated / occluded copies into large batches, so every backend runs them as ordinary
 * forward and backward passes (the fused kernels included). The bookkeeping happens on the host in
 * float64; `f` runs on the input's backend.
 *
 * `rows[i]` tells `f` which original row the stacked row `i` is a copy of, so it can pick that
 * row's lengths and target.
 */
export type ScalarFn = (x: Tensor, rows: readonly number[]) => Tensor;

/** Host copy of an input: data, shape `[B, ...rest]`, dtype and backend. */
export interface HostInput {
  data: Float64Array;
  shape: readonly number[];
  dtype: FloatDType;
  backend: Backend;
}

export function hostInput(x: Tensor): HostInput {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new ValueError(`attributions: the input must be float32 or float64, found ${x.dtype}`);
  return { data: Float64Array.from(x.data()), shape: x.shape, dtype: x.dtype, backend: x.backend };
}

const rowSize = (shape: readonly number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

/** f over stacked host rows, in chunks of at most `maxRows`; returns values and (optionally) input gradients. */
function evaluate(f: ScalarFn, like: HostInput, data: Float64Array, rows: number[], maxRows: number, withGrad: boolean): { out: Float64Array; grad: Float64Array | null } {
  const per = rowSize(like.shape);
  const out = new Float64Array(rows.length);
  const g = withGrad ? new Float64Array(rows.length * per) : null;
  for (let s = 0; s < rows.length; s += maxRows) {
    const n = Math.min(maxRows, rows.length - s);
    const chunk = data.subarray(s * per, (s + n) * per);
    const x = tensor(like.dtype === 'float32' ? Float32Array.from(chunk) : Float64Array.from(chunk), [n, ...like.shape.slice(1)], { dtype: like.dtype, backend: like.backend });
    const r = rows.slice(s, s + n);
    if (withGrad) {
      x.requiresGrad = true;
      const y = f(x, r);
      out.set(y.data(), s);
      const [dx] = grad(sum(y), [x]);
      if (dx) g!.set(dx.data(), s * per);
    } else {
      out.set(noGrad(() => f(x, r)).data(), s);
    }
  }
  return { out, grad: g };
}

const common = {
  /** Stacked rows per forward pass (memory bound). */
  maxRows: schemas.positiveInt().optional(),
};
const igOptions = z.strictObject({
  ...common,
  /** Quadrature points (Gauss–Legendre). */
  steps: schemas.positiveInt().optional(),
  /** Same shape as x; zeros when omitted. */
  baseline: z.instanceof(Float64Array).optional(),
});
const occlusionOptions = z.strictObject({
  ...common,
  /** Time steps occluded at once (axis 1), and the step between windows (default: the window). */
  window: schemas.positiveInt().optional(),
  stride: schemas.positiveInt().optional(),
  /** Same shape as x; zeros when omitted. */
  baseline: z.instanceof(Float64Array).optional(),
});
export type IntegratedGradientsOptions = z.infer<typeof igOptions>;
export type OcclusionOptions = z.infer<typeof occlusionOptions>;

/** The default number of integrated-gradient steps: with Gauss–Legendre points the completeness
 * error stays well under 1 % on the trained models we checked (docs/explain.md gives the figures). */
export const DEFAULT_IG_STEPS = 32;
const DEFAULT_MAX_ROWS = 4096;

export interface Attribution {
  /** Same shape as x. */
  attributions: Float64Array;
  shape: readonly number[];
  /** f(x) per row. */
  output: Float64Array;
}

export interface IntegratedGradients extends Attribution {
  /** f(baseline) per row. */
  baselineOutput: Float64Array;
  /** Per row |Σ a − (f(x) − f(baseline))| / max(|f(x) − f(baseline)|, Σ |a|): how far the
   *  attributions miss completeness, relative to what they explain. */
  completenessError: Float64Array;
  steps: number;
}

/** Gradient × input: `x ⊙ ∂f/∂x`, one backward pass. */
export function gradientTimesInput(f: ScalarFn, x: Tensor, options: { maxRows?: number } = {}): Attribution {
  parseOptions(z.strictObject(common), options, 'gradientTimesInput');
  const h = hostInput(x);
  const B = h.shape[0]!;
  const { out, grad: g } = evaluate(f, h, h.data, range(B), options.maxRows ?? DEFAULT_MAX_ROWS, true);
  const a = new Float64Array(h.data.length);
  for (let i = 0; i < a.length; i++) a[i] = h.data[i]! * g![i]!;
  return { attributions: a, shape: h.shape, output: out };
}

/**
 * Integrated gradients (Sundararajan et al. 2017): `(x − b) ⊙ ∫₀¹ ∂f/∂x(b + α(x − b)) dα`, the
 * integral by Gauss–Legendre quadrature (as Captum's default), all points of all rows stacked into
 * batches. Completeness — the attributions sum to f(x) − f(b) — is checked and returned per row.
 */
export function integratedGradients(f: ScalarFn, x: Tensor, options: IntegratedGradientsOptions = {}): IntegratedGradients {
  parseOptions(igOptions, options, 'integratedGradients');
  const h = hostInput(x);
  const B = h.shape[0]!;
  const per = rowSize(h.shape);
  const m = options.steps ?? DEFAULT_IG_STEPS;
  const base = options.baseline ?? new Float64Array(h.data.length);
  if (base.length !== h.data.length) throw new ValueError(`integratedGradients: the baseline has ${base.length} values, expected ${h.data.length} (the shape of x)`);
  const [nodes, weights] = gaussLegendre(m);
  const stacked = new Float64Array(m * B * per);
  const rows: number[] = [];
  for (let k = 0; k < m; k++) {
    for (let i = 0; i < B * per; i++) stacked[k * B * per + i] = base[i]! + nodes[k]! * (h.data[i]! - base[i]!);
    for (let b = 0; b < B; b++) rows.push(b);
  }
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const { grad: g } = evaluate(f, h, stacked, rows, maxRows, true);
  const ends = evaluate(f, h, concat64(h.data, base), [...range(B), ...range(B)], maxRows, false).out;
  const a = new Float64Array(B * per);
  for (let k = 0; k < m; k++) for (let i = 0; i < B * per; i++) a[i] += weights[k]! * g![k * B * per + i]!;
  for (let i = 0; i < B * per; i++) a[i] *= h.data[i]! - base[i]!;
  const output = ends.slice(0, B);
  const baselineOutput = ends.slice(B);
  const completenessError = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    let mass = 0;
    for (let i = b * per; i < (b + 1) * per; i++) {
      s += a[i]!;
      mass += Math.abs(a[i]!);
    }
    const delta = output[b]! - baselineOutput[b]!;
    // relative to the larger of |f(x) − f(b)| and the attributions' own mass: when the two ends
    // nearly agree, |Δ| alone would turn a rounding error into a huge "relative" one
    completenessError[b] = Math.abs(s - delta) / Math.max(Math.abs(delta), mass, 1e-12);
  }
  return { attributions: a, shape: h.shape, output, baselineOutput, completenessError, steps: m };
}

export interface Occlusion {
  /** `[B, windows]`: f(x) − f(x with the window's steps replaced by the baseline's). */
  scores: Float64Array;
  /** First time step of each window. */
  starts: number[];
  window: number;
  output: Float64Array;
}

/** Occlusion of time windows (axis 1): how much the output drops when a window is blanked out. */
export function occlusion(f: ScalarFn, x: Tensor, options: OcclusionOptions = {}): Occlusion {
  parseOptions(occlusionOptions, options, 'occlusion');
  const h = hostInput(x);
  const [B, T] = h.shape as [number, number];
  const per = rowSize(h.shape);
  const F = per / T;
  const w = options.window ?? 1;
  const stride = options.stride ?? w;
  if (w > T) throw new ValueError(`occlusion: the window (${w} steps) is longer than the sequence (${T} steps); use --window ${T} or less`);
  const base = options.baseline ?? new Float64Array(h.data.length);
  const starts: number[] = [];
  for (let t = 0; t + w <= T; t += stride) starts.push(t);
  const W = starts.length;
  const stacked = new Float64Array((W + 1) * B * per);
  const rows: number[] = [];
  starts.forEach((t0, k) => {
    stacked.set(h.data, k * B * per);
    for (let b = 0; b < B; b++) {
      const o = k * B * per + b * per + t0 * F;
      stacked.set(base.subarray(b * per + t0 * F, b * per + (t0 + w) * F), o);
      rows.push(b);
    }
  });
  stacked.set(h.data, W * B * per);
  rows.push(...range(B));
  const { out } = evaluate(f, h, stacked, rows, options.maxRows ?? DEFAULT_MAX_ROWS, false);
  const output = out.slice(W * B);
  const scores = new Float64Array(B * W);
  for (let b = 0; b < B; b++) for (let k = 0; k < W; k++) scores[b * W + k] = output[b]! - out[k * B + b]!;
  return { scores, starts, window: w, output };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function concat64(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Gauss–Legendre nodes and weights on [0, 1] (Newton on the Legendre polynomial). */
export function gaussLegendre(m: number): [Float64Array, Float64Array] {
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= m; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      if (m === 1) p1 = z;
      dp = (m * (z * p1 - (m === 1 ? 1 : p0))) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    nodes[i] = (1 - z) / 2;
    weights[i] = 1 / ((1 - z * z) * dp * dp);
  }
  return [nodes, weights];
}
