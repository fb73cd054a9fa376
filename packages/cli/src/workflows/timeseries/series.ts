import { ValueError } from '@rnn/core';
import { columnIndex, filterRows, numericColumn, readCsvFile, separatorName, type CsvTable, type MissingPolicy } from './csv.js';
import { inferFrequency, parseDate, type Frequency } from '@rnn/timeseries';

/** Which columns of which rows make the series: what `rnn train --csv` is told and the model file remembers. */
export interface SeriesSpec {
  target: string;
  /** Input columns besides the target (the target is always an input). */
  features?: readonly string[];
  /** The date column; undefined: detected by name, null: none. */
  date?: string | null;
  /** `COL=VALUE`: keep only these rows (one series of a long-format file). */
  where?: string;
  missing: MissingPolicy;
  /** The field separator (`--delimiter`); default: detected. */
  delimiter?: string;
}

/** A multivariate series in time order; column 0 is the target. */
export interface Series {
  source: string;
  columns: string[];
  values: Float64Array[];
  date: string | null;
  /** The date cells as written, or null without a date column. */
  dates: string[] | null;
  /** The dates as UTC milliseconds, or null when they do not all parse. */
  times: number[] | null;
  frequency: Frequency;
  /** Things done to the data the user should know about (forward-filled cells). */
  notes: string[];
  length: number;
  /** The series' value in a global model's series column (`AAPL`), when it was picked by one. */
  key?: string;
}

const DATE_NAMES = /^(date|time|timestamp|datetime|month|year|day|week|quarter|period|ds)$/i;

function detectDate(t: CsvTable, used: Set<string>): string | null {
  for (const h of t.header) {
    if (used.has(h) || !DATE_NAMES.test(h)) continue;
    const sample = t.rows.slice(0, 20).map((r) => r[t.header.indexOf(h)]!);
    if (sample.every((s) => !Number.isNaN(parseDate(s)))) return h;
  }
  return null;
}

export function loadSeries(path: string, spec: SeriesSpec): Series {
  let t = readCsvFile(path, '--csv', { delimiter: spec.delimiter });
  if (spec.where) t = filterRows(t, spec.where);
  const columns = [spec.target, ...(spec.features ?? []).filter((f) => f !== spec.target)];
  const idx = columns.map((c, k) => columnIndex(t, c, k === 0 ? '--target' : '--features column'));
  const date = spec.date === undefined ? detectDate(t, new Set(columns)) : spec.date;
  const notes: string[] = t.delimiter === ',' ? [] : [`read ${t.source.replace(/^--csv /, '')} as ${separatorName(t.delimiter)}-separated (${t.delimiterWhy})`];
  const values = idx.map((k) => numericColumn(t, k, spec.missing, notes));
  let dates: string[] | null = null;
  let times: number[] | null = null;
  if (date !== null) {
    const k = columnIndex(t, date, '--date');
    dates = t.rows.map((r) => r[k]!.trim());
    const ts = dates.map(parseDate);
    if (ts.every((x) => !Number.isNaN(x))) {
      for (let i = 1; i < ts.length; i++) {
        if (ts[i]! <= ts[i - 1]!) {
          const same = ts[i] === ts[i - 1];
          throw new ValueError(
            `${t.source}: line ${t.lines[i]} has date '${dates[i]}', ${same ? 'the same as' : 'earlier than'} line ${t.lines[i - 1]} ('${dates[i - 1]}'); ` +
              `rows must be in time order, one per date${same && !spec.where ? ' (if the file holds several series, pick one with --where COL=VALUE)' : ''}`,
          );
        }
      }
      times = ts;
    }
  }
  return {
    source: t.source,
    columns,
    values,
    date,
    dates,
    times,
    frequency: times ? inferFrequency(times) : 'unknown',
    notes,
    length: t.rows.length,
  };
}
