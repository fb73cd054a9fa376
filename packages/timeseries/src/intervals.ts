/**
 * Interval scores. The mean scaled interval score of the M4 competition (Makridakis et al. 2020):
 * for a central (1 − a) interval [L, U],
 *   MSIS = mean over points of [ (U − L) + (2/a)(L − y)·1{y < L} + (2/a)(y − U)·1{y > U} ] / scale,
 * `scale` the same in-sample seasonal-naive MAE as MASE's. Narrow intervals that still cover score low.
 */
export function msis(actual: readonly number[], lower: readonly number[], upper: readonly number[], level: number, scale: number): number {
  const a = 1 - level;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    const l = lower[i]!;
    const u = upper[i]!;
    s += u - l + (y < l ? (2 / a) * (l - y) : 0) + (y > u ? (2 / a) * (y - u) : 0);
  }
  return scale > 0 ? s / actual.length / scale : NaN;
}

/** The fraction of actual values inside [lower, upper]. */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  let k = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lower[i]! && actual[i]! <= upper[i]!) k++;
  return k / actual.length;
}

/** The pinball (quantile) loss of forecasting quantile q with `pred`. */
export function pinball(actual: readonly number[], pred: readonly number[], q: number): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = actual[i]! - pred[i]!;
    s += Math.max(q * d, (q - 1) * d);
  }
  return s / actual.length;
}
