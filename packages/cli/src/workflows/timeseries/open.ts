import { ValueError } from '@rnn/core';
import { Forecaster, type Names, type SeriesInput, type TimeseriesMeta } from '@rnn/timeseries';
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

/** How the library's messages name its options at the command line. */
export const FLAG_NAMES: Names = {
  window: '--window',
  horizon: '--horizon',
  season: '--season',
  transform: '--transform',
  valSplit: '--val-split',
  testSplit: '--test-split',
  strategy: '--strategy',
  steps: '--steps',
};

/** A series read from a CSV file, as the library takes it: the target, its features and dates. */
export function seriesInput(s: Series): SeriesInput {
  return {
    name: s.columns[0]!,
    values: s.values[0]!,
    features: new Map(s.columns.slice(1).map((c, k) => [c, s.values[k + 1]!])),
    ...(s.dates ? { dates: s.dates, dateName: s.date! } : {}),
  };
}

/** `--model` and `--csv` of evaluate and forecast: the forecaster and the series (its notes said on stderr). */
export async function openModelAndSeries(modelPath: string, csvPath: string, io: Io): Promise<{ forecaster: Forecaster; meta: TimeseriesMeta; series: Series }> {
  const forecaster = Forecaster.fromModel(await loadModel(modelPath), `--model ${modelPath}`, FLAG_NAMES);
  const meta = forecaster.meta;
  const series = loadForModel(csvPath, meta);
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  return { forecaster, meta, series };
}
