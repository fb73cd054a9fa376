import { ConfigError, mul, tensor, type LayerConfig, type Rng, type Tensor } from '@rnn/core';
import { Layer, type CallContext, type LayerParameter, type SymbolicShape } from './layer.js';

/** Inverted dropout: in training, zero each value with probability `rate` and scale the rest by 1/(1-rate). */
export class Dropout extends Layer {
  readonly type = 'dropout';
  constructor(
    readonly rate: number,
    name = 'dropout',
  ) {
    super(name);
    if (!(rate >= 0 && rate < 1)) throw new ConfigError(`dropout: rate must be in [0, 1), found ${rate}`);
  }
  build(input: SymbolicShape): SymbolicShape {
    return input;
  }
  parameters(_rng: Rng): LayerParameter[] {
    return [];
  }
  call(x: Tensor, ctx: CallContext): Tensor {
    if (!ctx.training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const m = new Float64Array(x.size);
    for (let i = 0; i < m.length; i++) m[i] = ctx.rng.next() < keep ? 1 / keep : 0;
    return mul(x, tensor(m, x.shape, { dtype: x.dtype, backend: x.backend }));
  }
  /** Dropout has no weights and does nothing at inference, so the model file leaves it out. */
  config(): LayerConfig | null {
    return null;
  }
}

export const dropout = (rate: number, name?: string): Dropout => new Dropout(rate, name);
