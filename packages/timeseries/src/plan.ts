import { augmentation } from './augment.js';
import { ConfigError, tensor, type Tensor } from '@rnn/core';
import type { Callback, FitOptions, Sequential } from '@rnn/layers';
import { SEASON } from './dates.js';
import { difference } from './difference.js';
import type { SeriesData } from './input.js';
import type { TimeseriesMeta } from './meta.js';
import { forecastModel, keepBest } from './model.js';
import { ensembleSize, type ResolvedForecastOptions } from './options.js';
import { fitScaler, type Scaler } from './scaler.js';
import { checkPositive, esFilter, esScaler, esWindows, fitEs, type EsParams } from './es.js';
import { isSeasonal } from './seasonality.js';
import { bounds, origins, splitSeries } from './split.js';
import { windowTensors } from './windows.js';
import { QUANTILES, quantileLoss, tileTargets } from './quantiles.js';

/** How messages name the options: the option keys in code, the flags at the command line. */
export interface OptionNames {
  window: string;
  horizon: string;
  season: string;
  transform: string;
  valSplit: string;
  testSplit: string;
  strategy: string;
}

export const OPTION_KEYS: OptionNames = { window: 'window', horizon: 'horizon', season: 'season', transform: 'transform', valSplit: 'valSplit', testSplit: 'testSplit', strategy: 'strategy' };

/**
 * Everything decided before training: the transform, the split, the scaler, the windows and the
 * built, compiled network. `Forecaster.fit` runs `model.fit(x, y, { ...fitOptions, callbacks })`
 * on it; a caller that drives training itself (the CLI, with its progress bar) does the same.
 */
export interface ForecastPlan {
  model: Sequential;
  x: Tensor;
  y: Tensor;
  /** epochs, batch size, seed, shuffling (windows within the training part only), validation windows. */
  fitOptions: FitOptions;
  /** Early stopping that keeps the best epoch's weights, and the time budget: pass them to `fit` after your own callbacks. */
  callbacks: Callback[];
  /** The best epoch (0-based) and its loss, once trained. */
  best: ReturnType<typeof keepBest>;
  /** What the model file records besides the weights. */
  meta: TimeseriesMeta;
  trainWindows: number;
  valWindows: number;
  /** Networks in the ensemble: `members` if given, else chosen from `trainWindows` (see `ensembleSize`). */
  members: number;
  /** Whether the Theta method may replace the networks where the validation part prefers it. */
  fallback: 'theta' | 'none';
  /** Why `transform: 'auto'` chose what it did: the autocorrelation of the changes at the seasonal lag against its bound. */
  auto: { seasonal: boolean; acf: number; bound: number } | null;
}

/** Stop at the end of the first epoch that ends after `minutes`. */
export function timeBudget(minutes: number): Callback {
  let deadline = Infinity;
  return {
    onTrainBegin() {
      deadline = performance.now() + minutes * 60_000;
    },
    onEpochEnd() {
      if (performance.now() >= deadline) return 'stop';
    },
  };
}

/**
 * The epochs a network averages on each side of its best one (`averageEpochs`, see `keepBest`):
 * none for a recursive network. A direct network's forecast is one pass, and the mean of nearby
 * epochs' weights forecasts about as their forecasts' mean does; a recursive one feeds its own
 * output back H times, and the mean of its weights is another dynamical system: on wwwusage one
 * recursive network's validation MASE went from 2.0 to 5.4 with the mean of 5 epochs (±2).
 */
export function averagedEpochs(average: number, strategy: 'direct' | 'recursive' | undefined): number {
  return strategy === 'recursive' ? 0 : average;
}

/** Training windows the default window leaves at least, where the training part allows. */
export const MIN_TRAIN_WINDOWS = 8;

/**
 * Two seasons, at least 8 steps; on a training part too short for that to leave
 * MIN_TRAIN_WINDOWS windows, one season (at least 8), else the longest window (at least 4) that does.
 */
export function defaultWindow(season: number, train: number, lag: number, horizon: number): number {
  const room = train - lag - horizon + 1 - MIN_TRAIN_WINDOWS;
  const wide = Math.max(8, 2 * season);
  if (wide <= room) return wide;
  const one = Math.max(8, season);
  return one <= room ? one : Math.max(4, room);
}

/**
 * The forecasting network of a plan, compiled: `horizon` outputs (three per step with intervals,
 * trained by the pinball loss), Adam at `o.lr`. One series' plan and a global plan build it alike.
 */
export function compiledNetwork(o: ResolvedForecastOptions & { loss?: 'mse' | 'mae' }, horizon: number, features: number): Sequential {
  const outputs = o.intervals ? QUANTILES.length * horizon : horizon;
  const model = forecastModel({ cell: o.cell, hidden: o.hidden, layers: o.layers, horizon: outputs, features, seed: o.seed });
  const point = o.loss ?? 'mse';
  model.compile({ optimizer: { type: 'adam', lr: o.lr }, loss: o.intervals ? quantileLoss(horizon, point) : point, clipNorm: o.clipNorm });
  return model;
}

