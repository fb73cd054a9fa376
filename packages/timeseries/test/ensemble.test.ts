import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '@rnn/core';
import { describe, expect, it } from 'vitest';
import { AUTO_MAX_MEMBERS, DEFAULT_MEMBERS, ENSEMBLE_WINDOWS, Forecaster, MEMBERS_KEY, ensembleSize, predictFrom, theta, QUANTILES, defaultWindow, keepBest, combineOf, interquartileMeanOf, medianOf, memberSpecs, quantileLoss, tileTargets, intervalScaleFor, quantileOfSorted, parseForecastOptions, DEFAULT_AVERAGE_EPOCHS } from '../src/index.js';

const rows = readFileSync(new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
const AIR = { name: 'passengers_thousands', dateName: 'month', dates: rows.map((r) => r.split(',')[0]!), values: rows.map((r) => Number(r.split(',')[1])) };

describe('ensemble parts', () => {
  it('members: seeds far apart, windows no longer than the base, then the loss alternates', () => {
    const s = memberSpecs(7, 3, 24, true, () => true);
    expect(s.map((m) => m.window)).toEqual([24, 12, 18, 24, 12, 18, 24]);
    expect(s.map((m) => m.loss)).toEqual(['mse', 'mse', 'mse', 'mae', 'mae', 'mae', 'mse']);
    expect(s[0]!.seed).toBe(3);
    expect(new Set(s.map((m) => m.seed)).size).toBe(7);
    // a window the user fixed, or one that does not fit, is not varied
    expect(memberSpecs(3, 0, 24, false, () => true).map((m) => m.window)).toEqual([24, 24, 24]);
    expect(memberSpecs(3, 0, 24, true, (w) => w > 15).map((m) => m.window)).toEqual([24, 18, 24]);
  });
  it('the median of each (origin, step) over the members', () => {
    expect(medianOf([[[1, 10]], [[3, 30]], [[2, 0]]])).toEqual([[2, 10]]);
    expect(medianOf([[[1]], [[4]]])).toEqual([[2.5]]);
  });
  it('the interquartile mean of each (origin, step): a quarter (rounded) dropped at each end, the median for K ≤ 4', () => {
    // K = 5: one dropped at each end, so a far member moves it less than the mean and more than the median
    expect(interquartileMeanOf([[[1, 10]], [[2, 30]], [[3, 0]], [[10, 20]], [[100, 40]]])).toEqual([[5, 20]]);
    expect(medianOf([[[1, 10]], [[2, 30]], [[3, 0]], [[10, 20]], [[100, 40]]])).toEqual([[3, 20]]);
    // K = 8: two at each end, the middle four averaged
    expect(interquartileMeanOf([1, 2, 3, 4, 5, 6, 7, 80].map((v) => [[v]]))).toEqual([[4.5]]);
    for (const k of [1, 2, 3, 4]) {
      const runs = [7, 1, 30, 2].slice(0, k).map((v) => [[v, -v]]);
      expect(interquartileMeanOf(runs)).toEqual(medianOf(runs));
    }
    expect(combineOf([[[1]], [[2]], [[3]], [[10]], [[100]]], 'median')).toEqual([[3]]);
    expect(combineOf([[[1]], [[2]], [[3]], [[10]], [[100]]], 'iqm')).toEqual([[5]]);
  });
  it('the default window: two seasons, else one, else what leaves 8 training windows', () => {
    expect(defaultWindow(12, 96, 12, 12)).toBe(24);
    // 48 training steps, lag 12, horizon 12: 25 − w windows, so w ≤ 17
    expect(defaultWindow(12, 48, 12, 12)).toBe(12);
    expect(defaultWindow(12, 40, 12, 12)).toBe(9);
    expect(defaultWindow(1, 100, 1, 1)).toBe(8);
  });
});

describe('quantile heads', () => {
  it('targets are tiled once per head', () => {
    expect(Array.from(tileTargets(Float32Array.of(1, 2, 3, 4), 2, 2))).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  });
  it('the loss: pinball on the 10/90 % heads, the point loss on the median (by hand)', () => {
    expect(QUANTILES).toEqual([0.1, 0.5, 0.9]);
    // one step ahead, target 1, heads predict 0, 0, 3: d = 1, 1, −2
    // q10: max(0.1, −0.9) = 0.1; median mse: 1; q90: max(−1.8, 0.2) = 0.2; mean over 3 = 1.3 / 3
    const pred = tensor(Float32Array.of(0, 0, 3), [1, 3]);
    const target = tensor(Float32Array.of(1, 1, 1), [1, 3]);
    expect(quantileLoss(1, 'mse')(pred, target).data()[0]).toBeCloseTo(1.3 / 3, 6);
    // mae on the median: |1| = 1 as well; a median off by 2 tells them apart
    const p2 = tensor(Float32Array.of(0, 3, 3), [1, 3]);
    expect(quantileLoss(1, 'mse')(p2, target).data()[0]).toBeCloseTo((0.1 + 4 + 0.2) / 3, 6);
    expect(quantileLoss(1, 'mae')(p2, target).data()[0]).toBeCloseTo((0.1 + 2 + 0.2) / 3, 6);
  });
});

describe('early stopping with a warm-up', () => {
  it('does not pick an epoch before the warm-up, however good its loss', () => {
    const fake = { params: { toHost: () => new Map(), set() {} } };
    const cb = keepBest(5, 3);
    cb.onTrainBegin!({ model: fake } as never);
    for (const [e, v] of [[0, 0.1], [1, 0.5], [2, 0.4], [3, 0.9], [4, 0.8], [5, 0.85]] as const) cb.onEpochEnd!(e, { val_loss: v } as never);
    expect(cb.bestEpoch).toBe(4);
    const early = keepBest(5, 10);
    early.onTrainBegin!({ model: fake } as never);
    for (const [e, v] of [[0, 0.3], [1, 0.2]] as const) early.onEpochEnd!(e, { val_loss: v } as never);
    // training that ends within the warm-up keeps its best epoch
    expect(early.bestEpoch).toBe(1);
  });
});

describe('checkpoint averaging around the best epoch (averageEpochs)', () => {
  // a stand-in model whose one weight is the square of the epoch's number (a window's mean is then not the middle epoch's)
  const stub = () => {
    const held = new Map<string, Float32Array>([['w', Float32Array.of(0)]]);
    return { held, model: { params: { toHost: () => new Map([['w', Float32Array.from(held.get('w')!)]]), set: (n: string, d: Float32Array) => held.set(n, Float32Array.from(d)) } } };
  };
  const losses = [0.9, 0.8, 0.7, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85];
  const run = (cb: ReturnType<typeof keepBest>, s: ReturnType<typeof stub>, from = 0, to = losses.length) => {
    for (let e = from; e < to; e++) {
      s.held.set('w', Float32Array.of(e * e));
      if (cb.onEpochEnd!(e, { val_loss: losses[e]! } as never) === 'stop') return e;
    }
    return to - 1;
  };
  it('keeps the mean of the weights of epochs best − h .. best + h, where the best epoch alone was kept before', () => {
    const s = stub();
    const cb = keepBest(100, 0, 2);
    cb.onTrainBegin!({ model: s.model } as never);
    run(cb, s);
    cb.onTrainEnd!({} as never);
    expect(cb.bestEpoch).toBe(3);
    expect(s.held.get('w')![0]).toBeCloseTo((1 + 4 + 9 + 16 + 25) / 5, 6);
    // h = 0: the best epoch's weights, as before
    const s0 = stub();
    const plain = keepBest(100, 0, 0);
    plain.onTrainBegin!({ model: s0.model } as never);
    run(plain, s0);
    plain.onTrainEnd!({} as never);
    expect(s0.held.get('w')![0]).toBe(9);
    // nor the epochs before the warm-up (barely trained networks): best 3 with a warm-up of 3 averages 3..5
    const sw = stub();
    const warm = keepBest(100, 3, 2);
    warm.onTrainBegin!({ model: sw.model } as never);
    run(warm, sw);
    warm.onTrainEnd!({} as never);
    expect(warm.bestEpoch).toBe(3);
    expect(sw.held.get('w')![0]).toBeCloseTo((9 + 16 + 25) / 3, 5);
  });
  it('training that ends (patience) fewer than h epochs after the best averages the epochs that ran; a resumed run ends as the straight one', () => {
    const s = stub();
    const cb = keepBest(2, 0, 3);
    cb.onTrainBegin!({ model: s.model } as never);
    expect(run(cb, s)).toBe(5); // best 3, two epochs without a better loss
    cb.onTrainEnd!({} as never);
    expect(s.held.get('w')![0]).toBeCloseTo((0 + 1 + 4 + 9 + 16 + 25) / 6, 6);
    // checkpointed after epoch 3 (the best, its window not complete), resumed in a fresh callback
    const a = stub();
    const first = keepBest(2, 0, 3);
    first.onTrainBegin!({ model: a.model } as never);
    run(first, a, 0, 4);
    const state = JSON.parse(JSON.stringify(first.save()));
    const b = stub();
    const resumed = keepBest(2, 0, 3);
    resumed.onTrainBegin!({ model: b.model } as never);
    resumed.restore(state);
    run(resumed, b, 4);
    resumed.onTrainEnd!({} as never);
    expect(b.held.get('w')![0]).toBeCloseTo(s.held.get('w')![0]!, 6);
  });
  it('is on by default (DEFAULT_AVERAGE_EPOCHS) and refused by name when not a whole number ≥ 0', () => {
    expect(parseForecastOptions({}).averageEpochs).toBe(DEFAULT_AVERAGE_EPOCHS);
    expect(DEFAULT_AVERAGE_EPOCHS).toBeGreaterThan(0);
    expect(Forecaster.prepare(AIR, { horizon: 3 }).best.around).toBe(DEFAULT_AVERAGE_EPOCHS);
    expect(() => parseForecastOptions({ averageEpochs: -1 })).toThrow(/^Forecaster.fit: option 'averageEpochs': /);
    expect(() => parseForecastOptions({ averageEpochs: 1.5 })).toThrow(/^Forecaster.fit: option 'averageEpochs': /);
  });
});

describe('interval calibration', () => {
  it('scales the bounds by the level quantile of the validation values\' needed factors (interpolated), not the conservative conformal rank', () => {
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12); // numpy.quantile's default
    expect(quantileOfSorted([3], 0.8)).toBe(3);
    // ten validation values needing factors 1..10: an 80 % interval takes 8.2 (split conformal's
    // ⌈(n+1)·0.8⌉-th value would be 9: 90 % of them covered)
    expect(intervalScaleFor([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.8)).toBeCloseTo(8.2, 12);
    expect(intervalScaleFor([0.1, 0.2, 0.3], 0.8)).toBe(0.5);
    expect(intervalScaleFor([20, 30], 0.8)).toBe(10);
  });
});

describe('an ensemble forecaster', () => {
  it('trains K members, forecasts their median with an 80 % interval, and saves and loads them all', async () => {
    const f = await Forecaster.fit(AIR, { horizon: 6, valSplit: 24, testSplit: 24, epochs: 12, members: 3, seed: 2 });
    expect(f.members.map((m) => [m.window, m.loss])).toEqual([[24, 'mse'], [12, 'mse'], [18, 'mse']]);
    const med = f.forecast(6);
    // each member reads its own window; the forecast is the median of theirs
    const y = [Float64Array.from(AIR.values)];
    const own = f.members.map((m) => predictFrom(m.model, { ...f.meta, window: m.window }, y, [143])[0]!);
    expect(med).toEqual(own[0]!.map((_, h) => own.map((o) => o[h]!).sort((a, b) => a - b)[1]));
    expect(new Set(own.map((o) => o[0])).size).toBe(3);
    // the bounds' distance from the median, calibrated on the validation part, is kept in the file
    expect(f.meta.intervalScale).toBeGreaterThanOrEqual(0.5);
    expect(f.meta.intervalScale).toBeLessThanOrEqual(10);
    const band = f.forecastInterval()!;
    expect(band.level).toBeCloseTo(0.8, 12);
    for (let h = 0; h < 6; h++) {
      expect(band.lower[h]!).toBeLessThanOrEqual(med[h]! + 1e-9);
      expect(band.upper[h]!).toBeGreaterThanOrEqual(med[h]! - 1e-9);
    }
    const e = f.evaluate();
    expect(e.interval!.coverage).toBeGreaterThanOrEqual(0);
    expect(e.table).toMatch(/80 % interval \(quantile heads\): covers \d+ % of the 114 actual values; MSIS \d/);
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-ens-')), 'm.safetensors');
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.members.length).toBe(3);
    expect(g.meta.intervalScale).toBe(f.meta.intervalScale);
    expect(g.members.map((m) => m.window)).toEqual([24, 12, 18]);
    expect(g.forecast(6, AIR)).toEqual(med);
    expect(g.forecastInterval(AIR)).toEqual(band);
    expect(g.model.metadata[MEMBERS_KEY]).toBeDefined();
    // a damaged member list is refused by name, never half-loaded
    g.model.metadata = { ...g.model.metadata, [MEMBERS_KEY]: '[1]' };
    expect(() => Forecaster.fromModel(g.model, 'm.safetensors')).toThrow(/^m\.safetensors: metadata "rnn\.timeseries\.members" is not a list of ensemble members/);
    const stored = JSON.parse(f.model.metadata[MEMBERS_KEY]!) as { tensors: Record<string, unknown> }[];
    delete stored[0]!.tensors['out.bias'];
    g.model.metadata = { ...g.model.metadata, [MEMBERS_KEY]: JSON.stringify(stored) };
    expect(() => Forecaster.fromModel(g.model, 'm.safetensors')).toThrow("m.safetensors: ensemble member 1 lacks the tensor 'out.bias'");
  }, 180_000); // the recipe choice before it trains three networks per candidate (SELECTION_MEMBERS): 15 of up to 100 epochs
  it('combines five members by their interquartile mean, recorded in the file; a file without `combine` keeps the median', async () => {
    const f = await Forecaster.fit(AIR, { horizon: 3, valSplit: 24, testSplit: 24, epochs: 3, members: 5, hidden: 4, fallback: 'none', transform: 'seasonal', strategy: 'direct' });
    expect(f.meta.combine).toBe('iqm');
    const y = [Float64Array.from(AIR.values)];
    const own = f.members.map((m) => predictFrom(m.model, { ...f.meta, window: m.window }, y, [143])[0]!);
    const iqm = own[0]!.map((_, h) => {
      const v = own.map((o) => o[h]!).sort((a, b) => a - b);
      return (v[1]! + v[2]! + v[3]!) / 3;
    });
    const med = own[0]!.map((_, h) => own.map((o) => o[h]!).sort((a, b) => a - b)[2]!);
    expect(iqm).not.toEqual(med);
    const got = f.forecast(3);
    got.forEach((v, h) => expect(v).toBeCloseTo(iqm[h]!, 9));
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-iqm-')), 'm.safetensors');
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.forecast(3, AIR)).toEqual(got);
    // a model file of an earlier version (no `combine`) forecasts the median, as it did
    const meta = JSON.parse(g.model.metadata['rnn.timeseries']!) as Record<string, unknown>;
    delete meta.combine;
    g.model.metadata = { ...g.model.metadata, 'rnn.timeseries': JSON.stringify(meta) };
    const old = Forecaster.fromModel(g.model, 'm.safetensors');
    old.forecast(3, AIR).forEach((v, h) => expect(v).toBeCloseTo(med[h]!, 9));
    // and `combine: 'median'` is the earlier versions' ensemble
    const m = await Forecaster.fit(AIR, { horizon: 3, valSplit: 24, testSplit: 24, epochs: 3, members: 5, hidden: 4, fallback: 'none', transform: 'seasonal', strategy: 'direct', combine: 'median' });
    expect(m.meta.combine).toBeUndefined();
    m.forecast(3).forEach((v, h) => expect(v).toBeCloseTo(med[h]!, 9));
  });
  it('the default size: members × training windows reach ENSEMBLE_WINDOWS, within DEFAULT_MEMBERS..AUTO_MAX_MEMBERS; a given size is kept', () => {
    expect(ENSEMBLE_WINDOWS).toBe(2400);
    expect(ensembleSize(undefined, 92)).toBe(AUTO_MAX_MEMBERS); // UKDriverDeaths' 92 windows: 13 members at 1200, 24 now
    expect(ensembleSize(undefined, 120)).toBe(20);
    expect(ensembleSize(undefined, 500)).toBe(DEFAULT_MEMBERS);
    expect(ensembleSize(undefined, 240)).toBe(DEFAULT_MEMBERS);
    expect(ensembleSize(undefined, 239)).toBe(11);
    expect(ensembleSize(undefined, 5)).toBe(AUTO_MAX_MEMBERS);
    expect(ensembleSize(3, 5)).toBe(3);
  });
  it('without members, a short series trains more members than a long one, as many as its plan says', async () => {
    const short = { ...AIR, dates: AIR.dates.slice(0, 60), values: AIR.values.slice(0, 60) };
    const o = { horizon: 3, valSplit: 6, testSplit: 6, transform: 'seasonal', strategy: 'direct', fallback: 'none', epochs: 1, hidden: 2, intervals: false } as const;
    const plan = Forecaster.prepare(short, o);
    expect(plan.trainWindows).toBe(10);
    expect(plan.members).toBe(AUTO_MAX_MEMBERS);
    expect(plan.members).toBeGreaterThan(DEFAULT_MEMBERS);
    const f = await Forecaster.fit(short, o);
    expect(f.members.length).toBe(plan.members);
    const long = Forecaster.prepare(AIR, { ...o, window: 8 }); // 110 windows: 22 members
    expect(long.members).toBe(Math.ceil(ENSEMBLE_WINDOWS / long.trainWindows));
    expect(long.members).toBeLessThan(plan.members);
    expect(long.members).toBe(22);
    expect(Forecaster.prepare(AIR, { ...o, members: 3 }).members).toBe(3);
  });
  it('members: 1 without intervals is the single network of earlier versions', async () => {
    const f = await Forecaster.fit(AIR, { horizon: 3, epochs: 3, members: 1, intervals: false });
    expect(f.members.length).toBe(1);
    expect(f.model.metadata[MEMBERS_KEY]).toBeUndefined();
    expect(f.meta.quantiles).toBeUndefined();
    expect(f.forecastInterval()).toBeNull();
    expect(f.evaluate().interval).toBeNull();
  });
});

