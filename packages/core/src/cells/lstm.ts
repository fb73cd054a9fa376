import { add, mul, sigmoid, tanh } from '../ops/elementwise.js';
import { linear } from '../ops/nn.js';
import { split } from '../ops/shape-ops.js';
import type { Tensor } from '../tensor.js';
import type { CellParams } from './cell.js';
import { PytorchLayoutCell } from './pytorch-layout.js';

/**
 * LSTM, PyTorch's `nn.LSTM` (gates i, f, g, o stacked in that order); carry `[h, c]`:
 *
 *   [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh
 *   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),   h' = σ(o) ⊙ tanh(c');   y = h'
 *
 * Fused kernel: `lstm` (`Backend.sequenceForward`).
 */
export class LSTMCell extends PytorchLayoutCell {
  readonly kind = 'lstm';

  constructor(hiddenSize: number) {
    super(hiddenSize, 'lstm', 2);
  }

  step(p: CellParams, [h, c]: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const H = this.hiddenSize;
    const gates = add(linear(x, p['weight_ih']!, p['bias_ih']!), linear(h!, p['weight_hh']!, p['bias_hh']!));
    const [i, f, g, o] = split(gates, [H, H, H, H], 1) as [Tensor, Tensor, Tensor, Tensor];
    const cNext = add(mul(sigmoid(f), c!), mul(sigmoid(i), tanh(g)));
    const hNext = mul(sigmoid(o), tanh(cNext));
    return [[hNext, cNext], hNext];
  }
}
