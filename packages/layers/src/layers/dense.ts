import { z } from 'zod';
import { ConfigError, ShapeError, parseOptions, schemas, linear, relu, sigmoid, softmax, tanh, initialise, type LayerConfig, type Rng, type Tensor, type InitName } from '@rnn/core';
import { Layer, type CallContext, type LayerParameter, type SymbolicShape } from './layer.js';

const ACTIVATIONS = ['linear', 'tanh', 'relu', 'sigmoid', 'softmax'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const denseOptions = z.strictObject({
  /** Output features (PyTorch `out_features`); the input width is inferred when the model is built. */
  units: schemas.positiveInt(),
  activation: z.enum(ACTIVATIONS).optional(),
  name: schemas.text().optional(),
  init: z.enum(['pytorch', 'glorot', 'orthogonal']).optional(),
  /** As in a model-file layer config (`model.config().layers[i]`): must name this layer. */
  type: z.literal('dense').optional(),
});

export type DenseOptions = z.infer<typeof denseOptions>;

/** `act(x W^T + b)` on the last axis (every time step of a sequence), PyTorch `nn.Linear` layout. */
export class Dense extends Layer {
  readonly type = 'dense';
  readonly units: number;
  readonly activation: Activation;
  readonly init: InitName;
  private inFeatures = 0;

  constructor(o: DenseOptions) {
    super(o?.name ?? 'fc');
    parseOptions(denseOptions, o, 'dense');
    if (!Number.isInteger(o.units) || o.units < 1) throw new ConfigError(`dense '${this.name}': units must be a positive integer, found ${o.units}`);
    const act = o.activation ?? 'linear';
    if (!ACTIVATIONS.includes(act)) {
      throw new ConfigError(`dense '${this.name}': unknown activation '${act}', expected one of ${ACTIVATIONS.join(', ')}`);
    }
    this.units = o.units;
    this.activation = act;
    this.init = o.init ?? 'pytorch';
  }

  build(input: SymbolicShape): SymbolicShape {
    if (input.kind === 'ids') throw new ShapeError(`dense '${this.name}': cannot read token ids; add an embedding layer first`);
    this.inFeatures = input.features;
    return { kind: input.kind, features: this.units };
  }

  parameters(rng: Rng): LayerParameter[] {
    // nn.Linear: kaiming_uniform(a=√5) on the weight, which is uniform(±1/√in), and the same for the bias
    const bound = 1 / Math.sqrt(this.inFeatures);
    const w = this.init === 'pytorch' ? ({ kind: 'uniform', bound } as const) : ({ kind: 'glorot' } as const);
    const b = this.init === 'pytorch' ? ({ kind: 'uniform', bound } as const) : ({ kind: 'zeros' } as const);
    return [
      { name: `${this.name}.weight`, shape: [this.units, this.inFeatures], init: initialise(w, [this.units, this.inFeatures], rng) },
      { name: `${this.name}.bias`, shape: [this.units], init: initialise(b, [this.units], rng) },
    ];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`dense '${this.name}': expected ${this.inFeatures} features on the last axis, found ${x.describe()}`);
    }
    const y = linear(x, ctx.param(`${this.name}.weight`), ctx.param(`${this.name}.bias`));
    switch (this.activation) {
      case 'linear':
        return y;
      case 'tanh':
        return tanh(y);
      case 'relu':
        return relu(y);
      case 'sigmoid':
        return sigmoid(y);
      case 'softmax':
        return softmax(y, -1);
    }
  }

  config(): LayerConfig {
    return { type: 'dense', name: this.name, units: this.units, activation: this.activation };
  }
}

export const dense = (o: DenseOptions): Dense => new Dense(o);
