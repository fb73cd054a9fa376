import {
  ConfigError,
  Rng,
  parseOptions,
  schemas,
  ShapeError,
  argmax,
  cast,
  eq,
  fmt,
  gather,
  gt,
  mean,
  noGrad,
  tensor,
  tidy,
  type Tensor,
} from '@rnn/core';
import { z } from 'zod';
import { callbackSchema } from './callback-schema.js';
import { getLoss, lossSpec, type LossFn } from '../losses.js';
import { getOptimizer, type Optimizer } from '../optimizers/index.js';
import { optimizerSpec } from '../optimizers/options.js';
import { progressReporter } from './progress.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import type { Callback, History, LayerStack, SequenceBatch, TrainableModel } from './types.js';

/** `Sequential.fit`'s front end to the `Trainer`: Keras-style compile, fit and evaluate over tensors. */
export type FitModel = LayerStack & TrainableModel<SequenceBatch>;

const { positiveInt, positiveNumber, nonNegativeInt, bool, integer, tensorSchema, lengthsSchema } = schemas;

export const METRIC_NAMES = ['mae', 'mse', 'accuracy'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const compileOptions = z.strictObject({
  optimizer: optimizerSpec,
  loss: lossSpec,
  metrics: z.array(z.enum(METRIC_NAMES), { error: `an array of metric names (${METRIC_NAMES.join(', ')})` }).optional(),
  /** Clip gradients by global norm before each step (`clip_grad_norm_`). */
  clipNorm: positiveNumber().optional(),
  /** Clip each gradient to ±value before each step (`clip_grad_value_`). */
  clipValue: positiveNumber().optional(),
});

const fitOptions = z.strictObject({
  epochs: positiveInt().optional(),
  batchSize: positiveInt().optional(),
  /** Shuffle rows every epoch (default true). false: consecutive slices in row order. */
  shuffle: bool().optional(),
  /** Hold out this fraction of rows (the last ones, before shuffling) for validation. */
  validationSplit: z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' }).optional(),
  validationData: z.tuple([tensorSchema(), tensorSchema()], { error: 'a pair [x, y] of Tensors' }).optional(),
  callbacks: z.array(callbackSchema, { error: 'an array of Callbacks' }).optional(),
  /** Seeds shuffling and dropout. */
  seed: integer().optional(),
  /** Per-row valid lengths for variable-length sequence batches. */
  lengths: lengthsSchema().optional(),
  /** Check the loss and gradients for NaN/Inf at every step (default true). */
  checkNumerics: bool().optional(),
  /** Start counting epochs here (resuming). */
  initialEpoch: nonNegativeInt().optional(),
  /**
   * With `initialEpoch`: skip that epoch's first batches (resuming mid-epoch). Its shuffle is drawn
   * again, so the generator must hold its state from the start of that epoch (a callback restores it).
   */
  initialBatch: nonNegativeInt().optional(),
  /**
   * Progress on stderr, as Keras's `verbose`: 0 (the default) prints nothing; 1 a bar per epoch on
   * a terminal (batch, loss, rate, ETA), replaced by one line when the epoch ends, and one line
   * per epoch elsewhere (a pipe, a file, CI); 2 one line per epoch everywhere. Checked by
   * `progressFor`, whose message says how to write `true`.
   */
  verbose: z.unknown().optional() as z.ZodOptional<z.ZodType<0 | 1 | 2>>,
  /** Data-parallel training (the Trainer's `distributed`): unset, on under mpirun; `{ bucketMB }` sizes the gradient buckets. */
  distributed: z.union([bool(), z.strictObject({ bucketMB: positiveNumber().optional() })]).optional(),
});

/** `evaluate` and `predict`: batch size and per-row valid lengths. */
export const batchOptions = z.strictObject({ batchSize: positiveInt().optional(), lengths: lengthsSchema().optional() });

export type CompileOptions = z.infer<typeof compileOptions>;
export type FitOptions = z.infer<typeof fitOptions>;
export type BatchOptions = z.infer<typeof batchOptions>;

/** Check `fit`'s options where the user passed them (`model.fit`). */
export function checkFitOptions(o: unknown, where = 'fit'): FitOptions {
  return parseOptions(fitOptions, o, where);
}

export interface Compiled {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: string;
  metrics: MetricName[];
  clipNorm?: number;
  clipValue?: number;
}

export function compile(options: CompileOptions, where = 'compile'): Compiled {
  const o = parseOptions(compileOptions, options, where);
  const lossName = typeof o.loss === 'string' ? o.loss : typeof o.loss === 'function' ? o.loss.name || 'custom' : 'huber';
  return {
    optimizer: getOptimizer(o.optimizer, `${where}: optimizer`),
    loss: getLoss(o.loss, `${where}: loss`),
    lossName,
    metrics: o.metrics ?? [],
    clipNorm: o.clipNorm,
    clipValue: o.clipValue,
  };
}

/** Refuse a target that cannot match the model's output, before any training happens. */
export function checkTarget(model: LayerStack, x: Tensor, y: Tensor, c: Compiled, what = 'y'): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(`fit: x has ${x.shape[0]} rows but ${what} has ${y.shape[0]} (${fmt(x.shape)} vs ${fmt(y.shape)})`);
  }
  const out = model.outputShapeFor(x);
  const classIds = c.lossName === 'crossentropy';
  const want = classIds ? out.slice(0, -1) : out;
  if (want.length === y.rank && want.every((d, i) => d === y.shape[i])) return;
  let hint = '';
  if (y.rank === want.length + 1 && !classIds) {
    const last = [...model.layers].reverse().find((l) => 'returnSequences' in l);
    hint =
      ` — ${what} has a time axis the output lacks: either set returnSequences: true on the last recurrent layer` +
      `${last ? ` ('${last.name}')` : ''} to predict every step, or give ${what} as ${fmt([y.shape[0]!, ...y.shape.slice(2)])} (one target per sequence)`;
  } else if (y.rank === want.length - 1 && !classIds) {
    hint = ` — the model predicts every time step; give ${what} a time axis, or set returnSequences: false on the last recurrent layer`;
  } else if (classIds) {
    hint = ' — crossentropy takes integer class ids, one per output position';
  }
  throw new ShapeError(
    `fit: ${what} has shape ${fmt(y.shape)} but the model's output is ${fmt(out)}${classIds ? ` (class ids expected: ${fmt(want)})` : ''}${hint}`,
  );
}

