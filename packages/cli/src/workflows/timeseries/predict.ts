import { writeFileAtomic } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { seriesInputs } from '../flags.js';
import { outputType } from '../outputs.js';
import { whereFlag, openModelAndSeries, seriesInput } from './open.js';

/**
 * `rnn predict --csv`: the model run at every step of a series (a backtest), where `rnn forecast`
 * only continues its end. One row per (origin, step ahead): `origin` the last date the model read,
 * `h` the step ahead, the forecast date, the forecast (under the target's name) and the actual
 * value when the series has it.
 */
export const predictTimeseries = action({
  flags: withCommon({
    ...seriesInputs('the series to run the model over (the columns it was trained on)'),
    where: whereFlag,
    output: flag.string('write the predictions to a file (default: CSV on stdout)', { value: 'P.csv|P.json' }),
    json: flag.boolean('print the predictions as JSON on stdout'),
  }),
  examples: [
    'rnn predict --model air.safetensors --csv data/airpassengers/airpassengers.csv',
    'rnn predict --model air.safetensors --csv data/airpassengers/airpassengers.csv --output fitted.csv',
  ],
  computes: true,
  async run(v, io) {
    const out = v.output;
    const ext = out ? outputType(out) : '';
    const { forecaster, meta, series } = await openModelAndSeries(v.model, v.csv, io, v.where);
    const data = seriesInput(series);
    const { origins, forecasts } = forecaster.backtest(data);
    const n = series.length;
    const beyond = forecaster.nextDates(meta.horizon, data);
    const dateAt = (t: number) => (t < n ? (series.dates ? series.dates[t]! : String(t + 1)) : beyond[t - n]!);
    const dateCol = meta.date ?? 'step';
    const y = series.values[0]!;
    const rows = origins.flatMap((t, i) =>
      forecasts[i]!.map((f, h) => ({ origin: dateAt(t), h: h + 1, [dateCol]: dateAt(t + h + 1), [meta.target]: +f.toPrecision(7), actual: t + h + 1 < n ? y[t + h + 1]! : null })),
    );
    const csv = [`origin,h,${dateCol},${meta.target},actual`, ...rows.map((r) => `${r.origin},${r.h},${r[dateCol]},${r[meta.target]},${r.actual ?? ''}`)].join('\n') + '\n';
    if (out) writeFileAtomic(out, ext === '.csv' ? csv : JSON.stringify(rows, null, 1) + '\n');
    if (v.json) io.stdout.write(JSON.stringify(rows) + '\n');
    else if (!out) io.stdout.write(csv);
    else io.stdout.write(`wrote ${out}\n`);
  },
});
