import { add, linear, sigmoid, tanh, zeros, type Rng, type Tensor } from '@rnn/core';
import { initialise, registerCell, type Cell, type CellConfig, type CellParameter, type CellParams, type InitName } from '@rnn/layers';

/**
 * The Elman network exactly as the design article writes it, including the direct
 * input-to-output term:
 *
 *   h_t = f(W x_t + U h_{t-1} + b)
 *   y_t = g(W_y h_t + V x_t + c)
 *
 * with f = tanh and g = identity or sigmoid (`output`). Registered as 'elman' below, so a model
 * file naming it loads once this module is imported.
 */
export class ElmanCell implements Cell {
  readonly kind = 'elman';
  private readonly g: (t: Tensor) => Tensor;

  constructor(
    readonly hiddenSize: number,
    readonly outputSize: number,
    readonly output: 'identity' | 'sigmoid' = 'identity',
  ) {
    this.g = output === 'sigmoid' ? sigmoid : (t) => t;
  }

  parameters(inputSize: number, _init: InitName, rng: Rng): CellParameter[] {
    const H = this.hiddenSize;
    const O = this.outputSize;
    const u = (fanIn: number) => ({ kind: 'uniform', bound: 1 / Math.sqrt(fanIn) }) as const;
    return [
      { name: 'W', shape: [H, inputSize], init: initialise(u(H), [H, inputSize], rng) },
      { name: 'U', shape: [H, H], init: initialise(u(H), [H, H], rng) },
      { name: 'b', shape: [H], init: initialise(u(H), [H], rng) },
      { name: 'W_y', shape: [O, H], init: initialise(u(H), [O, H], rng) },
      { name: 'V', shape: [O, inputSize], init: initialise(u(inputSize), [O, inputSize], rng) },
      { name: 'c', shape: [O], init: initialise(u(H), [O], rng) },
    ];
  }

  initCarry(batch: number, like: Tensor): Tensor[] {
    return [zeros([batch, this.hiddenSize], { dtype: like.dtype, backend: like.backend })];
  }

  step(p: CellParams, [h]: Tensor[], x: Tensor): [Tensor[], Tensor] {
    const hNext = tanh(add(linear(x, p['W']!, p['b']!), linear(h!, p['U']!, null)));
    const y = this.g(add(linear(hNext, p['W_y']!, p['c']!), linear(x, p['V']!, null)));
    return [[hNext], y];
  }

  /** What the factory below needs to build this cell again (stored in the model file). */
  config(): CellConfig {
    return { hiddenSize: this.hiddenSize, outputSize: this.outputSize, output: this.output };
  }
}

registerCell('elman', (c) => new ElmanCell(c.hiddenSize, c.outputSize ?? c.hiddenSize, c['output'] === 'sigmoid' ? 'sigmoid' : 'identity'));