function rows(t: Tensor, idx: Int32Array): Tensor {
  return gather(t, tensor(idx, [idx.length], { dtype: 'int32', backend: t.backend }));
}

function computeMetrics(metrics: MetricName[], pred: Tensor, y: Tensor, lossName: string): Record<string, number> {
  const out: Record<string, number> = {};
  noGrad(() => {
    for (const m of metrics) {
      if (m === 'accuracy') {
        if (lossName === 'crossentropy') out[m] = mean(cast(eq(argmax(pred, -1), y), 'float32')).item();
        else if (pred.shape[pred.rank - 1] === 1 || lossName.startsWith('bce')) {
          const thr = lossName === 'bceWithLogits' ? 0 : 0.5;
          out[m] = mean(cast(eq(cast(gt(pred, thr), 'int32'), cast(y, 'int32')), 'float32')).item();
        } else out[m] = mean(cast(eq(argmax(pred, -1), argmax(cast(y, pred.dtype), -1)), 'float32')).item();
      } else {
        const fn = getLoss(m);
        out[m] = fn(pred, y).item();
      }
    }
  });
  return out;
}

/** Loss and metrics over a whole dataset, in batches, without gradients. */
export function evaluate(model: LayerStack, c: Compiled, x: Tensor, y: Tensor, batchSize = 256, lengths?: readonly number[]): Record<string, number> {
  checkTarget(model, x, y, c);
  const n = x.shape[0]!;
  let lossSum = 0;
  const metricSums: Record<string, number> = {};
  noGrad(() => {
    for (let i = 0; i < n; i += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, n - i) }, (_, k) => i + k);
      const batch = () => {
        const xb = rows(x, idx);
        const yb = rows(y, idx);
        const pred = model.forward(xb, { lengths: lengths ? Array.from(idx, (k) => lengths[k]!) : null });
        lossSum += c.loss(pred, yb).item() * idx.length;
        for (const [k, v] of Object.entries(computeMetrics(c.metrics, pred, yb, c.lossName))) metricSums[k] = (metricSums[k] ?? 0) + v * idx.length;
      };
      // a model whose layers keep nothing past a call (tidySteps): each batch's tensors freed as it
      // ends, so the next batch's results reuse their buffers (native)
      if ((model as { tidySteps?: boolean }).tidySteps === true) tidy(batch);
      else batch();
    }
  });
  const out: Record<string, number> = { loss: lossSum / n };
  for (const [k, v] of Object.entries(metricSums)) out[k] = v / n;
  return out;
}

