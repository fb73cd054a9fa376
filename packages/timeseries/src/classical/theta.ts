import { ValueError } from '@rnn/core';
import { seasonalIndices, m4SeasonalityTest } from './decompose.js';
import { normalQuantile } from './normal.js';
import { ses } from './ses.js';

/** A forecast `horizon` steps past the end of a series, with a central prediction interval. */
export interface IntervalForecast {
  mean: number[];
  lower: number[];
  upper: number[];
  /** The interval's nominal coverage, e.g. 0.8. */
  level: number;
}

export interface ClassicalOptions {
  /** The seasonal period (1: none). */
  season: number;
  horizon: number;
  /** Nominal coverage of the interval (default 0.8). */
  level?: number;
}

/**
 * The deseasonalised series of the M4 benchmarks: divided by the multiplicative seasonal indices
 * when the M4 seasonality test passes (and every value is positive, which dividing needs), else
 * unchanged; `index(t)` is the factor of step t, past the end too.
 */
export function deseasonalise(y: readonly number[], m: number): { values: number[]; index: (t: number) => number; seasonal: boolean } {
  const seasonal = m > 1 && y.every((v) => v > 0) && m4SeasonalityTest(y, m);
  if (!seasonal) return { values: [...y], index: () => 1, seasonal };
  const idx = seasonalIndices(y, m);
  const index = (t: number) => idx[t % m]!;
  return { values: y.map((v, t) => v / index(t)), index, seasonal };
}

export interface ThetaFit extends IntervalForecast {
  alpha: number;
  /** Slope of the linear trend (theta line 0), per step, on the deseasonalised series. */
  slope: number;
  seasonal: boolean;
}

/**
 * The Theta method as the M4 competition's benchmark implements it (Assimakopoulos & Nikolopoulos
 * 2000; `Theta.classic` in the M4 benchmarks' R code): deseasonalise (see `deseasonalise`), then
 * average two "theta lines" — line 0, the least-squares linear trend extrapolated, and line 2,
 * `2·y − line0` forecast by simple exponential smoothing — and reseasonalise. It equals SES with a
 * drift of half the trend's slope (Hyndman & Billah 2003), so the interval is SES's:
 * `±z·σ·sqrt(1 + alpha²(h−1))` around the deseasonalised forecast, σ the RMS of the in-sample
 * one-step errors of the combined forecast, scaled by the seasonal index like the forecast.
 */
export function theta(y: readonly number[], o: ClassicalOptions): ThetaFit {
  const n = y.length;
  if (n < 3) throw new ValueError(`the Theta method needs at least 3 values, found ${n}`);
  const level = o.level ?? 0.8;
  const d = deseasonalise(y, o.season);
  const x = d.values;
  // least squares of x on t = 1..n
  const tMean = (n + 1) / 2;
  const xMean = x.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 1; t <= n; t++) {
    sxy += (t - tMean) * (x[t - 1]! - xMean);
    sxx += (t - tMean) ** 2;
  }
  const slope = sxy / sxx;
  const line0 = (t: number) => xMean + slope * (t - tMean);
  const line2 = x.map((v, i) => 2 * v - line0(i + 1));
  const s = ses(line2);
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (x[i]! - 0.5 * (s.fitted[i]! + line0(i + 1))) ** 2;
  const sigma = Math.sqrt(sq / n);
  const z = normalQuantile(0.5 + level / 2);
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 1; h <= o.horizon; h++) {
    const f = 0.5 * s.level + 0.5 * line0(n + h);
    const w = z * sigma * Math.sqrt(1 + s.alpha ** 2 * (h - 1));
    const k = d.index(n - 1 + h);
    mean.push(f * k);
    lower.push((f - w) * k);
    upper.push((f + w) * k);
  }
  return { mean, lower, upper, level, alpha: s.alpha, slope, seasonal: d.seasonal };
}

/** SES on the deseasonalised series (M4's "SES" benchmark), with its Gaussian interval. */
export function sesForecast(y: readonly number[], o: ClassicalOptions): IntervalForecast & { alpha: number } {
  const level = o.level ?? 0.8;
  const d = deseasonalise(y, o.season);
  const s = ses(d.values);
  const sigma = Math.sqrt(s.sse / y.length);
  const z = normalQuantile(0.5 + level / 2);
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 1; h <= o.horizon; h++) {
    const w = z * sigma * Math.sqrt(1 + s.alpha ** 2 * (h - 1));
    const k = d.index(y.length - 1 + h);
    mean.push(s.level * k);
    lower.push((s.level - w) * k);
    upper.push((s.level + w) * k);
  }
  return { mean, lower, upper, level, alpha: s.alpha };
}

/**
 * Naive and seasonal naive from the end of the series with the intervals of Hyndman &
 * Athanasopoulos (FPP3, table 5.2): σ the RMS of the in-sample one-step (lag 1 or lag m) errors,
 * widened by `sqrt(h)` for naive and `sqrt(⌊(h−1)/m⌋ + 1)` for seasonal naive.
 */
export function naiveForecast(y: readonly number[], o: ClassicalOptions & { seasonal?: boolean }): IntervalForecast {
  const level = o.level ?? 0.8;
  const m = o.seasonal ? o.season : 1;
  const n = y.length;
  if (n <= m) throw new ValueError(`a ${m > 1 ? 'seasonal ' : ''}naive interval needs more than ${m} values, found ${n}`);
  let sq = 0;
  for (let t = m; t < n; t++) sq += (y[t]! - y[t - m]!) ** 2;
  const sigma = Math.sqrt(sq / (n - m));
  const z = normalQuantile(0.5 + level / 2);
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 1; h <= o.horizon; h++) {
    const f = y[n - 1 + h - m * Math.ceil(h / m)]!;
    const w = z * sigma * Math.sqrt(m > 1 ? Math.floor((h - 1) / m) + 1 : h);
    mean.push(f);
    lower.push(f - w);
    upper.push(f + w);
  }
  return { mean, lower, upper, level };
}
