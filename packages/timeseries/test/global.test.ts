import { readFileSync } from 'node:fs';
import { ConfigError, ValueError } from '@rnn/core';
import { describe, expect, it } from 'vitest';
import { Forecaster, fitScaler, difference } from '../src/index.js';

const read = (f: string) => {
  const rows = readFileSync(new URL(`../../../data/r-datasets/${f}.csv`, import.meta.url), 'utf8').trim().split('\n').slice(1);
  return { name: 'deaths', dateName: 'month', dates: rows.map((r) => r.split(',')[0]!), values: rows.map((r) => Number(r.split(',')[1])) };
};
const L = read('ldeaths');
const U = read('usaccdeaths');
const quick = { horizon: 3, valSplit: 12, testSplit: 12, epochs: 3, hidden: 4, members: 2 } as const;

describe('Forecaster.fitGlobal: one network over many series', () => {
  it('scales each series by its own training part, forecasts each by key, and a new series on its own history', async () => {
    const f = await Forecaster.fitGlobal({ l: L, u: U }, quick, 'series');
    expect(f.meta.global!.keys).toEqual(['l', 'u']);
    expect(f.members).toHaveLength(2);
    const z = difference(Float64Array.from(U.values), f.meta.lag);
    expect(f.meta.global!.scalers[1]).toEqual(fitScaler([z], f.meta.lag, 72 - 24, ['deaths']));
    expect(f.scalerFor({ ...U, key: 'u' })).toEqual(f.meta.global!.scalers[1]);
    // a new key: its own scaler, from its steps before the validation and test parts
    const doubled = { ...U, values: U.values.map((v) => 2 * v) };
    const s = f.scalerFor({ ...doubled, key: 'new' });
    expect(s.std[0]).toBeCloseTo(2 * f.meta.global!.scalers[1]!.std[0]!, 6);
    // standardised alike, so the forecast of the doubled series is the double
    const a = f.forecast(3, { ...U, key: 'u' });
    f.forecast(3, { ...doubled, key: 'new' }).forEach((v, h) => expect(v).toBeCloseTo(2 * a[h]!, 3));
    expect(f.evaluate({ data: { ...L, key: 'l' } }).scores.model.mase).toBeGreaterThan(0);
  });

  it('asks which series when none is given, and names a series too short to scale', async () => {
    const f = await Forecaster.fitGlobal({ l: L, u: U }, { ...quick, members: 1 }, 'series');
    expect(() => f.forecast()).toThrow(/^forecast: this global model was fit on 2 series \(l, u\); pass the one to read: forecast\(…, \{ values, dates, key \}\)$/);
    expect(() => f.forecast(3, { ...U, values: U.values.slice(0, 26), dates: U.dates.slice(0, 26), key: 'tiny' })).toThrow(ValueError);
  });

  it('refuses one series, and series with different columns', async () => {
    await expect(Forecaster.fitGlobal({ l: L }, quick, 'series')).rejects.toThrow(ConfigError);
    await expect(Forecaster.fitGlobal({ l: L, u: U }, { ...quick, transform: 'es' }, 'series')).rejects.toThrow(
      /^transform es fits the smoothing per series, which a global model does not do yet; use transform seasonal, diff or none$/,
    );
    await expect(Forecaster.fitGlobal({ l: L, u: { ...U, features: { x: U.values } } }, quick, 'series')).rejects.toThrow(/^series 'u' has the columns deaths, x, series 'l' deaths; every series of a global model needs the same$/);
  });
});
