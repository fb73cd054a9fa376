import type { FusedCell } from '../backend.js';
import type { InitName } from '../init.js';
import type { JsonValue } from '../io/strict-json.js';
import type { ParameterSpec } from '../params.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';

/**
 * A recurrent cell is a pure step (as in Flax/Equinox): given its parameters, the carry from the
 * previous step and the input at this step, it returns the new carry and the output. The one
 * time loop (`scan`) handles direction, variable lengths and stacking the outputs; autodiff
 * handles gradients; a layer handles parameters, batching and save/load. The built-in cells are
 * written exactly like a custom one; `kernel` only lets `recurrence` swap their whole loop for a
 * backend's fused kernel, which the conformance suite checks against `scan` over this `step`.
 *
 * The carry is a list of `[batch, width]` tensors (`[h]` for a simple cell or GRU, `[h, c]` for an
 * LSTM); padded steps keep every entry of it unchanged.
 */
export interface Cell {
  /** The cell's registered name: what a model file stores to build it again. */
  readonly kind: string;
  /** Size of the state `h`. */
  readonly hiddenSize: number;
  /** Size of the output `y` at each step, when it differs from `hiddenSize` (default: hiddenSize). */
  readonly outputSize?: number;
  /** Parameters for a cell reading `inputSize` features; names are local (e.g. `weight_ih`). */
  parameters(inputSize: number, init: InitName, rng: Rng): CellParameter[];
  /** The carry at step 0 (zeros), on `like`'s backend and dtype. */
  initCarry(batch: number, like: Tensor): Tensor[];
  /** The shapes `initCarry(batch)` gives, without allocating it (optional: `recurrence` checks a
   *  given carry against these, else against an `initCarry` it then drops). */
  carryShapes?(batch: number): number[][];
  /** One step: `x` is `[batch, inputSize]`. Returns the new carry and the output `[batch, outputSize]`. */
  step(params: CellParams, carry: Tensor[], x: Tensor): [Tensor[], Tensor];
  /**
   * The backend kernel that computes this cell's whole sequence in one call
   * (`Backend.sequenceForward`/`sequenceBackward`). It needs PyTorch's parameter names and gate
   * layout (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`); leave it unset in custom cells.
   */
  readonly kernel?: FusedCell;
  /**
   * What the cell's registered factory needs to build it again: `hiddenSize`, `outputSize` if it
   * has one, and any other options as JSON. Omit it when the sizes are all (see `cellConfig`).
   */
  config?(): CellConfig;
}

/** A cell's constructor arguments as JSON (stored in the model file, passed to its factory). */
export interface CellConfig {
  hiddenSize: number;
  outputSize?: number;
  [option: string]: JsonValue | undefined;
}

/** A parameter a cell declares. `name` is local; the layer adds `<layer>.` and `_l{k}[_reverse]`. */
export interface CellParameter extends Omit<ParameterSpec, 'init'> {
  init: Float64Array;
}

/** The cell's parameters by local name. */
export type CellParams = Readonly<Record<string, Tensor>>;

/** `cell.config()`, or its sizes when it has no options. */
export function cellConfig(cell: { hiddenSize: number; outputSize?: number; config?(): CellConfig }): CellConfig {
  if (cell.config) return cell.config();
  return { hiddenSize: cell.hiddenSize, ...(cell.outputSize !== undefined ? { outputSize: cell.outputSize } : {}) };
}
