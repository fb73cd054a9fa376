import { augmentation } from './augment.js';
import { ConfigError, ValueError, tensor, type Tensor } from '@rnn/core';
import { SEASON } from './dates.js';
import { difference } from './difference.js';
import type { SeriesData } from './input.js';
import type { TimeseriesMeta } from './meta.js';
import { keepBest } from './model.js';
import { ensembleSize, type ResolvedForecastOptions } from './options.js';
import { OPTION_KEYS, averagedEpochs, compiledNetwork, defaultWindow, timeBudget, type ForecastPlan, type OptionNames } from './plan.js';
import { QUANTILES, tileTargets } from './quantiles.js';
import { fitScaler, type Scaler } from './scaler.js';
import { isSeasonal } from './seasonality.js';
import { origins, splitSeries } from './split.js';
import { inputWindows, targetWindows } from './windows.js';

/**
 * A global model (Smyl 2020, Oreshkin et al. 2020, Salinas et al. 2020: the neural winners of M4
 * and M5 learn across series): one network trained on the windows of many series at once, each
 * series standardised by its own scaler (fitted on its own training part), so that a price near 30
 * and one near 600 look alike to the network and it learns their common dynamics. A series it
 * never saw is standardised on its own history the same way, so the model forecasts it too.
 *
 * Every series shares the recipe: the season (from the first series' dates), the transform
 * (`auto`: seasonal differences when most series pass the autocorrelation test), the window and
 * the validation and test parts, counted in steps (a fraction is taken of the shortest series).
 */
