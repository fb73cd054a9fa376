import { assert, describe, expect, it } from 'vitest';
import { ConfigError, DTypeError, ShapeError } from '../errors.js';
import { conv1d, conv1dComposed } from '../ops/conv.js';
import { grad } from '../autodiff.js';
import { noGrad } from '../engine.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { FUSED_TOL, VALUE_TOL, expectClose, make, randomValues, rng, type SuiteContext } from './context.js';
import { checkGradients } from './gradcheck.js';

/**
 * `conv1d` against a direct float64 loop, fused (when the backend has the kernel) against the
 * composed im2col path, gradients against finite differences, and its argument mistakes.
 */

/** y[b, t, o] = bias[o] + Σ_{c,k} w[o, c, k] · xpad[b, t + k, c], in float64. */
export function conv1dHost(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  [B, T, Cin]: readonly number[],
  [Cout, , K]: readonly number[],
  padding: number,
): Float64Array {
  const Tout = T + 2 * padding - K! + 1;
  const y = new Float64Array(B! * Tout * Cout!);
  for (let b = 0; b < B!; b++) {
    for (let t = 0; t < Tout; t++) {
      for (let o = 0; o < Cout!; o++) {
        let s = bias ? bias[o]! : 0;
        for (let k = 0; k < K!; k++) {
          const src = t + k - padding;
          if (src < 0 || src >= T!) continue;
          for (let c = 0; c < Cin!; c++) s += w[(o * Cin! + c) * K! + k]! * x[(b * T! + src) * Cin! + c]!;
        }
        y[(b * Tout + t) * Cout! + o] = s;
      }
    }
  }
  return y;
}

interface Case {
  B: number;
  T: number;
  Cin: number;
  Cout: number;
  K: number;
  padding: number;
  bias: boolean;
}

const CASES: Case[] = [
  { B: 2, T: 5, Cin: 3, Cout: 4, K: 3, padding: 1, bias: true },
  { B: 1, T: 4, Cin: 2, Cout: 3, K: 2, padding: 0, bias: false },
  { B: 3, T: 2, Cin: 1, Cout: 2, K: 5, padding: 2, bias: true },
  { B: 2, T: 3, Cin: 4, Cout: 1, K: 1, padding: 0, bias: true },
];

const label = (c: Case) => `B=${c.B} T=${c.T} Cin=${c.Cin} Cout=${c.Cout} K=${c.K} padding=${c.padding}${c.bias ? '' : ' no bias'}`;

function hostInputs(c: Case, seed: number) {
  const r = rng(seed);
  return {
    x: randomValues(r, c.B * c.T * c.Cin),
    w: randomValues(r, c.Cout * c.Cin * c.K, -0.5, 0.5),
    bias: c.bias ? randomValues(r, c.Cout, -0.3, 0.3) : null,
  };
}

