import { expect, it } from 'vitest';
import { GATES, type FusedCell, type SequenceForwardArgs } from '@rnn/core';
import { T, describeNative, rand } from './helpers.js';

// The recording forward's trace arrays are recycled once disposed (a recording writes 16 MB per call
// at B 64 × T 100 × H 128, whose fresh memory cost more than the stores); a recycled array must come
// back fully rewritten, and one that a view aliases must never come back.

const [B, S, I, H] = [3, 5, 4, 6];
const lengths = Int32Array.from([5, 2, 4]);

function args(cell: FusedCell, seed: number): SequenceForwardArgs {
  const G = GATES[cell];
  const f = (n: number, k: number, shape: number[]) => T(Float32Array.from(rand(n, seed * 10 + k, -0.8, 0.8)), shape);
  return {
    cell,
    x: f(B * S * I, 1, [B, S, I]),
    h0: f(B * H, 2, [B, H]),
    c0: cell === 'lstm' ? f(B * H, 3, [B, H]) : null,
    weightIh: f(G * H * I, 4, [G * H, I]),
    weightHh: f(G * H * H, 5, [G * H, H]),
    biasIh: f(G * H, 6, [G * H]),
    biasHh: f(G * H, 7, [G * H]),
    lengths,
    reverse: seed % 2 === 0,
    training: false,
    record: true,
  };
}

describeNative('native backend: recording forward', (b) => {
  for (const cell of ['lstm', 'gru', 'rnn_tanh'] as FusedCell[]) {
    it(`${cell}: a disposed trace array is reused by the next recording and fully rewritten`, () => {
      const first = b.sequenceForward(args(cell, 1)).trace!;
      const want = b.sequenceForward(args(cell, 2)).trace!; // kept: arrays of its own
      b.dispose(first.gates);
      if (first.cells) b.dispose(first.cells);
      const again = b.sequenceForward(args(cell, 2)).trace!;
      expect((again.gates as Float32Array).buffer).toBe((first.gates as Float32Array).buffer);
      expect(Array.from(again.gates as Float32Array)).toEqual(Array.from(want.gates as Float32Array));
      if (cell === 'lstm') {
        expect((again.cells as Float32Array).buffer).toBe((first.cells as Float32Array).buffer);
        expect(Array.from(again.cells as Float32Array)).toEqual(Array.from(want.cells as Float32Array));
      } else expect(again.cells).toBeNull();
      // padded steps are zeros in the recycled array too (row 1 has 2 of 5 steps)
      const GH = GATES[cell] * H;
      expect((again.gates as Float32Array).subarray((1 * S + 2) * GH, (1 * S + S) * GH).every((v) => v === 0)).toBe(true);
    });
  }

  it('a trace array a view was taken of is never recycled', () => {
    const first = b.sequenceForward(args('gru', 3)).trace!;
    const n = (first.gates as Float32Array).length;
    const view = b.view(T(first.gates as Float32Array, [n]), 0, 4) as Float32Array;
    const seen = Array.from(view);
    b.dispose(first.gates);
    const next = b.sequenceForward(args('gru', 4)).trace!;
    expect(next.gates).not.toBe(first.gates);
    expect(Array.from(view)).toEqual(seen);
  });
});
