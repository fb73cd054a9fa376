import { add, linear, matmul, reshape, tanh, initialise, type Rng, type Tensor, type CellParameter, type CellParams } from '@rnn/core';
import type { Children } from '../cell.js';
import { RecursiveCell } from './recursive.js';

/**
 * The Recursive Neural Tensor Network of Socher et al. 2013: the recursive net plus a bilinear
 * term, one slice of the tensor V per output unit,
 *
 *   v = [hL; hR],    h_k = tanh(vᵀ V[:, :, k] v + (W v + b)_k)
 *
 * with `weight_v [2H, 2H, H]`, `weight [H, 2H]`, `bias [H]`. Batched over N nodes, `vᵀ V` is one
 * `[N, 2H] @ [2H, 2H·H]` product and the second contraction a batched `[N, 1, 2H] @ [N, 2H, H]`.
 */
export class RNTNCell extends RecursiveCell {
  override readonly kind = 'rntn';

  override parameters(inputSize: number, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const base = super.parameters(inputSize, rng);
    const v = { kind: 'uniform', bound: 1 / (4 * H) } as const;
    return [...base, { name: 'weight_v', shape: [2 * H, 2 * H, H], init: initialise(v, [2 * H, 2 * H, H], rng) }];
  }

  override combine(p: CellParams, children: Children, x: Tensor | null): Tensor[] {
    const H = this.hiddenSize;
    const N = children.count;
    const v = this.pair(children, x);
    const vV = reshape(matmul(v, reshape(p['weight_v']!, [2 * H, 2 * H * H])), [N, 2 * H, H]);
    const bilinear = reshape(matmul(reshape(v, [N, 1, 2 * H]), vV), [N, H]);
    return [tanh(add(bilinear, linear(v, p['weight']!, p['bias']!)))];
  }
}