/** The progress callback `verbose` asks for (none for 0). */
function progressFor(verbose: unknown): Callback[] {
  if (verbose === undefined || verbose === 0) return [];
  if (verbose !== 1 && verbose !== 2) {
    const hint = typeof verbose === 'boolean' ? ` (for ${verbose} write verbose: ${verbose ? 1 : 0})` : '';
    throw new ConfigError(
      `fit: verbose must be 0 (silent), 1 (a bar on a terminal, else a line per epoch) or 2 (a line per epoch), found ${JSON.stringify(verbose)}${hint}`,
    );
  }
  // no process in a browser: the lines go to the console there
  const stderr = typeof process !== 'undefined' && process.stderr ? process.stderr : { write: (s: string) => console.log(s.replace(/\n$/, '')) };
  return [progressReporter({ stderr, verbose: true, bar: verbose === 1 })];
}

/** The trainer `fit` runs: the compiled optimizer, clipping and numerics checks. */
function trainerFor(model: FitModel, c: Compiled, o: FitOptions = {}, validate?: TrainerOptions['validate']): Trainer<SequenceBatch> {
  return new Trainer(model, {
    validate,
    optimizer: c.optimizer,
    epochs: o.epochs,
    batchSize: o.batchSize ?? 32,
    shuffle: o.shuffle,
    rng: new Rng(o.seed ?? 0),
    callbacks: [...progressFor(o.verbose), ...(o.callbacks ?? [])],
    clipNorm: c.clipNorm,
    clipValue: c.clipValue,
    checkNumerics: o.checkNumerics === false ? 'off' : 'step',
    initialEpoch: o.initialEpoch,
    initialBatch: o.initialBatch,
    distributed: o.distributed,
  });
}

/** One optimizer step on one mini-batch (for hand-written loops); returns the loss before the step. */
export function trainStep(model: FitModel, c: Compiled, xb: Tensor, yb: Tensor, ctx: { rng: Rng; lengths: readonly number[] | null; where: string; check: boolean }): number {
  return trainerFor(model, c, { checkNumerics: ctx.check }).step({ x: xb, y: yb, lengths: ctx.lengths }, { rng: ctx.rng, where: ctx.where, metric: () => {} });
}

function sliceRows(t: Tensor, from: number, to: number): Tensor {
  return rows(t, Int32Array.from({ length: to - from }, (_, i) => from + i));
}

/** Keras-style training: checks the data against the model, then runs the `Trainer`. */
export async function fit(model: FitModel, c: Compiled, x: Tensor, y: Tensor, options: FitOptions = {}): Promise<History> {
  const o = checkFitOptions(options);
  trainerFor(model, c, o); // checks the options before any work
  if (!model.built) model.build({ inputSize: x.shape[x.rank - 1], seed: o.seed });
  model.checkInput(x, 'fit: x');
  checkTarget(model, x, y, c);
  let n = x.shape[0]!;
  let val = o.validationData;
  let lengths = o.lengths;
  let valLengths: readonly number[] | undefined;
  if (o.validationSplit) {
    if (!(o.validationSplit > 0 && o.validationSplit < 1)) throw new ConfigError(`fit: validationSplit must be in (0, 1), found ${o.validationSplit}`);
    const nVal = Math.max(1, Math.floor(n * o.validationSplit));
    val = [sliceRows(x, n - nVal, n), sliceRows(y, n - nVal, n)];
    if (lengths) valLengths = lengths.slice(n - nVal);
    x = sliceRows(x, 0, n - nVal);
    y = sliceRows(y, 0, n - nVal);
    if (lengths) lengths = lengths.slice(0, n - nVal);
    n -= nVal;
  }
  if (val) {
    model.checkInput(val[0], 'fit: validation x');
    checkTarget(model, val[0], val[1], c, 'validation y');
  }
  const v = val;
  const validate = v
    ? () => Object.fromEntries(Object.entries(evaluate(model, c, v[0], v[1], 256, valLengths)).map(([k, value]) => [`val_${k}`, value]))
    : undefined;
  const [xs, ys, ls] = [x, y, lengths];
  return trainerFor(model, c, o, validate).fit({
    size: n,
    take: (idx) => ({ x: rows(xs, idx), y: rows(ys, idx), lengths: ls ? Array.from(idx, (k) => ls[k]!) : null }),
  });
}
