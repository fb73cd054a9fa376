import type { Logs } from '@rnn/layers';
import { useBackend } from '../../backend.js';
import { action, withCommon, type Io } from '../../command.js';
import { UsageError, flag, type Values } from '../../flags.js';
import { progressCallback } from '../../progress.js';
import { batchSize, cell, clipNorm, csvIn, epochJson, hidden, layers, lr, out, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { lossChart } from './charts.js';
import { writeChart } from '../../plot/index.js';
import { ConfigError } from '@rnn/core';
import { AUTO_MAX_MEMBERS, DEFAULT_MEMBERS, ENSEMBLE_WINDOWS, MAX_MEMBERS, Forecaster, META_KEY, candidateRecipes, maseNote, parseAugment, parseForecastOptions, recipeText, selectRecipe, seriesData, trainMembers, type KeepBestState, type TimeseriesMeta } from '@rnn/timeseries';
import { FLAG_NAMES, seriesInput } from './open.js';
import { CHECKPOINT_FLAGS, budgetMinutes, commandLine, fingerprint, fitResumable, resumeSettings, runControl, resumeHint } from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { loadSeries } from './series.js';
import { runGlobal } from './train-global.js';

/**
 * `rnn train --csv`: a forecaster on one column of a CSV time series, by `Forecaster` of
 * @rnn/timeseries (this file maps the flags to its options and prints the report). The defaults
 * were checked on the validation parts only (AirPassengers, CO2, two seeds each): every variation tried (lr
 * 0.002/0.01, hidden 16/64, window 12/36, batch 32) was within noise of these, all well under the
 * seasonal-naive MASE.
 */
export const trainFlags = withCommon({
  csv: csvIn('the series: a CSV file with a header line, one row per time step'),
  target: flag.string('the column to forecast', { value: 'COL' }),
  features: flag.list('more input columns (the target is always an input)', { value: 'COL,COL' }),
  date: flag.string('the date column (default: a column named date/month/year/…; it sets the season: 12 for monthly data)', { value: 'COL' }),
  where: flag.string('keep only these rows (one series of a long-format file, e.g. symbol=AAPL)', { value: 'COL=VALUE' }),
  'series-column': flag.string('train one global model across every series of a long-format file, one per value of COL, each scaled on its own training part; forecast any (or a new one) with --where COL=VALUE', { value: 'COL' }),
  delimiter: flag.string('the field separator: comma, semicolon, tab or one character (default: detected from the header line; remembered by the model)', { value: 'SEP' }),
  window: flag.int('input steps per forecast (default: 2 seasons, at least 8)', { value: 'N', check: 'positive' }),
  horizon: flag.int('forecast steps 1..H at once (direct multi-output)', { value: 'H', default: 1, check: 'positive' }),
  members: flag.int(`networks in the ensemble (seeds × windows × losses); the forecast is their interquartile mean, the mean of the middle half (their median up to 4; 1: one network). Default: ${DEFAULT_MEMBERS}, more on a short series (members × training windows ≥ ${ENSEMBLE_WINDOWS}, at most ${AUTO_MAX_MEMBERS})`, { value: 'K', check: 'positive' }),
  'batch-members': flag.boolean('train members 2..K of one window length as one block-diagonal network in one pass, not one after another (not with --minutes or --augment; slower on the CPUs measured: BENCHMARKS.md)'),
  fallback: flag.choice(['theta', 'none'], "'theta': forecast with the Theta method instead where it scores a lower MASE on the validation part (a target without --features); 'none': always the networks", { value: 'NAME', default: 'theta' }),
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
    ['auto', 'seasonal', 'diff', 'none', 'es'],
    "what the network predicts: 'seasonal' the change over one season, 'diff' the change over one step, 'none' the level, " +
      "'es' the residual of per-series exponential smoothing of level and seasonality (ES-RNN; positive target alone) " +
      '(auto: one network per candidate, the lowest validation MASE kept; see --strategy)',
    { value: 'NAME', default: 'auto' },
  ),
  strategy: flag.choice(
    ['auto', 'direct', 'recursive'],
    "how forecasts reach --horizon steps: 'direct' one output per step, 'recursive' a one-step network fed its own forecasts (the target alone); " +
      'auto: with --transform auto, one network per candidate recipe is scored on the validation part and the best kept',
    { value: 'NAME', default: 'auto' },
  ),
  augment: flag.list(
    'augment the training windows, redrawn every epoch (validation untouched): jitter (noise sd, default 0.05), scale (sd of one factor, 0.1), ' +
      'magnitude-warp (sd of a smooth factor curve, 0.2), time-warp (sd of a smooth speed curve, 0.2), window-slice (fraction kept, 0.9), mixup (Beta alpha, 0.2); strengths in standardised units',
    { value: 'NAME[=S],…' },
  ),
  missing: flag.choice(['ffill', 'error'], "empty/NA cells: 'ffill' carries the previous value forward (with a note), 'error' refuses", { value: 'POLICY', default: 'ffill' }),
  patience: flag.int("stop after N epochs without a better validation loss; the best epoch's weights are kept (a direct network's: their mean with the 10 epochs on each side)", { value: 'N', default: 40, check: 'positive' }),
  plot: flag.string('write the training and validation loss per epoch as a chart', { value: 'OUT.svg|OUT.png' }),
  seed,
  out,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
  ...LOG_FLAGS,
});

