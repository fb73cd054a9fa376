import { readFileSync } from 'node:fs';
import { ConfigError } from '@rnn/core';
import { describe, expect, it } from 'vitest';
import { AUGMENTATIONS, Forecaster, augmentWindows, parseAugment, parseForecastOptions, planForecast, seriesData } from '../src/index.js';

const [n, W, F, H] = [40, 8, 2, 3];
const x0 = Float32Array.from({ length: n * W * F }, (_, i) => Math.sin(i / 3) + 2);
const y0 = Float32Array.from({ length: n * 3 * H }, (_, i) => Math.cos(i / 5) + 2); // 3 heads
const changed = (a: Float32Array, b: Float32Array) => a.some((v, i) => v !== b[i]);

describe('augmentation of the training windows', () => {
  it('jitter, window-slice and time-warp touch the inputs only; scale and magnitude-warp the target column and its future alike', () => {
    for (const m of ['jitter', 'window-slice', 'time-warp'] as const) {
      const [x, y] = augmentWindows(x0, y0, n, W, F, H, { [m]: AUGMENTATIONS[m] }, 1);
      expect(changed(x, x0), m).toBe(true);
      expect(changed(y, y0), m).toBe(false);
    }
    const [x, y] = augmentWindows(x0, y0, n, W, F, H, { scale: 0.1 }, 1);
    for (let b = 0; b < n; b++) {
      const a = x[b * W * F]! / x0[b * W * F]!;
      // the feature column (1) untouched, the target's inputs and all three heads' targets by one factor
      expect(x[b * W * F + 1]).toBe(x0[b * W * F + 1]);
      for (let i = 0; i < 3 * H; i++) expect(y[b * 3 * H + i]! / y0[b * 3 * H + i]!).toBeCloseTo(a, 3);
    }
  });

  it('mixup blends window and future with one weight; the same seed draws the same epoch, another seed another', () => {
    const [x, y] = augmentWindows(x0, y0, n, W, F, H, { mixup: 0.2 }, 3);
    expect(changed(x, x0) && changed(y, y0)).toBe(true);
    expect(augmentWindows(x0, y0, n, W, F, H, { mixup: 0.2, jitter: 0.05 }, 3)).toEqual(augmentWindows(x0, y0, n, W, F, H, { mixup: 0.2, jitter: 0.05 }, 3));
    expect(changed(augmentWindows(x0, y0, n, W, F, H, { jitter: 0.05 }, 3)[0], augmentWindows(x0, y0, n, W, F, H, { jitter: 0.05 }, 4)[0])).toBe(true);
    // about half the windows are left as they were
    const [xj] = augmentWindows(x0, y0, n, W, F, H, { jitter: 0.05 }, 5);
    const touched = Array.from({ length: n }, (_, b) => changed(xj.subarray(b * W * F, (b + 1) * W * F), x0.subarray(b * W * F, (b + 1) * W * F))).filter(Boolean).length;
    expect(touched).toBeGreaterThan(n / 4);
    expect(touched).toBeLessThan((3 * n) / 4);
  });

  it('parses NAME or NAME=STRENGTH and refuses unknown names and bad strengths by name', () => {
    expect(parseAugment(['jitter', 'scale=0.3'])).toEqual({ jitter: 0.05, scale: 0.3 });
    expect(() => parseAugment(['jiter'])).toThrow(/^--augment: unknown augmentation 'jiter'; the methods are jitter, scale, magnitude-warp, time-warp, window-slice, mixup \(each NAME or NAME=STRENGTH\)$/);
    expect(() => parseAugment(['window-slice=1.5'])).toThrow(/^--augment: window-slice strength must be a fraction in \(0, 1\), found 1\.5$/);
    expect(() => parseAugment(['jitter=abc'])).toThrow(ConfigError);
    expect(() => parseForecastOptions({ augment: { warp: 1 } })).toThrow(/unknown option 'augment\.warp'/);
  });

  it('trains on redrawn windows every epoch, and puts the clean windows back at the end', async () => {
    const nile = readFileSync(new URL('../../../data/nile/nile.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',')[1]));
    const o = parseForecastOptions({ epochs: 3, hidden: 4, members: 1, transform: 'diff', strategy: 'direct', augment: { jitter: 0.5 } });
    const plan = planForecast(seriesData(nile), o);
    const clean = plan.x.data();
    const seen: number[] = [];
    await plan.model.fit(plan.x, plan.y, { ...plan.fitOptions, callbacks: [...plan.callbacks, { onEpochEnd: () => void seen.push(plan.x.data()[0]!) }] });
    expect(new Set(seen).size).toBeGreaterThan(1);
    expect(plan.x.data()).toEqual(clean);
    const a = await Forecaster.fit(nile, { epochs: 3, hidden: 4, members: 1, fallback: 'none', transform: 'diff', strategy: 'direct', augment: { jitter: 0.5 } });
    const b = await Forecaster.fit(nile, { epochs: 3, hidden: 4, members: 1, fallback: 'none', transform: 'diff', strategy: 'direct' });
    expect(a.forecast()).not.toEqual(b.forecast());
  });
});
