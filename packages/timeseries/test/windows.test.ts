import { describe, expect, it } from 'vitest';
import { difference, undifference } from '../src/difference.js';
import { fitScaler, scale, unscale } from '../src/scaler.js';
import { bounds, origins, splitSeries } from '../src/split.js';
import { inputWindows, targetWindows } from '../src/windows.js';

describe('splitting in time order', () => {
  it('takes fractions or step counts, train first and test last', () => {
    expect(splitSeries(100, 0.15, 0.15)).toEqual({ train: 70, val: 15, test: 15 });
    expect(splitSeries(144, 24, 24)).toEqual({ train: 96, val: 24, test: 24 });
    expect(bounds({ train: 96, val: 24, test: 24 })).toEqual({ train: [0, 96], val: [96, 120], test: [120, 144] });
    expect(() => splitSeries(10, 5, 5)).toThrow(/too few/);
    expect(() => splitSeries(10, 1.5, 0)).toThrow(/--val-split must be a fraction/);
  });

  it('never lets a window\'s targets cross into the next part', () => {
    const o = { window: 4, horizon: 3, lag: 2 };
    const tr = origins(0, 20, o);
    expect(tr[0]).toBe(5); // needs lag + window steps of history
    expect(Math.max(...tr) + o.horizon).toBe(19); // last target is step 19, the end of training
    const te = origins(20, 30, o);
    expect(te[0]).toBe(19); // the first test origin forecasts steps 20..22
    expect(te[te.length - 1]! + o.horizon).toBe(29);
    for (const t of te) expect(t + 1).toBeGreaterThanOrEqual(20);
    expect(origins(20, 22, o)).toEqual([]); // a part shorter than the horizon has no windows
  });
});

describe('differencing', () => {
  it('undoes itself, using its own forecasts beyond one lag', () => {
    const y = Float64Array.from([5, 7, 4, 9, 12, 8, 15, 20, 11]);
    for (const lag of [0, 1, 3]) {
      const z = difference(y, lag);
      const t = 4;
      const zh = Array.from(z.subarray(t + 1, t + 5));
      // the reconstruction only reads y up to t (and its own output past t + lag)
      const seen = Float64Array.from(y).fill(NaN, t + 1);
      expect(undifference(zh, seen, t, lag)).toEqual(Array.from(y.subarray(t + 1, t + 5)));
    }
  });
});

describe('scaling', () => {
  it('is fitted on the training steps only (no leakage)', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 1000, -1000]);
    const b = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const sa = fitScaler([a], 0, 6, ['v']);
    const sb = fitScaler([b], 0, 6, ['v']);
    expect(sa).toEqual(sb); // later values change nothing
    expect(sa.mean[0]).toBeCloseTo(3.5, 12);
    expect(sa.std[0]).toBeCloseTo(Math.sqrt(17.5 / 6), 12);
    expect(unscale(sa, 0, scale(sa, 0, 42))).toBeCloseTo(42, 12);
  });

  it('skips the undefined steps at the start of a differenced column', () => {
    const z = difference(Float64Array.from([1, 2, 4, 7, 11]), 1); // NaN, 1, 2, 3, 4
    expect(fitScaler([z], 0, 5, ['v']).mean[0]).toBeCloseTo(2.5, 12);
  });
});

describe('windows', () => {
  it('hold the scaled previous steps of every column and the next steps of the target', () => {
    const z = [Float64Array.from([0, 1, 2, 3, 4, 5]), Float64Array.from([10, 11, 12, 13, 14, 15])];
    const s = { mean: [0, 10], std: [1, 2] };
    const x = inputWindows(z, s, [2, 3], 2);
    expect(Array.from(x)).toEqual([1, 0.5, 2, 1, 2, 1, 3, 1.5]);
    expect(Array.from(targetWindows(z[0]!, s, [2, 3], 2))).toEqual([3, 4, 4, 5]);
  });
});
