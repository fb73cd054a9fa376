import { describe, expect, it } from 'vitest';
import { tanhF32 } from '../src/fastmath.js';

describe('tanhF32 (the float32 gate passes)', () => {
  it('rounds to within 2.4e-7 relative of Math.tanh over [-12, 12] (float32 inputs)', () => {
    let worst = 0;
    let at = 0;
    for (let i = -1_200_000; i <= 1_200_000; i++) {
      const x = Math.fround(i * 1e-5);
      const want = Math.fround(Math.tanh(x));
      if (want === 0) continue;
      const rel = Math.abs(Math.fround(tanhF32(x)) - want) / Math.abs(want);
      if (rel > worst) { worst = rel; at = x; }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(2.4e-7);
    expect(worst).toBeGreaterThan(0); // an approximation, not Math.tanh itself
  });

  it('is odd, exact near zero, saturates, and passes NaN through', () => {
    for (const x of [0.1, 0.5, 0.625, 1, 3, 7.9, 20]) expect(tanhF32(-x)).toBe(-tanhF32(x));
    for (const x of [1e-4, -3e-4, 1e-30, 1e-45]) expect(tanhF32(x)).toBe(x);
    expect(Object.is(tanhF32(-0), -0)).toBe(true);
    expect(Math.fround(tanhF32(Infinity))).toBe(Math.fround(0.99999976));
    expect(Math.fround(tanhF32(-Infinity))).toBe(Math.fround(-0.99999976));
    expect(tanhF32(NaN)).toBeNaN();
  });
});
