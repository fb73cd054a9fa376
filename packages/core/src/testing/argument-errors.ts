import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { rnnSequence } from '../ops/recurrent.js';
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
    const gru = () => ({
      mode: 'gru' as const,
      x: t([2, 3, 4]),
      weightIh: t([15, 4]),
      weightHh: t([15, 5]),
      biasIh: t([15]),
      biasHh: t([15]),
    });
    const lstm = () => ({ ...gru(), mode: 'lstm' as const, weightIh: t([20, 4]), weightHh: t([20, 5]), biasIh: t([20]), biasHh: t([20]) });

    it('rnnSequence: h0 whose batch differs from x', () => {
      expect(() => rnnSequence({ ...gru(), h0: t([3, 5]) })).toThrow(ShapeError);
      expect(() => rnnSequence({ ...gru(), h0: t([3, 5]) })).toThrow(/rnnSequence\(gru\): h0 must have shape \[2, 5\], found float32\[3, 5\]/);
    });

    it('rnnSequence: a weight with the row count of another cell', () => {
      expect(() => rnnSequence({ ...gru(), weightHh: t([20, 5]) })).toThrow(
        /rnnSequence\(gru\): weightHh must have shape \[15, 5\], found float32\[20, 5\]/,
      );
    });

    it('rnnSequence: weightIh whose columns are not the input features', () => {
      expect(() => rnnSequence({ ...gru(), weightIh: t([15, 3]) })).toThrow(
        /rnnSequence\(gru\): weightIh \(its columns must equal the input features\) must have shape \[15, 4\], found float32\[15, 3\]/,
      );
    });

    it('rnnSequence: a bias of the wrong length', () => {
      expect(() => rnnSequence({ ...gru(), biasHh: t([12]) })).toThrow(/rnnSequence\(gru\): biasHh must have shape \[15\], found float32\[12\]/);
    });

    it('rnnSequence: an lstm c0 of the wrong shape', () => {
      expect(() => rnnSequence({ ...lstm(), c0: t([2, 4]) })).toThrow(/rnnSequence\(lstm\): c0 must have shape \[2, 5\], found float32\[2, 4\]/);
    });

    it('rnnSequence: lengths with one entry per batch row missing', () => {
      expect(() => rnnSequence({ ...gru(), lengths: [3] })).toThrow(
        /rnnSequence\(gru\): lengths has 1 entries, expected one per batch row \(2\)/,
      );
    });

    it('rnnSequence: x that is not [batch, time, features]', () => {
      expect(() => rnnSequence({ ...gru(), x: t([2, 12]) })).toThrow(/rnnSequence\(gru\): x must be \[batch, time, features\], found float32\[2, 12\]/);
    });

    it('rnnSequence: integer x', () => {
      expect(() => rnnSequence({ ...gru(), x: t([2, 3, 4], 'int32') })).toThrow(DTypeError);
      expect(() => rnnSequence({ ...gru(), x: t([2, 3, 4], 'int32') })).toThrow(/rnnSequence\(gru\): x must be float32 or float64, found int32\[2, 3, 4\]/);
    });

    it('rnnSequence: weights of another dtype than x', () => {
      if (!ctx.backend.dtypes.includes('float64')) return; // one float dtype: nothing to mix
      expect(() => rnnSequence({ ...gru(), weightHh: t([15, 5], 'float64') })).toThrow(DTypeError);
      expect(() => rnnSequence({ ...gru(), weightHh: t([15, 5], 'float64') })).toThrow(
        /rnnSequence\(gru\): weightHh is float64\[15, 5\] but x is float32\[2, 3, 4\]; cast it to float32 with cast\(\) first/,
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
