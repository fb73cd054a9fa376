import { z } from 'zod';
import { CONV1D_ACTIVATIONS, ConfigError, ShapeError, conv1d as conv1dOp, initialise, parseOptions, relu, schemas, tanh, type LayerConfig, type Rng, type Tensor } from '@rnn/core';
import { Layer, type CallContext, type LayerParameter, type SymbolicShape } from './layer.js';

export type Conv1dActivation = (typeof CONV1D_ACTIVATIONS)[number];

const conv1dOptions = z.strictObject({
  /** Output channels (PyTorch `out_channels`); the input channels are inferred when the model is built. */
  outChannels: schemas.positiveInt(),
  /** Steps each output reads (PyTorch `kernel_size`). */
  kernelSize: schemas.positiveInt(),
  /** Zero steps added on each side of time (default 0); `(kernelSize - 1) / 2` keeps the length for an odd kernel. */
  padding: schemas.nonNegativeInt().optional(),
  activation: z.enum(CONV1D_ACTIVATIONS).optional(),
  name: schemas.text().optional(),
  /** As in a model-file layer config (`model.config().layers[i]`): must name this layer. */
  type: z.literal('conv1d').optional(),
});

export type Conv1dOptions = z.infer<typeof conv1dOptions>;

/**
 * A 1-D convolution over time: `act(conv1d(x, weight, bias))` on `[B, T, in]` giving
 * `[B, T + 2·padding − kernelSize + 1, outChannels]`, PyTorch `nn.Conv1d` weights
 * (`weight [outChannels, in, kernelSize]`, `bias [outChannels]`, uniform(±1/√(in·kernelSize))).
 * In a variable-length batch the length must not change (padding = (kernelSize − 1)/2), so the
 * lengths still describe the output; steps past a row's length read zeros only if the caller
 * zeroed them.
 */
export class Conv1d extends Layer {
  readonly type = 'conv1d';
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly padding: number;
  readonly activation: Conv1dActivation;
  private inChannels = 0;

  constructor(o: Conv1dOptions) {
    super(o?.name ?? 'conv');
    parseOptions(conv1dOptions, o, 'conv1d');
    this.outChannels = o.outChannels;
    this.kernelSize = o.kernelSize;
    this.padding = o.padding ?? 0;
    this.activation = o.activation ?? 'linear';
  }

  build(input: SymbolicShape): SymbolicShape {
    if (input.kind !== 'sequence') {
      throw new ShapeError(
        `conv1d '${this.name}': needs a sequence [batch, time, features]; its input is ${input.kind === 'ids' ? 'token ids (add an embedding layer first)' : `[batch, ${input.features}] (set returnSequences: true on the layer before)`}`,
      );
    }
    this.inChannels = input.features;
    return { kind: 'sequence', features: this.outChannels };
  }

  parameters(rng: Rng): LayerParameter[] {
    const bound = 1 / Math.sqrt(this.inChannels * this.kernelSize);
    const w = [this.outChannels, this.inChannels, this.kernelSize];
    return [
      { name: `${this.name}.weight`, shape: w, init: initialise({ kind: 'uniform', bound }, w, rng) },
      { name: `${this.name}.bias`, shape: [this.outChannels], init: initialise({ kind: 'uniform', bound }, [this.outChannels], rng) },
    ];
  }

  call(x: Tensor, ctx: CallContext): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.inChannels) {
      throw new ShapeError(`conv1d '${this.name}': expected input [batch, time, ${this.inChannels}], found ${x.describe()}`);
    }
    if (ctx.lengths && 2 * this.padding !== this.kernelSize - 1) {
      throw new ConfigError(
        `conv1d '${this.name}': a variable-length batch needs the output as long as the input, so padding must be ${(this.kernelSize - 1) / 2} ` +
          `for kernelSize ${this.kernelSize}, found ${this.padding}${this.kernelSize % 2 === 0 ? ' (use an odd kernelSize)' : ''}`,
      );
    }
    const y = conv1dOp(x, ctx.param(`${this.name}.weight`), ctx.param(`${this.name}.bias`), { padding: this.padding });
    return this.activation === 'tanh' ? tanh(y) : this.activation === 'relu' ? relu(y) : y;
  }

  config(): LayerConfig {
    return { type: 'conv1d', name: this.name, outChannels: this.outChannels, kernelSize: this.kernelSize, padding: this.padding, activation: this.activation };
  }
}

/** A conv1d layer: `conv1d({ outChannels: 50, kernelSize: 3, padding: 1 })`. */
export const conv1d = (o: Conv1dOptions): Conv1d => new Conv1d(o);
