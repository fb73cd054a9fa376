import { GATES, linear, rnnCellStep, zeros, type FusedCell, type Rng, type Tensor } from '@rnn/core';
import { initialise, type InitName } from '../init.js';
import type { Cell, CellParameter, CellParams } from './cell.js';

/**
 * The built-in cells share PyTorch's parameter layout: `weight_ih [G*H, in]`,
 * `weight_hh [G*H, H]`, `bias_ih [G*H]`, `bias_hh [G*H]`, gates stacked in PyTorch's order.
 */
abstract class GatedCell implements Cell {
  abstract readonly kind: string;
  constructor(
    readonly hiddenSize: number,
    readonly kernel: FusedCell,
  ) {}

  parameters(inputSize: number, init: InitName, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const G = GATES[this.kernel];
    const bound = 1 / Math.sqrt(H);
    const u = { kind: 'uniform', bound } as const;
    const wi = init === 'pytorch' ? u : { kind: 'glorot' as const };
    const wh = init === 'orthogonal' ? { kind: 'orthogonal' as const } : init === 'glorot' ? { kind: 'glorot' as const } : u;
    const b = init === 'pytorch' ? u : { kind: 'zeros' as const };
    // PyTorch draws in registration order: weight_ih, weight_hh, bias_ih, bias_hh
    return [
      { name: 'weight_ih', shape: [G * H, inputSize], init: initialise(wi, [G * H, inputSize], rng) },
      { name: 'weight_hh', shape: [G * H, H], init: initialise(wh, [G * H, H], rng) },
      { name: 'bias_ih', shape: [G * H], init: initialise(b, [G * H], rng) },
      { name: 'bias_hh', shape: [G * H], init: initialise(b, [G * H], rng) },
    ];
  }

  initCarry(batch: number, like: Tensor): Tensor[] {
    const z = () => zeros([batch, this.hiddenSize], { dtype: like.dtype, backend: like.backend });
    return this.kernel === 'lstm' ? [z(), z()] : [z()];
  }

  step(p: CellParams, carry: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const xProj = linear(x, p['weight_ih']!, p['bias_ih']!);
    const next = rnnCellStep(this.kernel, xProj, carry[0]!, carry[1] ?? null, p['weight_hh']!, p['bias_hh']!);
    return [next.c ? [next.h, next.c] : [next.h], next.h];
  }
}

/** Elman RNN: `h' = act(W_ih x + b_ih + W_hh h + b_hh)`, act = tanh or relu. */
export class SimpleRNNCell extends GatedCell {
  readonly kind = 'rnn';
  constructor(hiddenSize: number, readonly nonlinearity: 'tanh' | 'relu' = 'tanh') {
    super(hiddenSize, nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh');
  }
}

/**
 * LSTM (gates i, f, g, o):
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…), g = tanh(…), o = σ(…)
 *   c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 */
export class LSTMCell extends GatedCell {
  readonly kind = 'lstm';
  constructor(hiddenSize: number) {
    super(hiddenSize, 'lstm');
  }
}

/**
 * GRU (gates r, z, n):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(…)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 - z) ⊙ n + z ⊙ h
 */
export class GRUCell extends GatedCell {
  readonly kind = 'gru';
  constructor(hiddenSize: number) {
    super(hiddenSize, 'gru');
  }
}
