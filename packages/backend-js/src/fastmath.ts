/**
 * tanh for the float32 gate passes of the fused recurrent steps (`rnn-cells.ts`).
 *
 * `Math.tanh` is a call into V8's fdlibm port (about 17-25 ns on the CPUs measured), two of them
 * per LSTM unit and step: a tenth of a float32 LSTM training step. This is the rational
 * approximation the native AVX-512 kernels use (Eigen's: x P(x^2) / Q(x^2), odd degree 13 over
 * even degree 6, on [-7.905, 7.905]), evaluated in double: about 4-5 ns, inlined. Rounded to
 * float32 it is within 2.4e-7 relative of `Math.tanh` rounded the same way (2 ulp; the largest
 * difference is at the clamp, where it gives 0.99999976 for 1); it is exact for |x| < 4e-4
 * (tanh(x) = x there to float precision, -0 kept), and NaN gives NaN. float64 steps keep
 * `Math.tanh`: gradient checks run in float64 against finite differences.
 */
export function tanhF32(a: number): number {
  if (a < 4e-4 && a > -4e-4) return a;
  const x = a > 7.90531110763549805 ? 7.90531110763549805 : a < -7.90531110763549805 ? -7.90531110763549805 : a;
  const x2 = x * x;
  let p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
  p = x2 * p - 8.60467152213735e-11;
  p = x2 * p + 5.12229709037114e-8;
  p = x2 * p + 1.48572235717979e-5;
  p = x2 * p + 6.37261928875436e-4;
  p = x2 * p + 4.89352455891786e-3;
  let q = x2 * 1.19825839466702e-6 + 1.18534705686654e-4;
  q = x2 * q + 2.2684346324390e-3;
  q = x2 * q + 4.89352518554385e-3;
  return (x * p) / q;
}
