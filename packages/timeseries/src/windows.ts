import { tensor, type Tensor } from '@rnn/core';
import { scale, type Scaler } from './scaler.js';

/**
 * Model inputs for forecast origins: `[origins, window, features]`, the scaled (differenced)
 * values of every column at steps `t-window+1 .. t`.
 */
export function inputWindows(z: readonly Float64Array[], scaler: Scaler, ts: readonly number[], window: number): Float32Array {
  const F = z.length;
  const x = new Float32Array(ts.length * window * F);
  ts.forEach((t, b) => {
    for (let s = 0; s < window; s++) {
      for (let k = 0; k < F; k++) x[(b * window + s) * F + k] = scale(scaler, k, z[k]![t - window + 1 + s]!);
    }
  });
  return x;
}

/** Targets `[origins, horizon]`: the scaled (differenced) target at `t+1 .. t+horizon` (column 0). */
export function targetWindows(z0: Float64Array, scaler: Scaler, ts: readonly number[], horizon: number): Float32Array {
  const y = new Float32Array(ts.length * horizon);
  ts.forEach((t, b) => {
    for (let h = 1; h <= horizon; h++) y[b * horizon + h - 1] = scale(scaler, 0, z0[t + h]!);
  });
  return y;
}

export function windowTensors(z: readonly Float64Array[], scaler: Scaler, ts: readonly number[], window: number, horizon: number): [Tensor, Tensor] {
  return [
    tensor(inputWindows(z, scaler, ts, window), [ts.length, window, z.length]),
    tensor(targetWindows(z[0]!, scaler, ts, horizon), [ts.length, horizon]),
  ];
}
