import { ValueError } from '@rnn/core';
import { inferFrequency, parseDate, type Frequency } from './dates.js';

/**
 * A series as code holds it: the values alone, or with their dates (which set the season: 12 for
 * monthly data), a name, and more input columns known over the same steps.
 */
export type SeriesInput =
  | ArrayLike<number>
  | {
      /** The target, in time order. */
      values: ArrayLike<number>;
      /** One date per value (`'1949-01'`, `'2024-03-01'`, a `Date`): they set the season and the forecast's dates. */
      dates?: readonly (string | Date)[];
      /** The target's name: the CSV column `rnn evaluate/forecast --csv` reads for a model fitted in code (default `value`). */
      name?: string;
      /** The date column's name in such a CSV (default `date`). */
      dateName?: string;
      /** Which series of a global model this is: its value in the series column (`AAPL`); a key the model never saw is a new series. */
      key?: string;
      /** More input columns over the same steps (their future is unknown, so forecasts stop at the horizon). */
      features?: Record<string, ArrayLike<number>> | ReadonlyMap<string, ArrayLike<number>>;
    };

/** A series checked and in the form the recipe reads: column 0 is the target. */
export interface SeriesData {
  columns: string[];
  values: Float64Array[];
  /** The date column's name, or null without dates. */
  date: string | null;
  dates: string[] | null;
  frequency: Frequency;
  length: number;
  /** The series' key in a global model (see global.ts), or null. */
  key: string | null;
}

function dateText(d: string | Date, i: number): string {
  if (typeof d === 'string') return d.trim();
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new ValueError(`series: dates[${i}] is not a valid date (found ${String(d)})`);
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
}

function column(name: string, v: unknown, n: number | null): Float64Array {
  if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<number>).length !== 'number') {
    throw new ValueError(`series: '${name}' must be an array of numbers, found ${v === null ? 'null' : typeof v}`);
  }
  const a = v as ArrayLike<unknown>;
  if (n !== null && a.length !== n) throw new ValueError(`series: '${name}' has ${a.length} values, the target has ${n}; every column needs one value per step`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new ValueError(`series: '${name}'[${i}] is ${typeof x === 'number' ? x : JSON.stringify(x)}, expected a finite number (fill or drop missing values first)`);
    }
    out[i] = x;
  }
  return out;
}

/** Check a series given in code; errors say which column and step is wrong. */
export function seriesData(input: SeriesInput): SeriesData {
  const isObject = typeof input === 'object' && input !== null && !('length' in input) && 'values' in input;
  if (!isObject && !(typeof input === 'object' && input !== null && 'length' in input)) {
    throw new ValueError(`series: expected an array of numbers or { values, dates?, name?, features? }, found ${input === null ? 'null' : typeof input}`);
  }
  const o = isObject ? (input as Exclude<SeriesInput, ArrayLike<number>>) : { values: input as ArrayLike<number> };
  const name = o.name ?? 'value';
  const target = column(name, o.values, null);
  if (target.length < 2) throw new ValueError(`series: '${name}' has ${target.length} value${target.length === 1 ? '' : 's'}; a forecaster needs a series`);
  const features = o.features instanceof Map ? [...o.features] : Object.entries(o.features ?? {});
  const columns = [name, ...features.map(([k]) => k)];
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new ValueError(`series: column '${dup}' appears twice (the target's name and a feature's must differ)`);
  const values = [target, ...features.map(([k, v]) => column(k, v, target.length))];
  let dates: string[] | null = null;
  let frequency: Frequency = 'unknown';
  if (o.dates !== undefined) {
    if (!Array.isArray(o.dates) || o.dates.length !== target.length) {
      throw new ValueError(`series: dates must be an array with one date per value (${target.length}), found ${Array.isArray(o.dates) ? `${o.dates.length} dates` : typeof o.dates}`);
    }
    dates = o.dates.map(dateText);
    const ts = dates.map(parseDate);
    // as `rnn train --csv`: dates that all parse must increase, and set the frequency; others are only labels
    if (ts.every((t) => !Number.isNaN(t))) {
      for (let i = 1; i < ts.length; i++) {
        if (ts[i]! <= ts[i - 1]!) throw new ValueError(`series: dates[${i}] '${dates[i]}' is not after dates[${i - 1}] '${dates[i - 1]}'; the values must be in time order, one per date`);
      }
      frequency = inferFrequency(ts);
    }
  }
  if (o.key !== undefined && typeof o.key !== 'string') throw new ValueError(`series: key must be a string (the series' value in the series column), found ${typeof o.key}`);
  return { columns, values, date: dates ? (o.dateName ?? 'date') : null, dates, frequency, length: target.length, key: o.key ?? null };
}
