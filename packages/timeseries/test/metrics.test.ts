import { describe, expect, it } from 'vitest';
import { naive, seasonalNaive } from '../src/baselines.js';
import { mae, maseScale, rmse, scores } from '../src/metrics.js';

describe('baselines', () => {
  const y = [10, 20, 30, 40, 11, 21, 31, 41, 12];
  it('naive repeats the last value', () => {
    expect(naive(y, 5, 3)).toEqual([21, 21, 21]);
  });
  it('seasonal naive repeats the last observed season', () => {
    // origin 5 (value 21), season 4: steps 6, 7, 8 come from 2, 3, 4; step 9 (h = 4) from 5; h = 5 from 2 again
    expect(seasonalNaive(y, 5, 5, 4)).toEqual([30, 40, 11, 21, 30]);
    expect(seasonalNaive(y, 5, 2, 1)).toEqual([21, 21]);
  });
});

describe('metrics', () => {
  it('MAE, RMSE and MASE by hand', () => {
    expect(mae([1, 2, 3], [2, 2, 5])).toBeCloseTo(1, 12);
    expect(rmse([1, 2, 3], [2, 2, 5])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    // in-sample seasonal naive errors (m = 2) over [1, 3, 2, 6, 4]: |2-1|, |6-3|, |4-2| -> mean 2
    const s = maseScale([1, 3, 2, 6, 4, 100], 5, 2);
    expect(s).toBeCloseTo(2, 12);
    expect(scores([1, 2, 3], [2, 2, 5], s)).toEqual({ mae: 1, rmse: Math.sqrt(5 / 3), mase: 0.5 });
    expect(maseScale([1, 3, 2, 6], 4, 1)).toBeCloseTo((2 + 1 + 4) / 3, 12);
  });
  it('refuses a scale it cannot compute', () => {
    expect(() => maseScale([1, 2], 2, 2)).toThrow(/needs more than 2 steps/);
    expect(() => maseScale([5, 5, 5], 3, 1)).toThrow(/does not change/);
  });
});

describe('seasonality test (picks --transform auto)', () => {
  it('finds the season in a trending seasonal series and none in a random walk', async () => {
    const { isSeasonal } = await import('../src/seasonality.js');
    const seasonal = Array.from({ length: 120 }, (_, t) => 100 + 2 * t + 10 * Math.sin((2 * Math.PI * t) / 12));
    expect(isSeasonal(seasonal, 120, 12).seasonal).toBe(true);
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    const walk: number[] = [0];
    for (let t = 1; t < 120; t++) walk.push(walk[t - 1]! + rand());
    expect(isSeasonal(walk, 120, 12).seasonal).toBe(false);
    expect(isSeasonal(seasonal, 120, 1).seasonal).toBe(false); // no season to find
    expect(isSeasonal(seasonal, 30, 12).seasonal).toBe(false); // too short to tell
  });
});
