import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@rnn/core';
import { describe, expect, it } from 'vitest';
import { Forecaster, esFilter, esScaler, esWindows, fitEs, seasonalAt } from '../src/index.js';

const rows = readFileSync(new URL('../../../data/r-datasets/usaccdeaths.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
const DEATHS = { name: 'deaths', dateName: 'month', dates: rows.map((r) => r.split(',')[0]!), values: rows.map((r) => Number(r.split(',')[1])) };

describe('the ES-RNN hybrid (transform es)', () => {
  it('the smoothing follows Holt-Winters multiplicative equations without trend', () => {
    const y = [10, 20, 12, 22, 13];
    const s = esFilter(y, 2, { alpha: 0.5, gamma: 0.2 });
    // first season: indices relative to its mean (15), level y0/s0
    expect(s.seasonal[0]).toBeCloseTo(10 / 15, 12);
    expect(s.seasonal[1]).toBeCloseTo(20 / 15, 12);
    expect(s.level[0]).toBeCloseTo(15, 12);
    const l1 = 0.5 * (20 / s.seasonal[1]!) + 0.5 * s.level[0]!;
    expect(s.level[1]).toBeCloseTo(l1, 12);
    expect(s.seasonal[3]).toBeCloseTo(0.2 * (20 / l1) + 0.8 * s.seasonal[1]!, 12);
    // from origin 2, step 5 (= 2 + 3) uses the index of its phase known at 2: s[3]
    expect(seasonalAt(s, 2, 5)).toBe(s.seasonal[3]);
    expect(seasonalAt(s, 2, 4)).toBe(s.seasonal[4]);
  });

  it("an origin's inputs read nothing after it", () => {
    const y = DEATHS.values;
    const p = fitEs(y, 12, 48);
    const later = [...y.slice(0, 40), ...y.slice(40).map((v) => v * 3)];
    const [a, b] = [esFilter(y, 12, p), esFilter(later, 12, p)];
    const sc = esScaler(y, a, 36);
    expect(esWindows(y, a, sc, [39], 12, 0).x).toEqual(esWindows(later, b, sc, [39], 12, 0).x);
  });

  it('trains, forecasts positive values inside ordered bounds, and saves and loads', async () => {
    const f = await Forecaster.fit(DEATHS, { horizon: 6, valSplit: 12, testSplit: 12, epochs: 3, hidden: 4, members: 2, transform: 'es', fallback: 'none' });
    expect(f.meta.transform).toBe('es');
    expect(f.meta.es!.alpha).toBeGreaterThan(0);
    expect(f.meta.lag).toBe(12);
    const fc = f.forecast();
    const band = f.forecastInterval()!;
    fc.forEach((v, h) => {
      expect(v).toBeGreaterThan(0);
      expect(band.lower[h]).toBeLessThanOrEqual(v + 1e-9);
      expect(band.upper[h]).toBeGreaterThanOrEqual(v - 1e-9);
    });
    // the network's level is the smoothing's: the forecast stays near the series' scale (about 9,000 a month)
    expect(fc[0]).toBeGreaterThan(5000);
    expect(fc[0]).toBeLessThan(14000);
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-es-')), 'es.safetensors');
    await f.save(path);
    expect((await Forecaster.load(path)).forecast(6, DEATHS)).toEqual(fc);
  });

  it('refuses features, the recursive strategy and values that are not positive, by name', async () => {
    const o = { horizon: 6, valSplit: 12, testSplit: 12, epochs: 1, hidden: 4, members: 1, transform: 'es' } as const;
    await expect(Forecaster.fit({ ...DEATHS, features: { x: DEATHS.values } }, o)).rejects.toThrow(/^transform es reads the target alone; drop the features x or use transform seasonal or diff$/);
    await expect(Forecaster.fit(DEATHS, { ...o, strategy: 'recursive' })).rejects.toThrow(ConfigError);
    await expect(Forecaster.fit({ ...DEATHS, values: DEATHS.values.map((v, i) => (i === 3 ? 0 : v)) }, o)).rejects.toThrow(/^transform es smooths multiplicatively and needs positive values; value 4 is 0; use transform seasonal or diff$/);
  });
});
