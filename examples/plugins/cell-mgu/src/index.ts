import { add, linear, mul, sigmoid, sub, tanh, zeros, type Rng, type Tensor } from '@rnn/core';
import { initialise, registerCell, type Cell, type CellParameter, type CellParams, type InitName } from '@rnn/layers';

/**
 * The minimal gated unit (Zhou, Wu, Zhang & Zhou 2016): a GRU with one gate, the forget gate f
 * doing the work of both reset and update gates.
 *
 *   f_t  = σ(W_f x_t + U_f h_{t-1} + b_f)
 *   h̃_t  = tanh(W_h x_t + U_h (f_t ⊙ h_{t-1}) + b_h)
 *   h_t  = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ h̃_t
 *
 * Wrap it with `rnn(new MguCell(H), { numLayers, bidirectional })` from @rnn/layers: the layer
 * supplies time, direction, stacking, variable lengths and gradients. Parameters are initialised
 * uniform(±1/√H) like PyTorch's recurrent layers. Importing this package registers the cell as
 * 'mgu', so a model file that uses it saves and loads by name.
 */
export class MguCell implements Cell {
  readonly kind = 'mgu';

  constructor(readonly hiddenSize: number) {
    if (!(Number.isInteger(hiddenSize) && hiddenSize >= 1)) {
      throw new Error(`MguCell: hiddenSize must be a positive integer, found ${hiddenSize}`);
    }
  }

  parameters(inputSize: number, _init: InitName, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const u = { kind: 'uniform', bound: 1 / Math.sqrt(H) } as const;
    const p = (name: string, shape: number[]): CellParameter => ({ name, shape, init: initialise(u, shape, rng) });
    return [p('W_f', [H, inputSize]), p('U_f', [H, H]), p('b_f', [H]), p('W_h', [H, inputSize]), p('U_h', [H, H]), p('b_h', [H])];
  }

  initCarry(batch: number, like: Tensor): Tensor[] {
    return [zeros([batch, this.hiddenSize], { dtype: like.dtype, backend: like.backend })];
  }

  step(p: CellParams, [h]: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const f = sigmoid(add(linear(x, p['W_f']!, p['b_f']!), linear(h!, p['U_f']!, null)));
    const candidate = tanh(add(linear(x, p['W_h']!, p['b_h']!), linear(mul(f, h!), p['U_h']!, null)));
    const next = add(h!, mul(f, sub(candidate, h!))); // (1 − f) h + f h̃
    return [[next], next];
  }
}

registerCell('mgu', (config) => new MguCell(config.hiddenSize));
