import type { FusedCell } from '../backend.js';
import type { InitName } from '../init.js';
import { add, relu, tanh } from '../ops/elementwise.js';
import { linear } from '../ops/nn.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import type { Cell, CellConfig, CellParameter, CellParams } from './cell.js';
import { pytorchParameters, zeroCarry } from './pytorch-layout.js';

/**
 * The simple (Elman) cell, PyTorch's `nn.RNN`; the model file calls its layer type `rnn`:
 *
 *   h' = act(W_ih x + b_ih + W_hh h + b_hh),   act = tanh or relu;   y = h'
 *
 * Fused kernel: `rnn_tanh` / `rnn_relu` (`Backend.sequenceForward`).
 */
export class SimpleCell implements Cell {
  readonly kind = 'rnn';
  readonly kernel: FusedCell;

  constructor(
    readonly hiddenSize: number,
    readonly nonlinearity: 'tanh' | 'relu' = 'tanh',
  ) {
    this.kernel = nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh';
  }

  parameters(inputSize: number, init: InitName, rng: Rng): CellParameter[] {
    return pytorchParameters(this.kernel, this.hiddenSize, inputSize, init, rng);
  }

  initCarry(batch: number, like: Tensor): Tensor[] {
    return zeroCarry(1, batch, this.hiddenSize, like);
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