/** The recipe of `rnn train --csv` up to training, on a checked series. */
export function planForecast(series: SeriesData, o: ResolvedForecastOptions & { loss?: 'mse' | 'mae' }, names: OptionNames = OPTION_KEYS): ForecastPlan {
  const season = o.season ?? SEASON[series.frequency];
  const strategy = o.strategy === 'recursive' && o.horizon > 1 ? 'recursive' : 'direct';
  if (strategy === 'recursive' && series.columns.length > 1) {
    throw new ConfigError(`${names.strategy} recursive feeds the forecasts back in, which needs future values of the features ${series.columns.slice(1).join(', ')}; use ${names.strategy} direct or drop the features`);
  }
  // the network's output steps: a recursive one predicts one step and is run `o.horizon` times
  const horizon = strategy === 'recursive' ? 1 : o.horizon;
  const split = splitSeries(series.length, o.valSplit, o.testSplit, names);
  let transform: TimeseriesMeta['transform'];
  let auto: ForecastPlan['auto'] = null;
  if (o.transform !== 'auto') transform = o.transform;
  else {
    // seasonal differences only where the training part shows the season; calendar dates alone (stock prices) are not enough
    const test = isSeasonal(series.values[0]!, split.train, season);
    transform = test.seasonal ? 'seasonal' : 'diff';
    if (season > 1) auto = test;
  }
  let es: EsParams | undefined;
  if (transform === 'es') {
    if (series.columns.length > 1) throw new ConfigError(`${names.transform} es reads the target alone; drop the features ${series.columns.slice(1).join(', ')} or use ${names.transform} seasonal or diff`);
    if (strategy === 'recursive') throw new ConfigError(`${names.transform} es forecasts every step at once; use ${names.strategy} direct`);
    checkPositive(series.values[0]!, names.transform);
    es = fitEs(series.values[0]!, season, split.train);
  }
  // es: no difference, but its first season only initialises the smoothing, so windows start after it
  const lag = transform === 'seasonal' || transform === 'es' ? season : transform === 'diff' ? 1 : 0;
  if (transform === 'seasonal' && season === 1) throw new ConfigError(`${names.transform} seasonal needs a season > 1; pass ${names.season} N or use ${names.transform} diff`);
  const window = o.window ?? defaultWindow(season, split.train, lag, o.horizon);
  const b = bounds(split);
  const w = { window, horizon, lag };
  const trainAt = origins(b.train[0], b.train[1], w);
  if (trainAt.length < 2) {
    throw new ConfigError(
      `the training part has ${split.train} steps, too few for windows of ${window}${lag ? ` differences over ${lag} steps` : ''} and ${horizon} steps ahead ` +
        `(it needs at least ${lag + window + horizon + 1}); use a smaller ${names.window}/${names.horizon} or smaller ${names.valSplit}/${names.testSplit}`,
    );
  }
  const valAt = split.val > 0 ? origins(b.val[0], b.val[1], w) : [];
  if (split.val > 0 && (valAt.length === 0 || split.val < o.horizon)) {
    throw new ConfigError(`the validation part has ${split.val} steps, fewer than ${names.horizon} ${o.horizon}; raise ${names.valSplit} (or pass ${names.valSplit} 0 for none)`);
  }
  // with quantile heads every target is repeated once per head
  const tile = ([xs, ys]: [Tensor, Tensor]): [Tensor, Tensor] => (o.intervals ? [xs, tensor(tileTargets(ys.data() as Float32Array, ys.shape[0]!, horizon), [ys.shape[0]!, QUANTILES.length * horizon])] : [xs, ys]);
  let scaler: Scaler;
  let windows: (ts: number[]) => [Tensor, Tensor];
  if (es) {
    const y0 = series.values[0]!;
    const state = esFilter(y0, season, es);
    scaler = esScaler(y0, state, split.train);
    windows = (ts) => {
      const r = esWindows(y0, state, scaler, ts, window, horizon);
      return [tensor(r.x, [ts.length, window, 1]), tensor(r.y, [ts.length, horizon])];
    };
  } else {
    const z = series.values.map((c) => difference(c, lag));
    scaler = fitScaler(z, lag, split.train, series.columns);
    windows = (ts) => windowTensors(z, scaler, ts, window, horizon);
  }
  const [x, y] = tile(windows(trainAt));
  const val = valAt.length ? tile(windows(valAt)) : undefined;

  const model = compiledNetwork(o, horizon, series.columns.length);
  const best = keepBest(o.patience, o.warmup, averagedEpochs(o.averageEpochs, strategy));
  const members = ensembleSize(o.members, trainAt.length);
  const meta: TimeseriesMeta = {
    version: 1,
    columns: series.columns,
    target: series.columns[0]!,
    date: series.date,
    frequency: series.frequency,
    where: o.csv.where,
    delimiter: o.csv.delimiter,
    missing: o.csv.missing,
    window,
    horizon: o.horizon,
    season,
    transform,
    lag,
    ...(strategy === 'recursive' ? { strategy } : {}),
    ...(es ? { es } : {}),
    scaler,
    split: { rows: series.length, ...split },
    lastDate: series.dates ? series.dates[series.length - 1]! : null,
    ...(o.intervals ? { quantiles: [...QUANTILES] } : {}),
    ...(o.combine === 'iqm' ? { combine: 'iqm' as const } : {}),
  };
  return {
    model,
    x,
    y,
    // windows within the training part only are shuffled; the parts themselves stay in time order
    fitOptions: { epochs: o.epochs, batchSize: o.batchSize, shuffle: true, seed: o.seed, validationData: val },
    callbacks: [best, ...(o.minutes !== undefined ? [timeBudget(o.minutes / members)] : []), ...(o.augment && Object.keys(o.augment).length ? [augmentation(x, y, o.augment, o.seed, horizon)] : [])],
    best,
    meta,
    trainWindows: trainAt.length,
    valWindows: valAt.length,
    members,
    fallback: o.fallback,
    auto,
  };
}
