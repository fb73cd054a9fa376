import { expect, it } from 'vitest';
import { T, describeNative } from './helpers.js';

// The kernels flush denormals (native/src/denormals.h): a 2.2× slow-down late in G2P training came
// from gradients underflowing into the denormal range. JavaScript between the calls keeps IEEE.
describeNative('native backend: denormals', (b) => {
  const tiny32 = Math.fround(1e-39); // a float32 denormal (the smallest normal is 1.18e-38)

  it('kernels read denormal inputs as zero and write zero for denormal results', () => {
    const x = Float32Array.of(tiny32, -tiny32, 1e-30, 2);
    const one = Float32Array.of(1, 1, 1, 1);
    expect(tiny32).toBeGreaterThan(0);
    expect(Array.from(b.binary('mul', T(x, [4]), T(one, [4]), [4]) as Float32Array)).toEqual([0, -0, Math.fround(1e-30), 2]);
    // a normal product that underflows: 1e-20 × 1e-19 = 1e-39
    const y = b.binary('mul', T(Float32Array.of(1e-20), [1]), T(Float32Array.of(1e-19), [1]), [1]) as Float32Array;
    expect(y[0]).toBe(0);
    // float64 too (its denormals are below 2.2e-308)
    const z = b.binary('mul', T(Float64Array.of(1e-300), [1]), T(Float64Array.of(1e-10), [1]), [1]) as Float64Array;
    expect(z[0]).toBe(0);
  });

  it('leaves JavaScript IEEE between kernel calls', () => {
    b.binary('mul', T(Float32Array.of(1), [1]), T(Float32Array.of(1), [1]), [1]);
    const half = Number.MIN_VALUE * 0.5 + Number.MIN_VALUE; // forces arithmetic on a denormal double
    expect(half).toBe(Number.MIN_VALUE);
    expect(Math.fround(1e-39)).toBeGreaterThan(0);
    expect(Number.MIN_VALUE * 3).toBeGreaterThan(Number.MIN_VALUE);
  });
});
