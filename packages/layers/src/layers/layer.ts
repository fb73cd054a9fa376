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
  /** Opt-in (`rnn explain`): recurrent layers hand each direction's per-step internals here. */
  record?: (trace: LayerTrace) => void;
}

/** One recurrent layer direction's per-step internals, time-indexed, zeros at padded steps. */
export interface LayerTrace {
  /** The layer's name, its stacked layer `k` and direction. */
  layer: string;
  depth: number;
  direction: 'forward' | 'reverse';
  /** The cell kind (`lstm`, `gru`, `rnn`, or a custom cell's) and its gate names in order. */
  cell: string;
  gateNames: readonly string[];
  /** `[B, T, H]` the hidden states (the outputs). */
  h: Tensor;
  /** `[B, T, G*H]` the gate activations, or null for a custom cell. */
  gates: Tensor | null;
  /** `[B, T, H]` lstm's c_t, else null. */
  cells: Tensor | null;
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
