import { z } from 'zod';
import { ConfigError, arrayFor, describeValue, dtypeOf, mul, parseOptions, schemas, tensor, type LayerConfig, type Rng, type Tensor, type TypedArray } from '@rnn/core';
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
  /** The mask's host array, reused by every call of its size and dtype (`tensor` copies it). */
  private mask: TypedArray | null = null;

  call(x: Tensor, ctx: CallContext): Tensor {
    if (!ctx.training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    let m = this.mask;
    if (!m || m.length !== x.size || dtypeOf(m) !== x.dtype) m = this.mask = arrayFor(x.dtype, x.size);
    for (let i = 0; i < m.length; i++) m[i] = ctx.rng.next() < keep ? 1 / keep : 0;
    return mul(x, tensor(m, x.shape, { dtype: x.dtype, backend: x.backend }));
  }
  /** Dropout has no weights and does nothing at inference, so the model file leaves it out. */
  config(): LayerConfig | null {
    return null;
  }
}

const dropoutOptions = z.strictObject({
  /** Probability of zeroing each value (PyTorch `p`), in [0, 1). */
  rate: schemas.rate(),
  name: schemas.text().optional(),
});

export type DropoutOptions = z.infer<typeof dropoutOptions>;

/** `dropout(0.2)`, `dropout(0.2, 'drop1')` or `dropout({ rate: 0.2, name: 'drop1' })`. */
export function dropout(rate: number | DropoutOptions, name?: string): Dropout {
  if (typeof rate === 'object' && rate !== null) {
    if (name !== undefined) throw new ConfigError("dropout: give the name inside the options object, dropout({ rate, name })");
    const o = parseOptions(dropoutOptions, rate, 'dropout');
    return new Dropout(o.rate, o.name);
  }
  if (typeof rate !== 'number') throw new ConfigError(`dropout: rate must be a number in [0, 1) (or an options object { rate, name }), found ${describeValue(rate)}`);
  if (name !== undefined && typeof name !== 'string') throw new ConfigError(`dropout: name must be a string, found ${describeValue(name)}`);
  return new Dropout(rate, name);
}
