import { ValueError } from '@rnn/core';
import { naive, seasonalNaive } from './baselines.js';
import type { Predictor } from './predict.js';
import type { TimeseriesMeta } from './meta.js';
import { scores, seasonalNaiveMae, type Scores } from './metrics.js';
import { origins } from './split.js';

export interface Evaluation {
  part: 'validation' | 'test';
  /** Steps `[from, to)` of the series whose values are forecast. */
  from: number;
  to: number;
  season: number;
  /** The MASE denominator: in-sample seasonal-naive MAE before `from`. */
  scale: number;
  /** The lag of that in-sample forecast: the season, or 1 when too little precedes the part. */
  scaleLag: number;
  origins: number[];
  /** Forecasts per origin `[origins][horizon]`, original units. */
  forecasts: Record<'model' | 'naive' | 'seasonal naive', number[][]>;
  scores: Record<'model' | 'naive' | 'seasonal naive', Scores>;
  points: number;
}

/**
 * Score the model against the naive and seasonal-naive forecasts from the same origins: every
 * origin whose `horizon` targets all fall in `[from, to)`, every (origin, step) counted once.
 */
export function evaluatePart(predict: Predictor, meta: TimeseriesMeta, values: readonly Float64Array[], from: number, to: number, season: number, part: Evaluation['part']): Evaluation {
  const ts = origins(from, to, meta);
  if (ts.length === 0) {
    throw new ValueError(
      `the ${part} part (steps ${from + 1}..${to}) holds ${to - from} steps, fewer than the horizon (${meta.horizon}) needs, or starts before the first full window; ` +
        `train with a larger --${part === 'test' ? 'test' : 'val'}-split or a smaller --horizon`,
    );
  }
  const y = values[0]!;
  const model_ = predict(values, ts);
  const nv = ts.map((t) => naive(y, t, meta.horizon));
  const sn = ts.map((t) => seasonalNaive(y, t, meta.horizon, season));
  const actual = ts.flatMap((t) => Array.from(y.subarray(t + 1, t + 1 + meta.horizon)));
  const scaleLag = from > season ? season : 1;
  const scale = seasonalNaiveMae(y, from, scaleLag);
  return {
    part,
    from,
    to,
    season,
    scale,
    scaleLag,
    origins: ts,
    forecasts: { model: model_, naive: nv, 'seasonal naive': sn },
    scores: {
      model: scores(actual, model_.flat(), scale),
      naive: scores(actual, nv.flat(), scale),
      'seasonal naive': scores(actual, sn.flat(), scale),
    },
    points: actual.length,
  };
}

/** Why the MASE column is n/a, or null when it is defined. */
export function maseNote(e: Evaluation): string | null {
  if (e.scale > 0) return null;
  return (
    `MASE n/a: its scale, the in-sample MAE of the seasonal-naive forecast (m = ${e.scaleLag}) before the ${e.part} part, is zero ` +
    `(the series repeats exactly over ${e.scaleLag} step${e.scaleLag === 1 ? '' : 's'}); compare the MAE instead`
  );
}

const num = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

/** The scores as an aligned text table, best MASE marked (best MAE when MASE is n/a, with the note why). */
export function scoreTable(e: Evaluation, label: string): string {
  const note = maseNote(e);
  const rows = Object.entries(e.scores).map(([name, s]) => [name === 'model' ? label : name, num(s.mae), num(s.rmse), Number.isNaN(s.mase) ? 'n/a' : s.mase.toFixed(3)]);
  const key = note ? 'mae' : 'mase';
  const best = Math.min(...Object.values(e.scores).map((s) => s[key]));
  const head = ['forecast', 'MAE', 'RMSE', 'MASE'];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k === 0 ? c.padEnd(w[k]!) : c.padStart(w[k]!))).join('  ');
  const table = [line(head), ...rows.map((r, i) => `${line(r)}${Object.values(e.scores)[i]![key] === best ? '  <- best' : ''}`)];
  return [...table, ...(note ? [note] : [])].join('\n');
}
