import { ConfigError, ValueError, tensor } from '@rnn/core';
import { esFilter, esWindows, seasonalAt } from './es.js';
import type { Sequential } from '@rnn/layers';
import { difference, undifference } from './difference.js';
import type { TimeseriesMeta } from './meta.js';
import { scale, unscale } from './scaler.js';
import { inputWindows } from './windows.js';

/**
 * The model's forecasts, in original units, from each origin `t` (its last observed step):
 * `[origins][horizon]`. The network predicts the scaled difference; it is unscaled and added back
 * to the observed (or, beyond one lag, predicted) level.
 */
export function predictFrom(model: Sequential, meta: TimeseriesMeta, values: readonly Float64Array[], ts: readonly number[]): number[][] {
  const q = meta.quantiles;
  return predictQuantilesFrom(model, meta, values, ts)[q ? q.indexOf(0.5) : 0]!;
}

/**
 * The forecasts of every output head `[head][origins][horizon]`: one head without quantiles, else
 * one per quantile of `meta.quantiles`. The median head's differences are added back to the
 * observed levels (and past one lag to its own forecasts). A bound head's distance from the median
 * is a difference's; past one lag, the level is a sum of differences along the lag chain
 * (t+h, t+h−lag, …), and the distances add in quadrature, as for independent steps, rather than
 * straight (a sum of 10 % quantiles is far beyond the sum's 10 % quantile).
 */
export function predictQuantilesFrom(model: Sequential, meta: TimeseriesMeta, values: readonly Float64Array[], ts: readonly number[]): number[][][] {
  const q = meta.quantiles ?? [0.5];
  const heads = q.length;
  if (ts.length === 0) return Array.from({ length: heads }, () => []);
  if (meta.strategy === 'recursive') return recursiveQuantiles(model, meta, values[0]!, ts);
  if (meta.transform === 'es') return esQuantiles(model, meta, values[0]!, ts);
  const z = values.map((c) => difference(c, meta.lag));
  const x = tensor(inputWindows(z, meta.scaler, ts, meta.window), [ts.length, meta.window, values.length]);
  const out = model.predict(x, { batchSize: 512 }).data();
  const H = meta.horizon;
  const W = H * heads;
  const mid = q.indexOf(0.5) >= 0 ? q.indexOf(0.5) : 0;
  const zOf = (b: number, k: number) => Array.from({ length: H }, (_, h) => unscale(meta.scaler, 0, out[b * W + k * H + h]!));
  const median = ts.map((t, b) => undifference(zOf(b, mid), values[0]!, t, meta.lag));
  return q.map((p, k) =>
    k === mid
      ? median
      : ts.map((_, b) => {
          const zm = zOf(b, mid);
          const zk = zOf(b, k);
          const sq: number[] = [];
          return zk.map((v, h) => {
            const d = p < 0.5 ? Math.max(0, zm[h]! - v) : Math.max(0, v - zm[h]!);
            // without a transform (lag 0) each step is a level of its own
            sq[h] = d * d + (meta.lag > 0 && h >= meta.lag ? sq[h - meta.lag]! : 0);
            return median[b]![h]! + (p < 0.5 ? -1 : 1) * Math.sqrt(sq[h]!);
          });
        }),
  );
}

/**
 * ES-RNN's forecasts: the network's output is the log residual past the smoothing's level and
 * seasonality, so every head (bounds included: exp is monotone) maps back as `exp(o) · l[t] · s[t+h]`.
 */
