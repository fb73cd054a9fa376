import { mul, reshape, split, stack, tensor, where, type Tensor } from '@rnn/core';
import type { Cell, CellParams } from '../cells/cell.js';

/**
 * Run a cell over a `[B, T, I]` sequence, in either direction, with per-row lengths (the time loop
 * kept apart from the cell, as in tfjs-layers' `rnn()`). Padded steps keep the carry unchanged and
 * output zeros, so they change neither the state nor the gradient. In reverse, each row is read
 * from its own last valid step down to step 0.
 */
export function scan(
  cell: Cell,
  params: CellParams,
  x: Tensor,
  carry0: Tensor[],
  lengths: readonly number[] | null,
  reverse: boolean,
): { y: Tensor; carry: Tensor[]; last: Tensor } {
  const [B, T, I] = x.shape as [number, number, number];
  let carry = carry0;
  const ys: Tensor[] = new Array(T);
  // the output at each row's last valid step (step 0 when reading in reverse)
  let last: Tensor | null = null;
  // one split node, not T slices, so the gradient of x stays linear in T
  const steps = split(x, new Array<number>(T).fill(1), 1);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const xt = reshape(steps[t]!, [B, I]);
    const [next, out] = cell.step(params, carry, xt);
    if (lengths && lengths.some((l) => t >= l)) {
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
