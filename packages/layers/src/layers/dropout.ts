import { z } from 'zod';
import { ConfigError, describeValue, mul, parseOptions, schemas, tensor, type LayerConfig, type Rng, type Tensor } from '@rnn/core';
import { Layer, type CallContext, type LayerParameter, type SymbolicShape } from './layer.js';

/** Host arrays for the masks, reused by every call (`tensor` copies them to the backend). */
let mask32 = new Float32Array(0);
let mask64 = new Float64Array(0);

/**
 * Inverted dropout of `x`: each value kept with probability 1 − `rate` and scaled by 1/(1 − rate),
 * else zeroed, one `rng` draw per element in order (`Rng.dropoutMask`); the mask is a constant of
 * the graph, so the gradient is the same mask times the incoming one. Every dropout of the layers
 * (the `Dropout` layer, tree nets, taggers, encoder–decoders) draws its mask here.
 */
export function dropoutMul(x: Tensor, rate: number, rng: Rng): Tensor {
  const n = x.size;
  let m: Float32Array | Float64Array;
  if (x.dtype === 'float32') {
    if (mask32.length < n) mask32 = new Float32Array(n);
    m = mask32.subarray(0, n);
  } else {
    if (mask64.length < n) mask64 = new Float64Array(n);
    m = mask64.subarray(0, n);
  }
  rng.dropoutMask(m, 1 - rate);
  return mul(x, tensor(m, x.shape, { dtype: x.dtype, backend: x.backend }));
}

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
    return dropoutMul(x, this.rate, ctx.rng);
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
