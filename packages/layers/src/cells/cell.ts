import type { ParameterSpec, FusedCell, Rng, Tensor } from '@rnn/core';
import type { InitName } from '../init.js';

/**
 * A recurrent cell is a pure step (as in Flax/Equinox): given its parameters, the carry from the
 * previous step and the input at this step, it returns the new carry and the output. The shared
 * scan (`scan.ts`) handles time, direction, variable lengths and stacking; the engine handles
 * gradients; the model handles batching and save/load. A custom cell implements just this.
 *
 * The carry is a list of `[batch, width]` tensors (`[h]` for a simple RNN or GRU, `[h, c]` for an
 * LSTM); padded steps keep every entry of it unchanged.
 */
export interface Cell {
  /** Size of the state `h`. */
  readonly hiddenSize: number;
  /** Size of the output `y` at each step, when it differs from `hiddenSize` (default: hiddenSize). */
  readonly outputSize?: number;
  /** Parameters for a cell reading `inputSize` features; names are local (e.g. `weight_ih`). */
  parameters(inputSize: number, init: InitName, rng: Rng): CellParameter[];
  /** The carry at step 0 (zeros). */
  initCarry(batch: number, like: Tensor): Tensor[];
  /** One step: `x` is `[batch, inputSize]`. Returns the new carry and the output `[batch, outputSize]`. */
  step(params: CellParams, carry: Tensor[], x: Tensor): [Tensor[], Tensor];
  /** When set, the layer may run the backend's fused whole-sequence kernel for this mode. */
  readonly kernel?: FusedCell;
  /** Name of the cell type for summaries and configs. */
  readonly kind: string;
}

/** A parameter a cell declares. `name` is local; the layer adds `<layer>.` and `_l{k}[_reverse]`. */
export interface CellParameter extends Omit<ParameterSpec, 'init'> {
  init: Float64Array;
}

/** The cell's parameters by local name. */
export type CellParams = Readonly<Record<string, Tensor>>;