export function planGlobal(list: readonly SeriesData[], o: ResolvedForecastOptions & { loss?: 'mse' | 'mae' }, column: string, names: OptionNames = OPTION_KEYS): ForecastPlan {
  if (list.length < 2) throw new ConfigError(`a global model learns across series, and the series column '${column}' holds ${list.length === 1 ? 'only one value' : 'none'}; train a single series without it`);
  const first = list[0]!;
  for (const s of list) {
    if (s.columns.join('\u0000') !== first.columns.join('\u0000')) {
      throw new ValueError(`series '${s.key}' has the columns ${s.columns.join(', ')}, series '${first.key}' ${first.columns.join(', ')}; every series of a global model needs the same`);
    }
  }
  const season = o.season ?? SEASON[first.frequency];
  const short = list.reduce((a, s) => (s.length < a.length ? s : a));
  const shortest = short.length;
  let parts: ReturnType<typeof splitSeries>;
  try {
    parts = splitSeries(shortest, o.valSplit, o.testSplit, names);
  } catch (err) {
    // the parts are counted on the shortest series: name it
    throw new ConfigError(`series '${short.key}': ${(err as Error).message.replace(/^the series /, '')}`);
  }
  const { val, test } = parts;
  if (o.transform === 'es') throw new ConfigError(`${names.transform} es fits the smoothing per series, which a global model does not do yet; use ${names.transform} seasonal, diff or none`);
  let transform: TimeseriesMeta['transform'];
  if (o.transform !== 'auto') transform = o.transform;
  else {
    const votes = season > 1 ? list.filter((s) => s.length - val - test > 2 * season && isSeasonal(s.values[0]!, s.length - val - test, season).seasonal).length : 0;
    transform = votes * 2 > list.length ? 'seasonal' : 'diff';
  }
  if (transform === 'seasonal' && season === 1) throw new ConfigError(`${names.transform} seasonal needs a season > 1; pass ${names.season} N or use ${names.transform} diff`);
  const strategy = o.strategy === 'recursive' && o.horizon > 1 ? 'recursive' : 'direct';
  if (strategy === 'recursive' && first.columns.length > 1) {
    throw new ConfigError(`${names.strategy} recursive feeds the forecasts back in, which needs future values of the features ${first.columns.slice(1).join(', ')}; use ${names.strategy} direct or drop the features`);
  }
  const horizon = strategy === 'recursive' ? 1 : o.horizon;
  const lag = transform === 'seasonal' ? season : transform === 'diff' ? 1 : 0;
  const window = o.window ?? defaultWindow(season, shortest - val - test, lag, o.horizon);
  const w = { window, horizon, lag };
  const F = first.columns.length;
  const xs: Float32Array[] = [];
  const ys: Float32Array[] = [];
  const vxs: Float32Array[] = [];
  const vys: Float32Array[] = [];
  const scalers: Scaler[] = [];
  let trainWindows = 0;
  let valWindows = 0;
  for (const s of list) {
    const train = s.length - val - test;
    const trainAt = origins(0, train, w);
    if (trainAt.length < 2) {
      throw new ConfigError(
        `series '${s.key}' has ${s.length} steps, too few for windows of ${window}${lag ? ` differences over ${lag} steps` : ''} and ${horizon} steps ahead before its validation and test parts ` +
          `(it needs at least ${lag + window + horizon + 1 + val + test}); drop it, or use a smaller ${names.window}/${names.horizon} or smaller ${names.valSplit}/${names.testSplit}`,
      );
    }
    const z = s.values.map((c) => difference(c, lag));
    const scaler = fitScaler(z, lag, train, s.columns);
    scalers.push(scaler);
    xs.push(inputWindows(z, scaler, trainAt, window));
    ys.push(targetWindows(z[0]!, scaler, trainAt, horizon));
    trainWindows += trainAt.length;
    if (val > 0) {
      const valAt = origins(train, train + val, w);
      vxs.push(inputWindows(z, scaler, valAt, window));
      vys.push(targetWindows(z[0]!, scaler, valAt, horizon));
      valWindows += valAt.length;
    }
  }
  if (val > 0 && (valWindows === 0 || val < o.horizon)) {
    throw new ConfigError(`the validation part has ${val} steps, fewer than ${names.horizon} ${o.horizon}; raise ${names.valSplit} (or pass ${names.valSplit} 0 for none)`);
  }
  const cat = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  };
  const pair = (x: Float32Array[], y: Float32Array[], n: number): [Tensor, Tensor] => {
    const yy = cat(y);
    return [
      tensor(cat(x), [n, window, F]),
      o.intervals ? tensor(tileTargets(yy, n, horizon), [n, QUANTILES.length * horizon]) : tensor(yy, [n, horizon]),
    ];
  };
  const [x, y] = pair(xs, ys, trainWindows);
  const validation = valWindows ? pair(vxs, vys, valWindows) : undefined;
  const model = compiledNetwork(o, horizon, F);
  const best = keepBest(o.patience, o.warmup, averagedEpochs(o.averageEpochs, strategy));
  const meta: TimeseriesMeta = {
    version: 1,
    columns: first.columns,
    target: first.columns[0]!,
    date: first.date,
    frequency: first.frequency,
    where: null,
    delimiter: o.csv.delimiter,
    missing: o.csv.missing,
    window,
    horizon: o.horizon,
    season,
    transform,
    lag,
    ...(strategy === 'recursive' ? { strategy } : {}),
    scaler: scalers[0]!,
    split: { rows: first.length, train: first.length - val - test, val, test },
    lastDate: first.dates ? first.dates[first.length - 1]! : null,
    ...(o.intervals ? { quantiles: [...QUANTILES] } : {}),
    ...(o.combine === 'iqm' ? { combine: 'iqm' as const } : {}),
    global: { column, keys: list.map((s) => s.key!), scalers },
  };
  const minutes = o.minutes;
  const members = ensembleSize(o.members, trainWindows);
  return {
    model,
    x,
    y,
    fitOptions: { epochs: o.epochs, batchSize: o.batchSize, shuffle: true, seed: o.seed, validationData: validation },
    callbacks: [best, ...(minutes !== undefined ? [timeBudget(minutes / members)] : []), ...(o.augment && Object.keys(o.augment).length ? [augmentation(x, y, o.augment, o.seed, horizon)] : [])],
    best,
    meta,
    trainWindows,
    valWindows,
    members,
    fallback: 'none',
    auto: null,
  };
}

/** The scaler of a series a global model did not train on: fitted on its steps before the model's validation and test parts. */
export function newSeriesScaler(s: SeriesData, meta: TimeseriesMeta): Scaler {
  const train = s.length - meta.split.val - meta.split.test;
  if (train <= meta.lag + 1) {
    throw new ValueError(
      `series${s.key === null ? '' : ` '${s.key}'`} is new to this global model, which scales a new series on its steps before the last ${meta.split.val + meta.split.test} ` +
        `(the validation and test parts); it has ${s.length} steps, too few: it needs more than ${meta.split.val + meta.split.test + meta.lag + 1}`,
    );
  }
  const z = s.values.map((c) => difference(c, meta.lag));
  return fitScaler(z, meta.lag, train, s.columns);
}

/** Split a long-format series list's keys for messages: `AAPL, AMZN, … (5 in all)`. */
export function keysText(keys: readonly string[]): string {
  return `${keys.slice(0, 12).join(', ')}${keys.length > 12 ? `, … (${keys.length} in all)` : ''}`;
}
