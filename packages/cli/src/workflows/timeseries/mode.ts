import { ConfigError } from '@rnn/core';
import type { Logs } from '@rnn/layers';
import type { Flags, Parsed } from '../../args.js';
import { useBackend } from '../../backend.js';
import type { Io } from '../../command.js';
import { progressCallback } from '../../progress.js';
import { registerTrainMode } from '../mode.js';
import { lossChart } from './charts.js';
import { writeChart } from '../../plot/index.js';
import type { MissingPolicy } from './csv.js';
import { SEASON } from './dates.js';
import { isSeasonal } from './seasonality.js';
import { difference } from './difference.js';
import { evaluatePart, scoreTable } from './evaluation.js';
import { META_KEY, type TimeseriesMeta } from './meta.js';
import { forecastModel, keepBest, type CellName } from './model.js';
import { fitScaler } from './scaler.js';
import { loadSeries } from './series.js';
import { bounds, origins, splitSeries } from './split.js';
import { windowTensors } from './windows.js';

/**
 * Defaults for `--csv`. They were checked on the validation parts only (AirPassengers, CO2, two
 * seeds each): every variation tried (lr 0.002/0.01, hidden 16/64, window 12/36, batch 32) was
 * within noise of these, all well under the seasonal-naive MASE. Flags other modes share
 * (epochs, lr, cell, …) carry no default in their spec, so each mode fills in its own here.
 */
export const TS_DEFAULTS = {
  horizon: 1,
  cell: 'lstm' as CellName,
  hidden: 32,
  layers: 1,
  epochs: 300,
  lr: 0.005,
  'batch-size': 16,
  'val-split': 0.15,
  'test-split': 0.15,
  patience: 40,
  'clip-norm': 1,
};

export const TS_FLAGS: Flags = {
  csv: {
    type: 'string',
    value: 'FILE.csv',
    help:
      'time-series mode: train a forecaster on a CSV file (header line, one row per time step; ' +
      `--csv defaults: --epochs ${TS_DEFAULTS.epochs} with early stopping, --lr ${TS_DEFAULTS.lr}, --batch-size ${TS_DEFAULTS['batch-size']}, --clip-norm ${TS_DEFAULTS['clip-norm']})`,
  },
  target: { type: 'string', value: 'COL', help: '--csv: the column to forecast' },
  features: { type: 'list', value: 'COL,COL', help: '--csv: more input columns (the target is always an input)' },
  date: { type: 'string', value: 'COL', help: '--csv: the date column (default: a column named date/month/year/…; it sets the season: 12 for monthly data)' },
  delimiter: { type: 'string', value: 'SEP', help: '--csv: the field separator: comma, semicolon, tab or one character (default: detected from the header line)' },
  where: { type: 'string', value: 'COL=VALUE', help: '--csv: keep only these rows (one series of a long-format file, e.g. symbol=AAPL)' },
  window: { type: 'int', value: 'N', help: '--csv: input steps per forecast (default: 2 seasons, at least 8)' },
  horizon: { type: 'int', value: 'H', help: `--csv: forecast steps 1..H at once (direct multi-output; default ${TS_DEFAULTS.horizon})` },
  cell: { type: 'string', value: 'NAME', help: `recurrent cell (--csv default ${TS_DEFAULTS.cell})`, choices: ['lstm', 'gru', 'rnn'] },
  hidden: { type: 'int', value: 'N', help: `hidden units per recurrent layer (--csv default ${TS_DEFAULTS.hidden})` },
  layers: { type: 'int', value: 'N', help: `stacked recurrent layers (--csv default ${TS_DEFAULTS.layers})` },
  'val-split': { type: 'number', value: 'F', help: `--csv: validation part after the training part: a fraction, or a number of steps (default ${TS_DEFAULTS['val-split']})` },
  'test-split': { type: 'number', value: 'F', help: `--csv: test part at the end of the series: a fraction, or a number of steps (default ${TS_DEFAULTS['test-split']})` },
  season: { type: 'int', value: 'N', help: '--csv: seasonal period in steps (default: from the dates, 12 for monthly; 1 without dates)' },
  transform: {
    type: 'string',
    value: 'NAME',
    help:
      "--csv: what the network predicts: 'seasonal' the change over one season, 'diff' the change over one step, 'none' the level " +
      '(default auto: seasonal when the training part repeats with the season, by the autocorrelation of its changes; else diff)',
    choices: ['auto', 'seasonal', 'diff', 'none'],
  },
  missing: { type: 'string', value: 'POLICY', help: "--csv: empty/NA cells: 'ffill' carries the previous value forward (with a note), 'error' refuses (default ffill)", choices: ['ffill', 'error'] },
  patience: { type: 'int', value: 'N', help: `--csv: stop after N epochs without a better validation loss; the best epoch's weights are kept (default ${TS_DEFAULTS.patience})` },
  plot: { type: 'string', value: 'OUT.svg|OUT.png', help: '--csv: write the training and validation loss per epoch as a chart' },
};

