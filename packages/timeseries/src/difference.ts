/**
 * Differencing makes trending series learnable: a network that predicts levels of a series that
 * keeps growing has to extrapolate beyond anything it was trained on, while the change over the
 * seasonal lag (`y[t] - y[t-12]` for monthly data) or over one step stays in a familiar range.
 *
 * `lag` 0 leaves the series as it is; steps before `lag` have no difference and are NaN.
 */
export function difference(y: Float64Array, lag: number): Float64Array {
  if (lag === 0) return Float64Array.from(y);
  const z = new Float64Array(y.length).fill(NaN);
  for (let t = lag; t < y.length; t++) z[t] = y[t]! - y[t - lag]!;
  return z;
}

/**
 * Levels from predicted differences, for origin `t`: `ŷ[t+h] = ẑ[t+h] + y[t+h-lag]`, where the
 * earlier level is observed when `h ≤ lag` and is itself a prediction otherwise.
 */
export function undifference(zhat: readonly number[], y: ArrayLike<number>, t: number, lag: number): number[] {
  const out: number[] = [];
  for (let h = 1; h <= zhat.length; h++) {
    const base = lag === 0 ? 0 : h <= lag ? y[t + h - lag]! : out[h - lag - 1]!;
    out.push(zhat[h - 1]! + base);
  }
  return out;
}
