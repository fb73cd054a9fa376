import { describe, expect, it } from 'vitest';
import { m4SeasonalityTest, seasonalIndices } from '../src/classical/decompose.js';
import { normalQuantile } from '../src/classical/normal.js';
import { ses, sesWithAlpha } from '../src/classical/ses.js';
import { naiveForecast, sesForecast, theta } from '../src/classical/theta.js';
import { coverage, msis, pinball } from '../src/intervals.js';

describe('simple exponential smoothing', () => {
  it('takes the least-squares initial level for a given alpha (by hand)', () => {
    // alpha 0.5 on [1, 2, 3]: errors 1 − l0, 1.5 − l0/2, 1.75 − l0/4; d/dl0 of their squares = 0 at l0 = 4.375 / 2.625
    const f = sesWithAlpha([1, 2, 3], 0.5);
    expect(f.l0).toBeCloseTo(5 / 3, 12);
    expect(f.fitted).toEqual([f.l0, 0.5 + f.l0 / 2, 1.25 + f.l0 / 4].map((v) => expect.closeTo(v, 12)));
    expect(f.level).toBeCloseTo(0.5 * 3 + 0.5 * (1.25 + f.l0 / 4), 12);
  });
  it('finds the (alpha, l0) of least squared error: no point of a fine grid does better', () => {
    const y = [3, 5, 4, 6, 5, 7, 6, 5, 8, 7];
    const f = ses(y);
    let best = Infinity;
    for (let a = 0.001; a < 1; a += 0.001) {
      for (let l0 = 2; l0 <= 8; l0 += 0.01) {
        let level = l0;
        let s = 0;
        for (const v of y) {
          s += (v - level) ** 2;
          level = a * v + (1 - a) * level;
        }
        best = Math.min(best, s);
      }
    }
    expect(f.sse).toBeLessThanOrEqual(best + 1e-9);
    expect(f.sse).toBeGreaterThan(best - 1e-2);
  });
  it('a constant series is forecast by its value', () => {
    const f = ses([4, 4, 4, 4, 4]);
    expect(f.level).toBeCloseTo(4, 9);
    expect(f.sse).toBeCloseTo(0, 12);
  });
});

describe('the Theta method (M4 benchmark)', () => {
  it('on a straight line is SES with half the drift: n + h/2', () => {
    // line 0 is the series itself; line 2 = 2y − line0 = y, which SES follows with alpha → 1, ending at n
    const n = 30;
    const y = Array.from({ length: n }, (_, t) => t + 1);
    const f = theta(y, { season: 1, horizon: 5 });
    expect(f.seasonal).toBe(false);
    expect(f.slope).toBeCloseTo(1, 12);
    f.mean.forEach((v, i) => expect(v).toBeCloseTo(n + (i + 1) / 2, 2));
  });
  it('removes and restores an exact multiplicative season', () => {
    const s = [0.8, 1.2, 0.9, 1.1];
    const y = Array.from({ length: 24 }, (_, t) => 100 * s[t % 4]!);
    expect(m4SeasonalityTest(y, 4)).toBe(true);
    seasonalIndices(y, 4).forEach((v, i) => expect(v).toBeCloseTo(s[i]!, 12));
    const f = theta(y, { season: 4, horizon: 6 });
    expect(f.seasonal).toBe(true);
    // steps 24..29 fall on positions 0, 1, 2, 3, 0, 1 of the season
    f.mean.forEach((v, i) => expect(v).toBeCloseTo(100 * s[(24 + i) % 4]!, 6));
  });
  it('a trend alone is not a season to the M4 test', () => {
    expect(m4SeasonalityTest(Array.from({ length: 48 }, (_, t) => t), 12)).toBe(false);
  });
  it('widens its interval with the step ahead, around the forecast', () => {
    const y = [12, 15, 11, 16, 14, 18, 13, 17, 19, 16, 20, 18, 21, 19, 23];
    const f = theta(y, { season: 1, horizon: 4, level: 0.8 });
    for (let h = 0; h < 4; h++) {
      expect(f.lower[h]!).toBeLessThan(f.mean[h]!);
      expect(f.upper[h]! - f.mean[h]!).toBeCloseTo(f.mean[h]! - f.lower[h]!, 9);
      if (h > 0) expect(f.upper[h]! - f.lower[h]!).toBeGreaterThanOrEqual(f.upper[h - 1]! - f.lower[h - 1]!);
    }
    const s = sesForecast(y, { season: 1, horizon: 2 });
    expect(s.mean[0]).toBe(s.mean[1]);
  });
});

describe('naive intervals (FPP3 table 5.2)', () => {
  it('naive: sigma of the one-step changes, times sqrt(h)', () => {
    const f = naiveForecast([1, 2, 4, 7], { season: 1, horizon: 4, level: 0.8 });
    const w = 1.2815515655446004 * Math.sqrt(14 / 3);
    expect(f.mean).toEqual([7, 7, 7, 7]);
    expect(f.upper[3]! - 7).toBeCloseTo(w * 2, 7);
  });
  it('seasonal naive: the last season, widened once per season ahead', () => {
    const f = naiveForecast([1, 5, 2, 6, 2, 7], { season: 2, horizon: 3, seasonal: true, level: 0.8 });
    expect(f.mean).toEqual([2, 7, 2]);
    const sigma = Math.sqrt((1 + 1 + 0 + 1) / 4);
    expect(f.upper[1]! - 7).toBeCloseTo(1.2815515655446004 * sigma, 7);
    expect(f.upper[2]! - 2).toBeCloseTo(1.2815515655446004 * sigma * Math.sqrt(2), 7);
  });
});

describe('interval scores', () => {
  it('normal quantiles', () => {
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446004, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 8);
  });
  it('MSIS, coverage and pinball by hand', () => {
    // 80 % interval (a = 0.2): widths 2 and 4, one miss by 1 costs 2/0.2 · 1 = 10; (2 + 4 + 10) / 2 / scale 2
    expect(msis([1, 5], [0, 0], [2, 4], 0.8, 2)).toBeCloseTo(4, 12);
    expect(coverage([1, 5], [0, 0], [2, 4])).toBe(0.5);
    // q = 0.9: under-forecast by 2 costs 1.8, over-forecast by 1 costs 0.1
    expect(pinball([3, 1], [1, 2], 0.9)).toBeCloseTo((1.8 + 0.1) / 2, 12);
  });
});
