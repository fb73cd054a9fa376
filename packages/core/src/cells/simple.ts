import { add, relu, tanh } from '../ops/elementwise.js';
import { linear } from '../ops/nn.js';
import type { Tensor } from '../tensor.js';
import type { CellConfig, CellParams } from './cell.js';
import { PytorchLayoutCell } from './pytorch-layout.js';

/**
 * The simple (Elman) cell, PyTorch's `nn.RNN`; the model file calls its layer type `rnn`:
 *
 *   h' = act(W_ih x + b_ih + W_hh h + b_hh),   act = tanh or relu;   y = h'
 *
 * Fused kernel: `rnn_tanh` / `rnn_relu` (`Backend.sequenceForward`).
 */
export class SimpleCell extends PytorchLayoutCell {
  readonly kind = 'rnn';

  constructor(
    hiddenSize: number,
    readonly nonlinearity: 'tanh' | 'relu' = 'tanh',
  ) {
    super(hiddenSize, nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh', 1);
  }

  step(p: CellParams, [h]: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const pre = add(linear(x, p['weight_ih']!, p['bias_ih']!), linear(h!, p['weight_hh']!, p['bias_hh']!));
    const next = this.nonlinearity === 'relu' ? relu(pre) : tanh(pre);
    return [[next], next];
  }

  config(): CellConfig {
    return { hiddenSize: this.hiddenSize, nonlinearity: this.nonlinearity };
  }
}
