import { ValueError } from '@rnn/core';
import { Forecaster, keysText, type Names, type SeriesInput, type TimeseriesMeta } from '@rnn/timeseries';
import type { Io } from '../../command.js';
import { UsageError, flag } from '../../flags.js';
import { loadModel } from '../../model-io.js';
import { loadSeries, type Series } from './series.js';
import { readCsvFile } from './csv.js';

/** `--where` of evaluate/forecast/predict/explain: which series of a long-format file to read (required for a global model). */
export const whereFlag = flag.string(
  "keep only these rows (default: the model's own filter); for a global model (--series-column) the series to read, known or new (a file without the series column is one new series)",
  { value: 'COL=VALUE' },
);

/**
 * The rows to read: `--where` if given, else the model's own filter. A global model (trained with
 * --series-column) needs one of its series picked, and the series' value is its key.
 */
function rowsFor(meta: TimeseriesMeta, where: string | undefined, path: string): { where: string | undefined; key?: string } {
  const g = meta.global;
  if (!g) return { where: where ?? meta.where ?? undefined };
  // a file without the series column holds one series: a new one to the model
  if (where === undefined && !readCsvFile(path, '--csv', { delimiter: meta.delimiter ?? undefined }).header.includes(g.column)) return { where: undefined };
  if (where === undefined) {
    throw new UsageError(`this model is global over the series column '${g.column}' (${keysText(g.keys)}); pick one with --where ${g.column}=VALUE (a value it did not train on is a new series)`);
  }
  const eq = where.indexOf('=');
  const col = eq > 0 ? where.slice(0, eq).trim() : '';
  if (col !== g.column) throw new UsageError(`--where ${where}: this global model's series column is '${g.column}'; pass --where ${g.column}=VALUE`);
  return { where, key: where.slice(eq + 1).trim() };
}

/** The series a model was trained on, read from a CSV with the columns, filter and date the model file names. */
export function loadForModel(path: string, meta: TimeseriesMeta, where?: string): Series {
  const rows = rowsFor(meta, where, path);
  const s = loadSeries(path, { target: meta.target, features: meta.columns.slice(1), date: meta.date, where: rows.where, missing: meta.missing, delimiter: meta.delimiter ?? undefined });
  if (rows.key !== undefined) s.key = rows.key;
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
    ...(s.key !== undefined ? { key: s.key } : {}),
    name: s.columns[0]!,
    values: s.values[0]!,
    features: new Map(s.columns.slice(1).map((c, k) => [c, s.values[k + 1]!])),
    ...(s.dates ? { dates: s.dates, dateName: s.date! } : {}),
  };
}

/** `--model` and `--csv` of evaluate and forecast: the forecaster and the series (its notes said on stderr). */
export async function openModelAndSeries(modelPath: string, csvPath: string, io: Io, where?: string): Promise<{ forecaster: Forecaster; meta: TimeseriesMeta; series: Series }> {
  const forecaster = Forecaster.fromModel(await loadModel(modelPath), `--model ${modelPath}`, FLAG_NAMES);
  const meta = forecaster.meta;
  const series = loadForModel(csvPath, meta, where);
  for (const n of series.notes) io.stderr.write(`rnn: note: ${n}\n`);
  return { forecaster, meta, series };
}
