import { ConfigError } from '@rnn/core';
import { UsageError } from '../args.js';
import { evaluateTreeModel, formatTreeScores, treeScoresJson } from '../workflows/trees/evaluate.js';
import { useBackend } from '../backend.js';
import { COMMON, type Command } from '../command.js';
import { loadModel } from '../model-io.js';
import { writeChart } from '../plot/index.js';
import { evaluationChart } from '../workflows/timeseries/charts.js';
import { evaluatePart, scoreTable } from '../workflows/timeseries/evaluation.js';
import { loadForModel } from '../workflows/timeseries/forecaster.js';
import { readMeta } from '../workflows/timeseries/meta.js';

export const evaluate: Command = {
  name: 'evaluate',
  summary: 'score a model: a time series (--csv) against naive baselines, or a tree model (--trees) on labelled trees',
  flags: {
    model: { type: 'string', value: 'M.safetensors', help: 'a model trained with rnn train --csv or --trees', required: true },
    csv: { type: 'string', value: 'FILE.csv', help: 'the series (the file it was trained on: the test part is the same end of it)' },
    trees: { type: 'string', value: 'FILE.txt[.gz]', help: 'labelled PTB trees (e.g. SST test.txt) to score a tree model on' },
    season: { type: 'int', value: 'N', help: 'seasonal period for the seasonal-naive forecast and MASE (default: the model\'s, from its dates)' },
    part: { type: 'string', value: 'NAME', help: 'which part to score', default: 'test', choices: ['test', 'validation'] },
    plot: { type: 'string', value: 'OUT.svg|OUT.png', help: 'write the forecasts against the actual values as a chart' },
    json: { type: 'boolean', help: 'print the scores as one JSON object' },
    ...COMMON,
  },
  examples: [
    'rnn evaluate --model air.safetensors --csv data/airpassengers/airpassengers.csv',
    'rnn evaluate --model air.safetensors --csv data/airpassengers/airpassengers.csv --json --plot test.png',
    'rnn evaluate --model sst.safetensors --trees data/sst/test.txt.gz',
  ],
  async run(v, io) {
    await useBackend(io, v['verbose'] === true);
    const path = v['model'] as string;
    if (v['trees'] !== undefined) {
      const { scores } = evaluateTreeModel(path, v['trees'] as string);
      io.stdout.write(v['json'] ? JSON.stringify(treeScoresJson(scores)) + '\n' : formatTreeScores(scores, String(v['trees'])) + '\n');
      return;
    }
    if (v['csv'] === undefined) throw new UsageError('rnn evaluate: give --csv FILE (time-series model) or --trees FILE (tree model); see rnn evaluate --help');
    const model = await loadModel(path);
    const meta = readMeta(model, path);
    const series = loadForModel(v['csv'] as string, meta);
    for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
    const season = (v['season'] as number | undefined) ?? meta.season;
    if (!(season >= 1)) throw new ConfigError(`--season must be a positive integer, found ${season}`);
    if (series.length !== meta.split.rows) {
      io.stderr.write(`rnn: note: ${series.source} has ${series.length} rows, the model was trained on ${meta.split.rows}; scoring the last ${meta.split.test} steps\n`);
    }
    const part = v['part'] as 'test' | 'validation';
    const n = series.length;
    const size = part === 'test' ? meta.split.test : meta.split.val;
    if (size === 0) throw new ConfigError(`the model was trained with no ${part} part (--${part === 'test' ? 'test' : 'val'}-split 0), so there is nothing to score`);
    const [from, to] = part === 'test' ? [n - meta.split.test, n] : [n - meta.split.test - meta.split.val, n - meta.split.test];
    const e = evaluatePart(model, meta, series.values, from, to, season, part);
    const cell = model.config().layers[0]!.type;
    const range = series.dates ? `${series.dates[from]} .. ${series.dates[to - 1]}` : `steps ${from + 1}..${to}`;
    if (v['json']) {
      io.stdout.write(
        JSON.stringify({
          part,
          range,
          steps: to - from,
          origins: e.origins.length,
          horizon: meta.horizon,
          forecasts: e.points,
          season,
          maseScale: e.scale,
          scores: Object.fromEntries(Object.entries(e.scores).map(([k, s]) => [k === 'model' ? cell : k, s])),
        }) + '\n',
      );
    } else {
      io.stdout.write(
        `${part} part: ${range} (${to - from} steps; ${e.origins.length} origin${e.origins.length === 1 ? '' : 's'} × ${meta.horizon}-step horizon = ${e.points} forecasts), ${meta.target}\n` +
          `MASE = MAE / ${e.scale.toPrecision(4)}, the in-sample MAE of the seasonal-naive forecast (m = ${e.scaleLag}) before the ${part} part\n` +
          `${scoreTable(e, cell)}\n`,
      );
    }
    if (v['plot']) {
      const p = writeChart(v['plot'] as string, evaluationChart(series, e, cell, Math.max(3 * season, 2 * (to - from))));
      if (!v['json']) io.stdout.write(`wrote ${p}\n`);
    }
  },
};
