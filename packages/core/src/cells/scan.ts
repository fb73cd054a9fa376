import { tensor } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';
import { reshape, split, stack, where } from '../ops/shape-ops.js';
import type { Tensor } from '../tensor.js';
import type { Cell, CellParams } from './cell.js';

export interface ScanResult {
  /** `[B, T, outputSize]`, zeros at padded steps. */
  y: Tensor;
  /** The carry after each row's last valid step (after step 0 when reading in reverse). */
  carry: Tensor[];
  /** `[B, outputSize]`: each row's output at that same step. */
  last: Tensor;
}

/**
 * THE time loop: run `cell.step` over a `[B, T, I]` sequence, in either direction, with per-row
 * valid lengths (kept apart from the cell, as tfjs-layers' `rnn()`). Padded steps keep the carry
 * unchanged and output zeros, so they change neither the state nor the gradient; in reverse, each
 * row is read from its own last valid step down to step 0. Expects checked arguments (see
 * `recurrence`, the op that calls it).
 */
export function scan(
  cell: Cell,
  params: CellParams,
  x: Tensor,
  carry0: readonly Tensor[],
  lengths: ArrayLike<number> | null,
  reverse: boolean,
): ScanResult {
  const [B, T, I] = x.shape as [number, number, number];
  let carry = [...carry0];
  const ys: Tensor[] = new Array(T);
  let last: Tensor | null = null;
  // one split node, not T slices, so the gradient of x stays linear in T
  const steps = split(x, new Array<number>(T).fill(1), 1);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const [next, out] = cell.step(params, carry, reshape(steps[t]!, [B, I]));
    if (lengths && Array.prototype.some.call(lengths, (l: number) => t >= l)) {
      const m = tensor(Float64Array.from(lengths, (l) => (t < l ? 1 : 0)), [B, 1], { dtype: x.dtype, backend: x.backend });
      carry = next.map((c, i) => where(m, c, carry[i]!));
      ys[t] = mul(out, m);
      last = last ? where(m, out, last) : ys[t]!;
    } else {
      carry = next;
      ys[t] = out;
      last = out;
    }
  }
  return { y: stack(ys, 1), carry, last: last! };
}
