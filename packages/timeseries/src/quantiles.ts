import { abs, add, cast, maximum, mean, mul, square, sub, tensor, type Tensor } from '@rnn/core';

/**
 * The quantiles a forecaster's output heads predict when it gives intervals: the 10 % and 90 %
 * bounds (an 80 % central interval) around the median. The output layer then has 3·H units:
 * H for each quantile, in this order.
 */
export const QUANTILES = [0.1, 0.5, 0.9] as const;

/** The interval's nominal coverage. */
export const INTERVAL_LEVEL = QUANTILES[2] - QUANTILES[0];

/**
 * The loss of a network with quantile heads, on targets tiled once per quantile (`[B, 3H]`): the
 * median head keeps the member's point loss (`mse` or `mae`, as without heads, so that the point
 * forecast is trained as before) and the 10/90 % heads the pinball loss
 * `max(q·d, (q−1)·d)`, d = target − prediction, whose minimiser is the q-quantile (Koenker &
 * Bassett 1978).
 */
export function quantileLoss(horizon: number, point: 'mse' | 'mae'): (pred: Tensor, target: Tensor) => Tensor {
  const n = QUANTILES.length * horizon;
  const q = new Float32Array(n);
  const tail = new Float32Array(n);
  const mid = new Float32Array(n);
  QUANTILES.forEach((v, k) => {
    for (let h = 0; h < horizon; h++) {
      q[k * horizon + h] = v;
      (v === 0.5 ? mid : tail)[k * horizon + h] = 1;
    }
  });
  return (pred, target) => {
    const c = (a: Float32Array) => tensor(a, [1, n], { dtype: pred.dtype, backend: pred.backend });
    const d = sub(cast(target, pred.dtype), pred);
    const qt = c(q);
    const pin = maximum(mul(d, qt), mul(d, sub(qt, 1)));
    const centre = point === 'mse' ? square(d) : abs(d);
    return mean(add(mul(pin, c(tail)), mul(centre, c(mid))));
  };
}

/** Targets `[B, H]` tiled to `[B, 3H]`, one copy per quantile head. */
export function tileTargets(y: Float32Array, rows: number, horizon: number): Float32Array {
  const k = QUANTILES.length;
  const out = new Float32Array(rows * horizon * k);
  for (let b = 0; b < rows; b++) for (let j = 0; j < k; j++) out.set(y.subarray(b * horizon, (b + 1) * horizon), (b * k + j) * horizon);
  return out;
}
