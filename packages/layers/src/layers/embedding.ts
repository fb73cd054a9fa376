import { z } from 'zod';
import { ConfigError, ShapeError, parseOptions, schemas, ValueError, gather, initialise, type LayerConfig, type Rng, type Tensor } from '@rnn/core';
import { Layer, type CallContext, type LayerParameter, type SymbolicShape } from './layer.js';

const embeddingOptions = z.strictObject({
  /** Vocabulary size (Keras `input_dim`). */
  numEmbeddings: schemas.positiveInt(),
  /** Width of each vector (Keras `output_dim`). */
  embeddingDim: schemas.positiveInt(),
  name: schemas.text().optional(),
  /** As in a model-file layer config (`model.config().layers[i]`): must name this layer. */
  type: z.literal('embedding').optional(),
});

export type EmbeddingOptions = z.infer<typeof embeddingOptions>;

/** Token ids `[B, T]` to vectors `[B, T, embeddingDim]`; weight `[numEmbeddings, embeddingDim]`, N(0, 1) init. */
export class Embedding extends Layer {
  readonly type = 'embedding';
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(o: EmbeddingOptions) {
    super(o?.name ?? 'emb');
    parseOptions(embeddingOptions, o, 'embedding');
    for (const k of ['numEmbeddings', 'embeddingDim'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new ConfigError(`embedding '${this.name}': ${k} must be a positive integer, found ${o[k]}`);
    }
    this.numEmbeddings = o.numEmbeddings;
    this.embeddingDim = o.embeddingDim;
  }

  build(input: SymbolicShape): SymbolicShape {
    if (input.kind !== 'ids') {
      throw new ShapeError(`embedding '${this.name}': expects integer token ids [batch, time] as the model input; it must be the first layer`);
    }
    return { kind: 'sequence', features: this.embeddingDim };
  }

  parameters(rng: Rng): LayerParameter[] {
    const shape = [this.numEmbeddings, this.embeddingDim];
    return [{ name: `${this.name}.weight`, shape, init: initialise({ kind: 'normal', std: 1 }, shape, rng) }];
  }

  call(ids: Tensor, ctx: CallContext): Tensor {
    if (ids.dtype !== 'int32' || ids.rank !== 2) {
      throw new ShapeError(`embedding '${this.name}': expected int32 ids [batch, time], found ${ids.describe()}`);
    }
    const d = ids.data();
    for (let i = 0; i < d.length; i++) {
      if (d[i]! < 0 || d[i]! >= this.numEmbeddings) {
        throw new ValueError(`embedding '${this.name}': token id ${d[i]} at flat index ${i} is outside 0..${this.numEmbeddings - 1}`);
      }
    }
    return gather(ctx.param(`${this.name}.weight`), ids);
  }

  config(): LayerConfig {
    return { type: 'embedding', name: this.name, numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim };
  }
}

export const embedding = (o: EmbeddingOptions): Embedding => new Embedding(o);
