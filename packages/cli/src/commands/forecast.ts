import { extname } from 'node:path';
import { ConfigError, FormatError } from '@rnn/core';
import { writeFileAtomic } from '@rnn/layers';
import { useBackend } from '../backend.js';
import { COMMON, type Command } from '../command.js';
import { loadModel } from '../model-io.js';
import { writeChart } from '../plot/index.js';
import { forecastChart } from '../workflows/timeseries/charts.js';
import { nextDates } from '../workflows/timeseries/dates.js';
import { forecastAhead, loadForModel } from '../workflows/timeseries/forecaster.js';
import { readMeta } from '../workflows/timeseries/meta.js';

export const forecast: Command = {
  name: 'forecast',
  summary: 'forecast the next steps of a series with a time-series model, in its original units',
  flags: {
    model: { type: 'string', value: 'M.safetensors', help: 'a model trained with rnn train --csv', required: true },
    csv: { type: 'string', value: 'FILE.csv', help: 'the series to continue (its last rows are the model\'s input)', required: true },
    steps: { type: 'int', value: 'K', help: 'steps to forecast; beyond the model\'s horizon the forecasts are fed back in', default: 12 },
    output: { type: 'string', value: 'F.csv|F.json', help: 'write the forecast to a file (default: CSV on stdout)' },
    plot: { type: 'string', value: 'OUT.svg|OUT.png', help: 'write the recent history and the forecast as a chart' },
    json: { type: 'boolean', help: 'print the forecast as JSON on stdout' },
    ...COMMON,
  },
  examples: [
    'rnn forecast --model air.safetensors --csv data/airpassengers/airpassengers.csv --steps 24',
    'rnn forecast --model air.safetensors --csv data/airpassengers/airpassengers.csv --steps 24 --output next.csv --plot next.svg',
  ],
  async run(v, io) {
    await useBackend(io, v['verbose'] === true);
    const path = v['model'] as string;
    const model = await loadModel(path);
    const meta = readMeta(model, path);
    const steps = v['steps'] as number;
    if (!Number.isInteger(steps) || steps < 1) throw new ConfigError(`--steps must be a positive integer, found ${steps}`);
    const series = loadForModel(v['csv'] as string, meta);
    for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
    const values = forecastAhead(model, meta, series.values, steps);
    const dates = series.dates ? nextDates(series.dates[series.length - 1]!, series.frequency, steps) : values.map((_, k) => String(series.length + k + 1));
    const dateCol = meta.date ?? 'step';
    const rows = values.map((y, k) => ({ [dateCol]: dates[k]!, [meta.target]: +y.toPrecision(7) }));
    const csv = [`${dateCol},${meta.target}`, ...rows.map((r) => `${r[dateCol]},${r[meta.target]}`)].join('\n') + '\n';
    const out = v['output'] as string | undefined;
    if (out) {
      const ext = extname(out).toLowerCase();
      if (ext !== '.csv' && ext !== '.json') throw new FormatError(`--output ${out}: unsupported file type '${ext || '(none)'}', expected .csv or .json`);
      writeFileAtomic(out, ext === '.csv' ? csv : JSON.stringify(rows, null, 1) + '\n');
    }
    if (v['json']) io.stdout.write(JSON.stringify(rows) + '\n');
    else if (!out) io.stdout.write(csv);
    if (v['plot']) {
      const p = writeChart(v['plot'] as string, forecastChart(series, values, Math.max(4 * meta.season, 3 * steps), dates, meta.horizon));
      if (!v['json'] && out) io.stdout.write(`wrote ${p}\n`);
    }
    if (out && !v['json']) io.stdout.write(`wrote ${out}\n`);
  },
};
