import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.js';

describe('Rng.dropoutMask', () => {
  for (const keep of [0.9, 0.5, 0.123, 1e-9]) {
    it(`keep ${keep}: the same mask and the same state afterwards as next() < keep per element`, () => {
      const a = new Rng(7);
      const b = new Rng(7);
      a.next(); // start mid-stream, as a training step does
      b.next();
      const n = 10_007;
      const want = new Float64Array(n);
      for (let i = 0; i < n; i++) want[i] = a.next() < keep ? 1 / keep : 0;
      const m64 = new Float64Array(n);
      b.dropoutMask(m64, keep);
      expect(Array.from(m64)).toEqual(Array.from(want));
      expect(b.getState()).toEqual(a.getState());
      const c = new Rng(7);
      c.next();
      const m32 = new Float32Array(n);
      c.dropoutMask(m32, keep);
      expect(Array.from(m32)).toEqual(Array.from(want, Math.fround));
      const kept = m64.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
      expect(Math.abs(kept / n - keep)).toBeLessThan(0.02);
    });
  }

  it('keep 1 keeps everything at scale 1; an empty mask draws nothing', () => {
    const r = new Rng(3);
    const m = new Float32Array(100);
    r.dropoutMask(m, 1);
    expect(m.every((v) => v === 1)).toBe(true);
    const before = r.getState();
    r.dropoutMask(new Float32Array(0), 0.5);
    expect(r.getState()).toEqual(before);
  });
});
