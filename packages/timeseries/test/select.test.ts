import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@rnn/core';
import { describe, expect, it } from 'vitest';
import { Forecaster, MIN_CHOICE_ORIGINS, OPTION_KEYS, candidatesNote, SELECTION_MEMBERS, candidateRecipes, parseForecastOptions, predictFrom, selectRecipe, seriesData, averagedEpochs } from '../src/index.js';

const rows = readFileSync(new URL('../../../data/r-datasets/usaccdeaths.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
const DEATHS = { name: 'deaths', dateName: 'month', dates: rows.map((r) => r.split(',')[0]!), values: rows.map((r) => Number(r.split(',')[1])) };
const nile = readFileSync(new URL('../../../data/nile/nile.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',')[1]));
const quick = { epochs: 3, hidden: 4, members: 1, fallback: 'none' } as const;

describe('the recipe chosen on the validation part', () => {
  it('candidates: both transforms, and direct/recursive past one step on the target alone', () => {
    const s = seriesData(DEATHS);
    const o = (x: object) => parseForecastOptions({ horizon: 12, valSplit: 12, testSplit: 12, ...x });
    expect(candidateRecipes(s, o({}))).toEqual([
      { transform: 'seasonal', strategy: 'direct' },
      { transform: 'seasonal', strategy: 'recursive' },
      { transform: 'diff', strategy: 'direct' },
      { transform: 'diff', strategy: 'recursive' },
      { transform: 'es', strategy: 'direct' },
    ]);
    expect(candidateRecipes(s, o({ transform: 'diff', strategy: 'recursive' }))).toEqual([{ transform: 'diff', strategy: 'recursive' }]);
    expect(candidateRecipes(s, o({ horizon: 1 })).map((c) => c.strategy)).toEqual(['direct', 'direct', 'direct']);
    const withFeature = seriesData({ ...DEATHS, features: { x: DEATHS.values.map((_, i) => i) } });
    expect(candidateRecipes(withFeature, o({})).every((c) => c.strategy === 'direct')).toBe(true);
    // no season: no ES-RNN either
    expect(candidateRecipes(seriesData(nile), parseForecastOptions({ horizon: 3 }))).toEqual([
      { transform: 'diff', strategy: 'direct' },
      { transform: 'diff', strategy: 'recursive' },
    ]);
    // not positive: no ES-RNN
    const shifted = seriesData({ ...DEATHS, values: DEATHS.values.map((v) => v - 9000) });
    expect(candidateRecipes(shifted, o({})).map((c) => c.transform)).not.toContain('es');
  });

  it('keeps the candidate with the lowest validation MASE, records every score, and evaluate says so', async () => {
    const f = await Forecaster.fit(DEATHS, { ...quick, horizon: 6, valSplit: 12, testSplit: 12 });
    const c = f.meta.candidates!;
    expect(c).toHaveLength(5);
    const scores = c.map((x) => x.mase ?? Infinity);
    expect(scores[0]).toBe(Math.min(...scores));
    expect(f.meta.transform).toBe(c[0]!.transform);
    expect(f.meta.strategy ?? 'direct').toBe(c[0]!.strategy);
    expect(f.evaluate().table).toMatch(/recipe chosen on the validation part: ((seasonal|one-step) differences|exponential smoothing \+ network \(ES-RNN\)), (direct|recursive) \(MASE \d\.\d{3}\), over .*\(one network each\)/);
  });

  it('the choice depends on neither the seed nor the epochs: every candidate trains with SELECTION_SEED and SELECTION_EPOCHS', async () => {
    const o = { ...quick, horizon: 6, valSplit: 12, testSplit: 12 };
    const [a, b] = [await Forecaster.fit(DEATHS, { ...o, seed: 0 }), await Forecaster.fit(DEATHS, { ...o, seed: 5 })];
    expect(b.meta.candidates).toEqual(a.meta.candidates);
    // the ensemble is the seed's own
    expect(b.forecast()).not.toEqual(a.forecast());
    // nor on epochs (a checkpointed run resumed to more epochs chooses as the straight run)
    const c = await Forecaster.fit(DEATHS, { ...o, seed: 0, epochs: 5 });
    expect(c.meta.candidates).toEqual(a.meta.candidates);
  });

  it('candidates keep their best epochs (no checkpoint averaging), whatever averageEpochs; the ensemble\'s direct members average', async () => {
    const o = parseForecastOptions({ ...quick, horizon: 6, valSplit: 12, testSplit: 12, transform: 'seasonal', strategy: 'auto', averageEpochs: 7 });
    const sel = await selectRecipe(seriesData(DEATHS), o);
    expect(sel.plan.best.around).toBe(0);
    expect(Forecaster.prepare(DEATHS, { ...o, strategy: 'direct' }).best.around).toBe(7);
    // a recursive network feeds its output back: the mean of its weights is not the mean of its forecasts
    expect(Forecaster.prepare(DEATHS, { ...o, strategy: 'recursive' }).best.around).toBe(0);
    expect(averagedEpochs(7, 'recursive')).toBe(0);
    expect(averagedEpochs(7, 'direct')).toBe(7);
  });

  it('each candidate is scored by the ensemble\'s first SELECTION_MEMBERS networks (its windows), combined; one with members: 1', async () => {
    expect(SELECTION_MEMBERS).toBe(3);
    const s = seriesData({ values: nile });
    const trainings = async (members?: number) => {
      const seen: number[] = [];
      const o = parseForecastOptions({ horizon: 3, valSplit: 20, testSplit: 10, epochs: 2, hidden: 4, fallback: 'none', ...(members ? { members } : {}) });
      const sel = await selectRecipe(s, o, OPTION_KEYS, { callbacks: (i) => [{ onTrainBegin: () => void seen.push(i) }] });
      return { seen, sel };
    };
    const three = await trainings();
    // two candidates (one-step differences, direct and recursive), three networks each
    expect(three.seen).toEqual([0, 0, 0, 1, 1, 1]);
    expect(three.sel.plan.meta.candidateNetworks).toBe(3);
    expect(candidatesNote(three.sel.plan.meta)).toMatch(/^recipe chosen on the validation part: .* \(three networks each\)$/);
    const one = await trainings(1);
    expect(one.seen).toEqual([0, 1]);
    expect(one.sel.plan.meta.candidateNetworks).toBeUndefined();
  });

  it('a validation part of one H-step forecast chooses nothing: the first candidate (the autocorrelation test\'s pick) is kept', async () => {
    expect(MIN_CHOICE_ORIGINS).toBe(2);
    const s = seriesData(DEATHS);
    const run = async (valSplit: number) => {
      let trained = 0;
      const o = parseForecastOptions({ horizon: 12, valSplit, testSplit: 12, epochs: 2, hidden: 4, members: 1, fallback: 'none' });
      const sel = await selectRecipe(s, o, OPTION_KEYS, { callbacks: () => [{ onTrainBegin: () => void trained++ }] });
      return { trained, sel };
    };
    const one = await run(12);
    expect(one.trained).toBe(1);
    expect(one.sel.chosen).toEqual(candidateRecipes(s, parseForecastOptions({ horizon: 12, valSplit: 12, testSplit: 12 }))[0]);
    expect(one.sel.chosen).toEqual({ transform: 'seasonal', strategy: 'direct' });
    expect(one.sel.plan.meta.candidates).toBeUndefined();
    // two origins: every candidate is scored
    const two = await run(13);
    expect(two.trained).toBe(5);
    expect(two.sel.plan.meta.candidates).toHaveLength(5);
  });

  it('fixed options train one network and record no choice', async () => {
    const f = await Forecaster.fit(DEATHS, { ...quick, horizon: 6, valSplit: 12, testSplit: 12, transform: 'diff', strategy: 'direct' });
    expect(f.meta.candidates).toBeUndefined();
    expect(f.evaluate().table).not.toMatch(/recipe chosen/);
  });
});

describe('the recursive strategy', () => {
  it('a one-step network run horizon times, each forecast fed back as the next value; saved and loaded alike', async () => {
    const f = await Forecaster.fit(DEATHS, { ...quick, horizon: 4, valSplit: 12, testSplit: 12, transform: 'diff', strategy: 'recursive' });
    expect(f.meta.strategy).toBe('recursive');
    expect(f.meta.horizon).toBe(4);
    const fc = f.forecast();
    expect(fc).toHaveLength(4);
    // step 2 from the end is step 1 from the series extended by step 1's forecast
    const one = { ...f.meta, strategy: undefined, horizon: 1 };
    const y = Float64Array.from(DEATHS.values);
    const first = predictFrom(f.model, one, [y], [y.length - 1])[0]![0]!;
    expect(fc[0]).toBeCloseTo(first, 6);
    const y2 = Float64Array.from([...DEATHS.values, first]);
    expect(fc[1]).toBeCloseTo(predictFrom(f.model, one, [y2], [y2.length - 1])[0]![0]!, 6);
    const band = f.forecastInterval()!;
    band.lower.forEach((l, h) => expect(l).toBeLessThanOrEqual(fc[h]!));
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-ts-')), 'r.safetensors');
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.forecast(4, DEATHS)).toEqual(fc);
  });

  it('refuses recursive with features by name', async () => {
    const data = { ...DEATHS, features: { x: DEATHS.values.map((_, i) => i) } };
    await expect(Forecaster.fit(data, { ...quick, horizon: 4, strategy: 'recursive' })).rejects.toThrow(ConfigError);
    await expect(Forecaster.fit(data, { ...quick, horizon: 4, strategy: 'recursive' })).rejects.toThrow(/^strategy recursive feeds the forecasts back in, which needs future values of the features x; use strategy direct or drop the features$/);
  });
});
