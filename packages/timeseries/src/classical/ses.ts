import { ValueError } from '@rnn/core';
/**
 * Simple exponential smoothing (ETS(A,N,N)), fitted as `forecast::ses` does: the smoothing
 * weight `alpha` and the initial level `l0` that minimise the in-sample one-step squared error.
 *
 *   ŷ[t|t-1] = l[t-1],   l[t] = alpha·y[t] + (1 - alpha)·l[t-1]
 *
 * For a fixed `alpha` every one-step forecast is linear in `l0` (its weight in `l[t-1]` is
 * `(1-alpha)^t`), so the best `l0` is a closed-form least-squares fit and only `alpha` needs a
 * search: a grid over [1e-4, 0.9999] (the SSE need not be unimodal), refined by golden section.
 */
export interface SesFit {
  alpha: number;
  l0: number;
  /** The level after the last value: the forecast for every step ahead. */
  level: number;
  /** One-step in-sample forecasts `ŷ[t|t-1]`, t = 0..n-1. */
  fitted: number[];
  /** Sum of squared one-step errors. */
  sse: number;
}

export const ALPHA_MIN = 1e-4;
export const ALPHA_MAX = 0.9999;

/** The best `l0` for this `alpha` and the fit that follows from it. */
export function sesWithAlpha(y: readonly number[], alpha: number): SesFit {
  const a = 1 - alpha;
  // r[t] = y[t] - (forecast with l0 = 0); the forecast grows by a^t·l0 for l0 ≠ 0
  let part = 0;
  let num = 0;
  let den = 0;
  let w = 1;
  for (let t = 0; t < y.length; t++) {
    const r = y[t]! - part;
    num += r * w;
    den += w * w;
    part = alpha * y[t]! + a * part;
    w *= a;
  }
  const l0 = den > 0 ? num / den : y[0]!;
  const fitted: number[] = [];
  let level = l0;
  let sse = 0;
  for (const v of y) {
    fitted.push(level);
    sse += (v - level) ** 2;
    level = alpha * v + a * level;
  }
  return { alpha, l0, level, fitted, sse };
}

export function ses(y: readonly number[]): SesFit {
  if (y.length < 2) throw new ValueError(`simple exponential smoothing needs at least 2 values, found ${y.length}`);
  const grid = 100;
  const at = (k: number) => ALPHA_MIN + ((ALPHA_MAX - ALPHA_MIN) * k) / grid;
  let bestK = 0;
  let best = sesWithAlpha(y, at(0));
  for (let k = 1; k <= grid; k++) {
    const f = sesWithAlpha(y, at(k));
    if (f.sse < best.sse) [best, bestK] = [f, k];
  }
  // golden section between the grid neighbours of the best grid point
  let lo = at(Math.max(0, bestK - 1));
  let hi = at(Math.min(grid, bestK + 1));
  const g = (Math.sqrt(5) - 1) / 2;
  let c = hi - g * (hi - lo);
  let d = lo + g * (hi - lo);
  let fc = sesWithAlpha(y, c).sse;
  let fd = sesWithAlpha(y, d).sse;
  for (let i = 0; i < 60 && hi - lo > 1e-10; i++) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - g * (hi - lo);
      fc = sesWithAlpha(y, c).sse;
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + g * (hi - lo);
      fd = sesWithAlpha(y, d).sse;
    }
  }
  const refined = sesWithAlpha(y, (lo + hi) / 2);
  return refined.sse < best.sse ? refined : best;
}
