/**
 * The forecasts a model has to beat. From origin `t` (the last observed step):
 *   naive:          ŷ[t+h] = y[t]
 *   seasonal naive: ŷ[t+h] = y[t+h-m·⌈h/m⌉]   (the same season one period back, observed)
 */
export function naive(y: ArrayLike<number>, t: number, horizon: number): number[] {
  return Array.from({ length: horizon }, () => y[t]!);
}

export function seasonalNaive(y: ArrayLike<number>, t: number, horizon: number, m: number): number[] {
  return Array.from({ length: horizon }, (_, i) => y[t + i + 1 - m * Math.ceil((i + 1) / m)]!);
}
