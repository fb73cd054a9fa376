import { add, mul, sigmoid, sub, tanh } from '../ops/elementwise.js';
import { linear } from '../ops/nn.js';
import { split } from '../ops/shape-ops.js';
import type { Tensor } from '../tensor.js';
import type { CellParams } from './cell.js';
import { PytorchLayoutCell } from './pytorch-layout.js';

/**
 * GRU, PyTorch's `nn.GRU` (gates r, z, n stacked in that order):
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 - z) ⊙ n + z ⊙ h;   y = h'
 *
 * (the reset gate scales the recurrent term after its bias, as PyTorch and cuDNN do).
 * Fused kernel: `gru` (`Backend.sequenceForward`).
 */
export class GRUCell extends PytorchLayoutCell {
  readonly kind = 'gru';

  constructor(hiddenSize: number) {
    super(hiddenSize, 'gru', 1);
  }

  step(p: CellParams, [h]: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const H = this.hiddenSize;
    const [xr, xz, xn] = split(linear(x, p['weight_ih']!, p['bias_ih']!), [H, H, H], 1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = split(linear(h!, p['weight_hh']!, p['bias_hh']!), [H, H, H], 1) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, hn)));
    const next = add(mul(sub(1, z), n), mul(z, h!));
    return [[next], next];
  }
}