/** What a resume must share with the run that wrote the checkpoint (besides the data). */
const RESUME_KEYS = ['target', 'features', 'date', 'where', 'delimiter', 'missing', 'window', 'horizon', 'cell', 'hidden', 'layers', 'lr', 'batch-size', 'clip-norm', 'val-split', 'test-split', 'season', 'transform', 'strategy', 'augment', 'patience', 'seed'];

async function runCsv(v: Values<typeof trainFlags>, io: Io): Promise<void> {
  const verbose = v.verbose === true;
  const json = v.json === true;
  const logging = trainLogs(v, io);
  await useBackend(io, verbose);
  const target = v.target;
  if (!target) throw new UsageError('rnn train --csv: --target COL is required (the column to forecast)');
  if (v.members !== undefined && v.members > MAX_MEMBERS) throw new ConfigError(`--members must be at most ${MAX_MEMBERS}, found ${v.members}; more members train longer and steady the median little beyond 10`);
  // flags that conflict (usage errors, exit 2); the library says the same for code
  const feats = (v.features ?? []).filter((f) => f !== target);
  if (v.strategy === 'recursive' && feats.length) {
    throw new UsageError(`--strategy recursive feeds the forecasts back in, which needs future values of the features ${feats.join(', ')}; use --strategy direct or drop the features`);
  }
  if (v['batch-members'] && v.minutes !== undefined) throw new UsageError('--batch-members trains members in passes that --minutes cannot share out; drop one of them');
  if (v['batch-members'] && v.augment) throw new UsageError('--batch-members trains members on shared windows that --augment would redraw per member; drop one of them');
  if (v.transform === 'es' && feats.length) throw new UsageError(`--transform es reads the target alone; drop the features ${feats.join(', ')} or use --transform seasonal or diff`);
  if (v.transform === 'es' && v.strategy === 'recursive') throw new UsageError('--transform es forecasts every step at once; use --strategy direct');
  const control = await runControl(v);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint, plot: v.plot });
  // the recipe (transform, split, scaler, windows, network) is the library's; this file reads the flags and reports
  const options = {
    horizon: v.horizon,
    season: v.season,
    window: v.window,
    members: v.members,
    ...(v['batch-members'] ? { batchMembers: true } : {}),
    fallback: v.fallback,
    transform: v.transform,
    strategy: v.strategy,
    ...(v.augment ? { augment: parseAugment(v.augment) } : {}),
    cell: v.cell,
    hidden: v.hidden,
    layers: v.layers,
    epochs: v.epochs,
    lr: v.lr,
    batchSize: v['batch-size'],
    clipNorm: v['clip-norm'],
    valSplit: v['val-split'],
    testSplit: v['test-split'],
    patience: v.patience,
    seed: v.seed,
    csv: { where: v.where ?? null, delimiter: v.delimiter ?? null, missing: v.missing },
  };
  if (v['series-column'] !== undefined) {
    const spec = { target, features: v.features, date: v.date, missing: v.missing, delimiter: v.delimiter };
    return runGlobal({ ...v, csv: v.csv, 'series-column': v['series-column'] }, spec, { ...options, ...(v.minutes !== undefined ? { minutes: v.minutes } : {}) }, io);
  }
  const series = loadSeries(v.csv, { target, features: v.features, date: v.date, where: v.where, missing: v.missing, delimiter: v.delimiter });
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  // the recipe's choice on the validation part (one network per candidate, not checkpointed: seeded, so a resumed run chooses the same)
  let candidates: TimeseriesMeta['candidates'];
  let candidateNetworks: number | undefined;
  const resolved0 = parseForecastOptions(options, 'rnn train --csv');
  const data0 = seriesData(seriesInput(series));
  if (candidateRecipes(data0, resolved0, FLAG_NAMES).length > 1 && v['val-split'] > 0) {
    const sel = await selectRecipe(data0, resolved0, FLAG_NAMES, {
      onCandidate: (c, i, n) => {
        if (verbose && !json) io.stderr.write(`rnn: candidate ${i + 1}/${n}: ${recipeText(c)}: validation MASE ${c.mase === null ? 'n/a' : c.mase.toFixed(3)}\n`);
      },
    });
    candidates = sel.plan.meta.candidates;
    candidateNetworks = sel.plan.meta.candidateNetworks;
    Object.assign(options, sel.chosen);
  }
  const plan = Forecaster.prepare(seriesInput(series), options, FLAG_NAMES);
  if (candidates) plan.meta.candidates = candidates;
  if (candidateNetworks) plan.meta.candidateNetworks = candidateNetworks;
  const { meta, best } = plan;
  const { season, transform, lag, window, horizon, split } = meta;
  const why = plan.auto ? ` (auto: autocorrelation of the changes at lag ${season} ${plan.auto.acf.toFixed(2)} ${plan.auto.seasonal ? '>' : '<='} ${plan.auto.bound.toFixed(2)})` : '';
  // before training: a checkpoint is a model file that evaluate and forecast read too
  plan.model.metadata = { ...plan.model.metadata, [META_KEY]: JSON.stringify(meta) };
  let logs: Logs[] = [];
  const data = series.values.map((c) => fingerprint(new Int32Array(c.buffer, c.byteOffset, c.byteLength / 4))).join(':');
  const settings = resumeSettings(`${series.length}:${data}`, { ...v, features: v.features?.join(','), augment: v.augment?.join(',') }, RESUME_KEYS);
  const t0 = performance.now();
  const r = await fitResumable(
    plan.model,
    plan.x,
    plan.y,
    {
      ...plan.fitOptions,
      callbacks: [progressCallback(io, { json, label: 'train' }), ...logging.callbacks, { onEpochEnd: (_e, l) => void logs.push({ ...l }) }, ...plan.callbacks],
    },
    {
      workflow: 'csv',
      settings,
      control,
      command: commandLine(v, trainFlags.flags),
      io,
      extra: {
        save: () => JSON.stringify({ best: best.save(), logs, logging: logging.extra?.save() ?? null }),
        restore: (text) => {
          const saved = JSON.parse(text) as { best: KeepBestState; logs: Logs[]; logging?: string | null };
          best.restore(saved.best);
          logs = saved.logs;
          if (saved.logging && logging.extra) logging.extra.restore(saved.logging);
        },
      },
    },
  );
  // members 1..K-1 after the first (not checkpointed: they are seeded, so a resumed run trains the same ones)
  const resolved = parseForecastOptions(options, 'rnn train --csv');
  const deadline = v.minutes !== undefined ? t0 + v.minutes * 60_000 : undefined;
  const members = r.stopped === 'interrupt' ? undefined : await trainMembers(plan, plan.series, resolved, FLAG_NAMES, {
    deadline,
    onMember: (d) => {
      if (verbose && !json) io.stderr.write(`rnn: member ${d.index + 1}/${d.of}: window ${d.member.window}, loss ${d.member.loss}, seed ${d.member.seed}, best epoch ${d.member.bestEpoch + 1} (${d.seconds.toFixed(1)}s)\n`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const forecaster = Forecaster.fromPlan(plan, r.history, FLAG_NAMES, members);
  const saved = await saveModel(io, 'out', v.out, (p) => forecaster.save(p));
  const summary = {
    event: 'done',
    stopped: r.stopped ?? 'epochs',
    epochs: logs.length,
    bestEpoch: best.bestEpoch + 1,
    seconds: +seconds.toFixed(2),
    trainWindows: plan.trainWindows,
    valWindows: plan.valWindows,
    split: { train: split.train, val: split.val, test: split.test },
    season,
    transform,
    strategy: meta.strategy ?? 'direct',
    ...(candidates ? { candidates } : {}),
    window,
    horizon,
    ...(forecaster.meta.choice ? { choice: forecaster.meta.choice } : {}),
    members: forecaster.members.map((m) => ({ window: m.window, loss: m.loss, seed: m.seed, bestEpoch: m.bestEpoch + 1 })),
    checkpoint: r.checkpoint,
    out: saved.path,
  } as Record<string, unknown>;
  const ev = plan.valWindows ? forecaster.evaluate({ part: 'validation' }) : null;
  if (ev) summary['validation'] = Object.fromEntries(Object.entries(ev.scores).map(([k, s]) => [k, { mae: s.mae, rmse: s.rmse, mase: s.mase }]));
  if (ev && maseNote(ev)) summary['maseNote'] = maseNote(ev);
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  else {
    io.stdout.write(
      `${r.stopped === 'time' ? 'time budget reached after' : 'trained'} ${logs.length} epochs in ${seconds.toFixed(1)}s (best epoch ${best.bestEpoch + 1}, ${plan.valWindows ? 'validation' : 'training'} loss ${best.best.toPrecision(4)}); ` +
        `${plan.trainWindows} training windows of ${window} steps, horizon ${horizon}${meta.strategy === 'recursive' ? ' (recursive: one step fed back)' : ''}, ${transform === 'none' ? 'levels' : transform === 'es' ? `exponential-smoothing residuals (ES-RNN, alpha ${meta.es!.alpha}, gamma ${meta.es!.gamma})` : `${transform} differences (lag ${lag})`}${why}, season ${season}\n`,
    );
    if (forecaster.members.length > 1) {
      const k = forecaster.members.length;
      const windows = [...new Set(forecaster.members.map((m) => m.window))].join('/');
      io.stdout.write(`ensemble of ${k} networks${k < plan.members ? ` (${plan.members - k} left out: the --minutes budget ran out)` : ''}, windows ${windows}, losses mse/mae, seeds from ${v.seed}: the forecast is their ${k > 4 && forecaster.meta.combine === 'iqm' ? 'interquartile mean' : 'median'}\n`);
    }
    if (ev) io.stdout.write(`validation (steps ${ev.from + 1}..${ev.to}, ${ev.points} forecasts):\n${ev.table}\n`);
    io.stdout.write(`wrote ${saved.path}${resumeHint(r.checkpoint)}\n`);
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
