import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { backward } from '../autodiff.js';
import { BackendError, DTypeError, RnnError, ShapeError } from '../errors.js';
import { add, mul } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { GRUCell } from '../cells/gru.js';
import { recurrence } from '../ops/recurrence.js';
import { concat, gather, reshape } from '../ops/shape-ops.js';
import { make, type SuiteContext } from './context.js';

/** Errors core raises before a backend is called: class, code and a message naming op and shapes. */
export function describeErrors(ctx: SuiteContext, makeBackend: () => Backend): void {
  describe('errors', () => {
    const f = (data: number[], shape: number[]) => make(ctx, data, shape, 'float32');

    it('broadcast mismatch names the op and both shapes', () => {
      const a = f([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = f([1, 2, 3, 4], [4]);
      expect(() => add(a, b)).toThrow(ShapeError);
      expect(() => add(a, b)).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast/);
      expect(() => mul(b, a)).toThrow(/mul: shapes \[4\] and \[2, 3\]/);
    });

    it('matmul inner-dimension and batch mismatches name both shapes', () => {
      const a = f(new Array(6).fill(1), [2, 3]);
      const b = f(new Array(8).fill(1), [4, 2]);
      expect(() => matmul(a, b)).toThrow(ShapeError);
      expect(() => matmul(a, b)).toThrow(/matmul: inner dimensions differ \(3 vs 4\).*\[2, 3\].*\[4, 2\]/);
      const a3 = f(new Array(12).fill(1), [2, 2, 3]);
      const b3 = f(new Array(18).fill(1), [3, 3, 2]);
      expect(() => matmul(a3, b3)).toThrow(/matmul: batch sizes differ \(2 vs 3\)/);
      expect(() => matmul(f([1, 2], [2]), a)).toThrow(/matmul: expected rank-2 or rank-3 operands/);
    });

    it('dtype mismatches are DTypeErrors that say to cast', () => {
      const a = f([1, 2], [2]);
      const i = make(ctx, [1, 2], [2], 'int32');
      expect(() => add(a, i)).toThrow(DTypeError);
      expect(() => add(a, i)).toThrow(/add: operands have different dtypes .*float32\[2\].*int32\[2\].*cast/);
      expect(() => matmul(make(ctx, [1, 2, 3, 4], [2, 2], 'int32'), make(ctx, [1, 2, 3, 4], [2, 2], 'int32'))).toThrow(
        /matmul: a must be float32 or float64, found int32\[2, 2\]/,
      );
      expect(() => gather(a, a)).toThrow(/gather: indices must be int32, found float32\[2\]/);
    });

    it('reshape and concat mismatches name the shapes', () => {
      const a = f(new Array(6).fill(0), [2, 3]);
      expect(() => reshape(a, [4, 2])).toThrow(/reshape: cannot reshape float32\[2, 3\] \(6 elements\) to \[4, 2\] \(8 elements\)/);
      expect(() => concat([a, f([1, 2], [1, 2])], 0)).toThrow(/concat: tensor 1 has shape \[1, 2\], which does not match \[2, 3\] outside axis 0/);
    });

    it('recurrence shape errors say which argument is wrong', () => {
      const x = f(new Array(2 * 3 * 4).fill(0), [2, 3, 4]);
      const w = (r: number, c: number) => f(new Array(r * c).fill(0), [r, c]);
      const params = { weight_ih: w(15, 4), weight_hh: w(15, 5), bias_ih: f(new Array(15).fill(0), [15]), bias_hh: f(new Array(15).fill(0), [15]) };
      const args = { cell: new GRUCell(5), x, params };
      expect(() => recurrence({ ...args, params: { ...params, weight_ih: w(15, 3) } })).toThrow(
        /recurrence\(gru\): weight_ih .* must have shape \[15, 4\], found float32\[15, 3\]/,
      );
      expect(() => recurrence({ ...args, lengths: [3, 4] })).toThrow(/lengths\[1\] = 4, expected an integer in 1\.\.3/);
    });

    it('autodiff misuse and use after dispose are RnnErrors with codes', () => {
      const x = f([1, 2], [2]);
      x.requiresGrad = true;
      const y = mul(x, x);
      expect(() => backward(y)).toThrow(/is not a scalar/);
      try {
        backward(f([1], []));
        expect.unreachable('backward of a constant should throw');
      } catch (err) {
        expect(err).toBeInstanceOf(RnnError);
        expect((err as RnnError).code).toBe('E_AUTODIFF');
      }
      const z = f([1], [1]);
      z.dispose();
      expect(() => add(z, z)).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
    });

    it('mixing tensors from two backend instances is a BackendError', () => {
      const other = makeBackend();
      // a factory that hands out one shared instance cannot produce the mix
      if (other === ctx.backend) return;
      const a = f([1], [1]);
      const b = make(other, [1], [1], 'float32');
      expect(() => add(a, b)).toThrow(BackendError);
      expect(() => add(a, b)).toThrow(/add: operands live on different backends/);
    });
  });
}
