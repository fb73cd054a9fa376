import { ValueError, tensor } from '@rnn/core';
import { difference, inputWindows } from '@rnn/timeseries';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { explainFlags } from '../explain/flags.js';
import { writeReport } from '../explain/report.js';
import { explainSequences } from '../explain/sequence.js';
import { seriesInputs } from '../flags.js';
import { whereFlag, openModelAndSeries, seriesInput } from './open.js';

/**
 * `rnn explain --csv`: which past steps and which input columns drove a forecast. The model's
 * window before each of the last `--last` origins is explained (the series' end by default: the
 * forecast `rnn forecast` prints), for the forecast `--ahead` steps after it.
 */
export const explainTimeseries = action({
  flags: withCommon({
    ...seriesInputs('the series (the columns the model was trained on)'),
    where: whereFlag,
    last: flag.int('explain the forecasts from the last N origins of the series (the end first)', { value: 'N', default: 1, check: 'positive' }),
    ahead: flag.int('which forecast step to explain (1 = the next value)', { value: 'H', default: 1, check: 'positive' }),
    ...explainFlags,
  }),
  examples: [
    'rnn explain --model air.safetensors --csv data/airpassengers/airpassengers.csv --out explain-air/',
    'rnn explain --model air.safetensors --csv data/airpassengers/airpassengers.csv --last 12 --ahead 3 --out explain-air/ --png',
  ],
  computes: true,
  async run(v, io) {
    const { forecaster, meta, series } = await openModelAndSeries(v.model, v.csv, io, v.where);
    if (meta.transform === 'es') throw new ValueError(`--model ${v.model}: rnn explain reads the differences a network sees, and this model's transform is es (ES-RNN); explain a model trained with --transform seasonal, diff or none`);
    if (v.ahead > meta.horizon) throw new ValueError(`--ahead ${v.ahead}: the model forecasts ${meta.horizon} step${meta.horizon === 1 ? '' : 's'} ahead; use --ahead 1..${meta.horizon}`);
    const n = series.length;
    const first = meta.lag + meta.window - 1;
    const count = Math.min(v.last, n - first);
    // the end of the series first
    const origins = Array.from({ length: count }, (_, k) => n - 1 - k);
    const z = series.values.map((c) => difference(c, meta.lag));
    const x = tensor(inputWindows(z, forecaster.scalerFor(seriesInput(series)), origins, meta.window), [count, meta.window, series.values.length]);
    const dateOf = (t: number) => (series.dates ? series.dates[t]! : String(t + 1));
    const W = meta.window;
    const r = explainSequences(
      {
        model: forecaster.model,
        x,
        lengths: null,
        features: meta.columns.map((c) => (meta.lag ? `Δ${meta.lag} ${c}` : c)),
        // the curve in the series' own units, the window the model read
        curves: origins.map((t) => Array.from({ length: W }, (_, k) => series.values.map((col) => col[t - W + 1 + k]!))),
        stepLabel: (k) => `lag ${W - k}`,
        target: new Array<number>(count).fill(v.ahead - 1),
        describe: (b) => `the scaled forecast of ${meta.target} ${v.ahead} step${v.ahead === 1 ? '' : 's'} after ${dateOf(origins[b]!)}`,
      },
      v,
    );
    const json = { model: v.model, csv: v.csv, window: W, ahead: v.ahead, origins: origins.map(dateOf), ...r.json };
    writeReport(v.out, json, r.pictures, v.png === true, io, r.summary);
  },
});
