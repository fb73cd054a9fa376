import { ValueError } from '@rnn/core';

/** Errors of one forecaster over a set of (origin, horizon) points, in the series' own units. */
export interface Scores {
  mae: number;
  rmse: number;
  /** NaN (null in JSON) when the scale is zero: see `maseScale`. */
  mase: number;
}

export function mae(actual: readonly number[], pred: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i]! - pred[i]!);
  return s / actual.length;
}

export function rmse(actual: readonly number[], pred: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (actual[i]! - pred[i]!) ** 2;
  return Math.sqrt(s / actual.length);
}

/**
 * The MASE denominator: the mean absolute error of the in-sample seasonal naive forecast,
 * `mean |y[t] - y[t-m]|` over `t = m .. n-1` of the series before the test window (Hyndman &
 * Koehler 2006; with the seasonal lag as in the M4 competition; m = 1 gives the classic one-step naive).
 * Zero for a series that repeats exactly with the season: MASE is then undefined, which `scores`
 * reports as NaN (n/a) — an evaluation must not fail a run whose model is trained and written.
 */
export function seasonalNaiveMae(y: ArrayLike<number>, n: number, m: number): number {
  if (n <= m) throw new ValueError(`MASE needs more than ${m} steps before the test window to scale by, found ${n}`);
  let s = 0;
  for (let t = m; t < n; t++) s += Math.abs(y[t]! - y[t - m]!);
  return s / (n - m);
}

/** `seasonalNaiveMae`, refusing a zero scale. */
export function maseScale(y: ArrayLike<number>, n: number, m: number): number {
  const d = seasonalNaiveMae(y, n, m);
  if (!(d > 0)) throw new ValueError(`MASE is undefined: the series before the test window does not change over lag ${m}`);
  return d;
}

export function scores(actual: readonly number[], pred: readonly number[], scale: number): Scores {
  const a = mae(actual, pred);
  return { mae: a, rmse: rmse(actual, pred), mase: scale > 0 ? a / scale : NaN };
}
