import { ConfigError, tensor } from '@rnn/core';
import type { Sequential } from '@rnn/layers';
import { difference, undifference } from './difference.js';
import type { TimeseriesMeta } from './meta.js';
import { unscale } from './scaler.js';
import { inputWindows } from './windows.js';

/**
 * The model's forecasts, in original units, from each origin `t` (its last observed step):
 * `[origins][horizon]`. The network predicts the scaled difference; it is unscaled and added back
 * to the observed (or, beyond one lag, predicted) level.
 */
export function predictFrom(model: Sequential, meta: TimeseriesMeta, values: readonly Float64Array[], ts: readonly number[]): number[][] {
  if (ts.length === 0) return [];
  const z = values.map((c) => difference(c, meta.lag));
  const x = tensor(inputWindows(z, meta.scaler, ts, meta.window), [ts.length, meta.window, values.length]);
  const out = model.predict(x, { batchSize: 512 }).data();
  const H = meta.horizon;
  return ts.map((t, b) => {
    const zhat = Array.from({ length: H }, (_, h) => unscale(meta.scaler, 0, out[b * H + h]!));
    return undifference(zhat, values[0]!, t, meta.lag);
  });
}

/**
 * `steps` values after the end of the series. Up to `horizon` steps come straight from one
 * forward pass; beyond that the forecasts are appended to the series and the model is run again
 * from the new end (recursive), which needs the target to be the only input column.
 */
export function forecastAhead(model: Sequential, meta: TimeseriesMeta, values: readonly Float64Array[], steps: number): number[] {
  if (steps > meta.horizon && values.length > 1) {
    throw new ConfigError(
      `--steps ${steps} is beyond the model's horizon (${meta.horizon}), and forecasting further needs future values of ` +
        `${meta.columns.slice(1).map((c) => `'${c}'`).join(', ')}, which are not known; use --steps ${meta.horizon} or train with only --target`,
    );
  }
  const y = Array.from(values[0]!);
  const out: number[] = [];
  let cols = values;
  while (out.length < steps) {
    const t = y.length - 1;
    const next = predictFrom(model, meta, cols, [t])[0]!;
    for (const v of next.slice(0, steps - out.length)) {
      out.push(v);
      y.push(v);
    }
    cols = [Float64Array.from(y)];
  }
  return out;
}
