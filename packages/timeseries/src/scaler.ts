import { ValueError } from '@rnn/core';

/** Per-column standardisation `(x - mean) / std`. */
export interface Scaler {
  mean: number[];
  std: number[];
}

/**
 * Fit on steps `[from, to)` of each column only — the training part — so nothing about the
 * validation or test values leaks into the inputs. A constant column gets std 1.
 */
export function fitScaler(columns: readonly Float64Array[], from: number, to: number, names: readonly string[]): Scaler {
  const mean: number[] = [];
  const std: number[] = [];
  columns.forEach((c, k) => {
    let n = 0;
    let s = 0;
    for (let t = from; t < to; t++) if (!Number.isNaN(c[t]!)) (s += c[t]!), n++;
    if (n === 0) throw new ValueError(`column '${names[k]}': no training values to fit the scaler on`);
    const m = s / n;
    let v = 0;
    for (let t = from; t < to; t++) if (!Number.isNaN(c[t]!)) v += (c[t]! - m) ** 2;
    const sd = Math.sqrt(v / n);
    mean.push(m);
    std.push(sd > 1e-12 ? sd : 1);
  });
  return { mean, std };
}

export const scale = (s: Scaler, k: number, x: number): number => (x - s.mean[k]!) / s.std[k]!;
export const unscale = (s: Scaler, k: number, x: number): number => x * s.std[k]! + s.mean[k]!;
