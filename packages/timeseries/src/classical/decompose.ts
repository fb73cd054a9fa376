import { ValueError } from '@rnn/core';
/**
 * Classical seasonal decomposition as R's `decompose(x, type = 'multiplicative')`, which the M4
 * competition's Theta benchmark uses to deseasonalise: a centred moving average of one season
 * (weights 1/(2m), 1/m … 1/m, 1/(2m) for an even m) is the trend; the mean of `y / trend` at each
 * position of the season, normalised to average 1, is the seasonal index. Positions count from
 * the first value.
 */
export function seasonalIndices(y: readonly number[], m: number, type: 'multiplicative' | 'additive' = 'multiplicative'): number[] {
  const n = y.length;
  if (m < 2 || n < 2 * m) throw new ValueError(`a seasonal decomposition with period ${m} needs at least ${2 * m} values, found ${n}`);
  const half = Math.floor(m / 2);
  const sums = new Array<number>(m).fill(0);
  const counts = new Array<number>(m).fill(0);
  for (let t = half; t < n - half; t++) {
    let s = 0;
    if (m % 2 === 0) {
      s = (y[t - half]! + y[t + half]!) / 2;
      for (let k = -half + 1; k < half; k++) s += y[t + k]!;
    } else for (let k = -half; k <= half; k++) s += y[t + k]!;
    const trend = s / m;
    sums[t % m]! += type === 'multiplicative' ? y[t]! / trend : y[t]! - trend;
    counts[t % m]! += 1;
  }
  const fig = sums.map((s, i) => s / counts[i]!);
  const mean = fig.reduce((a, b) => a + b, 0) / m;
  return type === 'multiplicative' ? fig.map((f) => f / mean) : fig.map((f) => f - mean);
}

/**
 * The M4 benchmarks' seasonality test on the levels: the autocorrelation at lag m exceeds in
 * absolute value its 90 % bound `1.645·sqrt((1 + 2·Σ_{k<m} r_k²) / n)`; never with fewer than 3m
 * values. (`isSeasonal` runs the same test on the changes, to choose what a network predicts.)
 */
export function m4SeasonalityTest(y: readonly number[], m: number): boolean {
  const n = y.length;
  if (m < 2 || n < 3 * m) return false;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const c0 = y.reduce((a, b) => a + (b - mean) ** 2, 0);
  if (!(c0 > 0)) return false;
  const r = (k: number) => {
    let s = 0;
    for (let t = k; t < n; t++) s += (y[t]! - mean) * (y[t - k]! - mean);
    return s / c0;
  };
  let sq = 0;
  for (let k = 1; k < m; k++) sq += r(k) ** 2;
  return Math.abs(r(m)) > (1.645 * Math.sqrt(1 + 2 * sq)) / Math.sqrt(n);
}