describe('the hybrid: the networks or Theta, whichever the validation part prefers', () => {
  it('a series Theta fits exactly goes to Theta, and the choice is kept in the model file', async () => {
    // a trending series and a network that cannot learn (levels, a tiny learning rate): Theta wins on validation
    const s = [0.8, 1.2, 0.9, 1.1, 1, 1, 0.95, 1.05, 0.9, 1.1, 1, 1];
    const values = Array.from({ length: 120 }, (_, t) => (100 + 2 * t) * s[t % 12]!);
    const dates = values.map((_, t) => `${2000 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`);
    const bad = { horizon: 6, epochs: 1, members: 1, hidden: 2, transform: 'none', lr: 1e-6 } as const;
    const f = await Forecaster.fit({ values, dates }, bad);
    expect(f.meta.choice!.method).toBe('theta');
    expect(f.meta.choice!.theta!).toBeLessThan(f.meta.choice!.network!);
    expect(f.choiceNote()).toMatch(/^forecasting with the Theta method: on the validation part its MASE 0\.\d{3} beat the networks' \d+\.\d{3}$/);
    const e = f.evaluate();
    expect(e.label).toBe('theta');
    expect(e.table).toContain(f.choiceNote()!);
    expect(f.forecast(6)).toEqual(theta(values, { season: 12, horizon: 6 }).mean);
    const path = join(mkdtempSync(join(tmpdir(), 'rnn-hyb-')), 'm.safetensors');
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.forecast(6, { values, dates })).toEqual(f.forecast(6));
    // fallback: 'none' keeps the networks
    const n = await Forecaster.fit({ values, dates }, { ...bad, fallback: 'none' });
    expect(n.meta.choice).toBeUndefined();
    expect(n.evaluate().label).toBe('lstm');
  });
});
