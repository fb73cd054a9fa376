import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { writeChart } from '../../plot/index.js';
import { seriesInputs } from '../flags.js';
import { evaluationChart } from './charts.js';
import { whereFlag, openModelAndSeries, seriesInput } from './open.js';
import { maseNote } from '@rnn/timeseries';

/** `rnn evaluate --csv`: the model's test (or validation) part against naive baselines. */
export const evaluateTimeseries = action({
  flags: withCommon({
    ...seriesInputs('the series (the file it was trained on: the test part is the same end of it)'),
    where: whereFlag,
    season: flag.int("seasonal period for the seasonal-naive forecast and MASE (default: the model's, from its dates)", { value: 'N', check: 'positive' }),
    part: flag.choice(['test', 'validation'], 'which part to score', { value: 'NAME', default: 'test' }),
    plot: flag.string('write the forecasts against the actual values as a chart', { value: 'OUT.svg|OUT.png' }),
    json: flag.boolean('print the scores as one JSON object'),
  }),
  examples: [
    'rnn evaluate --model air.safetensors --csv data/airpassengers/airpassengers.csv',
    'rnn evaluate --model air.safetensors --csv data/airpassengers/airpassengers.csv --json --plot test.png',
  ],
  computes: true,
  async run(v, io) {
    const { forecaster, meta, series } = await openModelAndSeries(v.model, v.csv, io, v.where);
    const season = v.season ?? meta.season;
    if (series.length !== meta.split.rows) {
      io.stderr.write(`rnn: note: ${series.source} has ${series.length} rows, the model was trained on ${meta.split.rows}; scoring the last ${meta.split.test} steps\n`);
    }
    const part = v.part;
    const e = forecaster.evaluate({ part, season, data: seriesInput(series) });
    const { from, to, label: cell } = e;
    if (v.json) {
      io.stdout.write(
        JSON.stringify({
          part,
          range: e.range,
          steps: to - from,
          origins: e.origins.length,
          horizon: meta.horizon,
          forecasts: e.points,
          season,
          maseScale: e.scale,
          ...(maseNote(e) ? { maseNote: maseNote(e) } : {}),
          scores: Object.fromEntries(Object.entries(e.scores).map(([k, s]) => [k === 'model' ? cell : k, s])),
          ...(forecaster.meta.choice ? { choice: forecaster.meta.choice } : {}),
          ...(e.interval ? { interval: { level: e.interval.level, coverage: e.interval.coverage, msis: Number.isNaN(e.interval.msis) ? null : e.interval.msis } } : {}),
        }) + '\n',
      );
    } else {
      io.stdout.write(
        `${part} part: ${e.range} (${to - from} steps; ${e.origins.length} origin${e.origins.length === 1 ? '' : 's'} × ${meta.horizon}-step horizon = ${e.points} forecasts), ${meta.target}\n` +
          (e.scale > 0 ? `MASE = MAE / ${e.scale.toPrecision(4)}, the in-sample MAE of the seasonal-naive forecast (m = ${e.scaleLag}) before the ${part} part\n` : '') +
          `${e.table}\n`,
      );
    }
    if (v.plot) {
      const p = writeChart(v.plot, evaluationChart(series, e, cell, Math.max(3 * season, 2 * (to - from)), e.interval));
      if (!v.json) io.stdout.write(`wrote ${p}\n`);
    }
  },
});
