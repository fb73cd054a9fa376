import { ConfigError } from '@rnn/core';
import type { Logs } from '@rnn/layers';
import { useBackend } from '../../backend.js';
import { action, withCommon, type Io } from '../../command.js';
import { flag, type Values } from '../../flags.js';
import { progressCallback } from '../../progress.js';
import { batchSize, cell, clipNorm, epochJson, hidden, layers, lr, out, seed } from '../flags.js';
import { CHECKPOINT_FLAGS, budgetMinutes, commandLine, fingerprint, fitResumable, resumeSettings, runControl } from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { lossChart } from './charts.js';
import { writeChart } from '../../plot/index.js';
import { SEASON } from './dates.js';
import { isSeasonal } from './seasonality.js';
import { difference } from './difference.js';
import { evaluatePart, maseNote, scoreTable } from './evaluation.js';
import { META_KEY, type TimeseriesMeta } from './meta.js';
import { forecastModel, keepBest, type KeepBestState } from './model.js';
import { fitScaler } from './scaler.js';
import { loadSeries } from './series.js';
import { bounds, origins, splitSeries } from './split.js';
import { windowTensors } from './windows.js';

/**
 * `rnn train --csv`: a forecaster on one column of a CSV time series. The defaults were checked on
 * the validation parts only (AirPassengers, CO2, two seeds each): every variation tried (lr
 * 0.002/0.01, hidden 16/64, window 12/36, batch 32) was within noise of these, all well under the
 * seasonal-naive MASE.
 */
export const trainFlags = withCommon({
  csv: flag.string('the series: a CSV file with a header line, one row per time step', { value: 'FILE.csv', required: true }),
  target: flag.string('the column to forecast', { value: 'COL' }),
  features: flag.list('more input columns (the target is always an input)', { value: 'COL,COL' }),
  date: flag.string('the date column (default: a column named date/month/year/…; it sets the season: 12 for monthly data)', { value: 'COL' }),
  where: flag.string('keep only these rows (one series of a long-format file, e.g. symbol=AAPL)', { value: 'COL=VALUE' }),
  delimiter: flag.string('the field separator: comma, semicolon, tab or one character (default: detected from the header line; remembered by the model)', { value: 'SEP' }),
  window: flag.int('input steps per forecast (default: 2 seasons, at least 8)', { value: 'N', check: 'positive' }),
  horizon: flag.int('forecast steps 1..H at once (direct multi-output)', { value: 'H', default: 1, check: 'positive' }),
  cell,
  hidden: hidden(32),
  layers: layers(1),
  epochs: flag.int('passes over the data, with early stopping (--patience)', { value: 'N', default: 300, check: 'positive' }),
  // unlike text's, --epochs keeps its default under --minutes: early stopping ends most runs
  minutes: budgetMinutes,
  lr: lr(0.005),
  'batch-size': batchSize(16),
  'clip-norm': clipNorm(1),
  'val-split': flag.number('validation part after the training part: a fraction, or a number of steps', { value: 'F', default: 0.15 }),
  'test-split': flag.number('test part at the end of the series: a fraction, or a number of steps', { value: 'F', default: 0.15 }),
  season: flag.int('seasonal period in steps (default: from the dates, 12 for monthly; 1 without dates)', { value: 'N', check: 'positive' }),
  transform: flag.choice(
    ['auto', 'seasonal', 'diff', 'none'],
    "what the network predicts: 'seasonal' the change over one season, 'diff' the change over one step, 'none' the level " +
      '(auto: seasonal when the training part repeats with the season, by the autocorrelation of its changes; else diff)',
    { value: 'NAME', default: 'auto' },
  ),
  missing: flag.choice(['ffill', 'error'], "empty/NA cells: 'ffill' carries the previous value forward (with a note), 'error' refuses", { value: 'POLICY', default: 'ffill' }),
  patience: flag.int("stop after N epochs without a better validation loss; the best epoch's weights are kept", { value: 'N', default: 40, check: 'positive' }),
  plot: flag.string('write the training and validation loss per epoch as a chart', { value: 'OUT.svg|OUT.png' }),
  seed,
  out,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
});

/** What a resume must share with the run that wrote the checkpoint (besides the data). */
const RESUME_KEYS = ['target', 'features', 'date', 'where', 'delimiter', 'missing', 'window', 'horizon', 'cell', 'hidden', 'layers', 'lr', 'batch-size', 'clip-norm', 'val-split', 'test-split', 'season', 'transform', 'patience', 'seed'];

