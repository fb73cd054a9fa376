/**
 * Whether a series repeats with period `m`, judged on its first differences (so a trend does not
 * pass for a season): the autocorrelation at lag `m` must exceed the 90% one-sided bound
 * `1.645·sqrt((1 + 2·Σ_{k<m} r_k²) / n)` — the seasonality test of the M4 competition's
 * benchmarks, applied to the changes rather than the levels. Only steps `[0, end)` are read.
 */
export function isSeasonal(y: ArrayLike<number>, end: number, m: number): { seasonal: boolean; acf: number; bound: number } {
  const d: number[] = [];
  for (let t = 1; t < end; t++) d.push(y[t]! - y[t - 1]!);
  const n = d.length;
  if (m < 2 || n < 3 * m) return { seasonal: false, acf: NaN, bound: NaN };
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const c0 = d.reduce((a, b) => a + (b - mean) ** 2, 0);
  if (!(c0 > 0)) return { seasonal: false, acf: 0, bound: 0 };
  const r = (k: number) => {
    let s = 0;
    for (let t = k; t < n; t++) s += (d[t]! - mean) * (d[t - k]! - mean);
    return s / c0;
  };
  let sq = 0;
  for (let k = 1; k < m; k++) sq += r(k) ** 2;
  const acf = r(m);
  const bound = 1.645 * Math.sqrt((1 + 2 * sq) / n);
  return { seasonal: acf > bound, acf, bound };
}