function num(v: Parsed, k: keyof typeof TS_DEFAULTS): number {
  return (v[k] as number | undefined) ?? (TS_DEFAULTS[k] as number);
}

async function runCsv(v: Parsed, io: Io): Promise<void> {
  const verbose = v['verbose'] === true;
  const json = v['json'] === true;
  await useBackend(io, verbose);
  const target = v['target'] as string | undefined;
  if (!target) throw new ConfigError('rnn train --csv: --target COL is required (the column to forecast)');
  const series = loadSeries(v['csv'] as string, {
    target,
    features: v['features'] as string[] | undefined,
    date: v['date'] as string | undefined,
    where: v['where'] as string | undefined,
    missing: (v['missing'] as MissingPolicy | undefined) ?? 'ffill',
    delimiter: v['delimiter'] as string | undefined,
  });
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  const season = (v['season'] as number | undefined) ?? SEASON[series.frequency];
  if (!(season >= 1)) throw new ConfigError(`--season must be a positive integer, found ${season}`);
  const window = (v['window'] as number | undefined) ?? Math.max(8, 2 * season);
  const horizon = num(v, 'horizon');
  for (const [k, x] of [['window', window], ['horizon', horizon], ['epochs', num(v, 'epochs')], ['batch-size', num(v, 'batch-size')], ['patience', num(v, 'patience')]] as const) {
    if (!Number.isInteger(x) || x < 1) throw new ConfigError(`--${k} must be a positive integer, found ${x}`);
  }
  const lr = num(v, 'lr');
  if (!(lr > 0)) throw new ConfigError(`--lr must be a positive number, found ${lr}`);
  const split = splitSeries(series.length, num(v, 'val-split'), num(v, 'test-split'));
  const tf = (v['transform'] as string | undefined) ?? 'auto';
  let transform = tf as TimeseriesMeta['transform'];
  let why = '';
  if (tf === 'auto') {
    // seasonal differences only where the training part shows the season; calendar dates alone (stock prices) are not enough
    const test = isSeasonal(series.values[0]!, split.train, season);
    transform = test.seasonal ? 'seasonal' : 'diff';
    if (season > 1) why = ` (auto: autocorrelation of the changes at lag ${season} ${test.acf.toFixed(2)} ${test.seasonal ? '>' : '<='} ${test.bound.toFixed(2)})`;
  }
  const lag = transform === 'seasonal' ? season : transform === 'diff' ? 1 : 0;
  if (transform === 'seasonal' && season === 1) throw new ConfigError('--transform seasonal needs a season > 1; pass --season N or use --transform diff');
  const b = bounds(split);
  const o = { window, horizon, lag };
  const trainAt = origins(b.train[0], b.train[1], o);
  if (trainAt.length < 2) {
    throw new ConfigError(
      `the training part has ${split.train} steps, too few for windows of ${window}${lag ? ` differences over ${lag} steps` : ''} and ${horizon} steps ahead ` +
        `(it needs at least ${lag + window + horizon + 1}); use a smaller --window/--horizon or smaller --val-split/--test-split`,
    );
  }
  const valAt = split.val > 0 ? origins(b.val[0], b.val[1], o) : [];
  if (split.val > 0 && valAt.length === 0) {
    throw new ConfigError(`the validation part has ${split.val} steps, fewer than --horizon ${horizon}; raise --val-split (or pass --val-split 0 for none)`);
  }
  const z = series.values.map((c) => difference(c, lag));
  const scaler = fitScaler(z, lag, split.train, series.columns);
  const [x, y] = windowTensors(z, scaler, trainAt, window, horizon);
  const val = valAt.length ? windowTensors(z, scaler, valAt, window, horizon) : undefined;

  const seed = (v['seed'] as number | undefined) ?? 0;
  const model = forecastModel({ cell: ((v['cell'] as CellName | undefined) ?? TS_DEFAULTS.cell), hidden: num(v, 'hidden'), layers: num(v, 'layers'), horizon, features: series.columns.length, seed });
  model.compile({ optimizer: { type: 'adam', lr }, loss: 'mse', clipNorm: num(v, 'clip-norm') });
  const best = keepBest(num(v, 'patience'));
  const logs: Logs[] = [];
  const t0 = performance.now();
  await model.fit(x, y, {
    epochs: num(v, 'epochs'),
    batchSize: num(v, 'batch-size'),
    shuffle: true, // windows within the training part only; the parts themselves stay in time order
    seed,
    validationData: val,
    callbacks: [progressCallback(io, { json, label: 'train', verbose }), { onEpochEnd: (_e, l) => void logs.push({ ...l }) }, best],
  });
  const seconds = (performance.now() - t0) / 1000;
  const meta: TimeseriesMeta = {
    version: 1,
    columns: series.columns,
    target,
    date: series.date,
    frequency: series.frequency,
    where: (v['where'] as string | undefined) ?? null,
    missing: (v['missing'] as MissingPolicy | undefined) ?? 'ffill',
    window,
    horizon,
    season,
    transform,
    lag,
    scaler,
    split: { rows: series.length, ...split },
    lastDate: series.dates ? series.dates[series.length - 1]! : null,
  };
  model.metadata = { ...model.metadata, [META_KEY]: JSON.stringify(meta) };
  await model.save(v['out'] as string);
  const summary = {
    event: 'done',
    epochs: logs.length,
    bestEpoch: best.bestEpoch + 1,
    seconds: +seconds.toFixed(2),
    trainWindows: trainAt.length,
    valWindows: valAt.length,
    split,
    season,
    transform,
    window,
    horizon,
    out: v['out'],
  } as Record<string, unknown>;
  const ev = valAt.length ? evaluatePart(model, meta, series.values, b.val[0], b.val[1], season, 'validation') : null;
  if (ev) summary['validation'] = Object.fromEntries(Object.entries(ev.scores).map(([k, s]) => [k, { mae: s.mae, rmse: s.rmse, mase: s.mase }]));
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  else {
    io.stdout.write(
      `trained ${logs.length} epochs in ${seconds.toFixed(1)}s (best epoch ${best.bestEpoch + 1}, ${valAt.length ? 'validation' : 'training'} loss ${best.best.toPrecision(4)}); ` +
        `${trainAt.length} training windows of ${window} steps, horizon ${horizon}, ${transform === 'none' ? 'levels' : `${transform} differences (lag ${lag})`}${why}, season ${season}\n`,
    );
    if (ev) io.stdout.write(`validation (steps ${ev.from + 1}..${ev.to}, ${ev.points} forecasts):\n${scoreTable(ev, (v['cell'] as string | undefined) ?? TS_DEFAULTS.cell)}\n`);
    io.stdout.write(`wrote ${v['out']}\n`);
  }
  if (v['plot']) {
    const p = writeChart(v['plot'] as string, lossChart(logs, best.bestEpoch, series.columns[0]!));
    if (!json) io.stdout.write(`wrote ${p}\n`);
  }
}

registerTrainMode({
  name: 'timeseries',
  trigger: 'csv',
  flags: TS_FLAGS,
  examples: [
    'rnn train --csv data/airpassengers/airpassengers.csv --target passengers_thousands --out air.safetensors --plot loss.svg',
    'rnn train --csv stocks.csv --where symbol=AAPL --target price --date date --window 12 --horizon 3 --cell gru --out aapl.safetensors',
  ],
  run: runCsv,
});