function esQuantiles(model: Sequential, meta: TimeseriesMeta, y: Float64Array, ts: readonly number[]): number[][][] {
  const q = meta.quantiles ?? [0.5];
  const H = meta.horizon;
  for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) throw new ValueError(`the model smooths multiplicatively (transform es) and needs positive values; value ${i + 1} is ${y[i]}`);
  const state = esFilter(y, meta.season, meta.es!);
  const { x } = esWindows(y, state, meta.scaler, ts, meta.window, 0);
  const out = model.predict(tensor(x, [ts.length, meta.window, 1]), { batchSize: 512 }).data();
  const W = H * q.length;
  const mid = q.indexOf(0.5) >= 0 ? q.indexOf(0.5) : 0;
  const at = (k: number, T: number, b: number, h: number) => Math.exp(unscale(meta.scaler, 0, out[b * W + k * H + h]!)) * state.level[T]! * seasonalAt(state, T, T + h + 1);
  // a bound head that crosses the median (barely trained heads do) is held at it, as in the direct path
  return q.map((p, k) =>
    ts.map((T, b) =>
      Array.from({ length: H }, (_, h) => {
        const m = at(mid, T, b, h);
        return k === mid ? m : p < 0.5 ? Math.min(m, at(k, T, b, h)) : Math.max(m, at(k, T, b, h));
      }),
    ),
  );
}

/** Output steps of the network: the horizon (direct), or one step fed back `horizon` times (recursive). */
export const modelSteps = (meta: Pick<TimeseriesMeta, 'horizon' | 'strategy'>): number => (meta.strategy === 'recursive' ? 1 : meta.horizon);

/**
 * The recursive strategy: a one-step network run `horizon` times from each origin, its median fed
 * back as the next observed value. The bounds' distances of each step add in quadrature along the
 * lag chain, as for the direct heads above (the errors fed back are not propagated: the calibration
 * on the validation part widens the band by one factor for what that misses). Target-only models.
 */
function recursiveQuantiles(model: Sequential, meta: TimeseriesMeta, y: Float64Array, ts: readonly number[]): number[][][] {
  const q = meta.quantiles ?? [0.5];
  const heads = q.length;
  const mid = q.indexOf(0.5) >= 0 ? q.indexOf(0.5) : 0;
  const { lag, window: W, horizon: H } = meta;
  // per origin: the last lag + window levels, then the forecasts appended
  const bufs = ts.map((t) => Array.from(y.subarray(t - lag - W + 1, t + 1)));
  const median = ts.map(() => [] as number[]);
  const dist = q.map(() => ts.map(() => [] as number[]));
  for (let h = 0; h < H; h++) {
    const x = new Float32Array(ts.length * W);
    bufs.forEach((b, i) => {
      const end = b.length;
      for (let s = 0; s < W; s++) {
        const at = end - W + s;
        x[i * W + s] = scale(meta.scaler, 0, b[at]! - (lag ? b[at - lag]! : 0));
      }
    });
    const out = model.predict(tensor(x, [ts.length, W, 1]), { batchSize: 512 }).data();
    bufs.forEach((b, i) => {
      const zm = unscale(meta.scaler, 0, out[i * heads + mid]!);
      const next = zm + (lag ? b[b.length - lag]! : 0);
      b.push(next);
      median[i]!.push(next);
      q.forEach((_, k) => dist[k]![i]!.push(Math.abs(unscale(meta.scaler, 0, out[i * heads + k]!) - zm)));
    });
  }
  return q.map((p, k) =>
    k === mid
      ? median
      : median.map((m, i) => {
          const sq: number[] = [];
          return m.map((v, h) => {
            const d = dist[k]![i]![h]!;
            sq[h] = d * d + (lag > 0 && h >= lag ? sq[h - lag]! : 0);
            return v + (p < 0.5 ? -1 : 1) * Math.sqrt(sq[h]!);
          });
        }),
  );
}

/** Forecasts `[origins][horizon]` in original units from the given origins: one model's, or an ensemble's median. */
export type Predictor = (values: readonly Float64Array[], ts: readonly number[]) => number[][];

/**
 * `steps` values after the end of the series. Up to `horizon` steps come straight from one
 * forward pass; beyond that the forecasts are appended to the series and the model is run again
 * from the new end (recursive), which needs the target to be the only input column.
 */
export function forecastAhead(predict: Predictor, meta: TimeseriesMeta, values: readonly Float64Array[], steps: number): number[] {
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
    const next = predict(cols, [t])[0]!;
    for (const v of next.slice(0, steps - out.length)) {
      out.push(v);
      y.push(v);
    }
    cols = [Float64Array.from(y)];
  }
  return out;
}
