import { add, linear, mul, sigmoid, split, tanh, zeros, type Rng, type Tensor } from '@rnn/core';
import { initialise, registerCell, type Cell, type CellParameter, type CellParams, type InitName } from '@rnn/layers';

/**
 * LSTM with peephole connections (Gers & Schmidhuber 2000): the gates also see the cell state.
 *
 *   i = σ(W_i x + U_i h + p_i ⊙ c + b_i)
 *   f = σ(W_f x + U_f h + p_f ⊙ c + b_f)
 *   c' = f ⊙ c + i ⊙ tanh(W_g x + U_g h + b_g)
 *   o = σ(W_o x + U_o h + p_o ⊙ c' + b_o)
 *   h' = o ⊙ tanh(c')
 *
 * Gate rows of `weight_ih`/`weight_hh`/`bias` are stacked i, f, g, o as in PyTorch's LSTM.
 * Its only option is its size, so it needs no `config()`; it is registered as 'peephole-lstm'
 * below, so a model file naming it loads once this module is imported.
 */
export class PeepholeLSTMCell implements Cell {
  readonly kind = 'peephole-lstm';

  constructor(readonly hiddenSize: number) {}

  parameters(inputSize: number, _init: InitName, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const u = { kind: 'uniform', bound: 1 / Math.sqrt(H) } as const;
    return [
      { name: 'weight_ih', shape: [4 * H, inputSize], init: initialise(u, [4 * H, inputSize], rng) },
      { name: 'weight_hh', shape: [4 * H, H], init: initialise(u, [4 * H, H], rng) },
      { name: 'bias', shape: [4 * H], init: initialise(u, [4 * H], rng) },
      { name: 'peephole_i', shape: [H], init: initialise(u, [H], rng) },
      { name: 'peephole_f', shape: [H], init: initialise(u, [H], rng) },
      { name: 'peephole_o', shape: [H], init: initialise(u, [H], rng) },
    ];
  }

  initCarry(batch: number, like: Tensor): Tensor[] {
    const z = () => zeros([batch, this.hiddenSize], { dtype: like.dtype, backend: like.backend });
    return [z(), z()];
  }

  step(p: CellParams, [h, c]: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const H = this.hiddenSize;
    const gates = add(linear(x, p['weight_ih']!, p['bias']!), linear(h!, p['weight_hh']!, null));
    const [gi, gf, gg, go] = split(gates, [H, H, H, H], 1) as [Tensor, Tensor, Tensor, Tensor];
    const i = sigmoid(add(gi, mul(p['peephole_i']!, c!)));
    const f = sigmoid(add(gf, mul(p['peephole_f']!, c!)));
    const cNext = add(mul(f, c!), mul(i, tanh(gg)));
    const o = sigmoid(add(go, mul(p['peephole_o']!, cNext)));
    const hNext = mul(o, tanh(cNext));
    return [[hNext, cNext], hNext];
  }
}

registerCell('peephole-lstm', (c) => new PeepholeLSTMCell(c.hiddenSize));
