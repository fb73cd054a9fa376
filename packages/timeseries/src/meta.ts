import { FormatError } from '@rnn/core';
import type { Sequential } from '@rnn/layers';
import { z } from 'zod';

/** The model-file metadata key that holds everything a time-series model needs besides its weights. */
export const META_KEY = 'rnn.timeseries';

export const timeseriesMetaSchema = z.strictObject({
  version: z.literal(1),
  /** Input columns, the target first. */
  columns: z.array(z.string()).min(1),
  target: z.string(),
  date: z.string().nullable(),
  frequency: z.enum(['hour', 'day', 'week', 'month', 'quarter', 'year', 'unknown']),
  where: z.string().nullable(),
  /** The field separator `--delimiter` forced at training (null: detected); reused when the model reads its CSV again. */
  delimiter: z.string().nullable().default(null),
  missing: z.enum(['ffill', 'error']),
  window: z.number().int().positive(),
  horizon: z.number().int().positive(),
  season: z.number().int().positive(),
  /**
   * 'none' | 'diff' (lag 1) | 'seasonal' (lag = season): the model sees and predicts y[t] - y[t-lag];
   * 'es': the residual of exponential smoothing (ES-RNN, see es.ts; lag = season, the smoothing's warm-up).
   */
  transform: z.enum(['none', 'diff', 'seasonal', 'es']),
  /** The smoothing constants of transform 'es'. */
  es: z.strictObject({ alpha: z.number().gt(0).lt(1), gamma: z.number().min(0).lt(1) }).optional(),
  lag: z.number().int().nonnegative(),
  /** 'direct': one output per horizon step; 'recursive': a one-step network fed its own forecasts (absent: direct, as files before it). */
  strategy: z.enum(['direct', 'recursive']).optional(),
  /** Networks that scored each candidate, combined (select.ts, SELECTION_MEMBERS); absent: one, as files before it. */
  candidateNetworks: z.number().int().positive().optional(),
  /** The recipes scored on the validation part before training the ensemble (`candidateNetworks` each), the first kept; absent when there was no choice. */
  candidates: z
    .array(z.strictObject({ transform: z.enum(['none', 'diff', 'seasonal', 'es']), strategy: z.enum(['direct', 'recursive']), mase: z.number().nullable() }))
    .optional(),
  /** Standardisation of the differenced columns, fitted on the training part only. */
  scaler: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  /** Time steps of the training CSV in each part, in time order. */
  split: z.strictObject({ rows: z.number().int().positive(), train: z.number().int().positive(), val: z.number().int().nonnegative(), test: z.number().int().nonnegative() }),
  /** The last date (or row) of the training data. */
  lastDate: z.string().nullable(),
  /** Quantile heads (`[0.1, 0.5, 0.9]`): the output has one block of `horizon` units per quantile; absent: one point forecast per step. */
  quantiles: z.array(z.number().gt(0).lt(1)).optional(),
  /** How the members' forecasts (and bounds) are combined: see ensemble.ts; absent: the median, as files before it. */
  combine: z.enum(['iqm', 'median']).optional(),
  /** How far the interval's bounds are moved from the median, as a multiple of the heads' distance: calibrated on the validation part. */
  intervalScale: z.number().positive().optional(),
  /**
   * A global model (one network over many series of a long-format CSV): the series column, each
   * training series' key and its own scaler (`scaler` above is the first's). See global.ts.
   */
  global: z
    .strictObject({
      column: z.string(),
      keys: z.array(z.string()).min(1),
      scalers: z.array(z.strictObject({ mean: z.array(z.number()), std: z.array(z.number().positive()) })),
    })
    .optional(),
  /** What forecasts: the networks, or the Theta method where it scored a lower MASE on the validation part (both MASEs kept, for the report). */
  choice: z.strictObject({ method: z.enum(['network', 'theta']), network: z.number().nullable(), theta: z.number().nullable() }).optional(),
});

export type TimeseriesMeta = z.infer<typeof timeseriesMetaSchema>;

/**
 * The time-series metadata of a model file, checked; a clear error when it is not a forecaster
 * (`where` names the file in messages: `--model m.safetensors` at the command line).
 */
export function readMeta(model: Sequential, where: string): TimeseriesMeta {
  const text = model.metadata[META_KEY];
  if (text === undefined) {
    throw new FormatError(`${where}: not a time-series model (its metadata has no "${META_KEY}"); train one with rnn train --csv FILE --target COL, or Forecaster.fit`);
  }
  const meta = metadataJson(text, META_KEY, timeseriesMetaSchema, where);
  if (meta.scaler.mean.length !== meta.columns.length || meta.scaler.std.length !== meta.columns.length) {
    throw new FormatError(`${where}: metadata "${META_KEY}" has a scaler for ${meta.scaler.mean.length} columns but ${meta.columns.length} columns`);
  }
  return meta;
}

/** Model-file metadata `key` (JSON text) checked by `schema`; a FormatError naming `where` if it is not. */
export function metadataJson<T>(text: string, key: string, schema: z.ZodType<T>, where: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${where}: metadata "${key}" is not JSON (${(err as Error).message})`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new FormatError(`${where}: metadata "${key}" is invalid at "${i.path.join('.')}": ${i.message}`);
  }
  return r.data;
}
