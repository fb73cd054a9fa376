import { ValueError } from '@rnn/core';
import type { Sequential } from '@rnn/layers';
import { readMeta, type TimeseriesMeta } from '@rnn/timeseries';
import type { Io } from '../../command.js';
import { loadModel } from '../../model-io.js';
import { loadSeries, type Series } from './series.js';

/** The series a model was trained on, read from a CSV with the columns, filter and date the model file names. */
export function loadForModel(path: string, meta: TimeseriesMeta): Series {
  const s = loadSeries(path, { target: meta.target, features: meta.columns.slice(1), date: meta.date, where: meta.where ?? undefined, missing: meta.missing, delimiter: meta.delimiter ?? undefined });
  const need = meta.lag + meta.window;
  if (s.length < need) {
    throw new ValueError(`${s.source}: the model reads ${meta.window} steps${meta.lag ? ` of ${meta.lag}-step differences` : ''}, so it needs at least ${need} rows; found ${s.length}`);
  }
  return s;
}

/** `--model` and `--csv` of evaluate and forecast: the model, its time-series metadata, and the series (its notes said on stderr). */
export async function openModelAndSeries(modelPath: string, csvPath: string, io: Io): Promise<{ model: Sequential; meta: TimeseriesMeta; series: Series }> {
  const model = await loadModel(modelPath);
  const meta = readMeta(model, modelPath);
  const series = loadForModel(csvPath, meta);
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  return { model, meta, series };
}