export function describeConv1d(ctx: SuiteContext): void {
  const b = ctx.backend;
  describe('conv1d', () => {
    for (const dtype of ctx.floatDTypes) {
      it(`values against a direct loop, fused and composed (${dtype})`, () => {
        const tol = dtype === 'float64' ? VALUE_TOL.float64 : FUSED_TOL;
        CASES.forEach((c, i) => {
          const h = hostInputs(c, 30 + i);
          const want = conv1dHost(h.x, h.w, h.bias, [c.B, c.T, c.Cin], [c.Cout, c.Cin, c.K], c.padding);
          const x = make(ctx, h.x, [c.B, c.T, c.Cin], dtype);
          const w = make(ctx, h.w, [c.Cout, c.Cin, c.K], dtype);
          const bias = h.bias ? make(ctx, h.bias, [c.Cout], dtype) : null;
          for (const fused of [true, false]) {
            const y = conv1d(x, w, bias, { padding: c.padding, fused });
            assert.deepEqual([...y.shape], [c.B, c.T + 2 * c.padding - c.K + 1, c.Cout], `${label(c)}: shape`);
            expectClose(y.data(), want, tol, `${label(c)} (fused: ${fused})`);
          }
        });
      });
    }

    it('a hand-checked case: [1, 2, 3] ⊛ [1, 0, -1] with padding 1 and bias 0.5', () => {
      const x = make(ctx, [1, 2, 3], [1, 3, 1], 'float32');
      const w = make(ctx, [1, 0, -1], [1, 1, 3], 'float32');
      const y = conv1d(x, w, make(ctx, [0.5], [1], 'float32'), { padding: 1 });
      // xpad = [0, 1, 2, 3, 0]: 0 - 2, 1 - 3, 2 - 0, each + 0.5
      expectClose(y.data(), [-1.5, -1.5, 2.5], VALUE_TOL.float32, 'conv1d');
    });

    if (b.conv1dForward && b.conv1dBackward) {
      it('fused conv1d gradients equal the composed ones (float32)', () => {
        CASES.forEach((c, i) => {
          const h = hostInputs(c, 40 + i);
          const leaves = [make(ctx, h.x, [c.B, c.T, c.Cin], 'float32'), make(ctx, h.w, [c.Cout, c.Cin, c.K], 'float32')];
          if (h.bias) leaves.push(make(ctx, h.bias, [c.Cout], 'float32'));
          for (const l of leaves) l.requiresGrad = true;
          const Tout = c.T + 2 * c.padding - c.K + 1;
          const r = make(ctx, randomValues(rng(50 + i), c.B * Tout * c.Cout), [c.B, Tout, c.Cout], 'float32');
          const fused = conv1d(leaves[0]!, leaves[1]!, leaves[2] ?? null, { padding: c.padding });
          assert.equal(fused.node?.op, 'conv1d', 'conv1d should have run the fused kernel');
          const composed = conv1d(leaves[0]!, leaves[1]!, leaves[2] ?? null, { padding: c.padding, fused: false });
          const gf = grad(sum(mul(fused, r)), leaves);
          const gc = grad(sum(mul(composed, r)), leaves);
          ['x', 'weight', 'bias'].slice(0, leaves.length).forEach((n, j) =>
            expectClose(gf[j]!.data(), gc[j]!.data(), FUSED_TOL, `${label(c)}: d loss / d ${n}`),
          );
        });
      });

      it('fused conv1d with gradients off records nothing', () => {
        const c = CASES[0]!;
        const h = hostInputs(c, 60);
        const x = make(ctx, h.x, [c.B, c.T, c.Cin], 'float32');
        const w = make(ctx, h.w, [c.Cout, c.Cin, c.K], 'float32');
        w.requiresGrad = true;
        const y = noGrad(() => conv1d(x, w, null, { padding: 1 }));
        assert.equal(y.node, null);
      });
    } else {
      it('conv1d runs the composed path (backend has no fused kernel)', () => {
        const x = make(ctx, [1, 2, 3], [1, 3, 1], 'float32');
        const w = make(ctx, [1, 0, -1], [1, 1, 3], 'float32');
        w.requiresGrad = true;
        assert.notEqual(conv1d(x, w, null).node?.op, 'conv1d', 'a fused node was recorded');
      });
    }

    const dtype = ctx.gradDType;
    for (const fused of [false, true]) {
      it(`conv1d gradients vs finite differences (${fused ? 'fused when the backend has it' : 'composed'}, ${dtype})`, () => {
        for (const c of [CASES[0]!, CASES[2]!]) {
          const h = hostInputs(c, 70);
          checkGradients(
            b,
            (x, w, bias) => conv1d(x!, w!, bias ?? null, { padding: c.padding, fused }),
            [
              { data: h.x, shape: [c.B, c.T, c.Cin] },
              { data: h.w, shape: [c.Cout, c.Cin, c.K] },
              { data: h.bias!, shape: [c.Cout] },
            ],
            { dtype, what: `conv1d ${label(c)} (fused: ${fused})` },
          );
        }
      });
    }

    it('conv1dComposed is what { fused: false } runs', () => {
      const c = CASES[0]!;
      const h = hostInputs(c, 80);
      const x = make(ctx, h.x, [c.B, c.T, c.Cin], 'float32');
      const w = make(ctx, h.w, [c.Cout, c.Cin, c.K], 'float32');
      const y = conv1d(x, w, null, { fused: false });
      expectClose(y.data(), conv1dComposed(x, w, null).data(), { atol: 0, rtol: 0 }, 'conv1d');
    });
  });

  describe('argument errors of conv1d', () => {
    const t = (shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32'): Tensor =>
      make(ctx, new Array(shape.reduce((a, v) => a * v, 1)).fill(0), shape, dtype);

    it('a weight whose input channels are not the last axis of x', () => {
      expect(() => conv1d(t([2, 5, 3]), t([4, 2, 3]), null)).toThrow(ShapeError);
      expect(() => conv1d(t([2, 5, 3]), t([4, 2, 3]), null)).toThrow(
        /conv1d: weight float32\[4, 2, 3\] has 2 input channels but x float32\[2, 5, 3\] has 3 \(its last axis\)/,
      );
    });

    it('x or weight of the wrong rank', () => {
      expect(() => conv1d(t([5, 3]), t([4, 3, 3]), null)).toThrow(/conv1d: x must be \[batch, time, channels\], found float32\[5, 3\]/);
      expect(() => conv1d(t([2, 5, 3]), t([4, 3]), null)).toThrow(
        /conv1d: weight must be \[outChannels, inChannels, kernelSize\] \(PyTorch's Conv1d layout\), found float32\[4, 3\]/,
      );
    });

    it('a bias that is not one per output channel', () => {
      expect(() => conv1d(t([2, 5, 3]), t([4, 3, 3]), t([3]))).toThrow(/conv1d: bias must have shape \[4\] \(one per output channel\), found float32\[3\]/);
    });

    it('a kernel longer than the padded input', () => {
      expect(() => conv1d(t([2, 2, 3]), t([4, 3, 5]), null)).toThrow(
        /conv1d: x has 2 steps but the kernel spans 5 \(with padding 0\), so no output step fits; pad the input to at least 5 steps or raise padding to 2/,
      );
    });

    it('integer x, and a weight of another dtype', () => {
      expect(() => conv1d(t([2, 5, 3], 'int32'), t([4, 3, 3]), null)).toThrow(DTypeError);
      expect(() => conv1d(t([2, 5, 3], 'int32'), t([4, 3, 3]), null)).toThrow(/conv1d: x must be float32 or float64, found int32\[2, 5, 3\]/);
      if (!ctx.backend.dtypes.includes('float64')) return;
      expect(() => conv1d(t([2, 5, 3]), t([4, 3, 3], 'float64'), null)).toThrow(
        /conv1d: weight is float64\[4, 3, 3\] but x is float32\[2, 5, 3\]; cast it to float32 with cast\(\) first/,
      );
    });

    it('stride other than 1, a negative padding, an unknown option', () => {
      expect(() => conv1d(t([2, 5, 3]), t([4, 3, 3]), null, { stride: 2 as 1 })).toThrow(ConfigError);
      expect(() => conv1d(t([2, 5, 3]), t([4, 3, 3]), null, { stride: 2 as 1 })).toThrow(/conv1d: stride must be 1 \(only stride 1 is supported\), found number 2/);
      expect(() => conv1d(t([2, 5, 3]), t([4, 3, 3]), null, { padding: -1 })).toThrow(/conv1d: padding must be an integer ≥ 0, found (number )?-1/);
      expect(() => conv1d(t([2, 5, 3]), t([4, 3, 3]), null, { dilation: 2 } as never)).toThrow(/conv1d: unknown option 'dilation'/);
    });
  });
}
