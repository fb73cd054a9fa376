import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FormatError, ValueError } from '@rnn/core';
import { dense, lstm, sequential } from '@rnn/layers';
import { describe, expect, it } from 'vitest';
import { Forecaster, type SeriesInput } from '../src/index.js';

const rows = readFileSync(new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
const AIR = { name: 'passengers_thousands', dateName: 'month', dates: rows.map((r) => r.split(',')[0]!), values: rows.map((r) => Number(r.split(',')[1])) };
const nile = readFileSync(new URL('../../../data/nile/nile.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',')[1]));
const tmp = () => mkdtempSync(join(tmpdir(), 'rnn-ts-'));

describe('Forecaster on AirPassengers', () => {
  let f: Forecaster;
  it('fits with the recipe: season 12 from the dates, seasonal differences, the last parts held out', async () => {
    f = await Forecaster.fit(AIR, { horizon: 12, valSplit: 24, testSplit: 24, epochs: 8, seed: 1 });
    expect(f.meta).toMatchObject({ season: 12, transform: 'seasonal', lag: 12, window: 24, horizon: 12, frequency: 'month', target: 'passengers_thousands', date: 'month' });
    expect(f.meta.split).toEqual({ rows: 144, train: 96, val: 24, test: 24 });
    expect(f.history!.epochs.length).toBe(8);
    expect(f.bestEpoch).toBeGreaterThanOrEqual(0);
  }, 180_000); // 24 members by default on a training part this short (ensembleSize), on the JS backend

  it('evaluate() scores the test part against naive and seasonal naive, with the MASE table', () => {
    const e = f.evaluate();
    expect(e).toMatchObject({ part: 'test', range: '1959-01 .. 1960-12', horizon: 12, points: 156, season: 12, scaleLag: 12 });
    expect(e.origins.length).toBe(13);
    // the baselines do not depend on the network: AirPassengers' test-part numbers of the main job
    expect(e.scores['seasonal naive'].mase).toBeCloseTo(1.801, 3);
    expect(e.scores.naive.mase).toBeCloseTo(2.724, 3);
    expect(Number.isFinite(e.scores.model.mase)).toBe(true);
    expect(e.table.split('\n')[0]).toMatch(/^forecast\s+MAE\s+RMSE\s+MASE$/);
    expect(e.table).toMatch(/^lstm\s/m);
    expect(e.table).toContain('<- best');
    expect(f.evaluate({ part: 'validation' }).range).toBe('1957-01 .. 1958-12');
  });

  it('forecast(h): direct up to the horizon, fed back in beyond it, with the next dates', () => {
    const next = f.forecast(24);
    expect(next).toHaveLength(24);
    expect(next.every((v) => Number.isFinite(v) && v > 200 && v < 1000)).toBe(true);
    expect(f.forecast()).toEqual(next.slice(0, 12));
    expect(f.nextDates(14)).toEqual([...Array.from({ length: 12 }, (_, k) => `1961-${String(k + 1).padStart(2, '0')}`), '1962-01', '1962-02']);
  });

  it('save/load: the same model file, the same forecasts; a loaded forecaster is given the series', async () => {
    const path = join(tmp(), 'air.safetensors');
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.meta).toEqual(f.meta);
    expect(() => g.forecast(12)).toThrow(/loaded from a file and holds no series; pass it/);
    expect(g.forecast(24, AIR)).toEqual(f.forecast(24));
    expect(g.evaluate({ data: AIR }).scores).toEqual(f.evaluate().scores);
  });

  it('the same seed gives the same forecaster', async () => {
    const a = await Forecaster.fit(AIR, { horizon: 3, epochs: 3, seed: 5 });
    const b = await Forecaster.fit(AIR, { horizon: 3, epochs: 3, seed: 5 });
    expect(a.forecast(6)).toEqual(b.forecast(6));
    // the default ensemble of a series this short has 20 members (ensembleSize): two fits on the JS backend
  }, 180_000);
});

describe('Forecaster: series without dates, options, budgets', () => {
  it('a plain array: season 1, one-step differences chosen by auto, steps as dates', async () => {
    const f = await Forecaster.fit(nile, { epochs: 3, hidden: 8, cell: 'gru', fallback: 'none' });
    expect(f.meta).toMatchObject({ season: 1, transform: 'diff', lag: 1, window: 8, target: 'value', date: null, frequency: 'unknown' });
    expect(f.nextDates(2)).toEqual(['101', '102']);
    expect(f.evaluate().label).toBe('gru');
  });

  it('minutes stops at the end of the epoch that passes the budget, keeping the best weights', async () => {
    const f = await Forecaster.fit(nile, { epochs: 100000, patience: 100000, minutes: 0.0005, hidden: 4 });
    expect(f.history!.epochs.length).toBeLessThan(100000);
    expect(f.history!.epochs.length).toBeGreaterThanOrEqual(1);
  });

  it('passes the user callbacks every epoch', async () => {
    const seen: number[] = [];
    await Forecaster.fit(nile, { epochs: 2, hidden: 4, callbacks: [{ onEpochEnd: (e) => void seen.push(e) }] });
    expect(seen).toEqual([0, 1]);
  });

  it('refuses unknown option keys by name, with a hint', async () => {
    await expect(Forecaster.fit(nile, { learningRate: 0.01 } as never)).rejects.toThrow(/^Forecaster\.fit: unknown option 'learningRate' \(did you mean 'lr'\?\); options are: horizon, season/);
    await expect(Forecaster.fit(nile, { horizn: 3 } as never)).rejects.toThrow(/unknown option 'horizn' \(did you mean 'horizon'\?\)/);
    await expect(Forecaster.fit(nile, { csv: { sep: ';' } } as never)).rejects.toThrow(/unknown option 'csv\.sep'/);
    await expect(Forecaster.fit(nile, { horizon: 0 })).rejects.toBeInstanceOf(ConfigError);
    await expect(Forecaster.fit(nile, { cell: 'lstmm' } as never)).rejects.toThrow(/option 'cell'/);
    const f = await Forecaster.fit(nile, { epochs: 1, hidden: 4 });
    expect(() => f.evaluate({ parts: 'test' } as never)).toThrow(/evaluate: unknown option 'parts'/);
  });

  it('errors name what is wrong in the series', async () => {
    await expect(Forecaster.fit([1, 2, NaN, 4])).rejects.toThrow(/^series: 'value'\[2\] is NaN, expected a finite number/);
    await expect(Forecaster.fit({ values: [1, 2, 3], dates: ['2000-01', '2000-02'] })).rejects.toThrow(/one date per value \(3\), found 2 dates/);
    await expect(Forecaster.fit({ values: [1, 2, 3], dates: ['2000-01', '2000-03', '2000-02'] })).rejects.toThrow(/dates\[2\] '2000-02' is not after dates\[1\] '2000-03'/);
    await expect(Forecaster.fit({ values: [1, 2, 3], features: { x: [1, 2] } })).rejects.toThrow(/'x' has 2 values, the target has 3/);
    await expect(Forecaster.fit('abc' as unknown as SeriesInput)).rejects.toBeInstanceOf(ValueError);
    await expect(Forecaster.fit(nile.slice(0, 12), { window: 24 })).rejects.toThrow(/too few for windows of 24.*use a smaller window\/horizon or smaller valSplit\/testSplit/);
  });

  it('with features: forecasts stop at the horizon, and the columns must match', async () => {
    const x = nile.map((_, t) => Math.sin(t));
    const f = await Forecaster.fit({ values: nile, features: { x } }, { epochs: 1, hidden: 4, horizon: 2 });
    expect(f.forecast(2)).toHaveLength(2);
    expect(() => f.forecast(3)).toThrow(/steps 3 is beyond the model's horizon \(2\).*future values of 'x'/);
    expect(() => f.forecast(2, nile)).toThrow(/reads the columns 'value', 'x'/);
  });

  it('Forecaster.load refuses a model file that is not a forecaster', async () => {
    const path = join(tmp(), 'plain.safetensors');
    const m = sequential([lstm({ units: 2 }), dense({ units: 1 })]).build({ inputSize: 1, seed: 0 });
    await m.save(path);
    await expect(Forecaster.load(path)).rejects.toThrow(new FormatError(`${path}: not a time-series model (its metadata has no "rnn.timeseries"); train one with rnn train --csv FILE --target COL, or Forecaster.fit`));
  });
});
