import { ConfigError } from '@rnn/core';

/** Time steps in each part of the series, in time order: train first, then validation, then test. */
export interface Split {
  train: number;
  val: number;
  test: number;
}

/** A part's size: a fraction of the series in [0, 1), or a whole number of time steps (≥ 1). */
function size(n: number, f: number, flag: string): number {
  if (!(f >= 0) || (f >= 1 && !Number.isInteger(f))) {
    throw new ConfigError(`${flag} must be a fraction in [0, 1) or a whole number of time steps, found ${f}`);
  }
  return f >= 1 ? f : Math.round(n * f);
}

/**
 * Split `n` time steps in time order. Nothing is shuffled across the boundaries: validation comes
 * after all training steps and the test window is the end of the series.
 */
export function splitSeries(n: number, valSplit: number, testSplit: number, names: { valSplit: string; testSplit: string } = { valSplit: '--val-split', testSplit: '--test-split' }): Split {
  const test = size(n, testSplit, names.testSplit);
  const val = size(n, valSplit, names.valSplit);
  const train = n - val - test;
  if (train < 1) {
    throw new ConfigError(`the series has ${n} steps, too few for a validation part of ${val} and a test part of ${test}; lower ${names.valSplit} or ${names.testSplit}`);
  }
  return { train, val, test };
}

/** Where each part starts and ends (end exclusive). */
export function bounds(s: Split): { train: [number, number]; val: [number, number]; test: [number, number] } {
  return { train: [0, s.train], val: [s.train, s.train + s.val], test: [s.train + s.val, s.train + s.val + s.test] };
}

/**
 * Forecast origins whose targets all fall in `[from, to)`: origin `t` is the last observed step;
 * its input window is steps `t-window+1 .. t` of the (differenced) series, which needs `lag`
 * earlier steps, and its targets are `t+1 .. t+horizon`. Inputs may reach back before `from`
 * (the past is known); targets never cross `to`.
 */
export function origins(from: number, to: number, o: { window: number; horizon: number; lag: number }): number[] {
  const first = Math.max(from - 1, o.lag + o.window - 1);
  const out: number[] = [];
  for (let t = first; t + o.horizon <= to - 1; t++) out.push(t);
  return out;
}
