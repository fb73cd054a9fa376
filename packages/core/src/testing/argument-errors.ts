import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { cellForKernel } from '../cells/index.js';
import type { CellParams } from '../cells/cell.js';
import { recurrence } from '../ops/recurrence.js';
import { treeLstmLevel } from '../ops/tree.js';
import type { Tensor } from '../tensor.js';
import { make, type SuiteContext } from './context.js';

/**
 * The argument mistakes of the fused-kernel ops, refused by core with the message a user sees,
 * whatever the backend. Backends only marshal these arguments (the C API behind the native
 * backends checks memory safety, not meaning), so this is the one place their text is asserted:
 * one case per mistake.
 */
export function describeArgumentErrors(ctx: SuiteContext): void {
  describe('argument errors of the fused-kernel ops', () => {
    const t = (shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32'): Tensor =>
      make(ctx, new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape, dtype);
    // gru: G = 3, batch 2, time 3, input 4, hidden 5
    const gru = (params: Partial<Record<string, Tensor>> = {}, x = t([2, 3, 4])) => ({
      cell: cellForKernel('gru', 5),
      x,
      params: { weight_ih: t([15, 4]), weight_hh: t([15, 5]), bias_ih: t([15]), bias_hh: t([15]), ...params } as CellParams,
    });
    const lstm = () => ({
      cell: cellForKernel('lstm', 5),
      x: t([2, 3, 4]),
      params: { weight_ih: t([20, 4]), weight_hh: t([20, 5]), bias_ih: t([20]), bias_hh: t([20]) },
    });

    it('recurrence: h0 whose batch differs from x', () => {
      expect(() => recurrence({ ...gru(), carry: [t([3, 5])] })).toThrow(ShapeError);
      expect(() => recurrence({ ...gru(), carry: [t([3, 5])] })).toThrow(/recurrence\(gru\): h0 must have shape \[2, 5\], found float32\[3, 5\]/);
    });

    it('recurrence: a weight with the row count of another cell', () => {
      expect(() => recurrence(gru({ weight_hh: t([20, 5]) }))).toThrow(
        /recurrence\(gru\): weight_hh must have shape \[15, 5\], found float32\[20, 5\]/,
      );
    });

    it('recurrence: weight_ih whose columns are not the input features', () => {
      expect(() => recurrence(gru({ weight_ih: t([15, 3]) }))).toThrow(
        /recurrence\(gru\): weight_ih \(its columns must equal the input features\) must have shape \[15, 4\], found float32\[15, 3\]/,
      );
    });

    it('recurrence: a bias of the wrong length', () => {
      expect(() => recurrence(gru({ bias_hh: t([12]) }))).toThrow(/recurrence\(gru\): bias_hh must have shape \[15\], found float32\[12\]/);
    });

    it('recurrence: an lstm c0 of the wrong shape', () => {
      expect(() => recurrence({ ...lstm(), carry: [t([2, 5]), t([2, 4])] })).toThrow(
        /recurrence\(lstm\): c0 must have shape \[2, 5\], found float32\[2, 4\]/,
      );
    });

    it('recurrence: lengths with one entry per batch row missing', () => {
      expect(() => recurrence({ ...gru(), lengths: [3] })).toThrow(
        /recurrence\(gru\): lengths has 1 entries, expected one per batch row \(2\)/,
      );
    });

    it('recurrence: x that is not [batch, time, features]', () => {
      expect(() => recurrence(gru({}, t([2, 12])))).toThrow(/recurrence\(gru\): x must be \[batch, time, features\], found float32\[2, 12\]/);
    });

    it('recurrence: integer x', () => {
      expect(() => recurrence(gru({}, t([2, 3, 4], 'int32')))).toThrow(DTypeError);
      expect(() => recurrence(gru({}, t([2, 3, 4], 'int32')))).toThrow(/recurrence\(gru\): x must be float32 or float64, found int32\[2, 3, 4\]/);
    });

    it('recurrence: weights of another dtype than x', () => {
      if (!ctx.backend.dtypes.includes('float64')) return; // one float dtype: nothing to mix
      expect(() => recurrence(gru({ weight_hh: t([15, 5], 'float64') }))).toThrow(DTypeError);
      expect(() => recurrence(gru({ weight_hh: t([15, 5], 'float64') }))).toThrow(
        /recurrence\(gru\): weight_hh is float64\[15, 5\] but x is float32\[2, 3, 4\]; cast it to float32 with cast\(\) first/,
      );
    });

    // Tree-LSTM level: 3 nodes, input 2, hidden 4
    const level = () => ({
      x: t([3, 2]),
      hL: t([3, 4]),
      cL: t([3, 4]),
      hR: t([3, 4]),
      cR: t([3, 4]),
      weight: t([20, 2]),
      weightH: t([20, 8]),
      bias: t([20]),
    });

    it('treeLstmLevel: children whose node count differs from x', () => {
      expect(() => treeLstmLevel({ ...level(), cR: t([2, 4]) })).toThrow(ShapeError);
      expect(() => treeLstmLevel({ ...level(), cR: t([2, 4]) })).toThrow(/treeLstmLevel: cR must have shape \[3, 4\], found float32\[2, 4\]/);
    });

    it('treeLstmLevel: a weight that does not fit the hidden size', () => {
      expect(() => treeLstmLevel({ ...level(), weightH: t([20, 4]) })).toThrow(
        /treeLstmLevel: weightH must have shape \[20, 8\], found float32\[20, 4\]/,
      );
      expect(() => treeLstmLevel({ ...level(), weight: t([16, 2]) })).toThrow(/treeLstmLevel: weight must have shape \[20, 2\], found float32\[16, 2\]/);
    });

    it('treeLstmLevel: tensors of another dtype than x', () => {
      if (!ctx.backend.dtypes.includes('float64')) return;
      expect(() => treeLstmLevel({ ...level(), bias: t([20], 'float64') })).toThrow(
        /treeLstmLevel: bias is float64\[20\] but x is float32\[3, 2\]; cast it to float32 with cast\(\) first/,
      );
    });
  });
}
