import type { ParameterSet, Rng, Tensor, TypedArray } from '@rnn/core';
import type { Layer } from '../layers/layer.js';
import type { Optimizer } from '../optimizers/optimizer.js';

/**
 * The types the training stack shares, in a leaf module (no imports from this folder), so the
 * trainer, the callbacks, the progress reporter and the models can all depend on it without
 * depending on one another.
 */

/** One training batch's context: the generator (dropout masks) and a place for batch metrics. */
export interface StepContext {
  rng: Rng;
  /** Add `value` (weighted by `weight`, e.g. the batch's size) to the epoch's mean of `name`. */
  metric(name: string, value: number, weight: number): void;
}

/**
 * What the `Trainer` trains: `Sequential`, `TreeNet`, and the models to come (encoder–decoder,
 * tagger) implement it. All parameters live in one flat `ParameterSet`.
 */
export interface TrainableModel<Batch = unknown> {
  /** Null until a lazily built model is built (the trainer builds it before asking). */
  readonly params: ParameterSet | null;
  /** The training loss of one batch (dropout on), with its graph recorded. */
  loss(batch: Batch, ctx: StepContext): Tensor;
  /** Inference without gradients. */
  predict(input: never, options?: never): unknown;
  /** What a model file stores to build the model again. */
  config(): unknown;
  /** Write the model file (atomically). */
  save(path: string): void | Promise<void>;
  /** Where element `k` of parameter `name` sits (layer, gate, unit), for divergence messages. */
  describeParameter?(name: string, k: number): string;
  /** The batch's input and target tensors, so a divergence caused by bad data names it. */
  batchTensors?(batch: Batch): Record<string, Tensor>;
  /**
   * What the loss is a mean over, for a batch (default: its rows). A loss averaged over tokens
   * returns the batch's token count, so that data-parallel training weights each rank's share by
   * its tokens and the averaged gradient equals one process's.
   */
  lossWeight?(batch: Batch): number;
  /**
   * Opt-in: the model keeps no tensor it creates during a training step past that step, so the
   * trainer frees them all as the step ends (`tidy`) and a backend that pools released buffers
   * (native) writes the next step's results into them instead of new ones (fewer garbage
   * collections). Default false: tensors are left to the garbage collector.
   */
  readonly tidySteps?: boolean;
}

export interface Logs {
  epoch: number;
  loss: number;
  [key: string]: number;
}

export interface BatchLogs {
  epoch: number;
  batch: number;
  loss: number;
  size: number;
}

export interface TrainBegin {
  model: TrainableModel;
  optimizer: Optimizer;
  epochs: number;
  batches: number;
  /** Draws the shuffles and the dropout masks: a resuming callback saves and restores its state. */
  rng: Rng;
  /** The trainer's time budget in minutes (`TrainerOptions.minutes`), if it has one. */
  minutes?: number;
  /**
   * With best-epoch selection (`TrainerOptions.select`): the best epoch so far, whose weights are
   * put back at the end. A resuming callback saves it in a checkpoint and sets it back, so that a
   * resumed run selects what the uninterrupted run would have.
   */
  selection?: { get(): Selection | null; set(best: Selection | null): void };
}

/** The best epoch so far under best-epoch selection: its score, index and weights (flat, as `params.values`). */
export interface Selection {
  value: number;
  epoch: number;
  weights: TypedArray;
}

export interface History {
  epochs: Logs[];
  /** 0-based epoch whose weights the model holds at the end (the best by `select`), or the last. */
  bestEpoch: number;
  /** Wall time of the whole run. */
  seconds: number;
  /** Training samples per second of optimizer steps (callbacks and validation excluded). */
  samplesPerSecond: number;
}

/**
 * Hooks into the `Trainer` (and so into `Sequential.fit` and `fitTrees`). Returning 'stop' from
 * `onEpochEnd` ends training after that epoch; from `onBatchBegin`, before that batch (the epoch
 * is left unfinished: no validation, no `onEpochEnd`).
 */
export interface Callback {
  onTrainBegin?(info: TrainBegin): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onBatchBegin?(batch: number, epoch: number): void | 'stop' | Promise<void | 'stop'>;
  onBatchEnd?(batch: number, logs: BatchLogs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | 'stop' | Promise<void | 'stop'>;
  onTrainEnd?(history: History): void | Promise<void>;
}

export interface ForwardOptions {
  training?: boolean;
  lengths?: readonly number[] | null;
  rng?: Rng;
}

/** What `fit`, `evaluate` and `summarize` read of a `Sequential` (kept here to avoid an import cycle). */
export interface LayerStack {
  readonly layers: readonly Layer[];
  readonly params: ParameterSet | null;
  readonly built: boolean;
  build(options: { inputSize?: number; seed?: number }): unknown;
  checkInput(x: Tensor, what?: string): void;
  forward(x: Tensor, options?: ForwardOptions): Tensor;
  outputShapeFor(x: Tensor): number[];
}

/** A mini-batch of sequences (or vectors) and their targets, with per-row valid lengths. */
export interface SequenceBatch {
  x: Tensor;
  y: Tensor;
  lengths: readonly number[] | null;
}
