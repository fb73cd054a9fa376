import { writeFileAtomic } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { writeChart } from '../../plot/index.js';
import { seriesInputs } from '../flags.js';
import { outputType } from '../outputs.js';
import { forecastChart } from './charts.js';
import { whereFlag, openModelAndSeries, seriesInput } from './open.js';

/** `rnn forecast`: the next steps of a series, in its original units. */
export const forecastTimeseries = action({
  flags: withCommon({
    ...seriesInputs("the series to continue (its last rows are the model's input)"),
    where: whereFlag,
    steps: flag.int("steps to forecast; beyond the model's horizon the forecasts are fed back in", { value: 'K', default: 12, check: 'positive' }),
    output: flag.string('write the forecast to a file (default: CSV on stdout)', { value: 'F.csv|F.json' }),
    plot: flag.string('write the recent history and the forecast as a chart', { value: 'OUT.svg|OUT.png' }),
    json: flag.boolean('print the forecast as JSON on stdout'),
  }),
  examples: [
    'rnn forecast --model air.safetensors --csv data/airpassengers/airpassengers.csv --steps 24',
    'rnn forecast --model air.safetensors --csv data/airpassengers/airpassengers.csv --steps 24 --output next.csv --plot next.svg',
  ],
  computes: true,
  async run(v, io) {
    const { forecaster, meta, series } = await openModelAndSeries(v.model, v.csv, io, v.where);
    const steps = v.steps;
    const data = seriesInput(series);
    const values = forecaster.forecast(steps, data);
    const dates = forecaster.nextDates(steps, data);
    const dateCol = meta.date ?? 'step';
    const rows = values.map((y, k) => ({ [dateCol]: dates[k]!, [meta.target]: +y.toPrecision(7) }));
    const csv = [`${dateCol},${meta.target}`, ...rows.map((r) => `${r[dateCol]},${r[meta.target]}`)].join('\n') + '\n';
    const out = v.output;
    if (out) {
      const ext = outputType(out);
      writeFileAtomic(out, ext === '.csv' ? csv : JSON.stringify(rows, null, 1) + '\n');
    }
    if (v.json) io.stdout.write(JSON.stringify(rows) + '\n');
    else if (!out) io.stdout.write(csv);
    if (v.plot) {
      const p = writeChart(v.plot, forecastChart(series, values, Math.max(4 * meta.season, 3 * steps), dates, meta.horizon, forecaster.forecastInterval(data)));
      if (!v.json && out) io.stdout.write(`wrote ${p}\n`);
    }
    if (out && !v.json) io.stdout.write(`wrote ${out}\n`);
  },
});
