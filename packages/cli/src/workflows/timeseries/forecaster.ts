import { ConfigError, ValueError, tensor } from '@rnn/core';
import type { Sequential } from '@rnn/layers';
import { difference, undifference } from './difference.js';
import type { Io } from '../../command.js';
import { loadModel } from '../../model-io.js';
import { readMeta, type TimeseriesMeta } from './meta.js';
import { unscale } from './scaler.js';
import { loadSeries, type Series } from './series.js';
import { inputWindows } from './windows.js';

/** The series a model was trained on, read from a CSV with the columns, filter and date the model file names. */
export function loadForModel(path: string, meta: TimeseriesMeta): Series {
  const s = loadSeries(path, { target: meta.target, features: meta.columns.slice(1), date: meta.date, where: meta.where ?? undefined, missing: meta.missing, delimiter: meta.delimiter ?? undefined });
  const need = meta.lag + meta.window;
  if (s.length < need) {
    throw new ValueError(`${s.source}: the model reads ${meta.window} steps${meta.lag ? ` of ${meta.lag}-step differences` : ''}, so it needs at least ${need} rows; found ${s.length}`);
  }
  return s;
}

/** `--model` and `--csv` of evaluate and forecast: the model, its time-series metadata, and the series (its notes said on stderr). */
export async function openModelAndSeries(modelPath: string, csvPath: string, io: Io): Promise<{ model: Sequential; meta: TimeseriesMeta; series: Series }> {
  const model = await loadModel(modelPath);
  const meta = readMeta(model, modelPath);
  const series = loadForModel(csvPath, meta);
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  return { model, meta, series };
}

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