async function runCsv(v: Values<typeof trainFlags>, io: Io): Promise<void> {
  const verbose = v.verbose === true;
  const json = v.json === true;
  await useBackend(io, verbose);
  const target = v.target;
  if (!target) throw new ConfigError('rnn train --csv: --target COL is required (the column to forecast)');
  const control = await runControl(v);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint, plot: v.plot });
  const epochs = v.epochs;
  const series = loadSeries(v.csv, { target, features: v.features, date: v.date, where: v.where, missing: v.missing, delimiter: v.delimiter });
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  const season = v.season ?? SEASON[series.frequency];
  const window = v.window ?? Math.max(8, 2 * season);
  const horizon = v.horizon;
  const split = splitSeries(series.length, v['val-split'], v['test-split']);
  let transform: TimeseriesMeta['transform'];
  let why = '';
  if (v.transform !== 'auto') transform = v.transform;
  else {
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

  const seed = v.seed;
  const model = forecastModel({ cell: v.cell, hidden: v.hidden, layers: v.layers, horizon, features: series.columns.length, seed });
  model.compile({ optimizer: { type: 'adam', lr: v.lr }, loss: 'mse', clipNorm: v['clip-norm'] });
  const meta: TimeseriesMeta = {
    version: 1,
    columns: series.columns,
    target,
    date: series.date,
    frequency: series.frequency,
    where: v.where ?? null,
    delimiter: v.delimiter ?? null,
    missing: v.missing,
    window,
    horizon,
    season,
    transform,
    lag,
    scaler,
    split: { rows: series.length, ...split },
    lastDate: series.dates ? series.dates[series.length - 1]! : null,
  };
  // before training: a checkpoint is a model file that evaluate and forecast read too
  model.metadata = { ...model.metadata, [META_KEY]: JSON.stringify(meta) };
  const best = keepBest(v.patience);
  let logs: Logs[] = [];
  const data = series.values.map((c) => fingerprint(new Int32Array(c.buffer, c.byteOffset, c.byteLength / 4))).join(':');
  const settings = resumeSettings(`${series.length}:${data}`, { ...v, features: v.features?.join(',') }, RESUME_KEYS);
  const t0 = performance.now();
  const r = await fitResumable(
    model,
    x,
    y,
    {
      epochs,
      batchSize: v['batch-size'],
      shuffle: true, // windows within the training part only; the parts themselves stay in time order
      seed,
      validationData: val,
      callbacks: [
        progressCallback(io, { json, label: 'train', verbose }),
        { onEpochEnd: (_e, l) => void logs.push({ ...l }) },
        best,
      ],
    },
    {
      workflow: 'csv',
      settings,
      control,
      command: commandLine(v, trainFlags.flags),
      io,
      extra: {
        save: () => JSON.stringify({ best: best.save(), logs }),
        restore: (text) => {
          const saved = JSON.parse(text) as { best: KeepBestState; logs: Logs[] };
          best.restore(saved.best);
          logs = saved.logs;
        },
      },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const saved = await saveModel(io, 'out', v.out, (p) => model.save(p));
  const summary = {
    event: 'done',
    stopped: r.stopped ?? 'epochs',
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
    checkpoint: r.checkpoint,
    out: saved.path,
  } as Record<string, unknown>;
  const ev = valAt.length ? evaluatePart(model, meta, series.values, b.val[0], b.val[1], season, 'validation') : null;
  if (ev) summary['validation'] = Object.fromEntries(Object.entries(ev.scores).map(([k, s]) => [k, { mae: s.mae, rmse: s.rmse, mase: s.mase }]));
  if (ev && maseNote(ev)) summary['maseNote'] = maseNote(ev);
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  else {
    io.stdout.write(
      `${r.stopped === 'time' ? 'time budget reached after' : 'trained'} ${logs.length} epochs in ${seconds.toFixed(1)}s (best epoch ${best.bestEpoch + 1}, ${valAt.length ? 'validation' : 'training'} loss ${best.best.toPrecision(4)}); ` +
        `${trainAt.length} training windows of ${window} steps, horizon ${horizon}, ${transform === 'none' ? 'levels' : `${transform} differences (lag ${lag})`}${why}, season ${season}\n`,
    );
    if (ev) io.stdout.write(`validation (steps ${ev.from + 1}..${ev.to}, ${ev.points} forecasts):\n${scoreTable(ev, v.cell)}\n`);
    io.stdout.write(`wrote ${saved.path}${r.checkpoint ? `; checkpoint ${r.checkpoint} (continue with --resume ${r.checkpoint})` : ''}\n`);
  }
  if (v.plot) {
    const p = writeChart(v.plot, lossChart(logs, best.bestEpoch, series.columns[0]!));
    if (!json) io.stdout.write(`wrote ${p}\n`);
  }
  if (saved.error) throw saved.error;
}

export const trainTimeseries = action({
  flags: trainFlags,
  examples: [
    'rnn train --csv data/airpassengers/airpassengers.csv --target passengers_thousands --out air.safetensors --plot loss.svg',
    'rnn train --csv stocks.csv --where symbol=AAPL --target price --date date --window 12 --horizon 3 --cell gru --out aapl.safetensors',
  ],
  run: runCsv,
});
