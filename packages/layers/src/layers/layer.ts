import type { LayerConfig, Rng, Tensor, CellParameter } from '@rnn/core';

/** What flows between layers, without the batch axis: a sequence `[T, F]`, ids `[T]`, or `[F]`. */
export interface SymbolicShape {
  /** 'sequence': `[B, T, F]`; 'ids': int32 `[B, T]`; 'vector': `[B, F]`. */
  kind: 'sequence' | 'ids' | 'vector';
  features: number;
}

export interface CallContext {
  training: boolean;
  /** Valid steps per batch row for variable-length batches, or null. */
  lengths: readonly number[] | null;
  rng: Rng;
  /** The layer's parameters by full name. */
  param(name: string): Tensor;
}

/** A named parameter with its full (PyTorch) name. */
export interface LayerParameter extends CellParameter {}

export abstract class Layer {
  abstract readonly type: string;
  constructor(public name: string) {}
  /** Check the input and return the output shape; called once when the model is built. */
  abstract build(input: SymbolicShape): SymbolicShape;
  /** Parameters with full names (`<name>.weight`...), initialised. */
  abstract parameters(rng: Rng): LayerParameter[];
  abstract call(x: Tensor, ctx: CallContext): Tensor;
  /** The model-file config of this layer, or null if it is not part of the file format (dropout). */
  abstract config(): LayerConfig | null;
}
