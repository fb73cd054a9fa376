import { ConfigError } from '@rnn/core';
import type { Scaler } from './scaler.js';

/**
 * The exponential-smoothing half of Smyl's ES-RNN (the M4 winner, Smyl 2020): per series, a level
 * `l` and multiplicative seasonal indices `s` from Holt-Winters' equations without trend,
 *
 *   l[t]   = α · y[t] / s[t] + (1 − α) · l[t−1]
 *   s[t+m] = γ · y[t] / l[t] + (1 − γ) · s[t]
 *
 * and the network sees the window deseasonalised and divided by the level at its end, in logs:
 * `log(y[t−k] / s[t−k]) − log l[t]`, and predicts `log(y[t+h] / s[t+h]) − log l[t]` (the residual
 * the smoothing leaves). The forecast is `exp(output) · l[t] · s[t+h]`. Unlike Smyl's, α and γ are
 * not learned with the network: they are fitted first, by a grid on the training part's one-step
 * errors, and fixed. Positive series only (multiplicative).
 */
export interface EsParams {
  alpha: number;
  gamma: number;
}

export interface EsState {
  level: Float64Array;
  /** `s[t]` for t < n + m: `s[t]` uses the values up to t − m only. */
  seasonal: Float64Array;
  season: number;
}

/** The smoothing run over a positive series: the first season initialises the indices (relative to its mean) and the level. */
export function esFilter(y: ArrayLike<number>, season: number, p: EsParams): EsState {
  const n = y.length;
  const m = Math.max(1, season);
  const seasonal = new Float64Array(n + m);
  let mean = 0;
  for (let i = 0; i < m; i++) mean += y[Math.min(i, n - 1)]! / m;
  for (let i = 0; i < m; i++) seasonal[i] = m === 1 ? 1 : y[Math.min(i, n - 1)]! / mean;
  const level = new Float64Array(n);
  level[0] = y[0]! / seasonal[0]!;
  seasonal[m] = m === 1 ? 1 : p.gamma * (y[0]! / level[0]!) + (1 - p.gamma) * seasonal[0]!;
  for (let t = 1; t < n; t++) {
    level[t] = (p.alpha * y[t]!) / seasonal[t]! + (1 - p.alpha) * level[t - 1]!;
    seasonal[t + m] = m === 1 ? 1 : (p.gamma * y[t]!) / level[t]! + (1 - p.gamma) * seasonal[t]!;
  }
  return { level, seasonal, season: m };
}

/** The index for step `t` as known at origin `T`: `s[t]` when computed from values up to T, else the latest of its phase that is. */
export function seasonalAt(s: EsState, T: number, t: number): number {
  let k = t;
  while (k - s.season > T) k -= s.season;
  return s.seasonal[k]!;
}

/** α and γ with the lowest one-step squared log error over steps `[season, train)`; a coarse grid. */
export function fitEs(y: ArrayLike<number>, season: number, train: number): EsParams {
  let best: EsParams & { e: number } = { alpha: 0.5, gamma: 0.1, e: Infinity };
  const gammas = season > 1 ? [0.01, 0.05, 0.1, 0.2, 0.3, 0.5] : [0];
  for (const alpha of [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) {
    for (const gamma of gammas) {
      const s = esFilter(Array.from({ length: train }, (_, i) => y[i]!), season, { alpha, gamma });
      let e = 0;
      for (let t = Math.max(1, season); t < train; t++) e += (Math.log(y[t]!) - Math.log(s.level[t - 1]! * s.seasonal[t]!)) ** 2;
      if (e < best.e) best = { alpha, gamma, e };
    }
  }
  return { alpha: best.alpha, gamma: best.gamma };
}

/** Refuse a series the multiplicative smoothing cannot read. */
export function checkPositive(y: ArrayLike<number>, transformFlag: string): void {
  for (let i = 0; i < y.length; i++) {
    if (!(y[i]! > 0)) throw new ConfigError(`${transformFlag} es smooths multiplicatively and needs positive values; value ${i + 1} is ${y[i]}; use ${transformFlag} seasonal or diff`);
  }
}

/** Inputs `[origins, window, 1]` and (if `horizon`) targets `[origins, horizon]`, scaled, for origins `ts`. */
export function esWindows(y: ArrayLike<number>, s: EsState, scaler: Scaler, ts: readonly number[], window: number, horizon: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(ts.length * window);
  const out = new Float32Array(ts.length * horizon);
  const sc = (v: number) => (v - scaler.mean[0]!) / scaler.std[0]!;
  ts.forEach((T, b) => {
    const l = Math.log(s.level[T]!);
    for (let k = 0; k < window; k++) {
      const t = T - window + 1 + k;
      x[b * window + k] = sc(Math.log(y[t]! / s.seasonal[t]!) - l);
    }
    for (let h = 1; h <= horizon && T + h < y.length; h++) out[b * horizon + h - 1] = sc(Math.log(y[T + h]! / seasonalAt(s, T, T + h)) - l);
  });
  return { x, y: out };
}

/** The scale of the residuals: the sd of the one-step log errors over the training part (mean 0: the level is the centre). */
export function esScaler(y: ArrayLike<number>, s: EsState, train: number): Scaler {
  let v = 0;
  let n = 0;
  for (let t = Math.max(1, s.season); t < train; t++) {
    v += (Math.log(y[t]! / s.seasonal[t]!) - Math.log(s.level[t - 1]!)) ** 2;
    n++;
  }
  const sd = Math.sqrt(v / Math.max(1, n));
  return { mean: [0], std: [sd > 1e-9 ? sd : 1] };
}
